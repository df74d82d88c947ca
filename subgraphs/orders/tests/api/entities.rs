use crate::helpers::{TestApp, error_codes, order_id};
use kit::testing::sql::SqlCounter;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

/// No saga and no background polling here: these tests count SQL statements.
async fn quiet(pool: PgPool) -> TestApp {
    TestApp::spawn_with(pool, |settings| {
        settings.events.enabled = false;
        settings.checkout.expiry_interval_ms = 3_600_000;
    })
    .await
}

const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Order { id status total { amount } lines { quantity product { id } } } } }";

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn a_batch_of_order_references_costs_two_sql_queries(pool: PgPool) {
    let app = quiet(pool).await;
    let mug = app.product(300, 1000).await;
    let buyer = app.customer();
    let mut orders = Vec::new();
    for n in 0..40 {
        orders.push(app.order(&buyer, &[(mug, n % 3 + 1)]).await);
    }
    let mut representations: Vec<Value> = orders
        .iter()
        .rev()
        .map(|id| json!({ "__typename": "Order", "id": id }))
        .collect();
    representations.push(json!({ "__typename": "Order", "id": Uuid::new_v4() }));

    let (counter, _guard) = SqlCounter::install();
    let response = app
        .graphql(
            ENTITIES,
            json!({ "r": representations }),
            Some(&buyer.token),
        )
        .await;
    assert_eq!(
        counter.count(),
        2,
        "one query for the orders, one for their lines"
    );
    let entities = response["data"]["_entities"].as_array().expect("entities");
    assert_eq!(entities.len(), 41);
    assert_eq!(entities[0]["id"], orders[39].to_string());
    // The 40th order (n = 39) has one item.
    assert_eq!(entities[0]["total"]["amount"], 300);
    assert_eq!(entities[0]["lines"][0]["product"]["id"], mug.to_string());
    assert_eq!(entities[40], Value::Null);

    // Someone else's orders do not exist for a customer, and do for the staff.
    let stranger = app.customer();
    let hidden = app
        .graphql(
            ENTITIES,
            json!({ "r": representations[..2] }),
            Some(&stranger.token),
        )
        .await;
    assert_eq!(hidden["data"]["_entities"], json!([null, null]));
    let staff = app.staff();
    let seen = app
        .graphql(
            ENTITIES,
            json!({ "r": representations[..2] }),
            Some(&staff.token),
        )
        .await;
    assert_eq!(seen["data"]["_entities"][1]["id"], orders[38].to_string());
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn a_users_orders_are_a_connection_for_them_and_the_staff(pool: PgPool) {
    let app = quiet(pool).await;
    let mug = app.product(100, 1000).await;
    let buyer = app.customer();
    let mut placed = Vec::new();
    for _ in 0..5 {
        placed.push(app.order(&buyer, &[(mug, 1)]).await);
    }
    placed.reverse();
    let query =
        "query($r: [_Any!]!, $first: Int, $after: String) { _entities(representations: $r) {
      ... on User { orders(first: $first, after: $after) {
        edges { cursor node { id status } } pageInfo { hasNextPage } } } } }";
    let user = json!([{ "__typename": "User", "id": buyer.id }]);

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let response = app
            .graphql(
                query,
                json!({ "r": user, "first": 2, "after": after }),
                Some(&buyer.token),
            )
            .await;
        let orders = &response["data"]["_entities"][0]["orders"];
        for edge in orders["edges"].as_array().expect("edges") {
            seen.push(
                edge["node"]["id"]
                    .as_str()
                    .unwrap()
                    .parse::<Uuid>()
                    .unwrap(),
            );
            after = edge["cursor"].as_str().map(str::to_owned);
        }
        if orders["pageInfo"]["hasNextPage"] != true {
            break;
        }
    }
    assert_eq!(seen, placed, "newest first, each once");

    let staff = app.staff();
    let by_staff = app
        .graphql(
            query,
            json!({ "r": user, "first": 100 }),
            Some(&staff.token),
        )
        .await;
    assert_eq!(
        by_staff["data"]["_entities"][0]["orders"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let stranger = app.customer();
    let refused = app
        .graphql(query, json!({ "r": user }), Some(&stranger.token))
        .await;
    assert_eq!(error_codes(&refused), vec!["FORBIDDEN"]);
    let too_many = app
        .graphql(
            query,
            json!({ "r": user, "first": 101 }),
            Some(&buyer.token),
        )
        .await;
    assert_eq!(error_codes(&too_many), vec!["BAD_USER_INPUT"]);
    let bad_cursor = app
        .graphql(
            query,
            json!({ "r": user, "after": "nope" }),
            Some(&buyer.token),
        )
        .await;
    assert_eq!(error_codes(&bad_cursor), vec!["BAD_USER_INPUT"]);

    // Placed without the saga: the events wait in the outbox.
    let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(waiting, 5);
    let one = app.place(&buyer, "x", &[(mug, 1)], json!({})).await;
    assert_eq!(one["data"]["placeOrder"]["order"]["status"], "PENDING");
    let _ = order_id(&one);
}

const PAGES: &str = "query($r: [_Any!]!, $first: Int, $after: String) {
  _entities(representations: $r) { ... on User { id orders(first: $first, after: $after) {
    edges { cursor node { id history { to } } } pageInfo { hasNextPage hasPreviousPage } } } } }";

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn the_orders_of_five_users_cost_the_sql_of_one(pool: PgPool) {
    let app = quiet(pool).await;
    let mug = app.product(100, 1000).await;
    // Customer n has n + 1 orders, newest first; the first one's newest is cancelled.
    let customers: Vec<_> = (0..5).map(|_| app.customer()).collect();
    let mut placed: Vec<Vec<Uuid>> = Vec::new();
    for (n, customer) in customers.iter().enumerate() {
        let mut theirs = Vec::new();
        for _ in 0..=n {
            theirs.push(app.order(customer, &[(mug, 1)]).await);
        }
        theirs.reverse();
        placed.push(theirs);
    }
    let cancelled = app
        .graphql(
            "mutation($id: ID!) { cancelOrder(input: { orderId: $id }) { order { status } } }",
            json!({ "id": placed[0][0] }),
            Some(&customers[0].token),
        )
        .await;
    assert_eq!(
        cancelled["data"]["cancelOrder"]["order"]["status"], "CANCELLED",
        "{cancelled}"
    );
    let representations: Vec<Value> = customers
        .iter()
        .map(|customer| json!({ "__typename": "User", "id": customer.id }))
        .collect();
    let staff = app.staff();

    let (counter, _guard) = SqlCounter::install();
    let one = app
        .graphql(
            PAGES,
            json!({ "r": representations[..1], "first": 2 }),
            Some(&staff.token),
        )
        .await;
    let for_one = counter.count();
    counter.reset();
    let five = app
        .graphql(
            PAGES,
            json!({ "r": representations, "first": 2 }),
            Some(&staff.token),
        )
        .await;
    let for_five = counter.count();
    assert_eq!(
        (for_one, for_five),
        (2, 2),
        "one query for the pages of orders, one for their histories"
    );
    assert_eq!(one["data"]["_entities"][0], five["data"]["_entities"][0]);

    let users = five["data"]["_entities"].as_array().expect("entities");
    assert_eq!(users.len(), 5, "{five}");
    for (n, user) in users.iter().enumerate() {
        assert_eq!(user["id"], customers[n].id.to_string());
        let orders = &user["orders"];
        let ids: Vec<Uuid> = orders["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|edge| {
                edge["node"]["id"]
                    .as_str()
                    .expect("an id")
                    .parse()
                    .expect("a uuid")
            })
            .collect();
        let expected: Vec<Uuid> = placed[n].iter().take(2).copied().collect();
        assert_eq!(
            ids, expected,
            "customer {n}: their newest two, newest first"
        );
        assert_eq!(orders["pageInfo"]["hasNextPage"], n + 1 > 2, "customer {n}");
        assert_eq!(orders["pageInfo"]["hasPreviousPage"], false);
        for (i, edge) in orders["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .enumerate()
        {
            let history = if n == 0 && i == 0 {
                json!([{ "to": "PENDING" }, { "to": "CANCELLED" }])
            } else {
                json!([{ "to": "PENDING" }])
            };
            assert_eq!(edge["node"]["history"], history, "customer {n}, order {i}");
        }
    }

    // Page by page, each user's pages are theirs, in order, each order once.
    for (n, customer) in customers.iter().enumerate() {
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..10 {
            let response = app
                .graphql(
                    PAGES,
                    json!({ "r": [representations[n]], "first": 2, "after": after }),
                    Some(&customer.token),
                )
                .await;
            let orders = &response["data"]["_entities"][0]["orders"];
            assert_eq!(
                orders["pageInfo"]["hasPreviousPage"],
                after.is_some(),
                "{response}"
            );
            for edge in orders["edges"].as_array().expect("edges") {
                seen.push(
                    edge["node"]["id"]
                        .as_str()
                        .expect("an id")
                        .parse::<Uuid>()
                        .expect("a uuid"),
                );
                after = edge["cursor"].as_str().map(str::to_owned);
            }
            if orders["pageInfo"]["hasNextPage"] != true {
                break;
            }
        }
        assert_eq!(seen, placed[n], "customer {n}");
    }

    // A customer sees their own orders in a batch, and not the others'.
    counter.reset();
    let mine = app
        .graphql(
            PAGES,
            json!({ "r": representations[3..], "first": 100 }),
            Some(&customers[3].token),
        )
        .await;
    assert_eq!(counter.count(), 2);
    assert_eq!(
        mine["data"]["_entities"][0]["orders"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(4)
    );
    assert_eq!(mine["data"]["_entities"][1]["orders"], Value::Null);
    assert_eq!(error_codes(&mine), vec!["FORBIDDEN"]);
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn the_served_sdl_is_the_checked_in_one(pool: PgPool) {
    let app = quiet(pool).await;
    let response = app.graphql("{ _service { sdl } }", json!({}), None).await;
    let served = response["data"]["_service"]["sdl"].as_str().expect("sdl");
    let checked_in = include_str!("../../../../schema/orders.graphql");
    assert_eq!(
        served.trim_end(),
        checked_in.trim_end(),
        "schema/orders.graphql is stale: run `cargo run -p orders -- --print-schema > schema/orders.graphql`"
    );
    assert!(served.contains(r#"type Order @key(fields: "id")"#));
    assert!(served.contains(r#"type Product @key(fields: "id", resolvable: false)"#));
    assert!(served.contains(r#"type User @key(fields: "id")"#));
    assert_eq!(orders::schema::sdl(), checked_in);
}
