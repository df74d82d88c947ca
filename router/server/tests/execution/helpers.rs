//! Starting fixture subgraphs and a router in front of them, all on port 0, and counting the
//! requests each subgraph receives.

use super::{media_subgraphs, subgraphs};
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use router::RouterServer;
use router::config::{Config, SubgraphConfig};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a subgraph received.
#[derive(Default)]
pub struct Recorded {
    bodies: Mutex<Vec<Value>>,
}

impl Recorded {
    pub fn count(&self) -> usize {
        self.bodies.lock().unwrap().len()
    }

    pub fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }
}

/// Serves `schema` at `http://127.0.0.1:<port>/graphql`, recording each request.
pub async fn spawn_subgraph<E: async_graphql::Executor>(schema: E) -> (String, Arc<Recorded>) {
    let (app, recorded) = subgraph_app(schema);
    (serve(app).await, recorded)
}

/// The HTTP app serving `schema` at `/graphql`, recording each request.
pub fn subgraph_app<E: async_graphql::Executor>(schema: E) -> (axum::Router, Arc<Recorded>) {
    let recorded = Arc::new(Recorded::default());
    let app = axum::Router::new()
        .route(
            "/graphql",
            post(
                |State((schema, recorded)): State<(E, Arc<Recorded>)>, body: Bytes| async move {
                    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    recorded.bodies.lock().unwrap().push(value.clone());
                    let request: async_graphql::Request =
                        serde_json::from_value(value).expect("a GraphQL request");
                    let response = schema.execute(request).await;
                    axum::Json(serde_json::to_value(response).unwrap())
                },
            ),
        )
        .with_state((schema, recorded.clone()));
    (app, recorded)
}

/// A server answering every request with `body` and `status`.
pub async fn spawn_garbage(status: u16, body: &'static str) -> String {
    let app = axum::Router::new().route(
        "/graphql",
        post(move || async move { (axum::http::StatusCode::from_u16(status).unwrap(), body) }),
    );
    serve(app).await
}

/// A URL nothing listens on.
pub async fn closed_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/graphql")
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/graphql")
}

/// A supergraph from the planner's fixtures.
pub fn fixture(name: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../federation/tests/fixtures");
    let header = std::fs::read_to_string(format!("{dir}/join_header.graphql")).unwrap();
    std::fs::read_to_string(format!("{dir}/{name}.graphql"))
        .unwrap()
        .replace("#include join_header.graphql", &header)
}

/// A router in front of fixture subgraphs.
pub struct Gateway {
    pub url: String,
    pub client: reqwest::Client,
    pub recorded: HashMap<&'static str, Arc<Recorded>>,
    pub pipeline: Arc<router::pipeline::Pipeline>,
    pub serving: Arc<router::reload::Serving>,
}

pub const SUBGRAPHS: [&str; 4] = ["accounts", "inventory", "products", "reviews"];

impl Gateway {
    pub async fn start() -> Self {
        Self::start_with(HashMap::new(), |_| {}).await
    }

    /// Starts the store with some subgraphs replaced by other URLs, and the config adjusted.
    pub async fn start_with(
        replaced: HashMap<&'static str, String>,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let mut subgraphs = Vec::new();
        for name in SUBGRAPHS {
            let spawned = match replaced.get(name) {
                Some(url) => (url.clone(), None),
                None => {
                    let (url, record) = match name {
                        "accounts" => spawn_subgraph(subgraphs::accounts()).await,
                        "inventory" => spawn_subgraph(subgraphs::inventory()).await,
                        "products" => spawn_subgraph(subgraphs::products_schema()).await,
                        _ => spawn_subgraph(subgraphs::reviews()).await,
                    };
                    (url, Some(record))
                }
            };
            subgraphs.push((name, spawned.0, spawned.1));
        }
        Self::start_fixture("store", subgraphs, configure).await
    }

    /// The router in front of the media fixture's subgraphs.
    pub async fn media() -> Self {
        let mut subgraphs = Vec::new();
        for name in ["catalog", "pricing", "search", "social"] {
            let (url, record) = match name {
                "catalog" => spawn_subgraph(media_subgraphs::catalog()).await,
                "pricing" => spawn_subgraph(media_subgraphs::pricing()).await,
                "search" => spawn_subgraph(media_subgraphs::search()).await,
                _ => spawn_subgraph(media_subgraphs::social()).await,
            };
            subgraphs.push((name, url, Some(record)));
        }
        Self::start_fixture("media", subgraphs, |_| {}).await
    }

    /// A router for the supergraph `fixture`, its subgraphs at the given URLs.
    pub async fn start_fixture(
        fixture_name: &str,
        subgraphs: Vec<(&'static str, String, Option<Arc<Recorded>>)>,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        Self::start_fixture_with(fixture_name, |sdl| sdl, subgraphs, configure).await
    }

    /// [`Self::start_fixture`] with the fixture's SDL changed by `edit` first.
    pub async fn start_fixture_with(
        fixture_name: &str,
        edit: impl FnOnce(String) -> String,
        subgraphs: Vec<(&'static str, String, Option<Arc<Recorded>>)>,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..Config::default()
        };
        let mut recorded = HashMap::new();
        for (name, url, record) in subgraphs {
            if let Some(record) = record {
                recorded.insert(name, record);
            }
            config.subgraphs.insert(
                name.to_owned(),
                SubgraphConfig {
                    url: Some(url),
                    timeout_ms: None,
                    subscription_url: None,
                },
            );
        }
        configure(&mut config);
        let server = RouterServer::build(&config, &edit(fixture(fixture_name)))
            .await
            .expect("router starts");
        let url = format!("http://127.0.0.1:{}/graphql", server.port());
        let pipeline = server.pipeline();
        let serving = server.serving();
        tokio::spawn(server.run_until(std::future::pending()));
        Self {
            url,
            client: reqwest::Client::new(),
            recorded,
            pipeline,
            serving,
        }
    }

    /// Sends an operation; returns the HTTP status and the body.
    pub async fn send(&self, query: &str, variables: Value) -> (u16, Value) {
        self.send_raw(json!({ "query": query, "variables": variables }).to_string())
            .await
    }

    pub async fn query(&self, query: &str) -> Value {
        let (status, body) = self.send(query, json!({})).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn send_raw(&self, body: String) -> (u16, Value) {
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("router answers");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON"))
    }

    /// How many requests each subgraph received, by name (only those that got any).
    pub fn counts(&self) -> HashMap<&'static str, usize> {
        self.recorded
            .iter()
            .map(|(name, recorded)| (*name, recorded.count()))
            .filter(|(_, count)| *count > 0)
            .collect()
    }

    pub fn bodies(&self, subgraph: &str) -> Vec<Value> {
        self.recorded[subgraph].bodies()
    }
}

pub fn counts(pairs: &[(&'static str, usize)]) -> HashMap<&'static str, usize> {
    pairs.iter().copied().collect()
}

pub fn slow(delay: Duration) -> impl Future<Output = (String, Arc<Recorded>)> {
    spawn_subgraph(subgraphs::slow_reviews(delay))
}
