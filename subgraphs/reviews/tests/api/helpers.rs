//! Starting the reviews subgraph on a fresh database and talking to it over HTTP, with access
//! tokens issued by the users subgraph's own signing code; each test with RabbitMQ names of
//! its own.

use kit::Role;
use kit::auth::TokenVerifier;
use kit::events::{Broker, Envelope};
use kit::settings::EventSettings;
use reviews::{Application, Settings};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use users::tokens::{SigningKeys, TokenExtras};
use uuid::Uuid;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub pool: PgPool,
    /// A connection of the test's own, on the test's names.
    pub broker: Broker,
    keys: SigningKeys,
    _shutdown: oneshot::Sender<()>,
}

/// A signed-in user.
pub struct Author {
    pub id: Uuid,
    pub token: String,
}

pub const CREATE: &str = "mutation($input: CreateReviewInput!) {
  createReview(input: $input) { review { id rating title body author { id displayName } product { id } } }
}";

impl TestApp {
    pub async fn spawn(pool: PgPool) -> Self {
        kit::telemetry::init_for_tests();
        let mut settings = Settings::default();
        settings.server.port = 0;
        settings.events = EventSettings {
            prefix: format!("test-{}.", Uuid::new_v4().simple()),
            ephemeral: true,
            retry_base_ms: 50,
            max_retries: 3,
            ..EventSettings::default()
        };
        let broker = Broker::new(&settings.events, "reviews-tests");
        let token_settings = users::settings::TokenSettings::default();
        let keys =
            SigningKeys::new(&users::tokens::generate(), &token_settings).expect("signing keys");
        let verifier = TokenVerifier::from_jwks(
            keys.jwks(),
            &token_settings.issuer,
            &token_settings.audience,
        )
        .expect("verifier");
        let app = Application::build_with_pool(settings, pool.clone(), verifier)
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
            broker,
            keys,
            _shutdown: shutdown,
        }
    }

    /// A token for `user` with `roles`, carrying `name` when given.
    pub fn token_for(&self, user: Uuid, roles: Vec<Role>, name: Option<&str>) -> String {
        self.keys
            .issue_with(
                user,
                roles,
                Uuid::new_v4(),
                TokenExtras {
                    name: name.map(str::to_owned),
                    scopes: Vec::new(),
                    ..TokenExtras::default()
                },
            )
            .expect("token")
            .token
    }

    /// A new customer called `name`.
    pub fn customer(&self, name: &str) -> Author {
        self.user(name, vec![Role::Customer])
    }

    pub fn user(&self, name: &str, roles: Vec<Role>) -> Author {
        let id = Uuid::new_v4();
        Author {
            id,
            token: self.token_for(id, roles, Some(name)),
        }
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

    /// `author` reviews `product` with `rating` stars; returns the review id.
    pub async fn review(&self, author: &Author, product: Uuid, rating: i32) -> String {
        let response = self
            .graphql(
                CREATE,
                json!({ "input": { "productId": product, "rating": rating, "title": format!("{rating} stars") } }),
                Some(&author.token),
            )
            .await;
        response["data"]["createReview"]["review"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("review created: {response}"))
            .to_owned()
    }
}

impl TestApp {
    /// Publishes `user.deleted` for `user` and returns the envelope.
    pub async fn delete_user(&self, user: Uuid) -> Envelope {
        let envelope = Envelope::new("user.deleted", user, json!({ "user_id": user }))
            .expect("the envelope encodes");
        self.publish(&envelope).await;
        envelope
    }

    /// Publishes `envelope` on the test's exchange, confirmed by the broker.
    pub async fn publish(&self, envelope: &Envelope) {
        let body = serde_json::to_vec(envelope).expect("the envelope serializes");
        self.broker
            .publish(&envelope.kind, &body)
            .await
            .expect("published");
    }

    /// The ids of `user`'s reviews, as served.
    pub async fn reviews_of(&self, user: Uuid) -> Vec<String> {
        let response = self
            .graphql(
                "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { reviews(first: 100) { edges { node { id } } } } } }",
                json!({ "r": [{ "__typename": "User", "id": user }] }),
                None,
            )
            .await;
        assert!(response["errors"].is_null(), "{response}");
        response["data"]["_entities"][0]["reviews"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|edge| edge["node"]["id"].as_str().expect("an id").to_owned())
            .collect()
    }
}

/// How long a test waits for the consumer before it gives up.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Polls `check` until it holds; false when it still does not after [`PATIENCE`].
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
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

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

/// A product's rating summary, as served.
pub async fn summary(app: &TestApp, product: Uuid) -> Value {
    let response = app
        .graphql(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { ratingSummary { average count histogram { rating count } } } } }",
            json!({ "r": [{ "__typename": "Product", "id": product }] }),
            None,
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["_entities"][0]["ratingSummary"].clone()
}

/// What the summary should be, recomputed from the reviews themselves.
pub async fn recomputed(pool: &PgPool, product: Uuid) -> Vec<i64> {
    let mut counts = Vec::new();
    for stars in (1..=5).rev() {
        let count: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM reviews WHERE product_id = $1 AND rating = $2",
        )
        .bind(product)
        .bind(stars as i16)
        .fetch_one(pool)
        .await
        .expect("count");
        counts.push(count);
    }
    counts
}

/// The histogram counts of a served summary, from 5 stars down to 1.
pub fn histogram(summary: &Value) -> Vec<i64> {
    summary["histogram"]
        .as_array()
        .expect("histogram")
        .iter()
        .map(|entry| entry["count"].as_i64().expect("count"))
        .collect()
}
