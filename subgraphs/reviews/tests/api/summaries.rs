use crate::helpers::{TestApp, histogram, recomputed, summary};
use futures::future::join_all;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrator = "reviews::MIGRATOR")]
async fn summaries_follow_every_write(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let product = Uuid::new_v4();
    assert_eq!(
        summary(&app, product).await,
        json!({ "average": null, "count": 0, "histogram": [
            { "rating": 5, "count": 0 }, { "rating": 4, "count": 0 }, { "rating": 3, "count": 0 },
            { "rating": 2, "count": 0 }, { "rating": 1, "count": 0 } ] })
    );
    let authors: Vec<_> = (0..4).map(|n| app.customer(&format!("User {n}"))).collect();
    let mut reviews = Vec::new();
    for (author, rating) in authors.iter().zip([5, 4, 4, 1]) {
        reviews.push(app.review(author, product, rating).await);
    }
    let served = summary(&app, product).await;
    assert_eq!(served["count"], 4);
    assert_eq!(served["average"], 3.5);
    assert_eq!(histogram(&served), [1, 2, 0, 0, 1]);

    // A changed rating moves between buckets; an edit without one does not.
    app.graphql(
        "mutation($input: UpdateReviewInput!) { updateReview(input: $input) { review { id } } }",
        json!({ "input": { "id": reviews[3], "rating": 3 } }),
        Some(&authors[3].token),
    )
    .await;
    app.graphql(
        "mutation($input: UpdateReviewInput!) { updateReview(input: $input) { review { id } } }",
        json!({ "input": { "id": reviews[0], "title": "Still great" } }),
        Some(&authors[0].token),
    )
    .await;
    let served = summary(&app, product).await;
    assert_eq!(histogram(&served), [1, 2, 1, 0, 0]);
    assert_eq!(served["average"], 4.0);

    app.graphql(
        "mutation($input: DeleteReviewInput!) { deleteReview(input: $input) { deletedReviewId } }",
        json!({ "input": { "id": reviews[0] } }),
        Some(&authors[0].token),
    )
    .await;
    let served = summary(&app, product).await;
    assert_eq!(served["count"], 3);
    assert_eq!(histogram(&served), recomputed(&app.pool, product).await);
    // Another product's summary is its own.
    assert_eq!(summary(&app, Uuid::new_v4()).await["count"], 0);
}

#[sqlx::test(migrator = "reviews::MIGRATOR")]
async fn concurrent_reviews_all_count(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let product = Uuid::new_v4();
    let authors: Vec<_> = (0..20)
        .map(|n| app.customer(&format!("User {n}")))
        .collect();
    let writes = authors
        .iter()
        .enumerate()
        .map(|(n, author)| app.review(author, product, (n % 5) as i32 + 1));
    join_all(writes).await;
    let served = summary(&app, product).await;
    assert_eq!(served["count"], 20);
    assert_eq!(served["average"], 3.0);
    assert_eq!(histogram(&served), [4, 4, 4, 4, 4]);
    assert_eq!(histogram(&served), recomputed(&app.pool, product).await);
}
