use crate::helpers::{TestApp, eventually, order_id};
use kit::events::{Broker, Envelope, OutboxWaker, Relay, dead_letters};
use orders::saga::SAGA_QUEUE;
use payment_provider::Mode;
use serde_json::{Value, json};
use sqlx::PgPool;

async fn unpublished(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        .fetch_one(pool)
        .await
        .expect("count")
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn broker_connections_dropped_mid_flow_lose_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mug = app.product(250, 10).await;
    let buyer = app.customer();
    let first = app.order(&buyer, &[(mug, 1)]).await;
    app.wait_for_status(first, "PAID").await;

    // Both subgraphs lose their connections while orders are being placed.
    let second = app.order(&buyer, &[(mug, 2)]).await;
    for broker in [&app.orders_broker, &app.catalog_broker]
        .into_iter()
        .flatten()
    {
        broker.drop_connection().await;
    }
    let third = app.order(&buyer, &[(mug, 3)]).await;
    app.wait_for_status(second, "PAID").await;
    app.wait_for_status(third, "PAID").await;
    assert_eq!(app.stock(mug).await, (10, 6));
    assert_eq!(app.provider.stats().charges, 3);
    assert!(eventually(|| async { unpublished(&app.pool).await == 0 }).await);
    assert!(eventually(|| async { unpublished(&app.catalog_pool).await == 0 }).await);
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn events_wait_in_the_outbox_while_the_broker_is_unreachable(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |settings| {
        // Nothing listens on port 1.
        settings.events.url = "amqp://guest:guest@127.0.0.1:1/%2f".to_owned().into();
    })
    .await;
    let mug = app.product(250, 10).await;
    let order = app.order(&app.customer(), &[(mug, 1)]).await;
    let mut relay = Relay::new(
        app.pool.clone(),
        app.orders_broker.clone().expect("events on"),
        OutboxWaker::default(),
    );
    assert!(relay.publish_pending().await.is_err());
    assert_eq!(unpublished(&app.pool).await, 1, "the event waits");

    // The broker is back: the same rows go out, and the catalog reserves the stock.
    let mut relay = Relay::new(app.pool.clone(), app.broker.clone(), OutboxWaker::default());
    assert_eq!(relay.publish_pending().await.expect("published"), 1);
    assert_eq!(unpublished(&app.pool).await, 0);
    app.wait_for_reserved(mug, 1).await;
    assert_eq!(
        app.status(order).await,
        "PENDING",
        "its own relay cannot reach the broker"
    );
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn a_redelivered_message_does_not_charge_twice(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mug = app.product(990, 10).await;
    let buyer = app.customer();
    let first = app.order(&buyer, &[(mug, 1)]).await;
    app.wait_for_status(first, "PAID").await;

    // The catalog's `stock.reserved` for it, delivered again.
    let reserved: Value = sqlx::query_scalar(
        "SELECT envelope FROM outbox WHERE routing_key = 'stock.reserved' AND envelope->'data'->>'order_id' = $1",
    )
    .bind(first.to_string())
    .fetch_one(&app.catalog_pool)
    .await
    .expect("the catalog answered");
    let body = serde_json::to_vec(&reserved).unwrap();
    app.broker
        .publish("stock.reserved", &body)
        .await
        .expect("published");
    app.broker
        .publish("stock.reserved", &body)
        .await
        .expect("published");
    // The saga's queue is handled in order: once a later order is paid, the copies were seen.
    let second = app.order(&buyer, &[(mug, 1)]).await;
    app.wait_for_status(second, "PAID").await;

    let stats = app.provider.stats();
    assert_eq!((stats.charges, stats.charge_requests), (2, 2), "{stats:?}");
    let envelope: Envelope = serde_json::from_value(reserved).unwrap();
    let handled: i64 =
        sqlx::query_scalar("SELECT count(*) FROM processed_messages WHERE message_id = $1")
            .bind(envelope.id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(handled, 1);
    let moves: i64 = sqlx::query_scalar("SELECT count(*) FROM order_events WHERE order_id = $1")
        .bind(first)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(moves, 3, "placed, reserved, paid: nothing twice");
}

async fn dead(broker: &Broker) -> Vec<dead_letters::DeadLetter> {
    dead_letters::list(broker, SAGA_QUEUE, 100)
        .await
        .expect("listed")
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn failing_messages_are_retried_dead_lettered_and_replayed(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mug = app.product(100, 10).await;
    app.provider.set_mode(Mode::Fail);
    let order = app.order(&app.customer(), &[(mug, 1)]).await;
    app.broker
        .publish("stock.reserved", b"{ not an envelope")
        .await
        .expect("published");

    // Three retries with backoff, then the dead-letter queue; the garbage goes there at once.
    assert!(eventually(|| async { dead(&app.broker).await.len() == 2 }).await);
    let letters = dead(&app.broker).await;
    let failed = letters
        .iter()
        .find(|letter| letter.envelope.is_some())
        .expect("the payment that kept failing");
    assert_eq!(failed.retries, 3);
    assert!(
        failed
            .reason
            .as_deref()
            .unwrap_or_default()
            .starts_with("failed 4 times"),
        "{failed:?}"
    );
    let garbage = letters
        .iter()
        .find(|letter| letter.envelope.is_none())
        .unwrap();
    assert!(
        garbage
            .reason
            .as_deref()
            .unwrap_or_default()
            .starts_with("not an envelope")
    );
    assert_eq!(app.status(order).await, "STOCK_RESERVED");
    let listing = orders::cli::dead_letters(&app.settings.events, "list", &[])
        .await
        .expect("the CLI lists");
    assert!(
        listing.starts_with("2 dead-lettered message(s) in orders.saga.dead"),
        "{listing}"
    );
    assert!(listing.contains("stock.reserved"), "{listing}");

    // Fixed: replayed, the payment goes through; the garbage comes back dead.
    app.provider.set_mode(Mode::Normal);
    let replayed = orders::cli::dead_letters(&app.settings.events, "replay", &[SAGA_QUEUE])
        .await
        .expect("the CLI replays");
    assert_eq!(replayed, "replayed 2 message(s) into orders.saga\n");
    app.wait_for_status(order, "PAID").await;
    assert!(eventually(|| async { dead(&app.broker).await.len() == 1 }).await);
    assert_eq!(app.provider.stats().charges, 1);
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn an_unpaid_order_expires_and_its_stock_is_released(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |settings| {
        settings.checkout.payment_deadline_secs = 1;
        settings.events.max_retries = 1000;
    })
    .await;
    let mug = app.product(100, 4).await;
    app.provider.set_mode(Mode::Fail);
    let buyer = app.customer();
    let response = app.place(&buyer, "late", &[(mug, 3)], json!({})).await;
    let order = order_id(&response);
    app.wait_for_status(order, "CANCELLED").await;
    let reason: Option<String> = sqlx::query_scalar("SELECT reason FROM orders WHERE id = $1")
        .bind(order)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(reason.as_deref(), Some("not paid in time"));
    app.wait_for_reserved(mug, 0).await;
    assert_eq!(app.provider.stats().charges, 0);
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn a_deleted_users_open_orders_are_cancelled_and_all_anonymised(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |settings| {
        settings.events.max_retries = 1000;
    })
    .await;
    let mug = app.product(100, 10).await;
    let buyer = app.customer();
    let paid = app.order(&buyer, &[(mug, 1)]).await;
    app.wait_for_status(paid, "PAID").await;
    app.provider.set_mode(Mode::Fail);
    let open = app.order(&buyer, &[(mug, 2)]).await;
    app.wait_for_status(open, "STOCK_RESERVED").await;
    app.wait_for_reserved(mug, 3).await;

    let deleted = Envelope::new("user.deleted", buyer.id, json!({ "user_id": buyer.id })).unwrap();
    app.broker
        .publish("user.deleted", &serde_json::to_vec(&deleted).unwrap())
        .await
        .expect("published");
    app.wait_for_status(open, "CANCELLED").await;
    assert_eq!(app.status(paid).await, "PAID");
    app.wait_for_reserved(mug, 1).await;
    let emails: Vec<Option<String>> =
        sqlx::query_scalar("SELECT contact_email FROM orders WHERE customer_id = $1")
            .bind(buyer.id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(emails, vec![None, None]);
}
