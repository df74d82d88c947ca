//! Demand control: estimated costs from `@cost`/`@listSize` against `limits.max_cost`,
//! refused before any subgraph is called.

use crate::helpers::{Gateway, SUBGRAPHS, counts, spawn_subgraph};
use crate::subgraphs;
use router::config::{Config, DemandControlMode};
use serde_json::{Value, json};

/// The store with `topProducts` sized by `first` and a product's reviews assumed to be 3.
fn with_costs(sdl: String) -> String {
    sdl.replacen(
        "  @link(url: \"https://specs.apollo.dev/tag/v0.3\")\n",
        "  @link(url: \"https://specs.apollo.dev/tag/v0.3\")\n  @link(url: \"https://specs.apollo.dev/cost/v0.1\", import: [\"@cost\", \"@listSize\"])\n",
        1,
    )
    .replacen(
        "enum join__Graph {\n",
        "\
         directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR\n\
         directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION\n\
         enum join__Graph {\n",
        1,
    )
    .replacen(
        "topProducts(first: Int = 5): [Product] @join__field(graph: PRODUCTS)",
        "topProducts(first: Int = 5): [Product] @join__field(graph: PRODUCTS) @listSize(slicingArguments: [\"first\"])",
        1,
    )
    .replacen(
        "  reviews: [Review] @join__field(graph: REVIEWS)\n  flagged",
        "  reviews: [Review] @join__field(graph: REVIEWS) @listSize(assumedSize: 3)\n  flagged",
        1,
    )
}

async fn router(configure: impl FnOnce(&mut Config)) -> Gateway {
    let mut spawned = Vec::new();
    for name in SUBGRAPHS {
        let (url, record) = match name {
            "accounts" => spawn_subgraph(subgraphs::accounts()).await,
            "inventory" => spawn_subgraph(subgraphs::inventory()).await,
            "products" => spawn_subgraph(subgraphs::products_schema()).await,
            _ => spawn_subgraph(subgraphs::reviews()).await,
        };
        spawned.push((name, url, Some(record)));
    }
    Gateway::start_fixture_with("store", with_costs, spawned, configure).await
}

/// `n` × (Product 1 + reviews 3 × Review 1).
const TOP: &str = "query Top($n: Int) { topProducts(first: $n) { name reviews { body } } }";

fn limited(config: &mut Config) {
    config.limits.max_cost = Some(20);
}

#[tokio::test]
async fn an_operation_under_the_limit_runs() {
    let router = router(limited).await;
    let (status, body) = router.send(TOP, json!({ "n": 1 })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({ "data": { "topProducts": [
            { "name": "Table", "reviews": [{ "body": "Love it!" }, { "body": "Prefer something else." }] },
        ] } })
    );
    assert_eq!(router.counts(), counts(&[("products", 1), ("reviews", 1)]));
}

#[tokio::test]
async fn an_operation_over_the_limit_is_refused_before_any_subgraph_is_called() {
    let router = router(limited).await;
    let (status, body) = router.send(TOP, json!({ "n": 6 })).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({ "errors": [{
            "message": "the operation's estimated cost 24 is over the limit of 20",
            "extensions": { "code": "COST_ESTIMATED_TOO_EXPENSIVE", "estimatedCost": 24, "maxCost": 20 },
        }] })
    );
    assert_eq!(router.counts(), counts(&[]));
}

#[tokio::test]
async fn the_same_query_text_gets_its_verdict_from_each_request_s_variables() {
    let router = router(limited).await;
    let code = |body: &Value| body["errors"][0]["extensions"]["code"].clone();
    let (status, _) = router.send(TOP, json!({ "n": 5 })).await;
    assert_eq!(status, 200);
    let (status, body) = router.send(TOP, json!({ "n": 6 })).await;
    assert_eq!(
        (status, code(&body)),
        (400, json!("COST_ESTIMATED_TOO_EXPENSIVE"))
    );
    let (status, _) = router.send(TOP, json!({ "n": 2 })).await;
    assert_eq!(status, 200);
    assert_eq!(
        router.pipeline.plans_made(),
        1,
        "one plan, its cost evaluated per request"
    );
    assert_eq!(router.counts(), counts(&[("products", 2), ("reviews", 2)]));
}

#[tokio::test]
async fn literal_sizes_and_mutations_count_too() {
    let router = router(limited).await;
    let (status, body) = router
        .send("{ topProducts(first: 9) { upc } }", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = router
        .send("{ topProducts(first: 21) { upc } }", json!({}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["estimatedCost"], 21);
    // Mutations start at 10: 10 + Review 1.
    let (status, body) = router
        .send(
            r#"mutation { addReview(upc: "1", body: "ok") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(router.counts(), counts(&[("products", 1), ("reviews", 1)]));
}

#[tokio::test]
async fn measure_mode_runs_everything_and_the_cost_can_be_exposed() {
    let router = router(|config| {
        limited(config);
        config.demand_control.mode = DemandControlMode::Measure;
        config.demand_control.expose_cost = true;
    })
    .await;
    let (status, body) = router.send(TOP, json!({ "n": 1 })).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["extensions"],
        json!({ "cost": { "estimated": 4, "max": 20 } })
    );
    let (status, body) = router.send(TOP, json!({ "n": 6 })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["extensions"],
        json!({ "cost": { "estimated": 24, "max": 20 } })
    );
    assert_eq!(
        body["data"]["topProducts"].as_array().map(Vec::len),
        Some(3)
    );
}

#[tokio::test]
async fn a_null_slicing_argument_breaks_require_one() {
    let router = router(limited).await;
    let (status, body) = router.send(TOP, json!({ "n": null })).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({ "errors": [{
            "message": "`Query.topProducts` needs exactly one of its slicing arguments (first), 0 given",
            "extensions": { "code": "GRAPHQL_VALIDATION_FAILED" },
        }] })
    );
    assert_eq!(router.counts(), counts(&[]));
}

#[tokio::test]
async fn without_a_limit_nothing_is_computed_or_refused() {
    let router = router(|_| {}).await;
    let (status, body) = router.send(TOP, json!({ "n": 1000 })).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("extensions").is_none());
}
