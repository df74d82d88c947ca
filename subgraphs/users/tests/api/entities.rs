use crate::helpers::{PASSWORD, TestApp};
use kit::testing::sql::SqlCounter;
use serde_json::{Value, json};
use sqlx::PgPool;

const ENTITIES: &str = "query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on User { id displayName } }
}";

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn a_batch_of_user_references_costs_one_sql_query(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut ids = Vec::new();
    for n in 0..25 {
        let session = app
            .register_with(
                &format!("user{n}@example.com"),
                PASSWORD,
                &format!("User {n}"),
            )
            .await;
        ids.push(session.user_id);
    }
    let unknown = uuid::Uuid::new_v4().to_string();
    let mut representations: Vec<Value> = ids
        .iter()
        .rev()
        .map(|id| json!({ "__typename": "User", "id": id }))
        .collect();
    representations.push(json!({ "__typename": "User", "id": unknown }));
    representations.push(json!({ "__typename": "User", "id": "not-a-uuid" }));

    let (counter, _guard) = SqlCounter::install();
    let response = app
        .graphql(
            ENTITIES,
            json!({ "representations": representations }),
            None,
        )
        .await;
    assert_eq!(counter.count(), 1, "one SQL query for the whole batch");

    assert!(response["errors"].is_null(), "{response}");
    let entities = response["data"]["_entities"].as_array().unwrap();
    assert_eq!(entities.len(), 27);
    for (entity, id) in entities.iter().zip(ids.iter().rev()) {
        assert_eq!(entity["id"], json!(id), "answers in the order asked");
    }
    assert_eq!(entities[0]["displayName"], "User 24");
    assert_eq!(entities[25], Value::Null);
    assert_eq!(entities[26], Value::Null);
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn the_served_sdl_is_the_checked_in_one(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = app.graphql("{ _service { sdl } }", json!({}), None).await;
    let served = response["data"]["_service"]["sdl"].as_str().expect("sdl");
    let checked_in = include_str!("../../../../schema/users.graphql");
    // The served SDL ends with one more blank line; nothing else may differ.
    assert_eq!(
        served.trim_end(),
        checked_in.trim_end(),
        "schema/users.graphql is stale: run `cargo run -p users -- --print-schema > schema/users.graphql`"
    );
    assert!(served.contains("type User @key(fields: \"id\")"));
    assert!(served.contains("url: \"https://specs.apollo.dev/federation/v2"));
    assert_eq!(users::schema::sdl(), checked_in);
}
