//! `user.deleted`: written to the outbox with the deletion, published by the relay, waiting in
//! the outbox while the broker cannot be reached.

use crate::helpers::{PASSWORD, TestApp, error_codes, eventually, only_error};
use kit::events::{Broker, OutboxWaker, Relay};
use kit::settings::EventSettings;
use serde_json::json;
use sqlx::PgPool;

const DELETE: &str =
    "mutation($p: String!) { deleteAccount(input: { password: $p }) { deletedUserId } }";

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn deleting_an_account_publishes_one_user_deleted(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut published = app.listen().await;
    let ada = app.register("ada@example.com").await;
    let eve = app.register_with("eve@example.com", PASSWORD, "Eve").await;

    let deleted = app
        .graphql(DELETE, json!({ "p": PASSWORD }), Some(&ada.access_token))
        .await;
    assert_eq!(
        deleted["data"]["deleteAccount"]["deletedUserId"],
        ada.user_id
    );
    // Her token is still valid for a while: deleting again finds nothing and says so.
    let again = app
        .graphql(DELETE, json!({ "p": PASSWORD }), Some(&ada.access_token))
        .await;
    assert_eq!(only_error(&again).0, "NOT_FOUND");

    assert!(eventually(|| async { app.unpublished().await == 0 }).await);
    let events = published.so_far().await;
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event.kind, "user.deleted");
    assert_eq!(event.data, json!({ "user_id": ada.user_id }));
    assert_eq!(event.correlation_id.to_string(), ada.user_id);
    let rows: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT id, routing_key FROM outbox WHERE published_at IS NOT NULL")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(rows, vec![(event.id, "user.deleted".to_owned())]);
    // Eve's account is untouched.
    assert!(app.refresh(&eve.refresh_token).await["errors"].is_null());
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn a_refused_deletion_publishes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut published = app.listen().await;
    let ada = app.register("ada@example.com").await;
    let eve = app.register_with("eve@example.com", PASSWORD, "Eve").await;

    let wrong = app
        .graphql(
            DELETE,
            json!({ "p": "not my password" }),
            Some(&ada.access_token),
        )
        .await;
    assert_eq!(only_error(&wrong).0, "BAD_USER_INPUT");
    let anonymous = app.graphql(DELETE, json!({ "p": PASSWORD }), None).await;
    assert_eq!(only_error(&anonymous).0, "UNAUTHENTICATED");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);

    // Eve's deletion goes through; it is all that was published.
    let deleted = app
        .graphql(DELETE, json!({ "p": PASSWORD }), Some(&eve.access_token))
        .await;
    assert!(deleted["errors"].is_null(), "{deleted}");
    assert!(eventually(|| async { app.unpublished().await == 0 }).await);
    let events = published.so_far().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].data, json!({ "user_id": eve.user_id }));
    // Ada still has her account.
    assert!(error_codes(&app.login("ada@example.com", PASSWORD).await).is_empty());
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn a_deletion_waits_in_the_outbox_while_the_broker_is_unreachable(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |settings| {
        // Nothing listens on port 1.
        settings.events.url = "amqp://guest:guest@127.0.0.1:1/%2f".to_owned().into();
    })
    .await;
    let mut published = app.listen().await;
    let ada = app.register("ada@example.com").await;

    let deleted = app
        .graphql(DELETE, json!({ "p": PASSWORD }), Some(&ada.access_token))
        .await;
    assert_eq!(
        deleted["data"]["deleteAccount"]["deletedUserId"],
        ada.user_id
    );
    assert_eq!(
        error_codes(&app.login("ada@example.com", PASSWORD).await),
        ["UNAUTHENTICATED"],
        "the account is gone"
    );
    let mut relay = Relay::new(
        app.pool.clone(),
        app.broker.clone().expect("events on"),
        OutboxWaker::default(),
    );
    assert!(relay.publish_pending().await.is_err());
    assert_eq!(app.unpublished().await, 1, "the event waits");
    assert!(published.so_far().await.is_empty());

    // The broker is reachable again: the row goes out.
    let reachable = EventSettings {
        url: EventSettings::default().url,
        ..app.events.clone()
    };
    let broker = Broker::new(&reachable, "users-relay");
    let mut relay = Relay::new(app.pool.clone(), broker, OutboxWaker::default());
    assert_eq!(relay.publish_pending().await.expect("published"), 1);
    assert_eq!(app.unpublished().await, 0);
    let events = published.so_far().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].data, json!({ "user_id": ada.user_id }));
}
