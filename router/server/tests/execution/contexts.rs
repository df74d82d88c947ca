//! `@context`/`@fromContext` through the router: each order's price takes the currency of
//! its nearest `Customer` or `Business`, from shop or from accounts, passed to pricing as a
//! variable; orders with different currencies at one step are one `_entities` request per
//! currency.

use crate::context_subgraphs;
use crate::helpers::{Gateway, counts, spawn_subgraph};
use serde_json::json;

async fn gateway() -> Gateway {
    let (shop, shop_requests) = spawn_subgraph(context_subgraphs::shop()).await;
    let (accounts, accounts_requests) = spawn_subgraph(context_subgraphs::accounts()).await;
    let (pricing, pricing_requests) = spawn_subgraph(context_subgraphs::pricing()).await;
    Gateway::start_fixture(
        "context",
        vec![
            ("shop", shop, Some(shop_requests)),
            ("accounts", accounts, Some(accounts_requests)),
            ("pricing", pricing, Some(pricing_requests)),
        ],
        |_| {},
    )
    .await
}

#[tokio::test]
async fn each_order_is_priced_in_its_customers_currency() {
    let gateway = gateway().await;
    assert_eq!(
        gateway
            .query("{ customers { name orders { item price } } }")
            .await,
        json!({ "data": { "customers": [
            { "name": "Ada", "orders": [
                { "item": "item o1", "price": "o1 in USD" },
                { "item": "item o2", "price": "o2 in USD" },
            ] },
            { "name": "Bob", "orders": [ { "item": "item o3", "price": "o3 in EUR" } ] },
            { "name": "Cy", "orders": [ { "item": "item o4", "price": "o4 in USD" } ] },
        ] } })
    );
    // One shop fetch; pricing once per distinct currency, each with its orders.
    assert_eq!(gateway.counts(), counts(&[("shop", 1), ("pricing", 2)]));
    let mut sent: Vec<(serde_json::Value, usize)> = gateway
        .bodies("pricing")
        .iter()
        .map(|body| {
            let representations = body["variables"]["representations"].as_array().unwrap();
            (
                body["variables"]["context_0"].clone(),
                representations.len(),
            )
        })
        .collect();
    sent.sort_by_key(|(currency, _)| currency.to_string());
    assert_eq!(sent, [(json!("EUR"), 1), (json!("USD"), 3)]);
}

#[tokio::test]
async fn the_nearest_ancestor_of_either_type_gives_the_currency() {
    let gateway = gateway().await;
    assert_eq!(
        gateway
            .query(
                "{ customers { orders { price } employer { name orders { price } } } \
                   businesses { name orders { price } } }"
            )
            .await,
        json!({ "data": {
            "customers": [
                { "orders": [ { "price": "o1 in USD" }, { "price": "o2 in USD" } ],
                  "employer": { "name": "Acme", "orders": [ { "price": "o5 in GBP" } ] } },
                { "orders": [ { "price": "o3 in EUR" } ], "employer": null },
                { "orders": [ { "price": "o4 in USD" } ],
                  "employer": { "name": "Globex", "orders": [
                      { "price": "o6 in JPY" }, { "price": "o7 in JPY" } ] } },
            ],
            "businesses": [
                { "name": "Acme", "orders": [ { "price": "o5 in GBP" } ] },
                { "name": "Globex", "orders": [ { "price": "o6 in JPY" }, { "price": "o7 in JPY" } ] },
            ],
        } })
    );
    // accounts: the employers' and the businesses' currencies (two paths); pricing: two
    // currencies at each of the three order paths.
    assert_eq!(
        gateway.counts(),
        counts(&[("shop", 1), ("accounts", 2), ("pricing", 6)])
    );
}

#[tokio::test]
async fn one_currency_is_one_request_and_no_ancestor_is_a_plan_error() {
    let gateway = gateway().await;
    assert_eq!(
        gateway.query("{ businesses { orders { price } } }").await,
        json!({ "data": { "businesses": [
            { "orders": [ { "price": "o5 in GBP" } ] },
            { "orders": [ { "price": "o6 in JPY" }, { "price": "o7 in JPY" } ] },
        ] } })
    );
    assert_eq!(
        gateway.counts(),
        counts(&[("shop", 1), ("accounts", 1), ("pricing", 2)])
    );
    let (status, body) = gateway.send("{ orphanOrders { price } }", json!({})).await;
    // Like every operation the supergraph cannot answer: refused, no subgraph called.
    assert_eq!(
        (status, body),
        (
            500,
            json!({ "errors": [{
                "message": "cannot plan orphanOrders.price: Order.price takes `currency` from \
                            the context `pricing__locale`, which no enclosing object sets",
                "extensions": { "code": "INTERNAL_SERVER_ERROR" },
            }] })
        )
    );
    assert_eq!(
        gateway.counts(),
        counts(&[("shop", 1), ("accounts", 1), ("pricing", 2)])
    );
}
