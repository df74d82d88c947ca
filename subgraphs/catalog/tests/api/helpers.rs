//! Starting the catalog subgraph on a fresh database and talking to it over HTTP, with access
//! tokens issued by the users subgraph's own signing code.

use catalog::{Application, Settings};
use kit::Role;
use kit::auth::TokenVerifier;
use kit::cache::Cache;
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::oneshot;
use users::tokens::{SigningKeys, TokenExtras};
use uuid::Uuid;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub pool: PgPool,
    pub settings: Settings,
    keys: SigningKeys,
    _shutdown: oneshot::Sender<()>,
}

impl TestApp {
    pub async fn spawn(pool: PgPool) -> Self {
        Self::spawn_with(pool, |_| {}).await
    }

    /// Starts the subgraph on port 0, with a Redis key prefix of its own, and `configure`
    /// applied to the settings.
    pub async fn spawn_with(pool: PgPool, configure: impl FnOnce(&mut Settings)) -> Self {
        kit::telemetry::init_for_tests();
        let mut settings = Settings::default();
        settings.server.port = 0;
        settings.redis.key_prefix = format!("test-{}:", Uuid::new_v4());
        // The saga has its own tests (orders); these talk to the subgraph alone.
        settings.events.enabled = false;
        configure(&mut settings);
        let token_settings = users::settings::TokenSettings::default();
        let keys =
            SigningKeys::new(&users::tokens::generate(), &token_settings).expect("signing keys");
        let verifier = TokenVerifier::from_jwks(
            keys.jwks(),
            &token_settings.issuer,
            &token_settings.audience,
        )
        .expect("verifier");
        let app = Application::build_with_pool(settings.clone(), pool.clone(), verifier)
            .await
            .expect("the subgraph starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        Self {
            address,
            client: reqwest::Client::new(),
            pool,
            settings,
            keys,
            _shutdown: shutdown,
        }
    }

    /// A cache handle on the same Redis keys as the running subgraph.
    pub fn cache(&self) -> Cache {
        Cache::new(&self.settings.redis)
    }

    /// An access token for a new user with `roles` and `scopes`.
    pub fn token(&self, roles: Vec<Role>, scopes: &[&str]) -> String {
        self.keys
            .issue_with(
                Uuid::new_v4(),
                roles,
                Uuid::new_v4(),
                TokenExtras {
                    name: Some("Tester".to_owned()),
                    scopes: scopes.iter().map(|scope| (*scope).to_owned()).collect(),
                    ..TokenExtras::default()
                },
            )
            .expect("token")
            .token
    }

    pub fn admin(&self) -> String {
        self.token(vec![Role::Customer, Role::Admin], &[])
    }

    pub fn customer(&self) -> String {
        self.token(vec![Role::Customer], &[])
    }

    /// POSTs an operation and returns the whole GraphQL response.
    pub async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
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

    /// Creates a category as an admin and returns its id.
    pub async fn category(&self, name: &str, parent: Option<&str>) -> String {
        let response = self
            .graphql(
                "mutation($input: CreateCategoryInput!) { createCategory(input: $input) { category { id } } }",
                json!({ "input": { "name": name, "parentId": parent } }),
                Some(&self.admin()),
            )
            .await;
        response["data"]["createCategory"]["category"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("category created: {response}"))
            .to_owned()
    }

    /// Creates a product as an admin from a (partial) input and returns its id.
    pub async fn product(&self, input: Value) -> String {
        let mut full = json!({
            "sku": format!("SKU-{}", Uuid::new_v4().simple()),
            "name": "Thing",
            "price": { "amount": 1000, "currency": "EUR" },
            "initialStock": 10,
        });
        if let (Some(full), Some(input)) = (full.as_object_mut(), input.as_object()) {
            full.extend(input.clone());
        }
        let response = self
            .graphql(
                CREATE_PRODUCT,
                json!({ "input": full }),
                Some(&self.admin()),
            )
            .await;
        response["data"]["createProduct"]["product"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("product created: {response}"))
            .to_owned()
    }
}

pub const CREATE_PRODUCT: &str = "mutation($input: CreateProductInput!) {
  createProduct(input: $input) {
    product { id sku name description price { amount currency } imageUrls attributes active
              inStock availableQuantity category { id } }
  }
}";

pub use kit::testing::error_codes;

/// The single error of a response: its code and the input field it names, if any.
pub fn only_error(response: &Value) -> (String, Option<String>) {
    let errors = response["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "expected one error in {response}");
    (
        errors[0]["extensions"]["code"]
            .as_str()
            .unwrap_or("<none>")
            .to_owned(),
        errors[0]["extensions"]["field"].as_str().map(str::to_owned),
    )
}

/// How many rows a table has.
pub async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(pool)
        .await
        .expect("count")
}
