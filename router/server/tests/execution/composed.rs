//! A supergraph composed from the store's in-process subgraphs, their SDL fetched over HTTP
//! the way `router compose` does, served by the router: the same answers as the
//! hand-written store supergraph.

use crate::helpers::{Gateway, counts, spawn_subgraph};
use crate::subgraphs;
use federation::composition::SubgraphSdl;
use router::RouterServer;
use router::config::{Config, SubgraphConfig};
use serde_json::json;
use std::collections::HashMap;

/// The store subgraphs, their SDL fetched with `{ _service { sdl } }` and composed, and a
/// router serving the composed supergraph.
async fn composed_store() -> (Gateway, String) {
    let mut spawned = Vec::new();
    for name in ["accounts", "inventory", "products", "reviews"] {
        let (url, record) = match name {
            "accounts" => spawn_subgraph(subgraphs::accounts()).await,
            "inventory" => spawn_subgraph(subgraphs::inventory()).await,
            "products" => spawn_subgraph(subgraphs::products_schema()).await,
            _ => spawn_subgraph(subgraphs::reviews()).await,
        };
        spawned.push((name, url, record));
    }
    let mut sdls = Vec::new();
    for (name, url, _) in &spawned {
        let sdl = router::compose::fetch_sdl(url)
            .await
            .expect("the subgraph's SDL");
        sdls.push(SubgraphSdl::new(*name, url, sdl));
    }
    let supergraph = federation::compose(&sdls)
        .unwrap_or_else(|errors| panic!("{errors}"))
        .supergraph_sdl;

    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Config::default()
    };
    let mut recorded = HashMap::new();
    for (name, url, record) in spawned {
        // The SDL fetches are not part of what the queries cost.
        recorded.insert(name, record);
        config.subgraphs.insert(
            name.to_owned(),
            SubgraphConfig {
                url: Some(url),
                timeout_ms: None,
                subscription_url: None,
            },
        );
    }
    let server = RouterServer::build(&config, &supergraph)
        .await
        .expect("the router serves the composed supergraph");
    let url = format!("http://127.0.0.1:{}/graphql", server.port());
    let pipeline = server.pipeline();
    let serving = server.serving();
    tokio::spawn(server.run_until(std::future::pending()));
    let gateway = Gateway {
        url,
        client: reqwest::Client::new(),
        recorded,
        pipeline,
        serving,
    };
    (gateway, supergraph)
}

#[tokio::test]
async fn a_composed_supergraph_answers_like_the_hand_written_one() {
    let (store, supergraph) = composed_store().await;
    assert!(supergraph.contains("@join__field(graph: INVENTORY, requires: \"price weight\")"));
    let before = store.counts();

    let body = store
        .query("{ topProducts { name reviews { body author { name } } } }")
        .await;
    assert_eq!(
        body,
        json!({ "data": { "topProducts": [
            { "name": "Table", "reviews": [
                { "body": "Love it!", "author": { "name": "Ada Lovelace" } },
                { "body": "Prefer something else.", "author": { "name": "Alan Turing" } },
            ] },
            { "name": "Couch", "reviews": [ { "body": "Too expensive.", "author": { "name": "Ada Lovelace" } } ] },
            { "name": "Chair", "reviews": [ { "body": "Could be better.", "author": { "name": "Alan Turing" } } ] },
        ] } })
    );
    let after: HashMap<&str, usize> = store
        .counts()
        .into_iter()
        .map(|(name, count)| (name, count - before.get(name).copied().unwrap_or(0)))
        .filter(|(_, count)| *count > 0)
        .collect();
    assert_eq!(
        after,
        counts(&[("products", 1), ("reviews", 1), ("accounts", 1)])
    );

    let body = store
        .query("{ topProducts { name shippingEstimate } }")
        .await;
    assert_eq!(
        body,
        json!({ "data": { "topProducts": [
            { "name": "Table", "shippingEstimate": 50 },
            { "name": "Couch", "shippingEstimate": 0 },
            { "name": "Chair", "shippingEstimate": 25 },
        ] } })
    );

    let body = store
        .query("{ me { reviews { author { username } } } }")
        .await;
    assert_eq!(
        body,
        json!({ "data": { "me": { "reviews": [ { "author": { "username": "ada" } }, { "author": { "username": "ada" } } ] } } })
    );

    let body = store
        .query(r#"mutation { login(username: "alan") { name } addReview(upc: "3", body: "ok") { body product { name } } }"#)
        .await;
    assert_eq!(
        body,
        json!({ "data": { "login": { "name": "Alan Turing" }, "addReview": { "body": "ok", "product": { "name": "Chair" } } } })
    );
}
