use crate::helpers::TestApp;
use kit::testing::sql::SqlCounter;
use serde_json::{Value, json};
use sqlx::PgPool;

const ENTITIES: &str = "query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Product { id sku name price { amount currency } }
    ... on Category { id name }
  }
}";

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn a_batch_of_product_references_costs_one_sql_query(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut ids = Vec::new();
    for n in 0..50 {
        ids.push(
            app.product(json!({ "sku": format!("MUG-{n}"), "name": format!("Mug {n}") }))
                .await,
        );
    }
    let mut representations: Vec<Value> = ids
        .iter()
        .rev()
        .map(|id| json!({ "__typename": "Product", "id": id }))
        .collect();
    representations.push(json!({ "__typename": "Product", "id": uuid::Uuid::new_v4() }));
    representations.push(json!({ "__typename": "Product", "id": "not-a-uuid" }));
    let variables = json!({ "representations": representations });

    let (counter, _guard) = SqlCounter::install();
    let response = app.graphql(ENTITIES, variables.clone(), None).await;
    assert_eq!(counter.count(), 1, "one SQL query for the whole batch");
    assert!(response["errors"].is_null(), "{response}");
    let entities = response["data"]["_entities"].as_array().unwrap();
    assert_eq!(entities.len(), 52);
    for (entity, id) in entities.iter().zip(ids.iter().rev()) {
        assert_eq!(entity["id"], json!(id), "answers in the order asked");
    }
    assert_eq!(entities[0]["sku"], "MUG-49");
    assert_eq!(entities[50], Value::Null);
    assert_eq!(entities[51], Value::Null);

    // Found products again come from the cache; misses are not cached, so an unknown id
    // still costs its one query.
    let known: Vec<Value> = representations[..50].to_vec();
    counter.reset();
    let cached = app
        .graphql(ENTITIES, json!({ "representations": known }), None)
        .await;
    assert_eq!(counter.count(), 0, "served from Redis");
    assert_eq!(
        cached["data"]["_entities"].as_array().unwrap()[..],
        entities[..50]
    );
    counter.reset();
    app.graphql(ENTITIES, variables, None).await;
    assert_eq!(counter.count(), 1, "only the unknown id is looked up");
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn references_by_sku_and_categories_are_batched_too(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut categories = Vec::new();
    for n in 0..10 {
        let category = app.category(&format!("Shelf {n}"), None).await;
        app.product(json!({ "sku": format!("BOOK-{n}"), "categoryId": category }))
            .await;
        categories.push(category);
    }
    let mut representations: Vec<Value> = (0..10)
        .map(|n| json!({ "__typename": "Product", "sku": format!("book-{n}") }))
        .collect();
    representations.push(json!({ "__typename": "Product", "sku": "NOPE" }));
    let query = "query($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Product { sku category { name } } }
    }";

    let (counter, _guard) = SqlCounter::install();
    let response = app
        .graphql(query, json!({ "representations": representations }), None)
        .await;
    assert_eq!(
        counter.count(),
        2,
        "one query for the products, one for their categories"
    );
    let entities = response["data"]["_entities"].as_array().unwrap();
    assert_eq!(
        entities[3],
        json!({ "sku": "BOOK-3", "category": { "name": "Shelf 3" } })
    );
    assert_eq!(entities[10], Value::Null);

    let categories: Vec<Value> = categories
        .iter()
        .map(|id| json!({ "__typename": "Category", "id": id }))
        .collect();
    counter.reset();
    let response = app
        .graphql(ENTITIES, json!({ "representations": categories }), None)
        .await;
    assert_eq!(counter.count(), 1);
    assert_eq!(response["data"]["_entities"][9]["name"], "Shelf 9");
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn the_served_sdl_is_the_checked_in_one(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = app.graphql("{ _service { sdl } }", json!({}), None).await;
    let served = response["data"]["_service"]["sdl"].as_str().expect("sdl");
    let checked_in = include_str!("../../../../schema/catalog.graphql");
    assert_eq!(
        served.trim_end(),
        checked_in.trim_end(),
        "schema/catalog.graphql is stale: run `cargo run -p catalog -- --print-schema > schema/catalog.graphql`"
    );
    assert!(served.contains(r#"type Product @key(fields: "id") @key(fields: "sku")"#));
    assert!(served.contains(r#"type Category @key(fields: "id")"#));
    assert_eq!(catalog::schema::sdl(), checked_in);
}
