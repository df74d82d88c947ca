use crate::helpers::{Gateway, closed_url, counts, slow, spawn_garbage};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn malformed_requests_are_refused_before_any_subgraph_call() {
    let store = Gateway::start().await;
    for raw in ["{not json", "[]", "{\"variables\": {}}", "42"] {
        let (status, body) = store.send_raw(raw.to_owned()).await;
        assert_eq!(status, 400, "{raw}");
        assert_eq!(codes(&body), ["GRAPHQL_PARSE_FAILED"], "{raw}: {body}");
    }
    let (status, body) = store.send("{ me { name ", json!({})).await;
    assert_eq!(status, 400);
    assert!(
        !codes(&body).is_empty() && codes(&body).iter().all(|c| c == "GRAPHQL_PARSE_FAILED"),
        "{body}"
    );
    assert!(body.get("data").is_none(), "a request error has no data");

    let (status, body) = store.send("{ me { name shoeSize } }", json!({})).await;
    assert_eq!(
        (status, codes(&body)),
        (400, vec!["GRAPHQL_VALIDATION_FAILED".to_owned()])
    );
    assert!(body["errors"][0]["locations"].is_array(), "{body}");

    let (status, body) = store.send("{ secret }", json!({})).await;
    assert_eq!(
        (status, codes(&body)),
        (400, vec!["GRAPHQL_VALIDATION_FAILED".to_owned()]),
        "@inaccessible fields do not exist"
    );

    let (status, body) = store
        .send(
            "query($id: ID!) { user(id: $id) { name } }",
            json!({ "id": { "no": 1 } }),
        )
        .await;
    assert_eq!(
        (status, codes(&body)),
        (400, vec!["BAD_USER_INPUT".to_owned()]),
        "{body}"
    );
    let (status, _) = store
        .send("query($id: ID!) { user(id: $id) { name } }", json!({}))
        .await;
    assert_eq!(status, 400);

    assert!(
        store.counts().is_empty(),
        "no subgraph was asked: {:?}",
        store.counts()
    );
    // And the router keeps serving.
    assert_eq!(
        store.query("{ me { name } }").await["data"]["me"]["name"],
        "Ada Lovelace"
    );
}

#[tokio::test]
async fn a_subgraph_that_is_down_leaves_partial_data_and_a_clear_error() {
    let store = Gateway::start_with(HashMap::from([("reviews", closed_url().await)]), |_| {}).await;
    let body = store
        .query("{ topProducts(first: 2) { name reviews { body } } }")
        .await;
    assert_eq!(
        body["data"],
        json!({ "topProducts": [ { "name": "Table", "reviews": null }, { "name": "Couch", "reviews": null } ] })
    );
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{body}");
    assert_eq!(errors[0]["extensions"]["code"], "SUBGRAPH_ERROR");
    assert_eq!(errors[0]["extensions"]["serviceName"], "reviews");
    assert_eq!(errors[0]["path"], json!(["topProducts", 0]));
    assert_eq!(errors[1]["path"], json!(["topProducts", 1]));
    assert_eq!(store.counts(), counts(&[("products", 1)]));
}

#[tokio::test]
async fn a_slow_subgraph_times_out_without_holding_the_rest() {
    let (url, _) = slow(Duration::from_secs(5)).await;
    let store = Gateway::start_with(HashMap::from([("reviews", url)]), |config| {
        config.subgraphs.get_mut("reviews").unwrap().timeout_ms = Some(200);
    })
    .await;
    let started = std::time::Instant::now();
    let body = store
        .query("{ topProducts(first: 1) { name reviews { body } } }")
        .await;
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(
        body["data"],
        json!({ "topProducts": [ { "name": "Table", "reviews": null } ] })
    );
    assert_eq!(
        body["errors"][0]["message"],
        "subgraph `reviews` did not answer in time"
    );
}

#[tokio::test]
async fn garbage_from_a_subgraph_is_an_error_not_a_crash() {
    for (status, answer) in [
        (200, "<html>oops</html>"),
        (502, "bad gateway"),
        (200, "{\"unexpected\": true}"),
    ] {
        let url = spawn_garbage(status, answer).await;
        let store = Gateway::start_with(HashMap::from([("accounts", url)]), |_| {}).await;
        let body = store
            .query("{ me { name } topProducts(first: 1) { name } }")
            .await;
        assert_eq!(
            body["data"],
            json!({ "me": null, "topProducts": [ { "name": "Table" } ] }),
            "{answer}"
        );
        assert_eq!(codes(&body), ["SUBGRAPH_ERROR"], "{answer}");
    }
}

#[tokio::test]
async fn entity_errors_keep_their_code_and_point_into_the_clients_response() {
    let store = Gateway::start().await;
    let body = store.query("{ topProducts { name flagged } }").await;
    assert_eq!(
        body["data"],
        json!({ "topProducts": [
            { "name": "Table", "flagged": false },
            { "name": "Couch", "flagged": null },
            { "name": "Chair", "flagged": false },
        ] })
    );
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(
        errors[0]["message"],
        "moderation is unavailable for this product"
    );
    assert_eq!(errors[0]["path"], json!(["topProducts", 1, "flagged"]));
    assert_eq!(errors[0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(errors[0]["extensions"]["serviceName"], "reviews");
}

#[tokio::test]
async fn a_null_for_a_non_null_field_nulls_the_nearest_nullable_parent() {
    let store = Gateway::start().await;
    let body = store.query("{ discontinued { name upc } }").await;
    // The subgraph returned null for a field the supergraph says is non-null: the item is
    // nulled and an error says why.
    assert_eq!(body["data"], json!({ "discontinued": [null] }));
    assert_eq!(
        body["errors"][0]["message"],
        "Cannot return null for non-nullable field Product.upc"
    );
    assert_eq!(body["errors"][0]["path"], json!(["discontinued", 0, "upc"]));
}
