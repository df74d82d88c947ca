use crate::helpers::{PASSWORD, TestApp, error_codes, only_error, session_from};
use kit::auth::TokenVerifier;
use serde_json::json;
use sqlx::PgPool;
use std::time::Duration;

const ME: &str = "{ me { id email displayName roles } }";

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn registering_signs_in_and_the_token_identifies_the_user(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let session = app.register("  Ada@Example.com ").await;

    let me = app
        .graphql(ME, json!({}), Some(&session.access_token))
        .await;
    assert_eq!(
        me["data"]["me"],
        json!({ "id": session.user_id, "email": "ada@example.com", "displayName": "Ada", "roles": ["CUSTOMER"] })
    );
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains(PASSWORD));
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn an_email_registers_once_whatever_its_case(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.register("ada@example.com").await;
    let again = app
        .graphql(
            "mutation { register(input: { email: \"ADA@example.com\", password: \"another long password\", displayName: \"Eve\" }) { accessToken } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(only_error(&again).0, "CONFLICT");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn login_refuses_wrong_passwords_and_unknown_emails_alike(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.register("ada@example.com").await;

    let ok = app.login("ADA@example.com", PASSWORD).await;
    assert!(ok["errors"].is_null(), "{ok}");
    assert_eq!(ok["data"]["login"]["user"]["email"], "ada@example.com");

    let wrong = only_error(&app.login("ada@example.com", "not the password").await);
    let unknown = only_error(&app.login("nobody@example.com", PASSWORD).await);
    let malformed = only_error(&app.login("not an email", PASSWORD).await);
    assert_eq!(
        wrong,
        (
            "UNAUTHENTICATED".to_owned(),
            "invalid email or password".to_owned()
        )
    );
    assert_eq!(unknown, wrong);
    assert_eq!(malformed, wrong);
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_session(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let first = app.register("ada@example.com").await;

    let second = session_from(&app.refresh(&first.refresh_token).await, "refreshToken");
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_ne!(second.access_token, first.access_token);
    let me = app.graphql(ME, json!({}), Some(&second.access_token)).await;
    assert_eq!(me["data"]["me"]["id"], first.user_id);

    // The first token was copied by someone: using it again ends the whole session...
    let reuse = only_error(&app.refresh(&first.refresh_token).await);
    assert_eq!(reuse.0, "UNAUTHENTICATED");
    assert!(reuse.1.contains("already used"), "{}", reuse.1);
    // ...including the legitimate holder's newer token.
    let after = only_error(&app.refresh(&second.refresh_token).await);
    assert_eq!(after.0, "UNAUTHENTICATED");

    let revoked: Option<String> = sqlx::query_scalar("SELECT revoked_reason FROM sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(revoked.as_deref(), Some("refresh_token_reuse"));

    // Another login is a new, unaffected session.
    let fresh = session_from(&app.login("ada@example.com", PASSWORD).await, "login");
    assert!(app.refresh(&fresh.refresh_token).await["errors"].is_null());
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn logging_out_ends_the_session_and_only_that_one(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let laptop = app.register("ada@example.com").await;
    let phone = session_from(&app.login("ada@example.com", PASSWORD).await, "login");

    let logout = app
        .graphql(
            "mutation($t: String!) { logout(input: { refreshToken: $t }) { success } }",
            json!({ "t": laptop.refresh_token }),
            None,
        )
        .await;
    assert_eq!(logout["data"]["logout"]["success"], true);
    assert_eq!(
        error_codes(&app.refresh(&laptop.refresh_token).await),
        ["UNAUTHENTICATED"]
    );
    assert!(app.refresh(&phone.refresh_token).await["errors"].is_null());

    let unknown = app
        .graphql(
            "mutation { logout(input: { refreshToken: \"made-up\" }) { success } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(error_codes(&unknown), ["UNAUTHENTICATED"]);
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn expired_refresh_tokens_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let session = app.register("ada@example.com").await;
    sqlx::query("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let (code, message) = only_error(&app.refresh(&session.refresh_token).await);
    assert_eq!(code, "UNAUTHENTICATED");
    assert!(message.contains("expired"), "{message}");
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn expired_forged_and_foreign_access_tokens_are_refused(pool: PgPool) {
    let expired_app = TestApp::spawn_with(pool.clone(), |settings| {
        settings.tokens.access_ttl_secs = -120
    })
    .await;
    let expired = expired_app.register("ada@example.com").await;
    let app = TestApp::spawn(pool).await;

    // Each app made its own signing key: the first one's tokens mean nothing to the second.
    let foreign = only_error(
        &app.graphql(ME, json!({}), Some(&expired.access_token))
            .await,
    );
    assert_eq!(foreign.0, "UNAUTHENTICATED");

    let stale = only_error(
        &expired_app
            .graphql(ME, json!({}), Some(&expired.access_token))
            .await,
    );
    assert_eq!(
        stale,
        (
            "UNAUTHENTICATED".to_owned(),
            "access token expired".to_owned()
        )
    );

    let session = app.login("ada@example.com", PASSWORD).await;
    let token = session["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    // Claim to be someone else: the signature no longer matches.
    parts[1] = parts[1].chars().rev().collect();
    let forged = only_error(&app.graphql(ME, json!({}), Some(&parts.join("."))).await);
    assert_eq!(
        forged,
        (
            "UNAUTHENTICATED".to_owned(),
            "invalid access token".to_owned()
        )
    );

    let garbage = only_error(&app.graphql(ME, json!({}), Some("garbage")).await);
    assert_eq!(garbage.0, "UNAUTHENTICATED");
    let anonymous = only_error(&app.graphql(ME, json!({}), None).await);
    assert_eq!(
        anonymous,
        (
            "UNAUTHENTICATED".to_owned(),
            "authentication required".to_owned()
        )
    );
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn access_tokens_carry_the_current_email_address(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let verifier = TokenVerifier::remote(
        app.url("/.well-known/jwks.json"),
        "users",
        "supergraph",
        Duration::from_secs(60),
    );
    let email = |token: String| {
        let verifier = verifier.clone();
        async move { verifier.verify(&token).await.expect("a valid token").email }
    };

    let registered = app.register(" Ada@Example.com").await;
    assert_eq!(
        email(registered.access_token).await.as_deref(),
        Some("ada@example.com")
    );
    let login = session_from(&app.login("ada@example.com", PASSWORD).await, "login");
    assert_eq!(
        email(login.access_token).await.as_deref(),
        Some("ada@example.com")
    );

    // An address changed since the session began (by an operator) is the one a refresh
    // puts in the new token.
    sqlx::query("UPDATE users SET email = 'ada@lovelace.example' WHERE id = $1::uuid")
        .bind(&login.user_id)
        .execute(&app.pool)
        .await
        .expect("the address changes");
    let refreshed = session_from(&app.refresh(&login.refresh_token).await, "refreshToken");
    assert_eq!(
        email(refreshed.access_token).await.as_deref(),
        Some("ada@lovelace.example")
    );
}
