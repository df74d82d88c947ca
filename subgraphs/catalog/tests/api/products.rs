use crate::helpers::{CREATE_PRODUCT, TestApp, count, error_codes, only_error};
use kit::Role;
use serde_json::{Value, json};
use sqlx::PgPool;

const PRODUCT: &str = "query($id: ID, $sku: String) {
  product(id: $id, sku: $sku) { id sku name price { amount currency } active availableQuantity }
}";

const UPDATE: &str = "mutation($input: UpdateProductInput!) {
  updateProduct(input: $input) { product { id name description price { amount currency } imageUrls attributes active category { id } } }
}";

fn lamp() -> Value {
    json!({
        "sku": " lamp-01 ",
        "name": "  Desk lamp ",
        "description": "A warm reading light",
        "price": { "amount": 3999, "currency": "eur" },
        "imageUrls": ["https://cdn.example.com/lamp.jpg"],
        "attributes": { "color": "black", "watts": 40 },
        "initialStock": 7,
    })
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn admins_create_products_found_by_id_and_by_sku(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let created = app
        .graphql(
            CREATE_PRODUCT,
            json!({ "input": lamp() }),
            Some(&app.admin()),
        )
        .await;
    assert!(created["errors"].is_null(), "{created}");
    let product = &created["data"]["createProduct"]["product"];
    assert_eq!(product["sku"], "LAMP-01");
    assert_eq!(product["name"], "Desk lamp");
    assert_eq!(
        product["price"],
        json!({ "amount": 3999, "currency": "EUR" })
    );
    assert_eq!(
        product["attributes"],
        json!({ "color": "black", "watts": 40 })
    );
    assert_eq!(
        product["imageUrls"],
        json!(["https://cdn.example.com/lamp.jpg"])
    );
    assert_eq!(product["availableQuantity"], 7);
    assert_eq!(product["inStock"], true);
    assert_eq!(product["active"], true);
    let id = product["id"].as_str().unwrap();

    let by_id = app.graphql(PRODUCT, json!({ "id": id }), None).await;
    assert_eq!(by_id["data"]["product"]["sku"], "LAMP-01");
    let by_sku = app
        .graphql(PRODUCT, json!({ "sku": "lamp-01" }), None)
        .await;
    assert_eq!(by_sku["data"]["product"]["id"], id);
    let unknown = app
        .graphql(PRODUCT, json!({ "id": uuid::Uuid::new_v4() }), None)
        .await;
    assert_eq!(unknown["data"]["product"], Value::Null);
    assert!(unknown["errors"].is_null());
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn the_write_scope_also_allows_managing_the_catalog(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let scoped = app.token(vec![Role::Customer], &["catalog:write"]);
    let created = app
        .graphql(CREATE_PRODUCT, json!({ "input": lamp() }), Some(&scoped))
        .await;
    assert!(created["errors"].is_null(), "{created}");
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn only_catalog_managers_may_write(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.product(json!({})).await;
    let support = app.token(vec![Role::Support], &["orders:write"]);
    let writes = [
        (CREATE_PRODUCT, json!({ "input": lamp() })),
        (UPDATE, json!({ "input": { "id": id, "name": "Hacked" } })),
        (
            "mutation($input: ArchiveProductInput!) { archiveProduct(input: $input) { product { id } } }",
            json!({ "input": { "id": id } }),
        ),
        (
            "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { product { id } } }",
            json!({ "input": { "productId": id, "delta": 5 } }),
        ),
        (
            "mutation($input: CreateCategoryInput!) { createCategory(input: $input) { category { id } } }",
            json!({ "input": { "name": "Lamps" } }),
        ),
    ];
    for (mutation, variables) in writes {
        let anonymous = app.graphql(mutation, variables.clone(), None).await;
        assert_eq!(only_error(&anonymous).0, "UNAUTHENTICATED", "{mutation}");
        let bad_token = app
            .graphql(mutation, variables.clone(), Some("not-a-token"))
            .await;
        assert_eq!(only_error(&bad_token).0, "UNAUTHENTICATED", "{mutation}");
        for token in [app.customer(), support.clone()] {
            let forbidden = app.graphql(mutation, variables.clone(), Some(&token)).await;
            assert_eq!(only_error(&forbidden).0, "FORBIDDEN", "{mutation}");
        }
    }
    assert_eq!(count(&app.pool, "products").await, 1);
    assert_eq!(count(&app.pool, "categories").await, 0);
    let name: String = sqlx::query_scalar("SELECT name FROM products")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "Thing");

    // Stock figures are for managers too; everyone else gets null and an error there.
    let query = "query($id: ID) { product(id: $id) { name stock { onHand reserved available } } }";
    let public = app
        .graphql(query, json!({ "id": id }), Some(&app.customer()))
        .await;
    assert_eq!(public["data"]["product"]["name"], "Thing");
    assert_eq!(public["data"]["product"]["stock"], Value::Null);
    assert_eq!(error_codes(&public), ["FORBIDDEN"]);
    let admin = app
        .graphql(query, json!({ "id": id }), Some(&app.admin()))
        .await;
    assert_eq!(
        admin["data"]["product"]["stock"],
        json!({ "onHand": 10, "reserved": 0, "available": 10 })
    );
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn invalid_products_are_refused_and_write_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let with = |patch: Value| {
        let mut input = lamp();
        if let (Some(input), Some(patch)) = (input.as_object_mut(), patch.as_object()) {
            input.extend(patch.clone());
        }
        input
    };
    let cases = [
        (with(json!({ "sku": "" })), "input.sku"),
        (with(json!({ "sku": "LAMP 01" })), "input.sku"),
        (with(json!({ "name": "   " })), "input.name"),
        (with(json!({ "name": "x".repeat(201) })), "input.name"),
        (
            with(json!({ "price": { "amount": -1, "currency": "EUR" } })),
            "input.price",
        ),
        (
            with(json!({ "price": { "amount": 100, "currency": "EURO" } })),
            "input.price",
        ),
        (
            with(json!({ "imageUrls": ["javascript:alert(1)"] })),
            "input.imageUrls",
        ),
        (with(json!({ "attributes": [1, 2] })), "input.attributes"),
        (with(json!({ "attributes": "red" })), "input.attributes"),
        (with(json!({ "initialStock": -1 })), "input.initialStock"),
        (with(json!({ "categoryId": "42" })), "input.categoryId"),
        (
            with(json!({ "categoryId": uuid::Uuid::new_v4() })),
            "input.categoryId",
        ),
    ];
    for (input, field) in cases {
        let response = app
            .graphql(
                CREATE_PRODUCT,
                json!({ "input": input }),
                Some(&app.admin()),
            )
            .await;
        assert_eq!(
            only_error(&response),
            ("BAD_USER_INPUT".to_owned(), Some(field.to_owned())),
            "{input}"
        );
    }
    let wrong_type = app
        .graphql(
            CREATE_PRODUCT,
            json!({ "input": with(json!({ "price": { "amount": 10.5, "currency": "EUR" } })) }),
            Some(&app.admin()),
        )
        .await;
    assert_eq!(error_codes(&wrong_type), ["GRAPHQL_VALIDATION_FAILED"]);
    assert_eq!(count(&app.pool, "products").await, 0);
    assert_eq!(count(&app.pool, "inventory").await, 0);

    let both = app
        .graphql(
            PRODUCT,
            json!({ "id": uuid::Uuid::new_v4(), "sku": "X" }),
            None,
        )
        .await;
    assert_eq!(only_error(&both).0, "BAD_USER_INPUT");
    let neither = app.graphql(PRODUCT, json!({}), None).await;
    assert_eq!(only_error(&neither).0, "BAD_USER_INPUT");
    let malformed = app.graphql(PRODUCT, json!({ "id": "42" }), None).await;
    assert_eq!(
        only_error(&malformed),
        ("BAD_USER_INPUT".to_owned(), Some("id".to_owned()))
    );
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn a_duplicate_sku_is_a_conflict_and_leaves_no_stock_row(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.product(json!({ "sku": "LAMP-01" })).await;
    let again = app
        .graphql(
            CREATE_PRODUCT,
            json!({ "input": with_sku("lamp-01") }),
            Some(&app.admin()),
        )
        .await;
    assert_eq!(only_error(&again).0, "CONFLICT");
    assert_eq!(count(&app.pool, "products").await, 1);
    assert_eq!(count(&app.pool, "inventory").await, 1);
}

fn with_sku(sku: &str) -> Value {
    let mut input = lamp();
    input["sku"] = json!(sku);
    input
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn updates_change_only_what_is_given_and_archiving_unlists(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let lamps = app.category("Lamps", None).await;
    let id = app
        .product(json!({ "name": "Lamp", "description": "Bright", "categoryId": lamps }))
        .await;
    let updated = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": id, "price": { "amount": 2500, "currency": "USD" }, "attributes": { "color": "red" } } }),
            Some(&app.admin()),
        )
        .await;
    let product = &updated["data"]["updateProduct"]["product"];
    assert_eq!(product["name"], "Lamp");
    assert_eq!(product["description"], "Bright");
    assert_eq!(
        product["price"],
        json!({ "amount": 2500, "currency": "USD" })
    );
    assert_eq!(product["attributes"], json!({ "color": "red" }));
    assert_eq!(product["category"]["id"], lamps);

    // An explicit null takes the product out of its category.
    let moved = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": id, "categoryId": null } }),
            Some(&app.admin()),
        )
        .await;
    assert_eq!(
        moved["data"]["updateProduct"]["product"]["category"],
        Value::Null
    );

    let missing = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": uuid::Uuid::new_v4(), "name": "X" } }),
            Some(&app.admin()),
        )
        .await;
    assert_eq!(only_error(&missing).0, "NOT_FOUND");

    let archived = app
        .graphql(
            "mutation($input: ArchiveProductInput!) { archiveProduct(input: $input) { product { active } } }",
            json!({ "input": { "id": id } }),
            Some(&app.admin()),
        )
        .await;
    assert_eq!(
        archived["data"]["archiveProduct"]["product"]["active"],
        false
    );
    let listed = app
        .graphql("{ products { edges { node { id } } } }", json!({}), None)
        .await;
    assert_eq!(listed["data"]["products"]["edges"], json!([]));
    // Still resolvable: orders refer to it.
    let by_id = app.graphql(PRODUCT, json!({ "id": id }), None).await;
    assert_eq!(by_id["data"]["product"]["active"], false);
}
