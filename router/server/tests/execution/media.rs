use crate::helpers::{Gateway, counts};
use serde_json::json;

#[tokio::test]
async fn interface_members_resolved_by_different_subgraphs() {
    let router = Gateway::media().await;
    let body = router
        .query("{ media { __typename title ... on Book { price { amount currency } } ... on Movie { likes runtime } } }")
        .await;
    assert_eq!(
        body,
        json!({ "data": { "media": [
            { "__typename": "Book", "title": "Dune", "price": { "amount": 1999, "currency": "EUR" } },
            { "__typename": "Movie", "title": "Alien", "likes": 7, "runtime": 117 },
        ] } })
    );
    assert_eq!(
        router.counts(),
        counts(&[("catalog", 1), ("pricing", 1), ("social", 1)])
    );
    // Each entity fetch got only the objects of its type.
    let pricing = &router.bodies("pricing")[0]["variables"]["representations"];
    assert_eq!(pricing, &json!([{ "__typename": "Book", "isbn": "111" }]));
}

#[tokio::test]
async fn union_members_from_one_subgraph_completed_by_another() {
    let router = Gateway::media().await;
    let body = router
        .query(r#"{ search(text: "x") { __typename ... on Author { name } ... on Media { title } ... on Book { likes } } }"#)
        .await;
    assert_eq!(
        body,
        json!({ "data": { "search": [
            { "__typename": "Author", "name": "Frank Herbert" },
            { "__typename": "Book", "title": "Dune", "likes": 42 },
            { "__typename": "Movie", "title": "Alien" },
        ] } })
    );
    assert_eq!(router.counts(), counts(&[("search", 1), ("social", 1)]));
}

#[tokio::test]
async fn compound_and_nested_keys_reach_the_other_subgraph_whole() {
    let router = Gateway::media().await;
    let body = router
        .query(r#"{ offer(sku: "a", region: "eu") { amount rating seller { handle followers } } }"#)
        .await;
    assert_eq!(
        body,
        json!({ "data": { "offer": { "amount": 10, "rating": 4.5, "seller": { "handle": "a-shop", "followers": 600 } } } })
    );
    assert_eq!(router.counts(), counts(&[("pricing", 1), ("social", 2)]));
    let seller = router
        .bodies("social")
        .into_iter()
        .find(|body| body["variables"]["representations"][0]["__typename"] == "Seller")
        .expect("a Seller fetch");
    assert_eq!(
        seller["variables"]["representations"],
        json!([{ "__typename": "Seller", "org": { "id": "o1" }, "handle": "a-shop" }])
    );
}

#[tokio::test]
async fn overridden_fields_come_from_the_overriding_subgraph() {
    let router = Gateway::media().await;
    let body = router.query("{ featured { title rank } }").await;
    assert_eq!(
        body,
        json!({ "data": { "featured": { "title": "Dune", "rank": 1 } } })
    );
}

#[tokio::test]
async fn requirements_travel_through_two_jumps_and_fragments() {
    let router = Gateway::media().await;
    let body = router
        .query(r#"{ featured { recommendation } media { ... on Movie { blurb(style: "long") } } }"#)
        .await;
    assert_eq!(
        body,
        json!({ "data": { "featured": { "recommendation": "worth 1999 EUR" }, "media": [ {}, { "blurb": "long: 117 minutes" } ] } })
    );
}

#[tokio::test]
async fn a_shareable_root_field_is_answered_by_the_cheapest_subgraph() {
    let router = Gateway::media().await;
    let body = router.query("{ featured { price { amount } } }").await;
    assert_eq!(
        body,
        json!({ "data": { "featured": { "price": { "amount": 1999 } } } })
    );
    assert_eq!(router.counts(), counts(&[("pricing", 1)]));
}
