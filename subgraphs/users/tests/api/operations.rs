use crate::helpers::TestApp;
use kit::auth::TokenVerifier;
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn health_readiness_and_metrics_are_served(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    let ready = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    // A caller's request id is kept; one is made up otherwise.
    let traced = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(traced.headers()["x-request-id"], "abc-123");

    app.graphql("{ __typename }", json!({}), None).await;
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|line| line.starts_with("http_requests_total{")
                && line.contains("path=\"/graphql\"")),
        "{metrics}"
    );
    assert!(
        metrics.contains("http_request_duration_seconds_bucket"),
        "{metrics}"
    );
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn readiness_fails_when_the_database_is_unreachable(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let unreachable = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy("postgres://postgres@127.0.0.1:1/users")
        .unwrap();
    let routes = axum::Router::new();
    let settings = kit::settings::ServerSettings::default();
    let service = kit::http::with_operations(routes, unreachable, &settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(kit::http::serve(listener, service, std::future::pending()));

    let ready = app
        .client
        .get(format!("http://{address}/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let health = app
        .client
        .get(format!("http://{address}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "alive even when not ready");
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn other_services_verify_tokens_with_the_published_jwks(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let session = app.register("ada@example.com").await;

    let response = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    let jwks: Value = response.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["crv"].as_str(),
            key["alg"].as_str()
        ),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    assert!(key["kid"].is_string());
    assert!(key.get("d").is_none(), "no private part");

    let verifier = TokenVerifier::remote(
        app.url("/.well-known/jwks.json"),
        "users",
        "supergraph",
        Duration::from_secs(60),
    );
    let identity = verifier
        .verify(&session.access_token)
        .await
        .expect("verified over HTTP");
    assert_eq!(identity.user_id.to_string(), session.user_id);
    assert_eq!(identity.roles, [kit::Role::Customer]);

    let wrong_audience = TokenVerifier::remote(
        app.url("/.well-known/jwks.json"),
        "users",
        "another-audience",
        Duration::from_secs(60),
    );
    assert!(wrong_audience.verify(&session.access_token).await.is_err());
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn shutdown_finishes_the_requests_in_flight(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let body = json!({ "query": "{ __typename }" }).to_string();

    // Send the headers, then shut down, then the body: the request was in flight.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    // A second request on a new connection proves the server is processing requests.
    assert_eq!(
        app.client
            .get(app.url("/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let url = app.url("/health");
    let stopped = tokio::spawn(app.stop());
    tokio::task::yield_now().await;
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains(r#"{"data":{"__typename":"Query"}}"#),
        "{response}"
    );

    stopped.await.unwrap().expect("the server stopped cleanly");
    assert!(reqwest::get(url).await.is_err(), "no longer listening");
}

/// The production start path: the database does not exist yet; starting creates and
/// migrates it, and a second start finds it as it is.
#[tokio::test]
async fn starting_creates_and_migrates_a_missing_database() {
    let server = std::env::var("DATABASE_URL").expect("DATABASE_URL names the test server");
    let name = format!("users_start_{}", uuid::Uuid::new_v4().simple());
    let url = format!(
        "{}/{name}",
        server.rsplit_once('/').expect("a database url").0
    );
    let mut settings = users::Settings::default();
    settings.server.port = 0;
    settings.database = kit::settings::DatabaseSettings {
        url: secrecy::SecretString::from(url.clone()),
        ..kit::settings::DatabaseSettings::for_database(&name)
    };

    for _ in 0..2 {
        let app = users::Application::build(settings.clone())
            .await
            .expect("starts");
        assert_ne!(app.port(), 0);
    }
    let pool = PgPoolOptions::new().connect(&url).await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(applied, users::MIGRATOR.iter().count() as i64);
    pool.close().await;

    let admin = PgPoolOptions::new().connect(&server).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE \"{name}\" WITH (FORCE)"
    )))
    .execute(&admin)
    .await
    .unwrap();
}
