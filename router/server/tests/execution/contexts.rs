//! `@context`/`@fromContext` through the router: each order's price takes the currency of
//! its nearest `Customer` or `Business`, from shop or from accounts, passed to pricing as a
//! variable; orders with different currencies at one step are still one request to pricing,
//! one aliased `_entities` per currency.

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
        // Requests are counted as sent: identical ones in flight at once stay two.
        |config| config.deduplication.outbound = false,
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
    // One shop fetch; one pricing request, an `_entities` per currency with its orders.
    assert_eq!(gateway.counts(), counts(&[("shop", 1), ("pricing", 1)]));
    assert_eq!(
        sent_groups(&gateway.bodies("pricing")[0]),
        [(json!("USD"), 3), (json!("EUR"), 1)]
    );
}

/// For each `_entities` of a pricing request (`e0`, `e1`, …): its currency and how many
/// representations it sends.
fn sent_groups(body: &serde_json::Value) -> Vec<(serde_json::Value, usize)> {
    let variables = &body["variables"];
    (0..)
        .map_while(|group| {
            let representations = variables.get(format!("e{group}"))?.as_array()?;
            Some((
                variables[format!("e{group}_0")].clone(),
                representations.len(),
            ))
        })
        .collect()
}

#[tokio::test]
async fn three_currencies_at_one_step_are_one_request() {
    let gateway = gateway().await;
    assert_eq!(
        gateway
            .query(
                r#"{ customersIn(currencies: ["USD", "EUR", "CHF"]) { name orders { price } } }"#
            )
            .await,
        json!({ "data": { "customersIn": [
            { "name": "Ada", "orders": [ { "price": "o1 in USD" }, { "price": "o2 in USD" } ] },
            { "name": "Bob", "orders": [ { "price": "o3 in EUR" } ] },
            { "name": "Cy", "orders": [ { "price": "o4 in USD" } ] },
            { "name": "Dee", "orders": [ { "price": "o8 in CHF" } ] },
        ] } })
    );
    assert_eq!(gateway.counts(), counts(&[("shop", 1), ("pricing", 1)]));
    let body = &gateway.bodies("pricing")[0];
    assert_eq!(
        sent_groups(body),
        [(json!("USD"), 3), (json!("EUR"), 1), (json!("CHF"), 1)]
    );
    let query = body["query"].as_str().unwrap_or_default();
    assert!(
        query.contains("e2: _entities(representations: $e2)")
            && query.contains("price(currency: $e2_0)")
            && query.contains("$e2_0: String!"),
        "{query}"
    );
}

#[tokio::test]
async fn an_error_in_one_group_is_on_that_groups_entities_only() {
    let gateway = gateway().await;
    // Pricing refuses XXX, Eve's currency: her order's price is null (an error at its path),
    // which nulls her (the list's items are nullable); the other groups are priced.
    assert_eq!(
        gateway
            .query(
                r#"{ customersIn(currencies: ["USD", "XXX", "EUR"]) { name orders { price } } }"#
            )
            .await,
        json!({
            "data": { "customersIn": [
                { "name": "Ada", "orders": [ { "price": "o1 in USD" }, { "price": "o2 in USD" } ] },
                { "name": "Bob", "orders": [ { "price": "o3 in EUR" } ] },
                { "name": "Cy", "orders": [ { "price": "o4 in USD" } ] },
                null,
            ] },
            "errors": [{
                "message": "no rate for XXX",
                "path": ["customersIn", 3, "orders", 0, "price"],
                "extensions": { "serviceName": "pricing" },
            }],
        })
    );
    assert_eq!(gateway.counts(), counts(&[("shop", 1), ("pricing", 1)]));
    assert_eq!(
        sent_groups(&gateway.bodies("pricing")[0]),
        [(json!("USD"), 3), (json!("EUR"), 1), (json!("XXX"), 1)]
    );
}

#[tokio::test]
async fn a_client_alias_like_an_internal_context_key_is_the_clients() {
    let gateway = gateway().await;
    assert_eq!(
        gateway
            .query(
                "{ customers { __context_0: name orders { price } } \
                   businesses { __context_0: name __context__0: id orders { price } } }"
            )
            .await,
        json!({ "data": {
            "customers": [
                { "__context_0": "Ada", "orders": [ { "price": "o1 in USD" }, { "price": "o2 in USD" } ] },
                { "__context_0": "Bob", "orders": [ { "price": "o3 in EUR" } ] },
                { "__context_0": "Cy", "orders": [ { "price": "o4 in USD" } ] },
            ],
            "businesses": [
                { "__context_0": "Acme", "__context__0": "b1", "orders": [ { "price": "o5 in GBP" } ] },
                { "__context_0": "Globex", "__context__0": "b2", "orders": [
                    { "price": "o6 in JPY" }, { "price": "o7 in JPY" } ] },
            ],
        } })
    );
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
    // accounts: the employers' and the businesses' currencies (two paths); pricing: one
    // request at each of the three order paths, each with two currencies.
    assert_eq!(
        gateway.counts(),
        counts(&[("shop", 1), ("accounts", 2), ("pricing", 3)])
    );
    for body in gateway.bodies("pricing") {
        assert_eq!(sent_groups(&body).len(), 2, "{body}");
    }
}

#[tokio::test]
async fn two_currencies_are_one_request_and_no_ancestor_is_a_plan_error() {
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
        counts(&[("shop", 1), ("accounts", 1), ("pricing", 1)])
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
        counts(&[("shop", 1), ("accounts", 1), ("pricing", 1)])
    );
}

#[tokio::test]
async fn one_currency_is_the_fetchs_own_operation() {
    let gateway = gateway().await;
    assert_eq!(
        gateway
            .query(r#"{ customersIn(currencies: ["USD"]) { orders { price } } }"#)
            .await,
        json!({ "data": { "customersIn": [
            { "orders": [ { "price": "o1 in USD" }, { "price": "o2 in USD" } ] },
            { "orders": [ { "price": "o4 in USD" } ] },
        ] } })
    );
    let body = &gateway.bodies("pricing")[0];
    assert_eq!(body["variables"]["context_0"], json!("USD"));
    assert_eq!(
        body["variables"]["representations"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
}
