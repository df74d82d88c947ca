use crate::helpers::{Gateway, counts};
use serde_json::json;

#[tokio::test]
async fn one_subgraph_answers_with_one_request() {
    let store = Gateway::start().await;
    let body = store.query("{ me { id name } }").await;
    assert_eq!(
        body,
        json!({ "data": { "me": { "id": "1", "name": "Ada Lovelace" } } })
    );
    assert_eq!(store.counts(), counts(&[("accounts", 1)]));
}

#[tokio::test]
async fn entity_jumps_at_several_levels_cost_one_request_per_subgraph_per_step() {
    let store = Gateway::start().await;
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
    assert_eq!(
        store.counts(),
        counts(&[("products", 1), ("reviews", 1), ("accounts", 1)])
    );
    // Four reviews by two authors: two representations, not four.
    let accounts = store.bodies("accounts");
    let representations = accounts[0]["variables"]["representations"]
        .as_array()
        .unwrap();
    assert_eq!(representations.len(), 2, "{representations:?}");
    let products = store.bodies("reviews")[0]["variables"]["representations"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(products, 3);
}

#[tokio::test]
async fn required_fields_are_fetched_first_and_sent_in_the_representation() {
    let store = Gateway::start().await;
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
    assert_eq!(store.counts(), counts(&[("products", 1), ("inventory", 1)]));
    let representation = &store.bodies("inventory")[0]["variables"]["representations"][0];
    assert_eq!(
        representation,
        &json!({ "__typename": "Product", "upc": "1", "price": 899, "weight": 100 })
    );
}

#[tokio::test]
async fn provided_fields_save_a_jump() {
    let store = Gateway::start().await;
    let body = store
        .query("{ me { reviews { author { username } } } }")
        .await;
    assert_eq!(
        body,
        json!({ "data": { "me": { "reviews": [ { "author": { "username": "ada" } }, { "author": { "username": "ada" } } ] } } })
    );
    assert_eq!(store.counts(), counts(&[("accounts", 1), ("reviews", 1)]));
}

#[tokio::test]
async fn independent_root_fields_are_fetched_in_parallel_and_merged_in_order() {
    let store = Gateway::start().await;
    let body = store
        .query("{ top: topProducts(first: 1) { name inStock } me { name } __typename }")
        .await;
    assert_eq!(
        body,
        json!({ "data": { "top": [ { "name": "Table", "inStock": true } ], "me": { "name": "Ada Lovelace" }, "__typename": "Query" } })
    );
    assert_eq!(
        store.counts(),
        counts(&[("products", 1), ("accounts", 1), ("inventory", 1)])
    );
}

#[tokio::test]
async fn fragments_aliases_variables_and_skip_include_are_honoured() {
    let store = Gateway::start().await;
    let query = "query Q($n: Int, $withReviews: Boolean!, $withStock: Boolean = false) {
        tops: topProducts(first: $n) {
          ...Basics
          ... on Product { stock: inStock @include(if: $withStock) }
          reviews @include(if: $withReviews) { text: body }
        }
      }
      fragment Basics on Product { label: name upc }";
    let (status, body) = store
        .send(query, json!({ "n": 2, "withReviews": false }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "data": { "tops": [ { "label": "Table", "upc": "1" }, { "label": "Couch", "upc": "2" } ] } })
    );
    let (_, body) = store
        .send(
            query,
            json!({ "n": 1, "withReviews": true, "withStock": true }),
        )
        .await;
    assert_eq!(
        body,
        json!({ "data": { "tops": [ { "label": "Table", "upc": "1", "stock": true,
            "reviews": [ { "text": "Love it!" }, { "text": "Prefer something else." } ] } ] } })
    );
}

#[tokio::test]
async fn a_client_alias_on_a_key_fields_name_keeps_both_apart() {
    let store = Gateway::start().await;
    let body = store
        .query("{ topProducts(first: 1) { reviews { body } upc: name } }")
        .await;
    assert_eq!(
        body,
        json!({ "data": { "topProducts": [ {
            "reviews": [ { "body": "Love it!" }, { "body": "Prefer something else." } ],
            "upc": "Table",
        } ] } })
    );
    let representation = &store.bodies("reviews")[0]["variables"]["representations"][0];
    assert_eq!(
        representation,
        &json!({ "__typename": "Product", "upc": "1" })
    );
}

#[tokio::test]
async fn mutation_fields_run_in_order() {
    let store = Gateway::start().await;
    let body = store
        .query(r#"mutation { first: login(username: "alan") { name } review: addReview(upc: "3", body: "Sturdy") { body product { name } } logout }"#)
        .await;
    assert_eq!(
        body,
        json!({ "data": { "first": { "name": "Alan Turing" }, "review": { "body": "Sturdy", "product": { "name": "Chair" } }, "logout": true } })
    );
    // login, then addReview, then its product's name, then logout: four requests in order.
    assert_eq!(
        store.counts(),
        counts(&[("accounts", 2), ("reviews", 1), ("products", 1)])
    );
}

#[tokio::test]
async fn introspection_is_answered_by_the_router_from_the_api_schema() {
    let store = Gateway::start().await;
    let body = store
        .query(r#"{ __schema { queryType { name } } __type(name: "User") { fields { name } } }"#)
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    let fields: Vec<&str> = body["data"]["__type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["id", "name", "username", "reviews"],
        "@inaccessible passwordHash is hidden"
    );
    assert!(store.counts().is_empty(), "no subgraph was asked");
}

#[tokio::test]
async fn plans_are_cached_by_normalized_operation() {
    let store = Gateway::start().await;
    for _ in 0..3 {
        store.query("{ me { name } }").await;
    }
    // The same operation written differently: comments and layout do not count.
    store.query("# who am I\n{\n  me {\n    name\n  }\n}").await;
    store.query("query { me { name } }").await;
    assert_eq!(store.pipeline.plans_made(), 1);
    store.query("{ me { id } }").await;
    assert_eq!(store.pipeline.plans_made(), 2);
    assert_eq!(store.pipeline.cached_plans(), 2);
}

#[tokio::test]
async fn worker_threads_share_one_port_and_stop_cleanly() {
    use crate::helpers::{fixture, spawn_subgraph};
    use crate::subgraphs;
    let (accounts, recorded) = spawn_subgraph(subgraphs::accounts()).await;
    let mut config = router::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        workers: Some(2),
        ..router::Config::default()
    };
    config.deduplication.inbound = false;
    config.deduplication.outbound = false;
    config.subgraphs.insert(
        "accounts".to_owned(),
        router::config::SubgraphConfig {
            url: Some(accounts),
            timeout_ms: None,
            subscription_url: None,
        },
    );
    let server = router::WorkerServer::bind(&config, &fixture("store")).expect("binds");
    let url = format!("http://{}/graphql", server.address());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = std::thread::spawn(move || server.run(stopped));

    // Several connections: the kernel spreads them over the workers' sockets.
    let answers = futures::future::join_all((0..8).map(|_| {
        let url = url.clone();
        async move {
            reqwest::Client::new()
                .post(&url)
                .json(&json!({ "query": "{ me { name } }" }))
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    }))
    .await;
    assert!(
        answers
            .iter()
            .all(|a| *a == json!({ "data": { "me": { "name": "Ada Lovelace" } } }))
    );
    assert_eq!(
        recorded.count(),
        8,
        "deduplication may share, but these ran one after another or apart"
    );

    stop.send(true).unwrap();
    tokio::task::spawn_blocking(move || running.join().unwrap())
        .await
        .unwrap()
        .expect("stopped cleanly");
    assert!(
        reqwest::Client::new().post(&url).send().await.is_err(),
        "no longer listening"
    );
}
