//! `user.deleted` on queue `reviews.users`: the user's reviews go and the summaries follow,
//! once per message; what cannot be handled is dead-lettered.

use crate::helpers::{TestApp, eventually, histogram, recomputed, summary};
use kit::events::{Envelope, dead_letters};
use reviews::events::USERS_QUEUE;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

async fn handled(pool: &PgPool, message: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM processed_messages WHERE message_id = $1")
        .bind(message)
        .fetch_one(pool)
        .await
        .expect("counted")
}

#[sqlx::test(migrator = "reviews::MIGRATOR")]
async fn a_deleted_users_reviews_go_and_the_summaries_follow(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (lamp, kettle) = (Uuid::new_v4(), Uuid::new_v4());
    let leaving = app.customer("Linus");
    let (ada, grace) = (app.customer("Ada"), app.customer("Grace"));
    app.review(&leaving, lamp, 3).await;
    app.review(&leaving, kettle, 2).await;
    let ada_lamp = app.review(&ada, lamp, 5).await;
    let grace_lamp = app.review(&grace, lamp, 4).await;
    let grace_kettle = app.review(&grace, kettle, 2).await;
    assert_eq!(histogram(&summary(&app, lamp).await), [1, 1, 1, 0, 0]);
    assert_eq!(histogram(&summary(&app, kettle).await), [0, 0, 0, 2, 0]);

    let event = app.delete_user(leaving.id).await;
    assert!(eventually(|| async { app.reviews_of(leaving.id).await.is_empty() }).await);
    assert_eq!(handled(&app.pool, event.id).await, 1);

    let served = summary(&app, lamp).await;
    assert_eq!(served["count"], 2);
    assert_eq!(served["average"], 4.5);
    assert_eq!(histogram(&served), [1, 1, 0, 0, 0]);
    assert_eq!(histogram(&served), recomputed(&app.pool, lamp).await);
    let served = summary(&app, kettle).await;
    assert_eq!(served["count"], 1);
    assert_eq!(served["average"], 2.0);
    assert_eq!(histogram(&served), [0, 0, 0, 1, 0]);
    assert_eq!(histogram(&served), recomputed(&app.pool, kettle).await);
    // The others' reviews are untouched.
    assert_eq!(app.reviews_of(ada.id).await, [ada_lamp]);
    let mut graces = app.reviews_of(grace.id).await;
    graces.sort();
    let mut expected = vec![grace_lamp, grace_kettle];
    expected.sort();
    assert_eq!(graces, expected);
}

#[sqlx::test(migrator = "reviews::MIGRATOR")]
async fn the_same_envelope_twice_changes_nothing_the_second_time(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let lamp = Uuid::new_v4();
    let leaving = app.customer("Linus");
    app.review(&leaving, lamp, 1).await;
    let event = app.delete_user(leaving.id).await;
    assert!(eventually(|| async { summary(&app, lamp).await["count"] == 0 }).await);

    // A review the first delivery could not have seen (the author's token still works for
    // a while): a second handling of the same envelope would delete it.
    let later = app.review(&leaving, lamp, 5).await;
    app.publish(&event).await;
    // The queue is handled in order: once a later event is handled, the copy was seen.
    let other = app.customer("Grace");
    let other_product = Uuid::new_v4();
    app.review(&other, other_product, 4).await;
    app.delete_user(other.id).await;
    assert!(eventually(|| async { app.reviews_of(other.id).await.is_empty() }).await);

    assert_eq!(app.reviews_of(leaving.id).await, [later]);
    let served = summary(&app, lamp).await;
    assert_eq!(histogram(&served), [1, 0, 0, 0, 0]);
    assert_eq!(histogram(&served), recomputed(&app.pool, lamp).await);
    assert_eq!(handled(&app.pool, event.id).await, 1);
    assert_eq!(summary(&app, other_product).await["count"], 0);
}

#[sqlx::test(migrator = "reviews::MIGRATOR")]
async fn a_malformed_user_deleted_is_dead_lettered_at_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let lamp = Uuid::new_v4();
    let author = app.customer("Ada");
    let kept = app.review(&author, lamp, 5).await;

    let without_user =
        Envelope::new("user.deleted", author.id, json!({ "id": author.id })).unwrap();
    let not_a_uuid = Envelope::new("user.deleted", author.id, json!({ "user_id": "ada" })).unwrap();
    app.publish(&without_user).await;
    app.publish(&not_a_uuid).await;

    let dead = || async {
        dead_letters::list(&app.broker, USERS_QUEUE, 10)
            .await
            .expect("listed")
    };
    assert!(eventually(|| async { dead().await.len() == 2 }).await);
    let letters = dead().await;
    for (letter, sent) in letters.iter().zip([&without_user, &not_a_uuid]) {
        assert_eq!(letter.envelope.as_ref(), Some(sent));
        assert_eq!(letter.retries, 0, "not retried: {letter:?}");
        let reason = letter.reason.as_deref().unwrap_or_default();
        assert!(reason.contains("unexpected data"), "{reason}");
    }
    assert!(
        letters[0]
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("user_id"),
        "{letters:?}"
    );
    assert_eq!(handled(&app.pool, without_user.id).await, 0);
    assert_eq!(handled(&app.pool, not_a_uuid.id).await, 0);
    assert_eq!(app.reviews_of(author.id).await, [kept]);
    assert_eq!(summary(&app, lamp).await["count"], 1);
}
