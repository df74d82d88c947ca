use crate::helpers::{PATIENCE, TestApp, error_codes, order_id};
use futures::future::join;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

const HISTORY: &str = "query($id: ID!) { order(id: $id) { status reason total { amount currency }
  history { from to reason } } }";

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn an_order_is_placed_at_catalog_prices_paid_and_confirmed(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mug = app.product(1250, 5).await;
    let plate = app.product(399, 5).await;
    let buyer = app.customer();

    let response = app
        .place(&buyer, "checkout-1", &[(mug, 2), (plate, 1)], json!({}))
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let placed = &response["data"]["placeOrder"];
    assert_eq!(placed["created"], true);
    assert_eq!(
        placed["order"]["total"],
        json!({ "amount": 2899, "currency": "EUR" })
    );
    assert_eq!(placed["order"]["customer"]["id"], buyer.id.to_string());
    assert_eq!(
        placed["order"]["lines"][0],
        json!({ "product": { "id": mug.to_string() }, "quantity": 2,
                "unitPrice": { "amount": 1250, "currency": "EUR" }, "subtotal": { "amount": 2500 } })
    );
    let order = order_id(&response);

    app.wait_for_status(order, "PAID").await;
    assert_eq!(app.stock(mug).await, (5, 2));
    assert_eq!(app.stock(plate).await, (5, 1));
    let stats = app.provider.stats();
    assert_eq!((stats.charges, stats.charge_requests), (1, 1));

    let history = app
        .graphql(HISTORY, json!({ "id": order }), Some(&buyer.token))
        .await;
    assert_eq!(
        history["data"]["order"]["history"],
        json!([
            { "from": null, "to": "PENDING", "reason": null },
            { "from": "PENDING", "to": "STOCK_RESERVED", "reason": null },
            { "from": "STOCK_RESERVED", "to": "PAID", "reason": null },
        ])
    );

    let mail = app
        .smtp
        .next_message(PATIENCE)
        .await
        .expect("a confirmation is mailed");
    // To the address in the buyer's access token, which is also stored on the order.
    let address = buyer.email.clone().expect("the token carries an address");
    assert_eq!(mail.to, vec![address.clone()]);
    let stored: Option<String> =
        sqlx::query_scalar("SELECT contact_email FROM orders WHERE id = $1")
            .bind(order)
            .fetch_one(&app.pool)
            .await
            .expect("the order");
    assert_eq!(stored, Some(address));
    assert!(mail.data.contains(&order.to_string()), "{}", mail.data);
    assert!(mail.data.contains("28.99 EUR"), "{}", mail.data);

    // A retry with the same key is the same order, charged once.
    let again = app
        .place(&buyer, "checkout-1", &[(mug, 2), (plate, 1)], json!({}))
        .await;
    assert_eq!(again["data"]["placeOrder"]["created"], false);
    assert_eq!(order_id(&again), order);
    // The same key for something else is refused.
    let other = app
        .place(&buyer, "checkout-1", &[(mug, 1)], json!({}))
        .await;
    assert_eq!(error_codes(&other), vec!["CONFLICT"]);
    // Another customer's key space is their own.
    let someone = app.customer();
    let theirs = app
        .place(&someone, "checkout-1", &[(mug, 1)], json!({}))
        .await;
    assert_ne!(order_id(&theirs), order);
    app.wait_for_status(order_id(&theirs), "PAID").await;
    assert_eq!(app.provider.stats().charges, 2);
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn racing_retries_of_one_placement_make_one_order(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mug = app.product(100, 5).await;
    let buyer = app.customer();
    let (a, b) = join(
        app.place(&buyer, "double-click", &[(mug, 1)], json!({})),
        app.place(&buyer, "double-click", &[(mug, 1)], json!({})),
    )
    .await;
    assert_eq!(order_id(&a), order_id(&b), "{a} {b}");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn two_orders_for_the_last_item_one_wins(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let last = app.product(500, 1).await;
    let (alice, bob) = (app.customer(), app.customer());
    let (a, b) = join(
        app.order(&alice, &[(last, 1)]),
        app.order(&bob, &[(last, 1)]),
    )
    .await;
    let (a, b) = join(app.wait_until_settled(a), app.wait_until_settled(b)).await;
    let mut outcomes = vec![a, b];
    outcomes.sort();
    assert_eq!(outcomes, vec!["FAILED", "PAID"]);
    assert_eq!(app.stock(last).await, (1, 1));
    assert_eq!(app.provider.stats().charges, 1);
    let reason: Option<String> =
        sqlx::query_scalar("SELECT reason FROM orders WHERE status = 'FAILED'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(reason.as_deref(), Some("out of stock"));
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn a_declined_payment_fails_the_order_and_releases_its_stock(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mug = app.product(700, 3).await;
    let buyer = app.customer();
    let response = app
        .place(
            &buyer,
            "declined",
            &[(mug, 2)],
            json!({ "paymentMethod": payment_provider::DECLINED_SOURCE }),
        )
        .await;
    let order = order_id(&response);
    app.wait_for_status(order, "FAILED").await;
    app.wait_for_reserved(mug, 0).await;
    let details = app
        .graphql(HISTORY, json!({ "id": order }), Some(&buyer.token))
        .await;
    assert_eq!(
        details["data"]["order"]["reason"],
        "payment declined: Your card was declined."
    );
    assert_eq!(app.provider.stats().charges, 0);
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn illegal_moves_are_refused_and_only_the_staff_cancel_a_paid_order(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mug = app.product(1000, 2).await;
    let buyer = app.customer();
    let order = app.order(&buyer, &[(mug, 1)]).await;
    app.wait_for_status(order, "PAID").await;
    let staff = app.staff();
    let deliver =
        "mutation($id: ID!) { deliverOrder(input: { orderId: $id }) { order { status } } }";
    let fulfil = "mutation($id: ID!) { fulfilOrder(input: { orderId: $id }) { order { status } } }";
    let cancel =
        "mutation($id: ID!) { cancelOrder(input: { orderId: $id }) { order { status reason } } }";

    let early = app
        .graphql(deliver, json!({ "id": order }), Some(&staff.token))
        .await;
    assert_eq!(error_codes(&early), vec!["CONFLICT"]);
    assert_eq!(
        early["errors"][0]["message"],
        "an order that is PAID cannot become DELIVERED"
    );
    let by_customer = app
        .graphql(fulfil, json!({ "id": order }), Some(&buyer.token))
        .await;
    assert_eq!(error_codes(&by_customer), vec!["FORBIDDEN"]);
    let own_cancel = app
        .graphql(cancel, json!({ "id": order }), Some(&buyer.token))
        .await;
    assert_eq!(error_codes(&own_cancel), vec!["FORBIDDEN"]);
    let stranger = app.customer();
    let not_theirs = app
        .graphql(cancel, json!({ "id": order }), Some(&stranger.token))
        .await;
    assert_eq!(error_codes(&not_theirs), vec!["NOT_FOUND"]);
    let anonymous = app.graphql(cancel, json!({ "id": order }), None).await;
    assert_eq!(error_codes(&anonymous), vec!["UNAUTHENTICATED"]);

    // The staff cancel it: refunded, stock released.
    let cancelled = app
        .graphql(cancel, json!({ "id": order }), Some(&staff.token))
        .await;
    assert_eq!(
        cancelled["data"]["cancelOrder"]["order"],
        json!({ "status": "CANCELLED", "reason": "cancelled by the staff" }),
        "{cancelled}"
    );
    assert_eq!(app.provider.stats().refunds, 1);
    app.wait_for_reserved(mug, 0).await;
    let again = app
        .graphql(cancel, json!({ "id": order }), Some(&staff.token))
        .await;
    assert_eq!(error_codes(&again), vec!["CONFLICT"]);

    // The happy path to the end.
    let second = app.order(&buyer, &[(mug, 1)]).await;
    app.wait_for_status(second, "PAID").await;
    let shipped = app
        .graphql(fulfil, json!({ "id": second }), Some(&staff.token))
        .await;
    assert_eq!(
        shipped["data"]["fulfilOrder"]["order"]["status"],
        "FULFILLED"
    );
    let delivered = app
        .graphql(deliver, json!({ "id": second }), Some(&staff.token))
        .await;
    assert_eq!(
        delivered["data"]["deliverOrder"]["order"]["status"],
        "DELIVERED"
    );
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn bad_orders_are_refused_with_the_field_at_fault(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mug = app.product(100, 1).await;
    let buyer = app.customer();
    let cases = [
        (vec![], json!({}), "input.lines"),
        (vec![(mug, 0)], json!({}), "input.lines"),
        (vec![(Uuid::new_v4(), 1)], json!({}), "input.lines"),
        (
            vec![(mug, 1)],
            json!({ "idempotencyKey": " " }),
            "input.idempotencyKey",
        ),
    ];
    for (lines, extra, field) in cases {
        let response = app.place(&buyer, "k", &lines, extra).await;
        assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"], "{response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field);
    }
    let anonymous = app
        .graphql(
            crate::helpers::PLACE,
            json!({ "input": { "idempotencyKey": "k", "lines": [] } }),
            None,
        )
        .await;
    assert_eq!(error_codes(&anonymous), vec!["UNAUTHENTICATED"]);
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn a_token_without_an_email_must_be_renewed_before_placing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mug = app.product(100, 5).await;
    let id = Uuid::new_v4();
    let old = app.user_with(id, vec![kit::Role::Customer], None);

    let refused = app.place(&old, "old-token", &[(mug, 1)], json!({})).await;
    assert_eq!(error_codes(&refused), vec!["UNAUTHENTICATED"], "{refused}");
    let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("sign in again"), "{message}");

    // A token's address the mailer cannot send to is refused before anything is stored.
    let odd = app.user_with(id, vec![kit::Role::Customer], Some("not an address".into()));
    let unusable = app.place(&odd, "old-token", &[(mug, 1)], json!({})).await;
    assert_eq!(error_codes(&unusable), vec!["BAD_USER_INPUT"], "{unusable}");
    let placed: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(&app.pool)
        .await
        .expect("a count");
    assert_eq!(placed, 0);

    // The address is the token's to give: the input has no field for it any more.
    let renewed = app.user_with(
        id,
        vec![kit::Role::Customer],
        Some("new@example.com".into()),
    );
    let with_email = app
        .place(
            &renewed,
            "old-token",
            &[(mug, 1)],
            json!({ "email": "else@example.com" }),
        )
        .await;
    assert_eq!(
        error_codes(&with_email),
        vec!["GRAPHQL_VALIDATION_FAILED"],
        "{with_email}"
    );

    let order = order_id(
        &app.place(&renewed, "old-token", &[(mug, 1)], json!({}))
            .await,
    );
    let stored: Option<String> =
        sqlx::query_scalar("SELECT contact_email FROM orders WHERE id = $1")
            .bind(order)
            .fetch_one(&app.pool)
            .await
            .expect("the order");
    assert_eq!(stored.as_deref(), Some("new@example.com"));
}
