use crate::helpers::TestApp;
use kit::testing::sql::SqlCounter;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrator = "reviews::MIGRATOR")]
async fn the_reviews_of_fifty_products_cost_one_sql_query(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let products: Vec<Uuid> = (0..50).map(|_| Uuid::new_v4()).collect();
    let authors: Vec<_> = (0..3).map(|n| app.customer(&format!("User {n}"))).collect();
    for (n, product) in products.iter().enumerate() {
        for author in authors.iter().take(n % 4) {
            app.review(author, *product, (n % 5) as i32 + 1).await;
        }
    }
    let representations: Vec<Value> = products
        .iter()
        .map(|id| json!({ "__typename": "Product", "id": id }))
        .collect();

    let (counter, _guard) = SqlCounter::install();
    let response = app
        .graphql(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product {
                id reviews(first: 2) { edges { node { rating author { id } } } pageInfo { hasNextPage } } } } }",
            json!({ "r": representations }),
            None,
        )
        .await;
    assert_eq!(counter.count(), 1, "one SQL query for 50 products' reviews");
    let entities = response["data"]["_entities"].as_array().unwrap();
    assert_eq!(entities.len(), 50);
    for (n, entity) in entities.iter().enumerate() {
        assert_eq!(entity["id"], products[n].to_string());
        let edges = entity["reviews"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), (n % 4).min(2), "product {n}");
        assert_eq!(entity["reviews"]["pageInfo"]["hasNextPage"], n % 4 == 3);
    }

    counter.reset();
    app.graphql(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product {
            reviews { edges { node { id } } } ratingSummary { average count } } } }",
        json!({ "r": representations }),
        None,
    )
    .await;
    assert_eq!(
        counter.count(),
        2,
        "one query for the reviews, one for the summaries"
    );

    let users: Vec<Value> = authors
        .iter()
        .map(|author| json!({ "__typename": "User", "id": author.id }))
        .collect();
    counter.reset();
    let by_user = app
        .graphql(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { reviews(first: 100) { edges { node { id } } } } } }",
            json!({ "r": users }),
            None,
        )
        .await;
    assert_eq!(counter.count(), 1, "one SQL query for every user's reviews");
    // User n reviewed the products whose index mod 4 is above n.
    for (n, entity) in by_user["data"]["_entities"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let expected = (0..50).filter(|i| i % 4 > n).count();
        assert_eq!(
            entity["reviews"]["edges"].as_array().unwrap().len(),
            expected
        );
    }
}

#[sqlx::test(migrator = "reviews::MIGRATOR")]
async fn review_authors_come_with_their_display_name(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let product = Uuid::new_v4();
    let ada = app.customer("Ada");
    let review = app.review(&ada, product, 5).await;

    // Through `Review.author @provides(fields: "displayName")` this subgraph answers the name
    // itself: the router needs no jump to users for it.
    let response = app
        .graphql(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product {
                reviews { edges { node { id author { id displayName } product { id } } } } } } }",
            json!({ "r": [{ "__typename": "Product", "id": product }] }),
            None,
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    assert_eq!(
        response["data"]["_entities"][0]["reviews"]["edges"][0]["node"],
        json!({ "id": review, "author": { "id": ada.id.to_string(), "displayName": "Ada" }, "product": { "id": product.to_string() } })
    );

    // Reached as a plain reference, `displayName` is not this subgraph's to answer.
    let direct = app
        .graphql(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { displayName } } }",
            json!({ "r": [{ "__typename": "User", "id": ada.id }] }),
            None,
        )
        .await;
    assert_eq!(direct["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // Reviews resolve as entities too, in one query per batch.
    let (counter, _guard) = SqlCounter::install();
    let entities = app
        .graphql(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Review { rating title } } }",
            json!({ "r": [
                { "__typename": "Review", "id": review },
                { "__typename": "Review", "id": Uuid::new_v4() },
                { "__typename": "Review", "id": "nope" },
            ] }),
            None,
        )
        .await;
    assert_eq!(counter.count(), 1);
    assert_eq!(
        entities["data"]["_entities"],
        json!([{ "rating": 5, "title": "5 stars" }, null, null])
    );
}

#[sqlx::test(migrator = "reviews::MIGRATOR")]
async fn the_served_sdl_is_the_checked_in_one(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = app.graphql("{ _service { sdl } }", json!({}), None).await;
    let served = response["data"]["_service"]["sdl"].as_str().expect("sdl");
    let checked_in = include_str!("../../../../schema/reviews.graphql");
    assert_eq!(
        served.trim_end(),
        checked_in.trim_end(),
        "schema/reviews.graphql is stale: run `cargo run -p reviews -- --print-schema > schema/reviews.graphql`"
    );
    assert!(served.contains(r#"type Review @key(fields: "id")"#));
    assert!(served.contains(r#"author: User! @provides(fields: "displayName")"#));
    assert!(served.contains("displayName: String! @external"));
    assert_eq!(reviews::schema::sdl(), checked_in);
}
