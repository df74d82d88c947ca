use crate::helpers::{PASSWORD, TestApp, error_codes, only_error, session_from};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::time::Duration;

const PROFILE: &str = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { displayName name phone address { line1 line2 city region postalCode country } } } }";
const USER: &str =
    "query($id: ID!) { user(id: $id) { id displayName email name phone address { city } roles } }";

async fn update_profile(app: &TestApp, token: &str, input: Value) -> Value {
    app.graphql(PROFILE, json!({ "input": input }), Some(token))
        .await
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn a_profile_is_updated_field_by_field_and_cleared_with_null(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let ada = app.register("ada@example.com").await;
    let address = json!({ "line1": "12 rue de la Paix", "city": "Paris", "postalCode": "75002", "country": "fr" });

    let updated = update_profile(
        &app,
        &ada.access_token,
        json!({ "displayName": "Ada L.", "name": "Ada Lovelace", "phone": "+33 6 12 34 56 78", "address": address }),
    )
    .await;
    assert_eq!(
        updated["data"]["updateProfile"]["user"],
        json!({
            "displayName": "Ada L.", "name": "Ada Lovelace", "phone": "+33 6 12 34 56 78",
            "address": { "line1": "12 rue de la Paix", "line2": null, "city": "Paris", "region": null, "postalCode": "75002", "country": "FR" }
        })
    );

    // Only the phone changes; null clears the address; the rest stays.
    let cleared = update_profile(
        &app,
        &ada.access_token,
        json!({ "phone": "0612345678", "address": null }),
    )
    .await;
    assert_eq!(
        cleared["data"]["updateProfile"]["user"],
        json!({ "displayName": "Ada L.", "name": "Ada Lovelace", "phone": "0612345678", "address": null })
    );
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn invalid_profile_input_is_refused_and_nothing_is_written(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let ada = app.register("ada@example.com").await;
    let cases = [
        (json!({ "displayName": "   " }), "input.displayName"),
        (
            json!({ "displayName": "x".repeat(81) }),
            "input.displayName",
        ),
        (json!({ "phone": "call me maybe" }), "input.phone"),
        (
            json!({ "name": "Ada", "address": { "line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "USA" } }),
            "input.address.country",
        ),
        (
            json!({ "address": { "line1": " ", "city": "Paris", "postalCode": "75002", "country": "FR" } }),
            "input.address.line1",
        ),
    ];
    for (input, field) in cases {
        let response = update_profile(&app, &ada.access_token, input.clone()).await;
        let errors = response["errors"].as_array().expect("an error");
        assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT", "{input}");
        assert_eq!(errors[0]["extensions"]["field"], field, "{input}");
    }
    let row: (String, Option<String>, Option<String>) =
        sqlx::query_as("SELECT display_name, full_name, address_country FROM users")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(row, ("Ada".to_owned(), None, None));

    let anonymous = update_profile(&app, "", json!({ "displayName": "Eve" })).await;
    assert_eq!(error_codes(&anonymous), ["UNAUTHENTICATED"]);
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn private_fields_are_for_the_user_and_admins_only(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let ada = app.register("ada@example.com").await;
    update_profile(
        &app,
        &ada.access_token,
        json!({ "name": "Ada Lovelace", "phone": "+44 20 7946 0000" }),
    )
    .await;
    let eve = app.register_with("eve@example.com", PASSWORD, "Eve").await;
    let admin = app.admin("root@example.com").await;
    let vars = json!({ "id": ada.user_id });

    let own = app
        .graphql(USER, vars.clone(), Some(&ada.access_token))
        .await;
    assert!(own["errors"].is_null(), "{own}");
    assert_eq!(own["data"]["user"]["email"], "ada@example.com");
    assert_eq!(own["data"]["user"]["phone"], "+44 20 7946 0000");

    let by_admin = app
        .graphql(USER, vars.clone(), Some(&admin.access_token))
        .await;
    assert!(by_admin["errors"].is_null(), "{by_admin}");
    assert_eq!(by_admin["data"]["user"]["name"], "Ada Lovelace");

    for (token, code) in [
        (Some(eve.access_token.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        let response = app.graphql(USER, vars.clone(), token).await;
        assert_eq!(
            response["data"]["user"],
            json!({ "id": ada.user_id, "displayName": "Ada", "email": null, "name": null, "phone": null, "address": null, "roles": null })
        );
        let codes = error_codes(&response);
        assert_eq!(codes.len(), 5, "{response}");
        assert!(codes.iter().all(|c| c == code), "{codes:?}");
    }
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn changing_the_password_ends_the_other_sessions(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let laptop = app.register("ada@example.com").await;
    let phone = session_from(&app.login("ada@example.com", PASSWORD).await, "login");
    let change = "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { success revokedSessions } }";

    let wrong = app
        .graphql(change, json!({ "input": { "currentPassword": "nope", "newPassword": "a brand new passphrase" } }), Some(&laptop.access_token))
        .await;
    assert_eq!(only_error(&wrong).0, "BAD_USER_INPUT");
    let weak = app
        .graphql(
            change,
            json!({ "input": { "currentPassword": PASSWORD, "newPassword": "short" } }),
            Some(&laptop.access_token),
        )
        .await;
    assert_eq!(only_error(&weak).0, "BAD_USER_INPUT");
    assert!(app.login("ada@example.com", PASSWORD).await["errors"].is_null());

    let changed = app
        .graphql(change, json!({ "input": { "currentPassword": PASSWORD, "newPassword": "a brand new passphrase" } }), Some(&laptop.access_token))
        .await;
    // The phone's session and the one the failed-attempt check above opened.
    assert_eq!(
        changed["data"]["changePassword"],
        json!({ "success": true, "revokedSessions": 2 })
    );

    assert_eq!(
        error_codes(&app.refresh(&phone.refresh_token).await),
        ["UNAUTHENTICATED"]
    );
    assert!(app.refresh(&laptop.refresh_token).await["errors"].is_null());
    assert_eq!(
        error_codes(&app.login("ada@example.com", PASSWORD).await),
        ["UNAUTHENTICATED"]
    );
    assert!(app.login("ada@example.com", "a brand new passphrase").await["errors"].is_null());
}

/// The reset code from a reset email: the line after "enter this code".
fn reset_code(mail: &str) -> String {
    let mut lines = mail
        .lines()
        .skip_while(|line| !line.contains("enter this code"));
    lines
        .find(|line| line.trim().len() == 43)
        .map(|line| line.trim().to_owned())
        .unwrap_or_else(|| panic!("no reset code in:\n{mail}"))
}

const REQUEST_RESET: &str =
    "mutation($email: String!) { requestPasswordReset(input: { email: $email }) { accepted } }";
const RESET: &str = "mutation($token: String!, $password: String!) { resetPassword(input: { token: $token, newPassword: $password }) { success } }";

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn a_password_is_reset_with_the_emailed_single_use_token(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let session = app.register("ada@example.com").await;

    // An unknown address gets the same answer and no mail.
    let unknown = app
        .graphql(
            REQUEST_RESET,
            json!({ "email": "nobody@example.com" }),
            None,
        )
        .await;
    let known = app
        .graphql(REQUEST_RESET, json!({ "email": "ADA@example.com" }), None)
        .await;
    assert_eq!(unknown, known);
    assert_eq!(known["data"]["requestPasswordReset"]["accepted"], true);

    let mail = app.next_mail().await;
    assert_eq!(mail.to, ["ada@example.com"]);
    assert!(
        mail.data.contains("Subject: Reset your password"),
        "{}",
        mail.data
    );
    let code = reset_code(&mail.data);
    assert!(
        app.smtp
            .next_message(Duration::from_millis(300))
            .await
            .is_none(),
        "one mail only"
    );

    let weak = app
        .graphql(RESET, json!({ "token": code, "password": "short" }), None)
        .await;
    assert_eq!(only_error(&weak).0, "BAD_USER_INPUT");
    let reset = app
        .graphql(
            RESET,
            json!({ "token": code, "password": "a brand new passphrase" }),
            None,
        )
        .await;
    assert_eq!(reset["data"]["resetPassword"]["success"], true);

    let again = app
        .graphql(
            RESET,
            json!({ "token": code, "password": "yet another passphrase" }),
            None,
        )
        .await;
    let (code_again, _) = only_error(&again);
    assert_eq!(code_again, "BAD_USER_INPUT");
    assert_eq!(again["errors"][0]["extensions"]["field"], "input.token");

    assert_eq!(
        error_codes(&app.refresh(&session.refresh_token).await),
        ["UNAUTHENTICATED"]
    );
    assert_eq!(
        error_codes(&app.login("ada@example.com", PASSWORD).await),
        ["UNAUTHENTICATED"]
    );
    assert!(app.login("ada@example.com", "a brand new passphrase").await["errors"].is_null());
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn reset_tokens_expire_and_made_up_ones_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.register("ada@example.com").await;
    app.graphql(REQUEST_RESET, json!({ "email": "ada@example.com" }), None)
        .await;
    let code = reset_code(&app.next_mail().await.data);
    sqlx::query("UPDATE password_reset_tokens SET expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let expired = app
        .graphql(
            RESET,
            json!({ "token": code, "password": "a brand new passphrase" }),
            None,
        )
        .await;
    assert_eq!(only_error(&expired).0, "BAD_USER_INPUT");
    let made_up = app
        .graphql(
            RESET,
            json!({ "token": "x".repeat(43), "password": "a brand new passphrase" }),
            None,
        )
        .await;
    assert_eq!(only_error(&made_up).0, "BAD_USER_INPUT");
    assert!(app.login("ada@example.com", PASSWORD).await["errors"].is_null());

    let malformed = app
        .graphql(REQUEST_RESET, json!({ "email": "not-an-email" }), None)
        .await;
    assert_eq!(only_error(&malformed).0, "BAD_USER_INPUT");
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn deleting_an_account_erases_it_and_its_sessions(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let ada = app.register("ada@example.com").await;
    let eve = app.register_with("eve@example.com", PASSWORD, "Eve").await;
    app.graphql(REQUEST_RESET, json!({ "email": "ada@example.com" }), None)
        .await;
    app.next_mail().await;
    let delete =
        "mutation($p: String!) { deleteAccount(input: { password: $p }) { deletedUserId } }";

    let wrong = app
        .graphql(
            delete,
            json!({ "p": "not my password" }),
            Some(&ada.access_token),
        )
        .await;
    assert_eq!(only_error(&wrong).0, "BAD_USER_INPUT");
    let anonymous = app.graphql(delete, json!({ "p": PASSWORD }), None).await;
    assert_eq!(only_error(&anonymous).0, "UNAUTHENTICATED");

    let deleted = app
        .graphql(delete, json!({ "p": PASSWORD }), Some(&ada.access_token))
        .await;
    assert_eq!(
        deleted["data"]["deleteAccount"]["deletedUserId"],
        ada.user_id
    );

    // Only Eve's user, session and refresh token are left.
    let counts: (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM sessions),
                (SELECT count(*) FROM refresh_tokens), (SELECT count(*) FROM password_reset_tokens)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(counts, (1, 1, 1, 0));

    assert_eq!(
        error_codes(&app.login("ada@example.com", PASSWORD).await),
        ["UNAUTHENTICATED"]
    );
    assert_eq!(
        error_codes(&app.refresh(&ada.refresh_token).await),
        ["UNAUTHENTICATED"]
    );
    let me = app
        .graphql("{ me { id } }", json!({}), Some(&ada.access_token))
        .await;
    assert_eq!(only_error(&me).0, "NOT_FOUND");
    let gone = app
        .graphql(
            "query($id: ID!) { user(id: $id) { id } }",
            json!({ "id": ada.user_id }),
            None,
        )
        .await;
    assert_eq!(gone["data"]["user"], Value::Null);
    // Eve is untouched.
    assert!(app.refresh(&eve.refresh_token).await["errors"].is_null());
}
