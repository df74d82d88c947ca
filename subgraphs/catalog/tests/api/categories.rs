use crate::helpers::{TestApp, only_error};
use serde_json::{Value, json};
use sqlx::PgPool;

const TREE: &str = "{ categories { name slug parent { id } children { name children { name } } } }";
const UPDATE: &str = "mutation($input: UpdateCategoryInput!) { updateCategory(input: $input) { category { id name slug parent { id } } } }";
const ARCHIVE: &str = "mutation($input: ArchiveCategoryInput!) { archiveCategory(input: $input) { category { archived } } }";

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn categories_form_a_tree(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let home = app.category("Home & Living", None).await;
    let lighting = app.category("Lighting", Some(&home)).await;
    app.category("Desk lamps", Some(&lighting)).await;
    app.category("Bedding", Some(&home)).await;
    app.category("Garden", None).await;

    let tree = app.graphql(TREE, json!({}), None).await;
    assert_eq!(
        tree["data"]["categories"],
        json!([
            { "name": "Garden", "slug": "garden", "parent": null, "children": [] },
            { "name": "Home & Living", "slug": "home-living", "parent": null, "children": [
                { "name": "Bedding", "children": [] },
                { "name": "Lighting", "children": [{ "name": "Desk lamps" }] },
            ] },
        ])
    );
    let one = app
        .graphql(
            "query($id: ID!) { category(id: $id) { name parent { name parent { name } } } }",
            json!({ "id": lighting }),
            None,
        )
        .await;
    assert_eq!(
        one["data"]["category"],
        json!({ "name": "Lighting", "parent": { "name": "Home & Living", "parent": null } })
    );
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn categories_move_but_never_under_themselves(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let home = app.category("Home", None).await;
    let lighting = app.category("Lighting", Some(&home)).await;
    let desk = app.category("Desk lamps", Some(&lighting)).await;
    let admin = app.admin();

    for parent in [&home, &desk, &lighting] {
        let cycle = app
            .graphql(
                UPDATE,
                json!({ "input": { "id": home, "parentId": parent } }),
                Some(&admin),
            )
            .await;
        assert_eq!(
            only_error(&cycle),
            (
                "BAD_USER_INPUT".to_owned(),
                Some("input.parentId".to_owned())
            )
        );
    }
    let moved = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": desk, "parentId": home, "name": "Lamps" } }),
            Some(&admin),
        )
        .await;
    assert_eq!(
        moved["data"]["updateCategory"]["category"]["parent"]["id"],
        home
    );
    assert_eq!(moved["data"]["updateCategory"]["category"]["name"], "Lamps");
    let top = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": lighting, "parentId": null } }),
            Some(&admin),
        )
        .await;
    assert_eq!(
        top["data"]["updateCategory"]["category"]["parent"],
        Value::Null
    );

    let taken = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": desk, "slug": "home" } }),
            Some(&admin),
        )
        .await;
    assert_eq!(only_error(&taken).0, "CONFLICT");
    let duplicate = app
        .graphql(
            "mutation($input: CreateCategoryInput!) { createCategory(input: $input) { category { id } } }",
            json!({ "input": { "name": "HOME" } }),
            Some(&admin),
        )
        .await;
    assert_eq!(only_error(&duplicate).0, "CONFLICT");
    for (input, field) in [
        (json!({ "id": desk, "slug": "Not A Slug" }), "input.slug"),
        (json!({ "id": desk, "name": " " }), "input.name"),
        (
            json!({ "id": desk, "parentId": uuid::Uuid::new_v4() }),
            "input.parentId",
        ),
        (json!({ "id": "x" }), "input.id"),
    ] {
        let response = app
            .graphql(UPDATE, json!({ "input": input }), Some(&admin))
            .await;
        assert_eq!(
            only_error(&response),
            ("BAD_USER_INPUT".to_owned(), Some(field.to_owned())),
            "{input}"
        );
    }
    let missing = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": uuid::Uuid::new_v4(), "name": "X" } }),
            Some(&admin),
        )
        .await;
    assert_eq!(only_error(&missing).0, "NOT_FOUND");
}

#[sqlx::test(migrator = "catalog::MIGRATOR")]
async fn categories_in_use_cannot_be_archived(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let home = app.category("Home", None).await;
    let lighting = app.category("Lighting", Some(&home)).await;
    let product = app.product(json!({ "categoryId": lighting })).await;
    let admin = app.admin();

    let with_children = app
        .graphql(ARCHIVE, json!({ "input": { "id": home } }), Some(&admin))
        .await;
    assert_eq!(only_error(&with_children).0, "CONFLICT");
    let with_products = app
        .graphql(
            ARCHIVE,
            json!({ "input": { "id": lighting } }),
            Some(&admin),
        )
        .await;
    assert_eq!(only_error(&with_products).0, "CONFLICT");

    app.graphql(
        "mutation($input: ArchiveProductInput!) { archiveProduct(input: $input) { product { id } } }",
        json!({ "input": { "id": product } }),
        Some(&admin),
    )
    .await;
    let archived = app
        .graphql(
            ARCHIVE,
            json!({ "input": { "id": lighting } }),
            Some(&admin),
        )
        .await;
    assert_eq!(
        archived["data"]["archiveCategory"]["category"]["archived"],
        true
    );
    let tree = app.graphql(TREE, json!({}), None).await;
    assert_eq!(tree["data"]["categories"][0]["children"], json!([]));

    // Nothing new goes into an archived category.
    let into_archived = app
        .graphql(
            crate::helpers::CREATE_PRODUCT,
            json!({ "input": { "sku": "NEW-1", "name": "New", "price": { "amount": 1, "currency": "EUR" }, "categoryId": lighting } }),
            Some(&admin),
        )
        .await;
    assert_eq!(
        only_error(&into_archived),
        (
            "BAD_USER_INPUT".to_owned(),
            Some("input.categoryId".to_owned())
        )
    );
    let missing = app
        .graphql(
            ARCHIVE,
            json!({ "input": { "id": uuid::Uuid::new_v4() } }),
            Some(&admin),
        )
        .await;
    assert_eq!(only_error(&missing).0, "NOT_FOUND");
}
