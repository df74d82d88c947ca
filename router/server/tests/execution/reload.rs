//! A new supergraph replaces the served one while the router runs: requests in flight finish
//! on the old one, a supergraph that fails to load is refused and the old one keeps serving.

use crate::helpers::{Gateway, fixture, slow};
use router::reload::Watcher;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

/// The store supergraph without `Product.inStock`.
fn reduced() -> String {
    let sdl = fixture("store");
    let without = sdl.replace("  inStock: Boolean @join__field(graph: INVENTORY)\n", "");
    assert_ne!(without, sdl, "the fixture has the field");
    without
}

#[tokio::test]
async fn a_new_supergraph_is_served_and_a_broken_one_is_refused() {
    let store = Gateway::start().await;
    let top = "{ topProducts(first: 1) { inStock } }";
    assert_eq!(
        store.query(top).await,
        json!({ "data": { "topProducts": [{ "inStock": true }] } })
    );

    store
        .serving
        .reload(&reduced())
        .expect("the new supergraph loads");
    let (status, body) = store.send(top, json!({})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let best = "{ topProducts(first: 1) { name } }";
    assert_eq!(
        store.query(best).await,
        json!({ "data": { "topProducts": [{ "name": "Table" }] } })
    );

    let broken = reduced().replace("type Query", "type Query {");
    assert!(store.serving.reload(&broken).is_err());
    assert!(store.serving.reload("not a schema at all").is_err());
    assert_eq!(
        store.query(best).await,
        json!({ "data": { "topProducts": [{ "name": "Table" }] } }),
        "the last good supergraph keeps serving"
    );
}

#[tokio::test]
async fn a_request_in_flight_finishes_on_the_supergraph_it_started_with() {
    let (url, reviews) = slow(Duration::from_millis(400)).await;
    let store = Gateway::start_with(HashMap::from([("reviews", url)]), |_| {}).await;
    let query = "{ topProducts(first: 1) { name reviews { body } } }";
    let in_flight = {
        let client = store.client.clone();
        let url = store.url.clone();
        tokio::spawn(async move {
            client
                .post(url)
                .json(&json!({ "query": query }))
                .send()
                .await
                .expect("answered")
                .json::<serde_json::Value>()
                .await
                .expect("JSON")
        })
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while reviews.count() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the request never reached reviews"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    store.serving.reload(&reduced()).expect("loads");

    assert_eq!(
        in_flight.await.expect("the request completes"),
        json!({ "data": { "topProducts": [ { "name": "Table", "reviews": [ { "body": "Love it!" }, { "body": "Prefer something else." } ] } ] } })
    );
    let (status, _) = store.send("{ topProducts { inStock } }", json!({})).await;
    assert_eq!(
        status, 400,
        "requests after the reload see the new supergraph"
    );
}

#[tokio::test]
async fn the_watcher_reloads_a_changed_file_and_keeps_the_old_one_when_it_breaks() {
    let store = Gateway::start().await;
    let dir = std::env::temp_dir().join(format!("reload-{}-{}", std::process::id(), line!()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("supergraph.graphql");
    std::fs::write(&path, fixture("store")).unwrap();
    let mut watcher = Watcher::new(store.serving.clone(), &path, fixture("store"));
    assert!(
        watcher.check().is_none(),
        "an unchanged file is not reloaded"
    );

    std::fs::write(&path, reduced()).unwrap();
    assert!(matches!(watcher.check(), Some(Ok(()))));
    let (status, _) = store.send("{ topProducts { inStock } }", json!({})).await;
    assert_eq!(status, 400);

    std::fs::write(&path, "type Query {").unwrap();
    assert!(matches!(watcher.check(), Some(Err(_))));
    assert_eq!(
        store.query("{ topProducts(first: 1) { name } }").await,
        json!({ "data": { "topProducts": [{ "name": "Table" }] } })
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
