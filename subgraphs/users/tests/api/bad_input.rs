use crate::helpers::{PASSWORD, TestApp, error_codes, only_error};
use serde_json::{Value, json};
use sqlx::PgPool;

const REGISTER: &str =
    "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }";

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn malformed_requests_get_a_parse_error_and_the_server_keeps_serving(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for body in ["{not json", "[]", "{\"variables\": {}}", "42"] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let json: Value = response.json().await.unwrap();
        if body == "[]" {
            // An empty batch is a valid (if pointless) request.
            assert!(status.is_success(), "{body}: {status}");
            continue;
        }
        // Without a query the request parses as an empty document, which does not.
        if body != "{\"variables\": {}}" {
            assert_eq!(status, 400, "{body}");
        }
        assert_eq!(error_codes(&json), ["GRAPHQL_PARSE_FAILED"], "{body}");
    }

    let syntax = app.graphql("{ me { id ", json!({}), None).await;
    assert_eq!(only_error(&syntax).0, "GRAPHQL_PARSE_FAILED");
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn invalid_operations_fail_validation(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let unknown_field = app.graphql("{ me { id password } }", json!({}), None).await;
    assert_eq!(error_codes(&unknown_field), ["GRAPHQL_VALIDATION_FAILED"]);

    let wrong_variable = app
        .graphql(
            "query($id: ID!) { user(id: $id) { id } }",
            json!({ "id": { "nested": true } }),
            None,
        )
        .await;
    assert_eq!(error_codes(&wrong_variable), ["GRAPHQL_VALIDATION_FAILED"]);

    // A required variable left out is the caller's input at fault.
    let missing_variable = app
        .graphql("query($id: ID!) { user(id: $id) { id } }", json!({}), None)
        .await;
    assert_eq!(error_codes(&missing_variable), ["BAD_USER_INPUT"]);

    let deep = format!(
        "{{ __schema {{ types {}name{} }} }}",
        "{ fields { type { ofType ".repeat(6),
        " } } }".repeat(6)
    );
    let too_deep = app.graphql(&deep, json!({}), None).await;
    assert_eq!(
        error_codes(&too_deep),
        ["GRAPHQL_VALIDATION_FAILED"],
        "{too_deep}"
    );
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn malformed_ids_are_bad_user_input(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = app
        .graphql("{ user(id: \"42\") { id } }", json!({}), None)
        .await;
    let (code, message) = only_error(&response);
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(message, "not a valid id");
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn invalid_registrations_are_refused_and_write_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let cases = [
        (
            json!({ "email": "ada", "password": PASSWORD, "displayName": "Ada" }),
            "input.email",
        ),
        (
            json!({ "email": "ada@example.com", "password": "too short", "displayName": "Ada" }),
            "input.password",
        ),
        (
            json!({ "email": "ada@example.com", "password": "x".repeat(129), "displayName": "Ada" }),
            "input.password",
        ),
        (
            json!({ "email": "ada@example.com", "password": "aaaaaaaaaaaaaaaa", "displayName": "Ada" }),
            "input.password",
        ),
        (
            json!({ "email": "ada@example.com", "password": PASSWORD, "displayName": "  " }),
            "input.displayName",
        ),
        (
            json!({ "email": "ada@example.com", "password": PASSWORD, "displayName": "Ada", "name": "" }),
            "input.name",
        ),
    ];
    for (input, field) in cases {
        let response = app.graphql(REGISTER, json!({ "input": input }), None).await;
        let errors = response["errors"].as_array().expect("an error");
        assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT", "{input}");
        assert_eq!(errors[0]["extensions"]["field"], field, "{input}");
    }
    let wrong_type = app
        .graphql(
            REGISTER,
            json!({ "input": { "email": 42, "password": PASSWORD, "displayName": "Ada" } }),
            None,
        )
        .await;
    assert_eq!(error_codes(&wrong_type), ["GRAPHQL_VALIDATION_FAILED"]);
    let missing = app
        .graphql(
            REGISTER,
            json!({ "input": { "email": "ada@example.com" } }),
            None,
        )
        .await;
    assert_eq!(error_codes(&missing), ["GRAPHQL_VALIDATION_FAILED"]);

    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn oversized_bodies_are_refused(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |settings| settings.server.max_body_bytes = 4096).await;
    let query = format!("{{ me {{ id }} }} # {}", "x".repeat(8192));
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn internal_errors_are_masked(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let session = app.register("ada@example.com").await;
    // Break the database under the running service: the client learns nothing about it.
    sqlx::query("ALTER TABLE users RENAME COLUMN display_name TO display_name_gone")
        .execute(&app.pool)
        .await
        .unwrap();
    let response = app
        .graphql("{ me { id } }", json!({}), Some(&session.access_token))
        .await;
    let (code, message) = only_error(&response);
    assert_eq!(code, "INTERNAL_SERVER_ERROR");
    assert_eq!(message, "internal server error");
    assert!(!response.to_string().contains("display_name"), "{response}");
}
