//! Starting the users subgraph on a fresh database and talking to it over HTTP.

use kit::testing::smtp::{ReceivedMail, SmtpStandIn};
use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::oneshot;
use users::{Application, Settings};

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub pool: PgPool,
    pub smtp: SmtpStandIn,
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
        configure(&mut settings);
        let app = Application::build_with_pool(settings, pool.clone())
            .await
            .expect("the subgraph starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        Self {
            address,
            client: reqwest::Client::new(),
            pool,
            smtp,
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

/// The codes of a response's errors, in order.
pub fn error_codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|error| {
                    error["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

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
