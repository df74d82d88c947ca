//! Starting the users subgraph on a fresh database and talking to it over HTTP; each test
//! with RabbitMQ names of its own, and a queue of its own to read what was published.

use kit::events::{Broker, Consumer, Envelope, HandleError, Handler, QueueSpec};
use kit::settings::EventSettings;
use kit::testing::smtp::{ReceivedMail, SmtpStandIn};
use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use users::{Application, Settings};
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery";

/// How long a test waits for something to be published before it gives up.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub pool: PgPool,
    pub smtp: SmtpStandIn,
    /// The events settings the subgraph was started with (the test's own prefix).
    pub events: EventSettings,
    /// The connection the subgraph's outbox relay uses.
    pub broker: Option<Broker>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// A signed-in user as the API returned it.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestApp {
    pub async fn spawn(pool: PgPool) -> Self {
        Self::spawn_with(pool, |_| {}).await
    }

    /// Starts the subgraph on port 0 with `configure` applied to test settings.
    pub async fn spawn_with(pool: PgPool, configure: impl FnOnce(&mut Settings)) -> Self {
        kit::telemetry::init_for_tests();
        let smtp = SmtpStandIn::start().await.expect("SMTP stand-in starts");
        let mut settings = Settings::default();
        settings.server.port = 0;
        settings.mail.smtp_url = Some(SecretString::from(smtp.url()));
        settings.events = EventSettings {
            prefix: format!("test-{}.", Uuid::new_v4().simple()),
            ephemeral: true,
            outbox_poll_ms: 200,
            ..EventSettings::default()
        };
        configure(&mut settings);
        let events = settings.events.clone();
        let app = Application::build_with_pool(settings, pool.clone())
            .await
            .expect("the subgraph starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let broker = app.broker().cloned();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        Self {
            address,
            client: reqwest::Client::new(),
            pool,
            smtp,
            events,
            broker,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    /// Asks the server to stop and waits until it has.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        match self.server.take() {
            Some(server) => server.await.expect("server task"),
            None => Ok(()),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// POSTs an operation and returns the whole GraphQL response.
    pub async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let mut request = self
            .client
            .post(self.url("/graphql"))
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

    pub async fn register(&self, email: &str) -> Session {
        self.register_with(email, PASSWORD, "Ada").await
    }

    pub async fn register_with(&self, email: &str, password: &str, display_name: &str) -> Session {
        let response = self
            .graphql(
                "mutation($input: RegisterInput!) { register(input: $input) { user { id } accessToken refreshToken } }",
                json!({ "input": { "email": email, "password": password, "displayName": display_name } }),
                None,
            )
            .await;
        session_from(&response, "register")
    }

    pub async fn login(&self, email: &str, password: &str) -> Value {
        self.graphql(
            "mutation($input: LoginInput!) { login(input: $input) { user { id email } accessToken refreshToken } }",
            json!({ "input": { "email": email, "password": password } }),
            None,
        )
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Value {
        self.graphql(
            "mutation($input: RefreshTokenInput!) { refreshToken(input: $input) { user { id } accessToken refreshToken } }",
            json!({ "input": { "refreshToken": refresh_token } }),
            None,
        )
        .await
    }

    /// Registers a user and makes them an admin the way an operator makes the first one
    /// (`users grant-role`), then signs in again for a token with the role.
    pub async fn admin(&self, email: &str) -> Session {
        let session = self.register(email).await;
        users::operator::grant_role(&self.pool, email, kit::Role::Admin)
            .await
            .expect("promoted");
        let response = self.login(email, PASSWORD).await;
        Session {
            user_id: session.user_id,
            ..session_from(&response, "login")
        }
    }

    pub async fn next_mail(&self) -> ReceivedMail {
        self.smtp
            .next_message(Duration::from_secs(10))
            .await
            .expect("a message reaches the SMTP relay")
    }
}

impl TestApp {
    /// Events not yet published by the outbox relay.
    pub async fn unpublished(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            .fetch_one(&self.pool)
            .await
            .expect("outbox counted")
    }

    /// A queue of the test's own bound to `user.deleted` on the test's exchange (on the
    /// default broker, whatever URL the subgraph was given), declared before this returns.
    pub async fn listen(&self) -> Published {
        let events = EventSettings {
            url: EventSettings::default().url,
            ..self.events.clone()
        };
        let broker = Broker::new(&events, "users-tests");
        let (sender, received) = mpsc::unbounded_channel();
        let queue = QueueSpec::new("users-tests.deleted", &["user.deleted"]);
        let consumer = Consumer::new(broker.clone(), queue, Collect(sender));
        consumer
            .declare()
            .await
            .expect("the test queue is declared");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(consumer.run(async move {
            let _ = stopped.await;
        }));
        Published {
            broker,
            received,
            _stop: stop,
        }
    }
}

/// What reaches a test's own queue.
pub struct Published {
    /// A connection to the default broker, on the test's names.
    pub broker: Broker,
    received: mpsc::UnboundedReceiver<Envelope>,
    _stop: oneshot::Sender<()>,
}

impl Published {
    /// Every message that reached the queue before this call: a marker is published behind
    /// them, and what arrives before the marker is the answer. Only messages the broker
    /// confirmed before the call count (for the outbox: rows marked published).
    pub async fn so_far(&mut self) -> Vec<Envelope> {
        let marker = Envelope::new("user.deleted", Uuid::nil(), json!({ "marker": true }))
            .expect("the marker encodes");
        let body = serde_json::to_vec(&marker).expect("the marker serializes");
        self.broker
            .publish("user.deleted", &body)
            .await
            .expect("the marker is published");
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut before = Vec::new();
        loop {
            let envelope = tokio::time::timeout_at(deadline, self.received.recv())
                .await
                .expect("the marker arrives in time")
                .expect("the test consumer runs");
            if envelope.id == marker.id {
                return before;
            }
            before.push(envelope);
        }
    }
}

struct Collect(mpsc::UnboundedSender<Envelope>);

impl Handler for Collect {
    async fn handle(&self, envelope: Envelope) -> Result<(), HandleError> {
        let _ = self.0.send(envelope);
        Ok(())
    }
}

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

pub fn session_from(response: &Value, field: &str) -> Session {
    let payload = &response["data"][field];
    assert!(payload.is_object(), "no {field} payload in {response}");
    Session {
        user_id: payload["user"]["id"].as_str().expect("user id").to_owned(),
        access_token: payload["accessToken"]
            .as_str()
            .expect("access token")
            .to_owned(),
        refresh_token: payload["refreshToken"]
            .as_str()
            .expect("refresh token")
            .to_owned(),
    }
}

pub use kit::testing::error_codes;

/// The single error of a response: its code and message.
pub fn only_error(response: &Value) -> (String, String) {
    let errors = response["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "expected one error in {response}");
    (
        errors[0]["extensions"]["code"]
            .as_str()
            .unwrap_or("<none>")
            .to_owned(),
        errors[0]["message"].as_str().unwrap_or_default().to_owned(),
    )
}
