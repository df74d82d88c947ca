//! The job that cancels orders left unpaid past their deadline (`pay_by`), which releases
//! their stock. Replicas share the work: each takes the orders no other holds (`SKIP LOCKED`).

use crate::domain::OrderStatus;
use crate::lifecycle::{self, Effects, LifecycleError};
use sqlx::PgPool;
use std::future::Future;
use std::time::Duration;

/// How many orders one pass cancels at most.
const BATCH: i64 = 100;

/// Cancels the orders whose deadline has passed; returns how many.
pub async fn cancel_expired(pool: &PgPool, effects: &Effects) -> Result<usize, LifecycleError> {
    let mut tx = pool.begin().await?;
    let expired = sqlx::query_scalar!(
        "SELECT id FROM orders
         WHERE status IN ('PENDING', 'STOCK_RESERVED') AND pay_by <= now()
         ORDER BY pay_by
         LIMIT $1
         FOR UPDATE SKIP LOCKED",
        BATCH
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut moves = Vec::with_capacity(expired.len());
    for order_id in expired {
        moves.push(
            lifecycle::apply(
                &mut tx,
                order_id,
                OrderStatus::Cancelled,
                Some("not paid in time"),
            )
            .await?,
        );
    }
    tx.commit().await?;
    if !moves.is_empty() {
        tracing::info!(cancelled = moves.len(), "unpaid orders cancelled");
    }
    effects.announce(&moves);
    Ok(moves.len())
}

/// Runs [`cancel_expired`] every `interval` until `shutdown` completes.
pub async fn run(
    pool: PgPool,
    effects: Effects,
    interval: Duration,
    shutdown: impl Future<Output = ()> + Send,
) {
    tokio::pin!(shutdown);
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = ticks.tick() => {}
        }
        if let Err(err) = cancel_expired(&pool, &effects).await {
            tracing::error!(cause = %err, "expiring unpaid orders failed");
        }
    }
}
