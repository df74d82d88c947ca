use crate::helpers::{TestApp, only_error};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

const PRODUCT_REVIEWS: &str =
    "query($r: [_Any!]!, $first: Int, $after: String, $sort: ReviewSort) {
  _entities(representations: $r) {
    ... on Product { reviews(first: $first, after: $after, sort: $sort) {
      edges { cursor node { id rating } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    } }
  }
}";

async fn page(app: &TestApp, product: Uuid, variables: Value) -> Value {
    let mut variables = variables;
    variables["r"] = json!([{ "__typename": "Product", "id": product }]);
    let response = app.graphql(PRODUCT_REVIEWS, variables, None).await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["_entities"][0]["reviews"].clone()
}

fn ids(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"]["id"].as_str().expect("id").to_owned())
        .collect()
}

#[sqlx::test(migrator = "reviews::MIGRATOR")]
async fn reviews_sort_and_page_without_gaps(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let product = Uuid::new_v4();
    let mut written = Vec::new();
    for n in 0..7 {
        let rating = [3, 5, 1, 5, 3, 2, 5][n];
        let id = app
            .review(&app.customer(&format!("User {n}")), product, rating)
            .await;
        written.push((id, rating));
    }
    let newest = page(&app, product, json!({})).await;
    let expected: Vec<String> = written.iter().rev().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids(&newest), expected);
    assert_eq!(newest["pageInfo"]["hasNextPage"], false);
    let oldest = page(&app, product, json!({ "sort": "OLDEST" })).await;
    assert_eq!(
        ids(&oldest),
        expected.iter().rev().cloned().collect::<Vec<_>>()
    );

    // Highest first, newest first among equals; walked three at a time.
    let mut walked = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let current = page(
            &app,
            product,
            json!({ "sort": "HIGHEST_RATING", "first": 3, "after": after }),
        )
        .await;
        pages += 1;
        assert_eq!(current["pageInfo"]["hasPreviousPage"], pages > 1);
        walked.extend(ids(&current));
        if current["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = current["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 3);
    let mut by_rating = written.clone();
    by_rating.reverse(); // newest first among equals (a stable sort keeps this order)
    by_rating.sort_by_key(|(_, rating)| -rating);
    assert_eq!(
        walked,
        by_rating
            .iter()
            .map(|(id, _)| id.clone())
            .collect::<Vec<_>>()
    );

    let lowest = page(
        &app,
        product,
        json!({ "sort": "LOWEST_RATING", "first": 1 }),
    )
    .await;
    assert_eq!(ids(&lowest), [written[2].0.clone()]);
    assert_eq!(lowest["pageInfo"]["hasNextPage"], true);
    let none = page(&app, Uuid::new_v4(), json!({})).await;
    assert_eq!(
        none,
        json!({ "edges": [], "pageInfo": { "hasNextPage": false, "hasPreviousPage": false, "endCursor": null } })
    );
}

#[sqlx::test(migrator = "reviews::MIGRATOR")]
async fn bad_page_arguments_are_bad_user_input(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let product = Uuid::new_v4();
    app.review(&app.customer("Ada"), product, 4).await;
    app.review(&app.customer("Grace"), product, 2).await;
    let first = page(&app, product, json!({ "first": 1 })).await;
    let cursor = first["pageInfo"]["endCursor"].clone();
    for (variables, field) in [
        (json!({ "first": 0 }), "first"),
        (json!({ "first": 101 }), "first"),
        (json!({ "after": "garbage" }), "after"),
        (json!({ "after": cursor, "sort": "OLDEST" }), "after"),
    ] {
        let mut variables = variables;
        variables["r"] = json!([{ "__typename": "Product", "id": product }]);
        let response = app.graphql(PRODUCT_REVIEWS, variables.clone(), None).await;
        assert_eq!(
            only_error(&response),
            ("BAD_USER_INPUT".to_owned(), Some(field.to_owned())),
            "{variables}"
        );
    }
    let next = page(&app, product, json!({ "first": 1, "after": cursor })).await;
    assert_eq!(next["edges"].as_array().unwrap().len(), 1);
    assert_ne!(ids(&next), ids(&first));
}
