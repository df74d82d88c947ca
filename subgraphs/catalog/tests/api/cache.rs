use crate::helpers::TestApp;
use kit::testing::sql::SqlCounter;
use secrecy::ExposeSecret;
use serde_json::json;
use sqlx::PgPool;

const PRODUCT: &str = "query($id: ID) { product(id: $id) { id name price { amount } } }";

async fn redis_get(app: &TestApp, key: &str) -> Option<String> {
    let client = redis::Client::open(app.settings.redis.url.expose_secret()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("GET")
        .arg(format!("{}{key}", app.settings.redis.key_prefix))
        .query_async(&mut connection)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn hot_reads_are_cached_and_writes_invalidate_them(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app
        .product(json!({ "name": "Teapot", "sku": "TEA-1" }))
        .await;
    assert_eq!(redis_get(&app, &format!("product:{id}")).await, None);

    let first = app.graphql(PRODUCT, json!({ "id": id }), None).await;
    assert_eq!(first["data"]["product"]["name"], "Teapot");
    let cached = redis_get(&app, &format!("product:{id}"))
        .await
        .expect("cached");
    assert!(cached.contains("Teapot"), "{cached}");
    assert!(redis_get(&app, "product-sku:TEA-1").await.is_some());

    let (counter, _guard) = SqlCounter::install();
    let again = app.graphql(PRODUCT, json!({ "id": id }), None).await;
    assert_eq!(counter.count(), 0, "a cache hit costs no SQL");
    assert_eq!(again, first);
    drop(_guard);

    let updated = app
        .graphql(
            "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { name } } }",
            json!({ "input": { "id": id, "name": "Kettle", "price": { "amount": 5, "currency": "EUR" } } }),
            Some(&app.admin()),
        )
        .await;
    assert_eq!(
        updated["data"]["updateProduct"]["product"]["name"],
        "Kettle"
    );
    assert_eq!(
        redis_get(&app, &format!("product:{id}")).await,
        None,
        "invalidated"
    );
    assert_eq!(
        redis_get(&app, "product-sku:TEA-1").await,
        None,
        "invalidated"
    );
    let fresh = app.graphql(PRODUCT, json!({ "id": id }), None).await;
    assert_eq!(fresh["data"]["product"]["name"], "Kettle");
    assert_eq!(fresh["data"]["product"]["price"]["amount"], 5);
    let by_sku = app
        .graphql("{ product(sku: \"TEA-1\") { name } }", json!({}), None)
        .await;
    assert_eq!(by_sku["data"]["product"]["name"], "Kettle");
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn everything_works_with_redis_down(pool: PgPool) {
    // Nothing listens on port 1: every cache operation fails.
    let app = TestApp::spawn_with(pool, |settings| {
        settings.redis.url = "redis://127.0.0.1:1".to_owned().into();
    })
    .await;
    let id = app
        .product(json!({ "name": "Teapot", "sku": "TEA-1" }))
        .await;
    for _ in 0..2 {
        let read = app.graphql(PRODUCT, json!({ "id": id }), None).await;
        assert!(read["errors"].is_null(), "{read}");
        assert_eq!(read["data"]["product"]["name"], "Teapot");
    }
    let updated = app
        .graphql(
            "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { name } } }",
            json!({ "input": { "id": id, "name": "Kettle" } }),
            Some(&app.admin()),
        )
        .await;
    assert_eq!(
        updated["data"]["updateProduct"]["product"]["name"],
        "Kettle"
    );
    let read = app.graphql(PRODUCT, json!({ "id": id }), None).await;
    assert_eq!(read["data"]["product"]["name"], "Kettle");
    let entities = app
        .graphql(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { name } } }",
            json!({ "r": [{ "__typename": "Product", "sku": "TEA-1" }] }),
            None,
        )
        .await;
    assert_eq!(entities["data"]["_entities"][0]["name"], "Kettle");
    let search = app
        .graphql(
            "{ products(search: \"kettle\") { edges { node { id } } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(search["data"]["products"]["edges"][0]["node"]["id"], id);
}
