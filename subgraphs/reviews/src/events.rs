//! What reviews does when a user is deleted: the consumer of queue `reviews.users`.
//!
//! `user.deleted` (`data: { "user_id": ... }`) deletes every review the user wrote and takes
//! their stars out of the products' rating summaries, in one transaction that also claims the
//! envelope's id (`processed_messages`): a redelivered message finds its id taken and does
//! nothing, and a crash half-way leaves neither the reviews gone nor the summaries changed.

use kit::events::consumer::claim;
use kit::events::{Envelope, HandleError, Handler, QueueSpec};
use serde::Deserialize;
use sqlx::PgPool;
use uuid::Uuid;

pub const USERS_QUEUE: &str = "reviews.users";

pub fn users_queue() -> QueueSpec {
    QueueSpec::new(USERS_QUEUE, &["user.deleted"])
}

#[derive(Deserialize)]
struct UserDeleted {
    user_id: Uuid,
}

/// The handler of `reviews.users`.
#[derive(Clone)]
pub struct UsersHandler {
    pub pool: PgPool,
}

impl Handler for UsersHandler {
    async fn handle(&self, envelope: Envelope) -> Result<(), HandleError> {
        match envelope.kind.as_str() {
            "user.deleted" => self.user_deleted(&envelope).await,
            other => Err(HandleError::Permanent(format!(
                "unexpected event type `{other}`"
            ))),
        }
    }
}

impl UsersHandler {
    async fn user_deleted(&self, envelope: &Envelope) -> Result<(), HandleError> {
        let UserDeleted { user_id } = envelope.data()?;
        let mut tx = self.pool.begin().await?;
        if !claim(&mut tx, USERS_QUEUE, envelope.id).await? {
            return Ok(());
        }
        // The deleted reviews, counted per product and number of stars, come off the
        // summaries in the same statement. A review deleted meanwhile by its author or the
        // staff is not returned here, so its stars are not taken twice.
        let removed = sqlx::query!(
            r#"WITH gone AS (
                   DELETE FROM reviews WHERE author_id = $1 RETURNING product_id, rating
               ), lost AS (
                   SELECT product_id,
                          count(*) FILTER (WHERE rating = 1)::int AS stars_1,
                          count(*) FILTER (WHERE rating = 2)::int AS stars_2,
                          count(*) FILTER (WHERE rating = 3)::int AS stars_3,
                          count(*) FILTER (WHERE rating = 4)::int AS stars_4,
                          count(*) FILTER (WHERE rating = 5)::int AS stars_5
                   FROM gone GROUP BY product_id
               ), adjusted AS (
                   UPDATE rating_summaries AS s SET
                       stars_1 = s.stars_1 - lost.stars_1,
                       stars_2 = s.stars_2 - lost.stars_2,
                       stars_3 = s.stars_3 - lost.stars_3,
                       stars_4 = s.stars_4 - lost.stars_4,
                       stars_5 = s.stars_5 - lost.stars_5
                   FROM lost WHERE s.product_id = lost.product_id
                   RETURNING s.product_id
               )
               SELECT (SELECT count(*) FROM gone) AS "reviews!",
                      (SELECT count(*) FROM lost) AS "products!",
                      (SELECT count(*) FROM adjusted) AS "summaries!""#,
            user_id
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        if removed.summaries != removed.products {
            // Every write keeps a summary beside its product's reviews; this means one was
            // missing, and there was nothing to take the stars from.
            tracing::warn!(user_id = %user_id, products = removed.products, summaries = removed.summaries, "rating summaries missing for reviews of a deleted user");
        }
        tracing::info!(user_id = %user_id, reviews = removed.reviews, products = removed.products, "reviews of a deleted user removed");
        Ok(())
    }
}
