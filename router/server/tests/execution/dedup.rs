use crate::helpers::{Gateway, slow};
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

const QUERY: &str = "{ topProducts(first: 1) { name reviews { body } } }";

#[tokio::test]
async fn identical_queries_in_flight_share_one_execution() {
    let (url, reviews) = slow(Duration::from_millis(300)).await;
    let store = Gateway::start_with(HashMap::from([("reviews", url)]), |_| {}).await;
    let answers = futures::future::join_all((0..8).map(|_| store.query(QUERY))).await;
    let expected = json!({ "data": { "topProducts": [ { "name": "Table", "reviews": [ { "body": "Love it!" }, { "body": "Prefer something else." } ] } ] } });
    assert!(
        answers.iter().all(|answer| *answer == expected),
        "{answers:?}"
    );
    assert_eq!(reviews.count(), 1);
    assert_eq!(store.counts()["products"], 1);

    // Once it is done, the next one executes again.
    store.query(QUERY).await;
    assert_eq!(reviews.count(), 2);
}

#[tokio::test]
async fn without_deduplication_each_query_executes() {
    let (url, reviews) = slow(Duration::from_millis(200)).await;
    let store = Gateway::start_with(HashMap::from([("reviews", url)]), |config| {
        config.deduplication.inbound = false;
        config.deduplication.outbound = false;
    })
    .await;
    futures::future::join_all((0..4).map(|_| store.query(QUERY))).await;
    assert_eq!(reviews.count(), 4);
    assert_eq!(store.counts()["products"], 4);
}

#[tokio::test]
async fn identical_subgraph_requests_of_different_queries_are_sent_once() {
    let (url, reviews) = slow(Duration::from_millis(300)).await;
    let store = Gateway::start_with(HashMap::from([("reviews", url)]), |config| {
        config.deduplication.inbound = false;
    })
    .await;
    let with_typename = "{ topProducts(first: 1) { name reviews { body } } __typename }";
    let (a, b) = tokio::join!(store.query(QUERY), store.query(with_typename));
    assert_eq!(a["data"]["topProducts"], b["data"]["topProducts"]);
    assert_eq!(b["data"]["__typename"], "Query");
    assert_eq!(reviews.count(), 1, "the same _entities request, sent once");
    assert_eq!(store.counts()["products"], 1);
}

#[tokio::test]
async fn mutations_are_never_collapsed() {
    let store = Gateway::start().await;
    let mutation = r#"mutation { addReview(upc: "1", body: "again") { body } }"#;
    futures::future::join_all((0..3).map(|_| store.query(mutation))).await;
    assert_eq!(store.counts()["reviews"], 3);
}
