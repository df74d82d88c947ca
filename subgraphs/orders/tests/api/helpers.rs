//! Starting the orders subgraph beside a real catalog subgraph, the payment provider stand-in
//! and an SMTP stand-in, each test with its own databases, RabbitMQ names and Redis prefix;
//! access tokens come from the users subgraph's own signing code.

use kit::Role;
use kit::auth::TokenVerifier;
use kit::events::Broker;
use kit::settings::EventSettings;
use kit::testing::smtp::SmtpStandIn;
use orders::Settings;
use payment_provider::Provider;
use serde_json::{Value, json};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Executor, PgPool};
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::{OnceCell, oneshot};
use users::tokens::{SigningKeys, TokenExtras};
use uuid::Uuid;

/// How long a test waits for the saga before it gives up.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub struct TestApp {
    pub address: String,
    pub catalog_address: String,
    pub client: reqwest::Client,
    pub pool: PgPool,
    pub catalog_pool: PgPool,
    pub settings: Settings,
    pub provider: Provider,
    pub smtp: SmtpStandIn,
    /// A connection of the test's own, on the test's topology.
    pub broker: Broker,
    /// The connections the subgraphs use (to drop them).
    pub orders_broker: Option<Broker>,
    pub catalog_broker: Option<Broker>,
    keys: SigningKeys,
    _shutdown: Vec<oneshot::Sender<()>>,
}

/// A user and their access token.
pub struct User {
    pub id: Uuid,
    /// The address in the token, where confirmations go.
    pub email: Option<String>,
    pub token: String,
}

impl TestApp {
    pub async fn spawn(pool: PgPool) -> Self {
        Self::spawn_with(pool, |_| {}).await
    }

    /// Starts everything with `configure` applied to the orders subgraph's settings.
    pub async fn spawn_with(pool: PgPool, configure: impl FnOnce(&mut Settings)) -> Self {
        kit::telemetry::init_for_tests();
        let mut shutdown = Vec::new();
        let token_settings = users::settings::TokenSettings::default();
        let keys =
            SigningKeys::new(&users::tokens::generate(), &token_settings).expect("signing keys");
        let verifier = TokenVerifier::from_jwks(
            keys.jwks(),
            &token_settings.issuer,
            &token_settings.audience,
        )
        .expect("verifier");
        let tag = Uuid::new_v4().simple().to_string();
        let events = EventSettings {
            prefix: format!("test-{tag}."),
            ephemeral: true,
            retry_base_ms: 50,
            max_retries: 3,
            outbox_poll_ms: 200,
            ..EventSettings::default()
        };

        // The payment provider and the mail relay stand-ins.
        let provider = Provider::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let provider_url = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(payment_provider::serve(
            listener,
            provider.clone(),
            async move {
                let _ = stopped.await;
            },
        ));
        shutdown.push(stop);
        let smtp = SmtpStandIn::start().await.expect("SMTP stand-in");

        let mut settings = Settings::default();
        settings.server.port = 0;
        settings.redis.key_prefix = format!("test-{tag}:");
        settings.events = events.clone();
        settings.payments.url = provider_url;
        settings.payments.timeout_ms = 1000;
        settings.payments.failure_threshold = 3;
        settings.payments.open_ms = 200;
        settings.mail.smtp_url = Some(smtp.url().into());
        settings.checkout.expiry_interval_ms = 100;
        configure(&mut settings);

        // The catalog, on a database of its own beside the test's.
        let catalog_pool = catalog_database(&pool).await;
        let mut catalog_settings = catalog::Settings::default();
        catalog_settings.server.port = 0;
        catalog_settings.redis.key_prefix = format!("test-{tag}:catalog:");
        catalog_settings.events = EventSettings {
            enabled: settings.events.enabled,
            ..events.clone()
        };
        let catalog = catalog::Application::build_with_pool(
            catalog_settings,
            catalog_pool.clone(),
            verifier.clone(),
        )
        .await
        .expect("the catalog starts");
        let catalog_address = format!("http://127.0.0.1:{}", catalog.port());
        let catalog_broker = catalog.broker().cloned();
        shutdown.push(run(|stop| catalog.run_until(stop)));

        settings.catalog.url = format!("{catalog_address}/graphql");
        let app = orders::Application::build_with_pool(settings.clone(), pool.clone(), verifier)
            .await
            .expect("the orders subgraph starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let orders_broker = app.broker().cloned();
        shutdown.push(run(|stop| app.run_until(stop)));

        Self {
            address,
            catalog_address,
            client: reqwest::Client::new(),
            pool,
            catalog_pool,
            settings,
            provider,
            smtp,
            broker: Broker::new(&events, "orders-tests"),
            orders_broker,
            catalog_broker,
            keys,
            _shutdown: shutdown,
        }
    }

    pub fn user(&self, roles: Vec<Role>) -> User {
        let id = Uuid::new_v4();
        self.user_with(id, roles, Some(format!("user-{}@example.com", id.simple())))
    }

    /// A user whose token carries `email` (none: a token from before the claim existed).
    pub fn user_with(&self, id: Uuid, roles: Vec<Role>, email: Option<String>) -> User {
        let token = self
            .keys
            .issue_with(
                id,
                roles,
                Uuid::new_v4(),
                TokenExtras {
                    name: Some("Tester".to_owned()),
                    email: email.clone(),
                    scopes: Vec::new(),
                },
            )
            .expect("token")
            .token;
        User { id, email, token }
    }

    pub fn customer(&self) -> User {
        self.user(vec![Role::Customer])
    }

    pub fn staff(&self) -> User {
        self.user(vec![Role::Customer, Role::Support])
    }

    pub fn admin(&self) -> User {
        self.user(vec![Role::Customer, Role::Admin])
    }

    /// POSTs an operation to the orders subgraph and returns the whole response.
    pub async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        post(
            &self.client,
            &format!("{}/graphql", self.address),
            query,
            variables,
            token,
        )
        .await
    }

    /// Creates a product in the catalog and returns its id.
    pub async fn product(&self, price: i32, stock: i32) -> Uuid {
        let response = post(
            &self.client,
            &format!("{}/graphql", self.catalog_address),
            "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }",
            json!({ "input": {
                "sku": format!("SKU-{}", Uuid::new_v4().simple()),
                "name": "Thing",
                "price": { "amount": price, "currency": "EUR" },
                "initialStock": stock,
            } }),
            Some(&self.admin().token),
        )
        .await;
        response["data"]["createProduct"]["product"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("product created: {response}"))
            .parse()
            .expect("an id")
    }

    /// Places an order of `lines` (product, quantity) and returns the response.
    pub async fn place(
        &self,
        user: &User,
        key: &str,
        lines: &[(Uuid, i32)],
        extra: Value,
    ) -> Value {
        let mut input = json!({
            "idempotencyKey": key,
            "lines": lines.iter().map(|(product, quantity)| json!({ "productId": product, "quantity": quantity })).collect::<Vec<_>>(),
        });
        if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            input.extend(extra.clone());
        }
        self.graphql(PLACE, json!({ "input": input }), Some(&user.token))
            .await
    }

    /// Places an order and returns its id.
    pub async fn order(&self, user: &User, lines: &[(Uuid, i32)]) -> Uuid {
        let response = self
            .place(user, &Uuid::new_v4().to_string(), lines, json!({}))
            .await;
        order_id(&response)
    }

    pub async fn status(&self, order: Uuid) -> String {
        sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
            .bind(order)
            .fetch_one(&self.pool)
            .await
            .expect("the order exists")
    }

    /// Waits until the order has `status`.
    pub async fn wait_for_status(&self, order: Uuid, status: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let last = self.status(order).await;
            if last == status {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "order {order} is {last}, never {status}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until the order leaves PENDING and STOCK_RESERVED; returns where it ended.
    pub async fn wait_until_settled(&self, order: Uuid) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let last = self.status(order).await;
            if last != "PENDING" && last != "STOCK_RESERVED" {
                return last;
            }
            assert!(Instant::now() < deadline, "order {order} stayed {last}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// `(on_hand, reserved)` of a product in the catalog.
    pub async fn stock(&self, product: Uuid) -> (i32, i32) {
        sqlx::query_as("SELECT on_hand, reserved FROM inventory WHERE product_id = $1")
            .bind(product)
            .fetch_one(&self.catalog_pool)
            .await
            .expect("stock")
    }

    /// Waits until a product's reserved count is `reserved`.
    pub async fn wait_for_reserved(&self, product: Uuid, reserved: i32) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let last = self.stock(product).await;
            if last.1 == reserved {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "product {product} has {last:?} (on hand, reserved), never {reserved} reserved"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// Runs a server future until the returned sender is dropped.
fn run<F, Fut>(start: F) -> oneshot::Sender<()>
where
    F: FnOnce(std::pin::Pin<Box<dyn Future<Output = ()> + Send>>) -> Fut,
    Fut: Future<Output = std::io::Result<()>> + Send + 'static,
{
    let (stop, stopped) = oneshot::channel::<()>();
    let server = start(Box::pin(async move {
        let _ = stopped.await;
    }));
    tokio::spawn(server);
    stop
}

pub async fn post(
    client: &reqwest::Client,
    url: &str,
    query: &str,
    variables: Value,
    token: Option<&str>,
) -> Value {
    let mut request = client
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request sent");
    assert!(
        response.status().is_success(),
        "status {}",
        response.status()
    );
    response.json().await.expect("a JSON response")
}

/// Polls `check` until it holds or [`PATIENCE`] runs out; whether it held.
pub async fn eventually<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub const PLACE: &str = "mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    created
    order { id status total { amount currency } customer { id }
            lines { product { id } quantity unitPrice { amount currency } subtotal { amount } } }
  }
}";

pub fn order_id(response: &Value) -> Uuid {
    response["data"]["placeOrder"]["order"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("order placed: {response}"))
        .parse()
        .expect("an id")
}

pub use kit::testing::error_codes;

/// A database for the catalog beside the test's own (`_sqlxc_<its random part>`), migrated.
/// Those left by earlier runs whose test database is gone are dropped first.
async fn catalog_database(pool: &PgPool) -> PgPool {
    static CLEANED: OnceCell<()> = OnceCell::const_new();
    CLEANED
        .get_or_init(|| async {
            let stale: Vec<String> = sqlx::query_scalar(
                r"SELECT c.datname FROM pg_database c
                 WHERE c.datname LIKE '\_sqlxc\_%'
                   AND NOT EXISTS (SELECT 1 FROM pg_database t
                                   WHERE t.datname LIKE '\_sqlx\_test\_' || substr(c.datname, 8) || '%')",
            )
            .fetch_all(pool)
            .await
            .unwrap_or_default();
            for name in stale {
                let _ = pool
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{name}\""
                    )))
                    .await;
            }
        })
        .await;
    let base: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(pool)
        .await
        .expect("database name");
    // `_sqlx_test_<random>` fills Postgres' 63 characters: keep the random part only.
    let random: String = base
        .trim_start_matches("_sqlx_test_")
        .chars()
        .take(50)
        .collect();
    let name = format!("_sqlxc_{random}");
    pool.execute(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\""
    )))
    .await
    .expect("drop a leftover catalog database");
    pool.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .await
        .expect("create the catalog database");
    let options = pool.connect_options().as_ref().clone().database(&name);
    let catalog = PgPoolOptions::new()
        .max_connections(5)
        .connect_with(options)
        .await
        .expect("connect to the catalog database");
    catalog::MIGRATOR
        .run(&catalog)
        .await
        .expect("catalog migrations");
    catalog
}
