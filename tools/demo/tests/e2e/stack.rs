//! The whole supergraph in this process: the four subgraphs, each on fresh databases of its
//! own, the payment provider and SMTP stand-ins, a supergraph composed from the running
//! subgraphs' SDL, and the router serving it; each subgraph behind a counting proxy so a
//! test can assert how many requests a query cost. Every name on the shared Postgres,
//! Redis and RabbitMQ is unique to the stack, so tests run in parallel.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use demo::api::Api;
use kit::auth::TokenVerifier;
use kit::events::Broker;
use kit::settings::{AuthSettings, DatabaseSettings, EventSettings};
use kit::testing::smtp::SmtpStandIn;
use router::compose::{ComposeConfig, SubgraphSource};
use router::config::{Config, SubgraphConfig};
use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::{Executor, PgPool};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
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
    counters: BTreeMap<&'static str, Arc<AtomicUsize>>,
    server: PgPool,
    pools: Vec<PgPool>,
    databases: Vec<String>,
    brokers: Vec<Broker>,
    stops: Vec<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<std::io::Result<()>>>,
    /// Where every subgraph's mail goes.
    pub smtp: SmtpStandIn,
}

impl Stack {
    pub async fn start() -> Self {
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
        let database_for = |service: &str| {
            let name = format!("{DATABASE_PREFIX}{now}_{tag}_{service}");
            let mut settings = DatabaseSettings::for_database(&name);
            settings.url = SecretString::from(format!("{server_base}/{name}"));
            settings.max_connections = 5;
            (name, settings)
        };
        let events = EventSettings {
            prefix: format!("test-{tag}."),
            ephemeral: true,
            retry_base_ms: 50,
            max_retries: 3,
            outbox_poll_ms: 200,
            ..EventSettings::default()
        };
        let mut stack = Self {
            api: Api::new("http://invalid/graphql").expect("a client"),
            users_db: server.clone(),
            counters: BTreeMap::new(),
            server,
            pools: Vec::new(),
            databases: Vec::new(),
            brokers: Vec::new(),
            stops: Vec::new(),
            tasks: Vec::new(),
            smtp: SmtpStandIn::start()
                .await
                .expect("the SMTP stand-in starts"),
        };
        let smtp_url = stack.smtp.url();

        // The payment provider stand-in.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let provider_url = format!("http://{}", listener.local_addr().expect("address"));
        stack.spawn(|stop| payment_provider::serve(listener, Default::default(), stop));

        // users: it signs the tokens; the others verify them against its JWKS.
        let (name, database) = database_for("users");
        let mut settings = users::Settings::default();
        settings.server.port = 0;
        settings.database = database;
        settings.mail.smtp_url = Some(SecretString::from(smtp_url.clone()));
        let pool = stack
            .database(name, &settings.database, &users::MIGRATOR)
            .await;
        stack.users_db = pool.clone();
        let app = users::Application::build_with_pool(settings, pool)
            .await
            .expect("the users subgraph starts");
        let users_url = format!("http://127.0.0.1:{}", app.port());
        stack.spawn(|stop| app.run_until(stop));
        let auth = AuthSettings {
            jwks_url: format!("{users_url}/.well-known/jwks.json"),
            ..AuthSettings::default()
        };
        let verifier = || {
            TokenVerifier::remote(
                auth.jwks_url.clone(),
                &auth.issuer,
                &auth.audience,
                Duration::from_secs(auth.jwks_refresh_secs),
            )
        };

        let (name, database) = database_for("catalog");
        let mut settings = catalog::Settings::default();
        settings.server.port = 0;
        settings.database = database;
        settings.auth = auth.clone();
        settings.redis.key_prefix = format!("test-{tag}:catalog:");
        settings.events = events.clone();
        let pool = stack
            .database(name, &settings.database, &catalog::MIGRATOR)
            .await;
        let app = catalog::Application::build_with_pool(settings, pool, verifier())
            .await
            .expect("the catalog subgraph starts");
        let catalog_url = format!("http://127.0.0.1:{}", app.port());
        stack.brokers.extend(app.broker().cloned());
        stack.spawn(|stop| app.run_until(stop));

        let (name, database) = database_for("reviews");
        let mut settings = reviews::Settings::default();
        settings.server.port = 0;
        settings.database = database;
        settings.auth = auth.clone();
        let pool = stack
            .database(name, &settings.database, &reviews::MIGRATOR)
            .await;
        let app = reviews::Application::build_with_pool(settings, pool, verifier())
            .await
            .expect("the reviews subgraph starts");
        let reviews_url = format!("http://127.0.0.1:{}", app.port());
        stack.spawn(|stop| app.run_until(stop));

        let (name, database) = database_for("orders");
        let mut settings = orders::Settings::default();
        settings.server.port = 0;
        settings.database = database;
        settings.auth = auth.clone();
        settings.redis.key_prefix = format!("test-{tag}:");
        settings.events = events.clone();
        settings.catalog.url = format!("{catalog_url}/graphql");
        settings.payments.url = provider_url;
        settings.mail.smtp_url = Some(SecretString::from(smtp_url));
        let pool = stack
            .database(name, &settings.database, &orders::MIGRATOR)
            .await;
        let app = orders::Application::build_with_pool(settings, pool, verifier())
            .await
            .expect("the orders subgraph starts");
        let orders_url = format!("http://127.0.0.1:{}", app.port());
        stack.brokers.extend(app.broker().cloned());
        stack.spawn(|stop| app.run_until(stop));

        // The supergraph, composed from what the running subgraphs serve.
        let direct = [
            ("catalog", catalog_url),
            ("orders", orders_url),
            ("reviews", reviews_url),
            ("users", users_url),
        ];
        let compose = ComposeConfig {
            subgraphs: direct
                .iter()
                .map(|(name, url)| {
                    let source = SubgraphSource {
                        url: format!("{url}/graphql"),
                        schema: None,
                    };
                    ((*name).to_owned(), source)
                })
                .collect(),
        };
        let supergraph = router::compose::compose_subgraphs(&compose, std::path::Path::new("."))
            .await
            .unwrap_or_else(|err| panic!("the subgraphs compose: {err}"))
            .supergraph_sdl;

        // The router, reaching each subgraph through a counting proxy.
        let mut config = Config {
            listen: "127.0.0.1:0".parse().expect("an address"),
            ..Config::default()
        };
        for (name, url) in direct {
            let counter = Arc::new(AtomicUsize::new(0));
            let proxy = stack.proxy(url, counter.clone()).await;
            stack.counters.insert(name, counter);
            config.subgraphs.insert(
                name.to_owned(),
                SubgraphConfig {
                    url: Some(format!("{proxy}/graphql")),
                    timeout_ms: None,
                    subscription_url: None,
                },
            );
        }
        let router = router::RouterServer::build(&config, &supergraph)
            .await
            .expect("the router serves the composed supergraph");
        stack.api =
            Api::new(format!("http://127.0.0.1:{}/graphql", router.port())).expect("a client");
        stack.spawn(|stop| router.run_until(stop));
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
    pub async fn stop(mut self) {
        self.stops.clear();
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
        for broker in &self.brokers {
            broker.drop_connection().await;
        }
        for pool in &self.pools {
            pool.close().await;
        }
        for name in &self.databases {
            drop_database(&self.server, name).await;
        }
    }

    /// Creates and migrates a database of the stack's.
    async fn database(
        &mut self,
        name: String,
        settings: &DatabaseSettings,
        migrator: &sqlx::migrate::Migrator,
    ) -> PgPool {
        self.databases.push(name);
        let pool = kit::db::connect_and_migrate(settings, migrator)
            .await
            .expect("the database is created and migrated");
        self.pools.push(pool.clone());
        pool
    }

    /// Runs a server until the stack stops.
    fn spawn<F, Fut>(&mut self, start: F)
    where
        F: FnOnce(std::pin::Pin<Box<dyn Future<Output = ()> + Send>>) -> Fut,
        Fut: Future<Output = std::io::Result<()>> + Send + 'static,
    {
        let (stop, stopped) = oneshot::channel::<()>();
        let server = start(Box::pin(async move {
            let _ = stopped.await;
        }));
        self.stops.push(stop);
        self.tasks.push(tokio::spawn(server));
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
        self.spawn(|stop| async move {
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
