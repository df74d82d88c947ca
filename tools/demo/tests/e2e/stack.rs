//! The whole supergraph in this process: the four subgraphs, each on fresh databases of its
//! own, the payment provider and SMTP stand-ins, a supergraph composed from the running
//! subgraphs' SDL, and the router serving it; each subgraph behind a counting proxy so a
//! test can assert how many requests a query cost. Every name on the shared Postgres,
//! Redis and RabbitMQ is unique to the stack, so tests run in parallel. The subgraphs are
//! started by `demo::supergraph`, as the development start does.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use demo::api::Api;
use demo::supergraph::{self, Subgraphs};
use kit::settings::{DatabaseSettings, EventSettings};
use kit::testing::smtp::SmtpStandIn;
use router::config::{Config, SubgraphConfig};
use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::{Executor, PgPool};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use uuid::Uuid;

/// Databases of stacks that did not stop (a failed test) are dropped by a later run once
/// they are this old.
const STALE_AFTER: Duration = Duration::from_secs(3600);
const DATABASE_PREFIX: &str = "e2e_";

pub struct Stack {
    /// The router's GraphQL endpoint.
    pub api: Api,
    /// The users subgraph's database (the seed grants the admin role there).
    pub users_db: PgPool,
    /// Where orders publishes live status (`<prefix>order-status:<id>`).
    pub live_prefix: String,
    /// The payment provider stand-in (tests make it fail).
    pub provider: payment_provider::Provider,
    counters: BTreeMap<&'static str, Arc<AtomicUsize>>,
    server: PgPool,
    databases: Vec<String>,
    subgraphs: Subgraphs,
    /// Where every subgraph's mail goes.
    pub smtp: SmtpStandIn,
}

/// What stands behind events and caches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backends {
    /// The shared RabbitMQ and Redis (names unique to the stack).
    Servers,
    /// The in-process bus and store the development mode falls back to.
    InProcess,
}

impl Stack {
    pub async fn start() -> Self {
        Self::start_with(Backends::Servers).await
    }

    pub async fn start_with(backends: Backends) -> Self {
        kit::telemetry::init_for_tests();
        let server_url = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let server = PgPool::connect(&server_url)
            .await
            .expect("Postgres is reachable at DATABASE_URL");
        drop_stale_databases(&server).await;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("a clock after 1970")
            .as_secs();
        let tag = Uuid::new_v4().simple().to_string()[..12].to_owned();
        let (server_base, _) = server_url
            .rsplit_once('/')
            .expect("DATABASE_URL ends with a database name");
        let mut databases = Vec::new();
        let mut database_for = |service: &str| {
            let name = format!("{DATABASE_PREFIX}{now}_{tag}_{service}");
            let mut settings = DatabaseSettings::for_database(&name);
            settings.url = SecretString::from(format!("{server_base}/{name}"));
            settings.max_connections = 5;
            databases.push(name);
            settings
        };
        let smtp = SmtpStandIn::start()
            .await
            .expect("the SMTP stand-in starts");
        let smtp_url = Some(SecretString::from(smtp.url()));

        let mut settings = supergraph::Settings {
            users: users::Settings::default(),
            catalog: catalog::Settings::default(),
            reviews: reviews::Settings::default(),
            orders: orders::Settings::default(),
            payment_port: 0,
        };
        settings.users.server.port = 0;
        settings.users.database = database_for("users");
        settings.users.mail.smtp_url = smtp_url.clone();
        settings.catalog.server.port = 0;
        settings.catalog.database = database_for("catalog");
        settings.reviews.server.port = 0;
        settings.reviews.database = database_for("reviews");
        settings.orders.server.port = 0;
        settings.orders.database = database_for("orders");
        settings.orders.mail.smtp_url = smtp_url;
        let in_process = backends == Backends::InProcess;
        settings.events_mut(|events| {
            *events = EventSettings {
                prefix: format!("test-{tag}."),
                ephemeral: true,
                retry_base_ms: 50,
                max_retries: 3,
                outbox_poll_ms: 200,
                ..EventSettings::default()
            };
            if in_process {
                events.url = SecretString::from(kit::in_process::URL);
            }
        });
        settings.redis_mut(|redis| {
            redis.key_prefix = format!("test-{tag}:{}", redis.key_prefix);
            if in_process {
                redis.url = SecretString::from(kit::in_process::URL);
            }
        });
        let users_database = settings.users.database.clone();
        let live_prefix = settings.orders.redis.key_prefix.clone();
        let subgraphs = supergraph::start_subgraphs(settings)
            .await
            .unwrap_or_else(|err| panic!("the subgraphs start: {err}"));
        let supergraph = subgraphs
            .compose()
            .await
            .unwrap_or_else(|err| panic!("the subgraphs compose: {err}"));
        let users_db = kit::db::connect_and_migrate(&users_database, &users::MIGRATOR)
            .await
            .expect("the users database is there");
        let mut stack = Self {
            api: Api::new("http://invalid/graphql").expect("a client"),
            users_db,
            live_prefix,
            provider: subgraphs.provider.clone(),
            counters: BTreeMap::new(),
            server,
            databases,
            subgraphs,
            smtp,
        };

        // The router, reaching each subgraph through a counting proxy.
        let mut config = Config {
            listen: "127.0.0.1:0".parse().expect("an address"),
            ..Config::default()
        };
        for (name, url) in stack.subgraphs.urls.clone() {
            let counter = Arc::new(AtomicUsize::new(0));
            let proxy = stack.proxy(url.clone(), counter.clone()).await;
            stack.counters.insert(name, counter);
            config.subgraphs.insert(
                name.to_owned(),
                SubgraphConfig {
                    url: Some(format!("{proxy}/graphql")),
                    timeout_ms: None,
                    // The proxy counts requests; subscriptions go to the subgraph itself.
                    subscription_url: Some(format!(
                        "{}/graphql",
                        url.replacen("http://", "ws://", 1)
                    )),
                },
            );
        }
        let router = router::RouterServer::build(&config, &supergraph)
            .await
            .expect("the router serves the composed supergraph");
        stack.api =
            Api::new(format!("http://127.0.0.1:{}/graphql", router.port())).expect("a client");
        stack.subgraphs.spawn(|stop| router.run_until(stop));
        stack
    }

    /// Requests each subgraph received from the router since the last reset, by name.
    pub fn requests(&self) -> BTreeMap<&'static str, usize> {
        self.counters
            .iter()
            .map(|(name, counter)| (*name, counter.load(Ordering::SeqCst)))
            .collect()
    }

    pub fn reset_requests(&self) {
        for counter in self.counters.values() {
            counter.store(0, Ordering::SeqCst);
        }
    }

    /// The router's WebSocket endpoint.
    pub fn websocket_url(&self) -> String {
        self.api.url().replacen("http://", "ws://", 1)
    }

    /// POSTs an operation to the router; the whole response.
    pub async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let mut request = reqwest::Client::new()
            .post(self.api.url())
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the router answers");
        response.json().await.expect("a JSON response")
    }

    /// Stops every server, waits for them, and drops the stack's databases.
    pub async fn stop(self) {
        self.subgraphs.stop().await;
        self.users_db.close().await;
        for name in &self.databases {
            drop_database(&self.server, name).await;
        }
    }

    /// A proxy in front of `target` counting the GraphQL requests it passes on; its URL.
    async fn proxy(&mut self, target: String, counter: Arc<AtomicUsize>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let state = Proxy {
            target,
            counter,
            client: reqwest::Client::new(),
        };
        let app = axum::Router::new().fallback(forward).with_state(state);
        self.subgraphs.spawn(|stop| async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
        });
        url
    }
}

#[derive(Clone)]
struct Proxy {
    target: String,
    counter: Arc<AtomicUsize>,
    client: reqwest::Client,
}

async fn forward(
    State(proxy): State<Proxy>,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method == Method::POST {
        proxy.counter.fetch_add(1, Ordering::SeqCst);
    }
    let mut request = proxy
        .client
        .request(method, format!("{}{}", proxy.target, uri.path()))
        .body(body);
    for name in [header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT] {
        if let Some(value) = headers.get(&name) {
            request = request.header(name, value);
        }
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
            let body = response.bytes().await.unwrap_or_default();
            let mut answer = (status, body).into_response();
            if let Some(content_type) = content_type {
                answer
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, content_type);
            }
            answer
        }
        Err(err) => (StatusCode::BAD_GATEWAY, err.to_string()).into_response(),
    }
}

async fn drop_database(server: &PgPool, name: &str) {
    let statement = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    if let Err(err) = server.execute(sqlx::AssertSqlSafe(statement)).await {
        eprintln!("cannot drop the test database {name}: {err}");
    }
}

/// Drops the databases that stacks of earlier runs left behind (`e2e_<unix time>_…`).
async fn drop_stale_databases(server: &PgPool) {
    let names: Vec<String> =
        sqlx::query_scalar(r"SELECT datname FROM pg_database WHERE datname LIKE 'e2e\_%'")
            .fetch_all(server)
            .await
            .unwrap_or_default();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |now| now.as_secs());
    for name in names {
        let created = name
            .strip_prefix(DATABASE_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|created| now.saturating_sub(created) > STALE_AFTER.as_secs()) {
            drop_database(server, &name).await;
        }
    }
}
