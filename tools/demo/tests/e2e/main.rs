//! End-to-end: the four subgraphs, the stand-ins and the router in this process, the demo
//! data seeded through the router, and queries that cross the subgraphs, asserted on their
//! exact answers and on how many requests each subgraph received (batching regressions).

mod in_process;
mod stack;

use demo::SeedReport;
use payment_provider::Mode;
use serde_json::{Value, json};
use stack::Stack;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long a test waits for the checkout saga.
const PATIENCE: Duration = Duration::from_secs(30);

/// Asks the router `query` until `done` holds for the answer, which it returns; fails the test
/// with the last answer after [`PATIENCE`].
async fn until(
    stack: &Stack,
    query: &str,
    variables: Value,
    token: Option<&str>,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let answer = stack.graphql(query, variables.clone(), token).await;
        if done(&answer) {
            return answer;
        }
        assert!(Instant::now() < deadline, "still {answer}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls the order's status through the router until it is `status`.
pub(crate) async fn wait_for_status(stack: &Stack, order: &str, token: &str, status: &str) {
    until(
        stack,
        "query Status($id: ID!) { order(id: $id) { status } }",
        json!({ "id": order }),
        Some(token),
        |answer| answer["data"]["order"]["status"] == status,
    )
    .await;
}

fn requests(counts: &[(&'static str, usize)]) -> BTreeMap<&'static str, usize> {
    counts.iter().copied().collect()
}

#[tokio::test]
async fn seeding_twice_changes_nothing_and_a_category_page_costs_one_request_per_subgraph() {
    let stack = Stack::start().await;
    let seeded = demo::seed(&stack.api, &stack.users_db)
        .await
        .expect("the demo data is created");
    assert_eq!(
        seeded.report,
        SeedReport {
            accounts: 4,
            admins_granted: 1,
            categories: 6,
            products: 10,
            reviews: 8,
            orders: 1,
        }
    );
    let again = demo::seed(&stack.api, &stack.users_db)
        .await
        .expect("seeding again works");
    assert_eq!(
        again.report,
        SeedReport::default(),
        "nothing new the second time"
    );
    assert_eq!(again.products, seeded.products);
    assert_eq!(again.categories, seeded.categories);
    assert_eq!(again.orders, seeded.orders);

    stack.reset_requests();
    let answer = stack
        .graphql(
            "query Lighting($category: ID!) {
               products(filter: { categoryId: $category }, sort: PRICE_LOW_TO_HIGH, first: 10) {
                 edges { node {
                   sku name price { amount currency } category { name parent { name } }
                   ratingSummary { average count }
                   reviews(first: 5, sort: HIGHEST_RATING) {
                     edges { node { rating title author { displayName } } } }
                 } }
               } }",
            json!({ "category": seeded.categories["lighting"] }),
            None,
        )
        .await;
    let product = |sku: &str, name: &str, price: i64, average: Value, reviews: Value| {
        let count = reviews.as_array().map_or(0, Vec::len);
        json!({ "node": {
            "sku": sku, "name": name, "price": { "amount": price, "currency": "EUR" },
            "category": { "name": "Lighting", "parent": { "name": "Home" } },
            "ratingSummary": { "average": average, "count": count },
            "reviews": { "edges": reviews },
        } })
    };
    let review = |rating: i64, title: &str, author: &str| json!({ "node": { "rating": rating, "title": title, "author": { "displayName": author } } });
    assert_eq!(
        answer,
        json!({ "data": { "products": { "edges": [
            product("BULB-LED-4", "LED bulbs, pack of 4", 1299, Value::Null, json!([])),
            product("LAMP-DESK-01", "Desk lamp", 3499, json!(4.0), json!([
                review(5, "Bright and steady", "Ada"),
                review(4, "Good light, short cable", "Grace"),
                review(3, "Does the job", "Linus"),
            ])),
            product("LAMP-FLOOR-01", "Floor lamp", 8999, Value::Null, json!([])),
        ] } } })
    );
    // The products (and their categories) from the catalog, then every product's reviews
    // and rating in one `_entities` request; the authors' names come with the reviews.
    assert_eq!(
        stack.requests(),
        requests(&[("catalog", 1), ("orders", 0), ("reviews", 1), ("users", 0)])
    );

    // In a browser, the same URL is GraphiQL.
    let page = reqwest::Client::new()
        .get(stack.api.url())
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("the router answers");
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(page.text().await.expect("a page").contains("GraphiQL"));
    stack.stop().await;
}

#[tokio::test]
async fn a_customers_order_crosses_all_four_subgraphs_with_one_request_each() {
    let stack = Stack::start().await;
    let seeded = demo::seed(&stack.api, &stack.users_db)
        .await
        .expect("the demo data is created");
    let token = seeded
        .token("linus@example.com")
        .expect("Linus is signed in");
    let placed = stack
        .graphql(
            "mutation Place($input: PlaceOrderInput!) {
               placeOrder(input: $input) { created order { id status total { amount currency } } } }",
            json!({ "input": {
                "idempotencyKey": "e2e-linus-1",
                "lines": [
                    { "productId": seeded.products["PEN-FOUNTAIN-01"], "quantity": 1 },
                    { "productId": seeded.products["LAMP-DESK-01"], "quantity": 2 },
                ],
            } }),
            Some(token),
        )
        .await;
    let order = placed["data"]["placeOrder"]["order"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("the order is placed: {placed}"))
        .to_owned();
    assert_eq!(
        placed["data"]["placeOrder"]["order"]["total"],
        json!({ "amount": 2499 + 2 * 3499, "currency": "EUR" })
    );

    // The saga: the catalog reserves the stock, the payment is taken; the demo order too,
    // so the stock figures below are settled.
    wait_for_status(&stack, &order, token, "PAID").await;
    // The confirmation goes to the address in Linus's access token, as the users subgraph
    // signed it.
    let mut confirmation = None;
    while let Some(mail) = stack.smtp.next_message(Duration::from_secs(20)).await {
        if mail.data.contains(&order) {
            confirmation = Some(mail);
            break;
        }
    }
    let confirmation = confirmation.expect("Linus's order is confirmed by mail");
    assert_eq!(confirmation.to, ["linus@example.com"]);
    let ada = seeded.token("ada@example.com").expect("Ada is signed in");
    wait_for_status(&stack, &seeded.orders[0], ada, "PAID").await;

    stack.reset_requests();
    let answer = stack
        .graphql(
            "query MyOrders {
               me { displayName orders(first: 5) { edges { node {
                 status total { amount currency }
                 lines { quantity unitPrice { amount } product {
                   sku name availableQuantity ratingSummary { average count }
                   reviews(first: 3, sort: HIGHEST_RATING) {
                     edges { node { rating author { displayName } } } } } }
               } } } } }",
            json!({}),
            Some(token),
        )
        .await;
    let reviews = |reviews: &[(i64, &str)]| {
        reviews
            .iter()
            .map(|(rating, author)| {
                json!({ "node": { "rating": rating, "author": { "displayName": author } } })
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        answer,
        json!({ "data": { "me": { "displayName": "Linus", "orders": { "edges": [{ "node": {
            "status": "PAID",
            "total": { "amount": 9497, "currency": "EUR" },
            "lines": [
                { "quantity": 1, "unitPrice": { "amount": 2499 }, "product": {
                    "sku": "PEN-FOUNTAIN-01", "name": "Fountain pen", "availableQuantity": 39,
                    "ratingSummary": { "average": 5.0, "count": 1 },
                    "reviews": { "edges": reviews(&[(5, "Grace")]) } } },
                { "quantity": 2, "unitPrice": { "amount": 3499 }, "product": {
                    "sku": "LAMP-DESK-01", "name": "Desk lamp", "availableQuantity": 22,
                    "ratingSummary": { "average": 4.0, "count": 3 },
                    "reviews": { "edges": reviews(&[(5, "Ada"), (4, "Grace"), (3, "Linus")]) } } },
            ],
        } }] } } } })
    );
    // `me` from users, its orders from orders, the products from the catalog and their
    // reviews from reviews: one request each, however many lines and reviews.
    assert_eq!(
        stack.requests(),
        requests(&[("catalog", 1), ("orders", 1), ("reviews", 1), ("users", 1)])
    );
    stack.stop().await;
}

#[tokio::test]
async fn a_deleted_account_takes_its_reviews_and_open_orders_with_it() {
    let stack = Stack::start().await;
    let seeded = demo::seed(&stack.api, &stack.users_db)
        .await
        .expect("the demo data is created");
    let admin = seeded
        .token(demo::data::ADMIN_EMAIL)
        .expect("the admin is signed in");
    let ada = seeded.token("ada@example.com").expect("Ada is signed in");
    wait_for_status(&stack, &seeded.orders[0], ada, "PAID").await;
    let linus = &seeded.sessions["linus@example.com"];
    let token = linus.access_token.as_str();
    let product = "query Product($sku: String!) { product(sku: $sku) {
        availableQuantity ratingSummary { average count }
        reviews(first: 10, sort: HIGHEST_RATING) { edges { node { rating author { displayName } } } } } }";
    let lamp = stack
        .graphql(product, json!({ "sku": "LAMP-DESK-01" }), None)
        .await;
    let available = lamp["data"]["product"]["availableQuantity"].clone();
    assert_eq!(
        lamp["data"]["product"]["ratingSummary"],
        json!({ "average": 4.0, "count": 3 }),
        "{lamp}"
    );

    // An open order: the payment provider fails, so the order waits with its stock reserved.
    stack.provider.set_mode(Mode::Fail);
    let placed = stack
        .graphql(
            "mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }",
            json!({ "input": {
                "idempotencyKey": "e2e-linus-leaving",
                "lines": [{ "productId": seeded.products["LAMP-DESK-01"], "quantity": 1 }],
            } }),
            Some(token),
        )
        .await;
    let order = placed["data"]["placeOrder"]["order"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("the order is placed: {placed}"))
        .to_owned();
    wait_for_status(&stack, &order, admin, "STOCK_RESERVED").await;

    let deleted = stack
        .graphql(
            "mutation Delete($input: DeleteAccountInput!) { deleteAccount(input: $input) { deletedUserId } }",
            json!({ "input": { "password": demo::data::PASSWORD } }),
            Some(token),
        )
        .await;
    assert_eq!(
        deleted,
        json!({ "data": { "deleteAccount": { "deletedUserId": linus.user_id } } })
    );

    // Reviews drop his two reviews and their stars; orders cancels the open order, and the
    // catalog gets its stock back.
    let review = |rating: i64, author: &str| json!({ "node": { "rating": rating, "author": { "displayName": author } } });
    let expected = json!({ "data": { "product": {
        "availableQuantity": available,
        "ratingSummary": { "average": 4.5, "count": 2 },
        "reviews": { "edges": [review(5, "Ada"), review(4, "Grace")] },
    } } });
    until(
        &stack,
        product,
        json!({ "sku": "LAMP-DESK-01" }),
        None,
        |answer| *answer == expected,
    )
    .await;
    let kettle = stack
        .graphql(product, json!({ "sku": "KETTLE-STEEL" }), None)
        .await;
    assert_eq!(
        kettle["data"]["product"]["ratingSummary"],
        json!({ "average": null, "count": 0 }),
        "{kettle}"
    );
    assert_eq!(
        kettle["data"]["product"]["reviews"],
        json!({ "edges": [] }),
        "{kettle}"
    );
    wait_for_status(&stack, &order, admin, "CANCELLED").await;

    let login = stack
        .graphql(
            "mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }",
            json!({ "input": { "email": "linus@example.com", "password": demo::data::PASSWORD } }),
            None,
        )
        .await;
    assert_eq!(
        login["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{login}"
    );
    stack.stop().await;
}
