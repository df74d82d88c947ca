//! Progressive `@override(label:)`: a field moves to the overriding subgraph for the requests
//! whose label is on: `percent(N)` labels for about N % of requests, other labels when the
//! configuration turns them on. Each combination of labels is planned once.

use crate::helpers::{Gateway, spawn_subgraph};
use async_graphql::{EmptyMutation, EmptySubscription, ID, Object, Schema, SimpleObject};
use serde_json::{Value, json};

#[derive(SimpleObject, Clone)]
#[graphql(name = "Product")]
struct LegacyProduct {
    id: ID,
    name: String,
    price: i32,
    discount: Option<i32>,
}

struct LegacyQuery;

#[Object(name = "Query")]
impl LegacyQuery {
    async fn products(&self) -> Vec<LegacyProduct> {
        vec![LegacyProduct {
            id: ID("p1".into()),
            name: "Lamp".into(),
            price: 100,
            discount: Some(1),
        }]
    }

    #[graphql(entity)]
    async fn find_product_by_id(&self, id: ID) -> LegacyProduct {
        LegacyProduct {
            id,
            name: "Lamp".into(),
            price: 100,
            discount: Some(1),
        }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "Product")]
struct PricedProduct {
    id: ID,
    price: i32,
    discount: Option<i32>,
}

struct PricingQuery;

#[Object(name = "Query")]
impl PricingQuery {
    #[graphql(entity)]
    async fn find_product_by_id(&self, id: ID) -> PricedProduct {
        PricedProduct {
            id,
            price: 90,
            discount: Some(10),
        }
    }
}

async fn start(percent: &str, labels: &[&str]) -> Gateway {
    let legacy = Schema::build(LegacyQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish();
    let pricing = Schema::build(PricingQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish();
    let (legacy_url, legacy) = spawn_subgraph(legacy).await;
    let (pricing_url, pricing) = spawn_subgraph(pricing).await;
    let labels: Vec<String> = labels.iter().map(|label| label.to_string()).collect();
    let percent = percent.to_owned();
    Gateway::start_fixture_with(
        "progressive",
        |sdl| sdl.replace("percent(50)", &percent),
        vec![
            ("legacy", legacy_url, Some(legacy)),
            ("pricing", pricing_url, Some(pricing)),
        ],
        move |config| config.progressive_override.labels = labels,
    )
    .await
}

const QUERY: &str = "{ products { name price discount } }";

fn answer(price: i32, discount: i32) -> Value {
    json!({ "data": { "products": [{ "name": "Lamp", "price": price, "discount": discount }] } })
}

#[tokio::test]
async fn labels_off_keep_the_fields_where_they_were() {
    let gateway = start("percent(0)", &[]).await;
    for _ in 0..5 {
        assert_eq!(gateway.query(QUERY).await, answer(100, 1));
    }
    assert_eq!(gateway.counts()["legacy"], 5);
    assert_eq!(
        gateway.counts().get("pricing"),
        None,
        "pricing was never asked"
    );
}

#[tokio::test]
async fn labels_on_move_the_fields_to_the_overriding_subgraph() {
    let gateway = start("percent(100)", &["beta"]).await;
    for _ in 0..3 {
        assert_eq!(gateway.query(QUERY).await, answer(90, 10));
    }
    assert_eq!(gateway.counts()["legacy"], 3);
    assert_eq!(
        gateway.counts()["pricing"],
        3,
        "one _entities fetch per request"
    );
}

#[tokio::test]
async fn a_percent_label_splits_requests_and_each_combination_is_planned_once() {
    let gateway = start("percent(50)", &[]).await;
    let mut moved = 0;
    for _ in 0..200 {
        let body = gateway.query(QUERY).await;
        if body == answer(90, 1) {
            moved += 1;
        } else {
            assert_eq!(body, answer(100, 1));
        }
    }
    // 200 draws at 50 %: fewer than 60 or more than 140 is about as likely as 1 in 10^8.
    assert!((60..=140).contains(&moved), "{moved} of 200 moved");
    assert_eq!(gateway.counts().get("pricing").copied().unwrap_or(0), moved);
    assert_eq!(gateway.pipeline.plans_made(), 2);
}
