use crate::helpers::{TestApp, count, only_error};
use catalog::stock::{self, Reservation, Shortage, StockError, StockLine};
use futures::future::join_all;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

const AVAILABLE: &str = "query($id: ID) { product(id: $id) { availableQuantity inStock } }";
const ADJUST: &str = "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { product { availableQuantity stock { onHand reserved } } } }";

fn line(product: &str, quantity: i32) -> StockLine {
    StockLine {
        product_id: product.parse().expect("a product id"),
        quantity,
    }
}

async fn stock_of(pool: &PgPool, product: &str) -> (i32, i32) {
    let id: Uuid = product.parse().unwrap();
    sqlx::query_as("SELECT on_hand, reserved FROM inventory WHERE product_id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn two_buyers_of_the_last_item_never_both_get_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let cache = app.cache();
    let last = app.product(json!({ "initialStock": 1 })).await;
    // Read it once so the cache holds "1 available": the winner must invalidate it.
    let before = app.graphql(AVAILABLE, json!({ "id": last }), None).await;
    assert_eq!(before["data"]["product"]["availableQuantity"], 1);

    let buyers = (0..8).map(|_| {
        let (pool, cache, last) = (app.pool.clone(), cache.clone(), last.clone());
        tokio::spawn(async move {
            stock::reserve(&pool, &cache, Uuid::new_v4(), &[line(&last, 1)]).await
        })
    });
    let outcomes: Vec<Reservation> = join_all(buyers)
        .await
        .into_iter()
        .map(|outcome| outcome.expect("task").expect("no database error"))
        .collect();
    let winners = outcomes
        .iter()
        .filter(|outcome| **outcome == Reservation::Reserved)
        .count();
    assert_eq!(winners, 1, "{outcomes:?}");
    for outcome in outcomes.iter().filter(|o| **o != Reservation::Reserved) {
        assert_eq!(
            *outcome,
            Reservation::Rejected(vec![Shortage {
                product_id: last.parse().unwrap(),
                requested: 1,
                available: 0
            }])
        );
    }
    assert_eq!(stock_of(&app.pool, &last).await, (1, 1));
    assert_eq!(count(&app.pool, "stock_reservations").await, 1);
    let after = app.graphql(AVAILABLE, json!({ "id": last }), None).await;
    assert_eq!(
        after["data"]["product"],
        json!({ "availableQuantity": 0, "inStock": false })
    );
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn crossing_orders_do_not_deadlock(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let cache = app.cache();
    let a = app.product(json!({ "initialStock": 20 })).await;
    let b = app.product(json!({ "initialStock": 20 })).await;
    let orders = (0..10).map(|n| {
        let (pool, cache) = (app.pool.clone(), cache.clone());
        let lines = if n % 2 == 0 {
            vec![line(&a, 1), line(&b, 1)]
        } else {
            vec![line(&b, 1), line(&a, 1)]
        };
        tokio::spawn(async move { stock::reserve(&pool, &cache, Uuid::new_v4(), &lines).await })
    });
    for outcome in join_all(orders).await {
        assert_eq!(
            outcome.expect("task").expect("no deadlock"),
            Reservation::Reserved
        );
    }
    assert_eq!(stock_of(&app.pool, &a).await, (20, 10));
    assert_eq!(stock_of(&app.pool, &b).await, (20, 10));
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn a_reservation_is_all_or_nothing_and_idempotent(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let cache = app.cache();
    let plenty = app.product(json!({ "initialStock": 5 })).await;
    let scarce = app.product(json!({ "initialStock": 2 })).await;
    let unknown = Uuid::new_v4();
    let order = Uuid::new_v4();

    let rejected = stock::reserve(
        &app.pool,
        &cache,
        order,
        &[
            line(&plenty, 3),
            line(&scarce, 2),
            line(&scarce, 1),
            StockLine {
                product_id: unknown,
                quantity: 1,
            },
        ],
    )
    .await
    .unwrap();
    let Reservation::Rejected(mut shortages) = rejected else {
        panic!("expected a rejection, got {rejected:?}");
    };
    shortages.sort_by_key(|shortage| shortage.product_id != unknown);
    assert_eq!(
        shortages,
        [
            Shortage {
                product_id: unknown,
                requested: 1,
                available: 0
            },
            Shortage {
                product_id: scarce.parse().unwrap(),
                requested: 3,
                available: 2
            },
        ]
    );
    assert_eq!(
        stock_of(&app.pool, &plenty).await,
        (5, 0),
        "nothing half-reserved"
    );
    assert_eq!(count(&app.pool, "stock_reservations").await, 0);

    let lines = [line(&plenty, 3), line(&scarce, 2)];
    assert_eq!(
        stock::reserve(&app.pool, &cache, order, &lines)
            .await
            .unwrap(),
        Reservation::Reserved
    );
    // A redelivered message reserves nothing more.
    assert_eq!(
        stock::reserve(&app.pool, &cache, order, &lines)
            .await
            .unwrap(),
        Reservation::AlreadyReserved
    );
    assert_eq!(stock_of(&app.pool, &plenty).await, (5, 3));
    assert_eq!(stock_of(&app.pool, &scarce).await, (2, 2));

    // Archived products cannot be reserved.
    app.graphql(
        "mutation($input: ArchiveProductInput!) { archiveProduct(input: $input) { product { id } } }",
        json!({ "input": { "id": plenty } }),
        Some(&app.admin()),
    )
    .await;
    let archived = stock::reserve(&app.pool, &cache, Uuid::new_v4(), &[line(&plenty, 1)])
        .await
        .unwrap();
    assert!(matches!(archived, Reservation::Rejected(_)), "{archived:?}");

    assert_eq!(stock::release(&app.pool, &cache, order).await.unwrap(), 2);
    assert_eq!(
        stock::release(&app.pool, &cache, order).await.unwrap(),
        0,
        "released once"
    );
    assert_eq!(stock_of(&app.pool, &plenty).await, (5, 0));
    assert_eq!(stock_of(&app.pool, &scarce).await, (2, 0));
    assert_eq!(
        stock::release(&app.pool, &cache, Uuid::new_v4())
            .await
            .unwrap(),
        0
    );

    for bad in [vec![], vec![line(&scarce, 0)], vec![line(&scarce, -1)]] {
        assert!(matches!(
            stock::reserve(&app.pool, &cache, Uuid::new_v4(), &bad).await,
            Err(StockError::Invalid(_))
        ));
    }
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn stock_never_goes_negative_nor_below_what_is_reserved(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let product = app.product(json!({ "initialStock": 4 })).await;
    stock::reserve(
        &app.pool,
        &app.cache(),
        Uuid::new_v4(),
        &[line(&product, 3)],
    )
    .await
    .unwrap();
    let admin = app.admin();

    let added = app
        .graphql(
            ADJUST,
            json!({ "input": { "productId": product, "delta": 6 } }),
            Some(&admin),
        )
        .await;
    assert_eq!(
        added["data"]["adjustStock"]["product"],
        json!({ "availableQuantity": 7, "stock": { "onHand": 10, "reserved": 3 } })
    );
    let too_much = app
        .graphql(
            ADJUST,
            json!({ "input": { "productId": product, "delta": -8 } }),
            Some(&admin),
        )
        .await;
    assert_eq!(
        only_error(&too_much),
        ("BAD_USER_INPUT".to_owned(), Some("input.delta".to_owned()))
    );
    let overflow = app
        .graphql(
            ADJUST,
            json!({ "input": { "productId": product, "delta": i32::MAX } }),
            Some(&admin),
        )
        .await;
    assert_eq!(only_error(&overflow).0, "BAD_USER_INPUT");
    let zero = app
        .graphql(
            ADJUST,
            json!({ "input": { "productId": product, "delta": 0 } }),
            Some(&admin),
        )
        .await;
    assert_eq!(only_error(&zero).0, "BAD_USER_INPUT");
    let missing = app
        .graphql(
            ADJUST,
            json!({ "input": { "productId": Uuid::new_v4(), "delta": 1 } }),
            Some(&admin),
        )
        .await;
    assert_eq!(only_error(&missing).0, "NOT_FOUND");
    assert_eq!(stock_of(&app.pool, &product).await, (10, 3));

    // The database itself refuses what the code never asks for.
    let id: Uuid = product.parse().unwrap();
    for statement in [
        "UPDATE inventory SET on_hand = -1, reserved = 0 WHERE product_id = $1",
        "UPDATE inventory SET reserved = -1 WHERE product_id = $1",
        "UPDATE inventory SET reserved = on_hand + 1 WHERE product_id = $1",
    ] {
        let refused = sqlx::query(statement).bind(id).execute(&app.pool).await;
        assert!(refused.is_err(), "{statement}");
    }
    assert_eq!(stock_of(&app.pool, &product).await, (10, 3));
}
