use crate::helpers::{TestApp, only_error};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::collections::HashSet;

const SEARCH: &str = "query($search: String, $filter: ProductFilter, $sort: ProductSort, $first: Int, $after: String) {
  products(search: $search, filter: $filter, sort: $sort, first: $first, after: $after) {
    edges { cursor node { id name price { amount } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}";

struct Shop {
    home: String,
    lighting: String,
    brass_lamp: String,
    chair: String,
    garden_lamp: String,
    bulb: String,
}

async fn shop(app: &TestApp) -> Shop {
    let home = app.category("Home", None).await;
    let lighting = app.category("Lighting", Some(&home)).await;
    let desk_lamps = app.category("Desk lamps", Some(&lighting)).await;
    let garden = app.category("Garden", None).await;
    let brass_lamp = app
        .product(json!({ "name": "Brass desk lamp", "description": "A warm light for late evenings",
                         "price": { "amount": 4000, "currency": "EUR" }, "categoryId": desk_lamps,
                         "attributes": { "color": "gold", "material": "brass" }, "initialStock": 5 }))
        .await;
    let chair = app
        .product(
            json!({ "name": "Reading chair", "description": "Pairs well with a desk lamp",
                         "price": { "amount": 15000, "currency": "EUR" }, "categoryId": home,
                         "attributes": { "color": "green" }, "initialStock": 0 }),
        )
        .await;
    let garden_lamp = app
        .product(
            json!({ "name": "Garden lamp", "description": "Solar powered",
                         "price": { "amount": 2000, "currency": "EUR" }, "categoryId": garden,
                         "attributes": { "color": "black" }, "initialStock": 3 }),
        )
        .await;
    let bulb = app
        .product(json!({ "name": "LED bulb", "description": "Fits any lamp",
                         "price": { "amount": 500, "currency": "EUR" }, "categoryId": lighting,
                         "attributes": { "color": "white" }, "initialStock": 100 }))
        .await;
    Shop {
        home,
        lighting,
        brass_lamp,
        chair,
        garden_lamp,
        bulb,
    }
}

fn ids(response: &Value) -> Vec<String> {
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["products"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"]["id"].as_str().expect("id").to_owned())
        .collect()
}

fn set(ids: &[&String]) -> HashSet<String> {
    ids.iter().map(|id| (*id).clone()).collect()
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn full_text_search_ranks_names_above_descriptions(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let shop = shop(&app).await;

    // Both words must match: in the name of one product, in the description of another.
    let desk_lamp = app
        .graphql(SEARCH, json!({ "search": "desk lamps" }), None)
        .await;
    assert_eq!(
        ids(&desk_lamp),
        [shop.brass_lamp.clone(), shop.chair.clone()]
    );

    let lamp = ids(&app.graphql(SEARCH, json!({ "search": "lamp" }), None).await);
    assert_eq!(lamp.len(), 4);
    assert_eq!(
        lamp[..2].iter().cloned().collect::<HashSet<_>>(),
        set(&[&shop.brass_lamp, &shop.garden_lamp]),
        "name matches first"
    );
    assert_eq!(
        lamp[2..].iter().cloned().collect::<HashSet<_>>(),
        set(&[&shop.chair, &shop.bulb])
    );

    let excluded = app
        .graphql(SEARCH, json!({ "search": "lamp -garden -reading" }), None)
        .await;
    assert_eq!(
        ids(&excluded).into_iter().collect::<HashSet<_>>(),
        set(&[&shop.brass_lamp, &shop.bulb])
    );
    let nothing = app
        .graphql(SEARCH, json!({ "search": "submarine" }), None)
        .await;
    assert!(ids(&nothing).is_empty());
    // Explicit sorts override relevance.
    let cheapest = app
        .graphql(
            SEARCH,
            json!({ "search": "lamp", "sort": "PRICE_LOW_TO_HIGH" }),
            None,
        )
        .await;
    assert_eq!(
        ids(&cheapest),
        [
            shop.bulb.clone(),
            shop.garden_lamp.clone(),
            shop.brass_lamp.clone(),
            shop.chair.clone()
        ]
    );
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn filters_narrow_the_results(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let shop = shop(&app).await;
    let search = |filter: Value| {
        let app = &app;
        async move {
            ids(&app.graphql(SEARCH, json!({ "filter": filter }), None).await)
                .into_iter()
                .collect::<HashSet<_>>()
        }
    };
    // A category includes its subcategories, however deep.
    assert_eq!(
        search(json!({ "categoryId": shop.lighting })).await,
        set(&[&shop.brass_lamp, &shop.bulb])
    );
    assert_eq!(
        search(json!({ "categoryId": shop.home })).await,
        set(&[&shop.brass_lamp, &shop.chair, &shop.bulb])
    );
    assert_eq!(
        search(json!({ "minPrice": 1000, "maxPrice": 4000 })).await,
        set(&[&shop.brass_lamp, &shop.garden_lamp])
    );
    assert_eq!(
        search(json!({ "inStock": true })).await,
        set(&[&shop.brass_lamp, &shop.garden_lamp, &shop.bulb])
    );
    assert_eq!(
        search(json!({ "attributes": { "color": "gold" } })).await,
        set(&[&shop.brass_lamp])
    );
    assert_eq!(
        search(json!({ "attributes": { "color": "gold", "material": "steel" } })).await,
        HashSet::new()
    );
    assert_eq!(search(json!({ "currency": "usd" })).await, HashSet::new());
    assert_eq!(search(json!({ "currency": "EUR" })).await.len(), 4);
    let combined = app
        .graphql(
            SEARCH,
            json!({ "search": "lamp", "filter": { "categoryId": shop.home, "inStock": true } }),
            None,
        )
        .await;
    assert_eq!(
        ids(&combined).into_iter().collect::<HashSet<_>>(),
        set(&[&shop.brass_lamp, &shop.bulb])
    );
    let expensive_first = app
        .graphql(SEARCH, json!({ "sort": "PRICE_HIGH_TO_LOW" }), None)
        .await;
    assert_eq!(
        ids(&expensive_first),
        [
            shop.chair.clone(),
            shop.brass_lamp.clone(),
            shop.garden_lamp.clone(),
            shop.bulb.clone()
        ]
    );
    let newest = app.graphql(SEARCH, json!({}), None).await;
    assert_eq!(
        ids(&newest),
        [
            shop.bulb.clone(),
            shop.garden_lamp.clone(),
            shop.chair.clone(),
            shop.brass_lamp.clone()
        ]
    );
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn pages_follow_each_other_without_gaps_or_repeats(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    // Many equal prices, so pages have to break ties by id.
    for n in 0..25 {
        app.product(json!({ "name": format!("Mug {n}"), "price": { "amount": 100 * (n % 3), "currency": "EUR" } }))
            .await;
    }

    let first = app.graphql(SEARCH, json!({}), None).await;
    let page = &first["data"]["products"];
    assert_eq!(page["edges"].as_array().unwrap().len(), 20, "20 by default");
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
    let rest = app
        .graphql(
            SEARCH,
            json!({ "after": page["pageInfo"]["endCursor"] }),
            None,
        )
        .await;
    let rest_page = &rest["data"]["products"];
    assert_eq!(rest_page["edges"].as_array().unwrap().len(), 5);
    assert_eq!(rest_page["pageInfo"]["hasNextPage"], false);
    assert_eq!(rest_page["pageInfo"]["hasPreviousPage"], true);

    let mut seen = Vec::new();
    let mut prices = Vec::new();
    let mut after = Value::Null;
    loop {
        let response = app
            .graphql(
                SEARCH,
                json!({ "sort": "PRICE_LOW_TO_HIGH", "first": 4, "after": after }),
                None,
            )
            .await;
        let page = &response["data"]["products"];
        for edge in page["edges"].as_array().expect("edges") {
            seen.push(edge["node"]["id"].as_str().unwrap().to_owned());
            prices.push(edge["node"]["price"]["amount"].as_i64().unwrap());
        }
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), 25);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 25, "no repeats");
    assert!(
        prices.windows(2).all(|pair| pair[0] <= pair[1]),
        "{prices:?}"
    );

    // A page that ends exactly at the last product has no next page.
    let exact = app.graphql(SEARCH, json!({ "first": 25 }), None).await;
    assert_eq!(exact["data"]["products"]["pageInfo"]["hasNextPage"], false);
    let all = app.graphql(SEARCH, json!({ "first": 100 }), None).await;
    assert_eq!(
        all["data"]["products"]["edges"].as_array().unwrap().len(),
        25
    );
    let empty = app
        .graphql(SEARCH, json!({ "search": "teapot" }), None)
        .await;
    assert_eq!(
        empty["data"]["products"]["pageInfo"],
        json!({ "hasNextPage": false, "hasPreviousPage": false, "startCursor": null, "endCursor": null })
    );
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn bad_search_input_names_the_field(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.product(json!({})).await;
    let first_page = app
        .graphql(SEARCH, json!({ "sort": "NEWEST", "first": 1 }), None)
        .await;
    let cursor = first_page["data"]["products"]["pageInfo"]["endCursor"].clone();
    let cases = [
        (json!({ "first": 0 }), "first"),
        (json!({ "first": 101 }), "first"),
        (json!({ "first": -5 }), "first"),
        (json!({ "after": "bm90IGEgY3Vyc29y" }), "after"),
        (json!({ "after": "!!!" }), "after"),
        (
            json!({ "sort": "PRICE_LOW_TO_HIGH", "after": cursor }),
            "after",
        ),
        (json!({ "search": "x".repeat(201) }), "search"),
        (json!({ "filter": { "minPrice": -1 } }), "filter.minPrice"),
        (
            json!({ "filter": { "minPrice": 500, "maxPrice": 100 } }),
            "filter.maxPrice",
        ),
        (
            json!({ "filter": { "currency": "euro" } }),
            "filter.currency",
        ),
        (
            json!({ "filter": { "attributes": ["red"] } }),
            "filter.attributes",
        ),
        (
            json!({ "filter": { "categoryId": "lamps" } }),
            "filter.categoryId",
        ),
    ];
    for (variables, field) in cases {
        let response = app.graphql(SEARCH, variables.clone(), None).await;
        assert_eq!(
            only_error(&response),
            ("BAD_USER_INPUT".to_owned(), Some(field.to_owned())),
            "{variables}"
        );
    }
    let unknown_sort = app
        .graphql(SEARCH, json!({ "sort": "CHEAPEST" }), None)
        .await;
    assert_eq!(only_error(&unknown_sort).0, "GRAPHQL_VALIDATION_FAILED");
}
