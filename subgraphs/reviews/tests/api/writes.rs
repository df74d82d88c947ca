use crate::helpers::{CREATE, TestApp, only_error};
use kit::Role;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

const UPDATE: &str = "mutation($input: UpdateReviewInput!) { updateReview(input: $input) { review { rating title body author { displayName } } } }";
const DELETE: &str = "mutation($input: DeleteReviewInput!) { deleteReview(input: $input) { deletedReviewId product { id ratingSummary { count } } } }";

async fn reviews_in_db(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM reviews")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "reviews::MIGRATOR")]
async fn a_user_reviews_a_product_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let ada = app.customer("Ada");
    let product = Uuid::new_v4();
    let created = app
        .graphql(
            CREATE,
            json!({ "input": { "productId": product, "rating": 4, "title": "  Solid lamp ", "body": "Bright enough." } }),
            Some(&ada.token),
        )
        .await;
    assert!(created["errors"].is_null(), "{created}");
    let review = &created["data"]["createReview"]["review"];
    assert_eq!(review["rating"], 4);
    assert_eq!(review["title"], "Solid lamp");
    assert_eq!(review["body"], "Bright enough.");
    assert_eq!(
        review["author"],
        json!({ "id": ada.id.to_string(), "displayName": "Ada" })
    );
    assert_eq!(review["product"]["id"], product.to_string());

    let again = app
        .graphql(
            CREATE,
            json!({ "input": { "productId": product, "rating": 1, "title": "Changed my mind" } }),
            Some(&ada.token),
        )
        .await;
    assert_eq!(only_error(&again).0, "CONFLICT");
    assert_eq!(reviews_in_db(&app.pool).await, 1);
    // The failed write left the summary alone.
    assert_eq!(crate::helpers::summary(&app, product).await["count"], 1);

    // Another user may review the same product.
    app.review(&app.customer("Grace"), product, 5).await;
    assert_eq!(reviews_in_db(&app.pool).await, 2);
}

#[sqlx::test(migrator = "reviews::MIGRATOR")]
async fn bad_reviews_are_refused_and_write_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let ada = app.customer("Ada");
    let product = Uuid::new_v4().to_string();
    let base = json!({ "productId": product, "rating": 3, "title": "Fine" });
    let with = |patch: Value| {
        let mut input = base.clone();
        if let (Some(input), Some(patch)) = (input.as_object_mut(), patch.as_object()) {
            input.extend(patch.clone());
        }
        input
    };
    for (input, field) in [
        (with(json!({ "rating": 0 })), "input.rating"),
        (with(json!({ "rating": 6 })), "input.rating"),
        (with(json!({ "rating": 70000 })), "input.rating"),
        (with(json!({ "title": "   " })), "input.title"),
        (with(json!({ "title": "x".repeat(121) })), "input.title"),
        (with(json!({ "body": "x".repeat(5001) })), "input.body"),
        (with(json!({ "productId": "lamp" })), "input.productId"),
    ] {
        let response = app
            .graphql(CREATE, json!({ "input": input }), Some(&ada.token))
            .await;
        assert_eq!(
            only_error(&response),
            ("BAD_USER_INPUT".to_owned(), Some(field.to_owned())),
            "{input}"
        );
    }
    let anonymous = app.graphql(CREATE, json!({ "input": base }), None).await;
    assert_eq!(only_error(&anonymous).0, "UNAUTHENTICATED");
    let forged = app
        .graphql(
            CREATE,
            json!({ "input": base }),
            Some("eyJhbGciOiJub25lIn0.e30."),
        )
        .await;
    assert_eq!(only_error(&forged).0, "UNAUTHENTICATED");
    // A token without a display name cannot sign a review.
    let nameless = app.token_for(Uuid::new_v4(), vec![Role::Customer], None);
    let unsigned = app
        .graphql(CREATE, json!({ "input": base }), Some(&nameless))
        .await;
    assert_eq!(only_error(&unsigned).0, "UNAUTHENTICATED");
    assert_eq!(reviews_in_db(&app.pool).await, 0);
    let summaries: i64 = sqlx::query_scalar("SELECT count(*) FROM rating_summaries")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(summaries, 0);

    let malformed = app
        .graphql("{ review(id: \"x\") { id } }", json!({}), None)
        .await;
    assert_eq!(
        only_error(&malformed),
        ("BAD_USER_INPUT".to_owned(), Some("id".to_owned()))
    );
}

#[sqlx::test(migrator = "reviews::MIGRATOR")]
async fn authors_edit_their_own_reviews_only(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let ada = app.customer("Ada");
    let review = app.review(&ada, Uuid::new_v4(), 2).await;

    // Ada renamed herself since: her new name comes with her token and replaces the old one.
    let renamed = app.token_for(ada.id, vec![Role::Customer], Some("Ada L."));
    let edited = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": review, "rating": 5, "body": "Grew on me." } }),
            Some(&renamed),
        )
        .await;
    assert_eq!(
        edited["data"]["updateReview"]["review"],
        json!({ "rating": 5, "title": "2 stars", "body": "Grew on me.", "author": { "displayName": "Ada L." } })
    );

    let grace = app.customer("Grace");
    let admin = app.user("Root", vec![Role::Admin]);
    for token in [&grace.token, &admin.token] {
        let forbidden = app
            .graphql(
                UPDATE,
                json!({ "input": { "id": review, "title": "Mine now" } }),
                Some(token),
            )
            .await;
        assert_eq!(only_error(&forbidden).0, "FORBIDDEN");
    }
    let anonymous = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": review, "title": "x" } }),
            None,
        )
        .await;
    assert_eq!(only_error(&anonymous).0, "UNAUTHENTICATED");
    let missing = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": Uuid::new_v4(), "title": "x" } }),
            Some(&ada.token),
        )
        .await;
    assert_eq!(only_error(&missing).0, "NOT_FOUND");
    for (input, field) in [
        (json!({ "id": review, "rating": 9 }), "input.rating"),
        (json!({ "id": review, "title": "" }), "input.title"),
        (json!({ "id": "7" }), "input.id"),
    ] {
        let response = app
            .graphql(UPDATE, json!({ "input": input }), Some(&ada.token))
            .await;
        assert_eq!(
            only_error(&response),
            ("BAD_USER_INPUT".to_owned(), Some(field.to_owned())),
            "{input}"
        );
    }
    let stored: (i16, String) = sqlx::query_as("SELECT rating, title FROM reviews")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, (5, "2 stars".to_owned()));
}

#[sqlx::test(migrator = "reviews::MIGRATOR")]
async fn authors_and_staff_delete_reviews(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let product = Uuid::new_v4();
    let ada = app.customer("Ada");
    let grace = app.customer("Grace");
    let by_ada = app.review(&ada, product, 1).await;
    let by_grace = app.review(&grace, product, 2).await;
    let third = app.review(&app.customer("Linus"), product, 3).await;

    let not_hers = app
        .graphql(
            DELETE,
            json!({ "input": { "id": by_ada } }),
            Some(&grace.token),
        )
        .await;
    assert_eq!(only_error(&not_hers).0, "FORBIDDEN");
    let anonymous = app
        .graphql(DELETE, json!({ "input": { "id": by_ada } }), None)
        .await;
    assert_eq!(only_error(&anonymous).0, "UNAUTHENTICATED");

    let own = app
        .graphql(
            DELETE,
            json!({ "input": { "id": by_ada } }),
            Some(&ada.token),
        )
        .await;
    assert_eq!(
        own["data"]["deleteReview"],
        json!({ "deletedReviewId": by_ada, "product": { "id": product.to_string(), "ratingSummary": { "count": 2 } } })
    );
    let support = app.user("Help", vec![Role::Support]);
    let admin = app.user("Root", vec![Role::Admin]);
    for (review, staff) in [(&by_grace, &support), (&third, &admin)] {
        let removed = app
            .graphql(
                DELETE,
                json!({ "input": { "id": review } }),
                Some(&staff.token),
            )
            .await;
        assert!(removed["errors"].is_null(), "{removed}");
    }
    let gone = app
        .graphql(
            DELETE,
            json!({ "input": { "id": by_ada } }),
            Some(&ada.token),
        )
        .await;
    assert_eq!(only_error(&gone).0, "NOT_FOUND");
    assert_eq!(reviews_in_db(&app.pool).await, 0);
    assert_eq!(crate::helpers::summary(&app, product).await["count"], 0);
}
