//! Moving an order from one status to another, inside the caller's transaction: the order row
//! is locked, the move checked against [`OrderStatus::transition`], the row updated, the move
//! appended to `order_events`, and the events announcing it written to the outbox. After the
//! commit, [`Effects::announce`] wakes the outbox relay and tells live subscribers.

use crate::domain::{IllegalTransition, OrderStatus};
use crate::live::Live;
use chrono::{DateTime, Utc};
use kit::events::{Envelope, EventError, OutboxWaker, outbox};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

/// One applied move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub from: Option<OrderStatusName>,
    pub to: OrderStatusName,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// A status as it travels in events and on the live channel: its GraphQL name.
pub type OrderStatusName = String;

#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error("no order {0}")]
    NotFound(Uuid),
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    #[error("order {0} has an unknown status in the database")]
    Corrupt(Uuid),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Events(#[from] EventError),
}

impl From<serde_json::Error> for LifecycleError {
    fn from(err: serde_json::Error) -> Self {
        Self::Events(EventError::Encode(err))
    }
}

/// An order's status and owner, locked for the rest of the transaction.
pub struct Locked {
    pub status: OrderStatus,
    pub customer_id: Uuid,
}

/// Locks the order's row and reads its status.
pub async fn lock(conn: &mut PgConnection, order_id: Uuid) -> Result<Locked, LifecycleError> {
    let row = sqlx::query!(
        "SELECT status, customer_id FROM orders WHERE id = $1 FOR UPDATE",
        order_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(LifecycleError::NotFound(order_id))?;
    Ok(Locked {
        status: row
            .status
            .parse()
            .map_err(|_| LifecycleError::Corrupt(order_id))?,
        customer_id: row.customer_id,
    })
}

/// Moves the order to `to`, or refuses; see the module's description.
pub async fn apply(
    conn: &mut PgConnection,
    order_id: Uuid,
    to: OrderStatus,
    reason: Option<&str>,
) -> Result<Moved, LifecycleError> {
    let locked = lock(conn, order_id).await?;
    let from = locked.status;
    from.transition(to)?;
    let at = sqlx::query_scalar!(
        "UPDATE orders SET status = $2, reason = coalesce($3, reason), updated_at = now()
         WHERE id = $1 RETURNING updated_at",
        order_id,
        to.as_str(),
        reason
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO order_events (order_id, from_status, to_status, reason, occurred_at)
         VALUES ($1, $2, $3, $4, $5)",
        order_id,
        from.as_str(),
        to.as_str(),
        reason,
        at
    )
    .execute(&mut *conn)
    .await?;
    let moved = Moved {
        order_id,
        customer_id: locked.customer_id,
        from: Some(from.as_str().to_owned()),
        to: to.as_str().to_owned(),
        reason: reason.map(str::to_owned),
        at,
    };
    outbox::enqueue(
        conn,
        &Envelope::new("order.status_changed", order_id, &moved)?,
    )
    .await?;
    if matches!(to, OrderStatus::Cancelled | OrderStatus::Failed) && from.may_hold_stock() {
        release_stock(conn, order_id, reason).await?;
    }
    tracing::info!(order_id = %order_id, from = %from, to = %to, "order status changed");
    Ok(moved)
}

/// Asks the catalog to give back whatever it holds for the order (`order.cancelled`); safe to
/// repeat, the catalog releases once.
pub async fn release_stock(
    conn: &mut PgConnection,
    order_id: Uuid,
    reason: Option<&str>,
) -> Result<(), LifecycleError> {
    let envelope = Envelope::new(
        "order.cancelled",
        order_id,
        serde_json::json!({ "order_id": order_id, "reason": reason }),
    )?;
    outbox::enqueue(conn, &envelope).await?;
    Ok(())
}

/// What follows a commit: the relay is woken, live subscribers are told.
#[derive(Clone)]
pub struct Effects {
    pub outbox: OutboxWaker,
    pub live: Live,
}

impl Effects {
    /// Call after the transaction that made `moves` committed.
    pub fn announce(&self, moves: &[Moved]) {
        self.outbox.wake();
        for moved in moves {
            self.live.publish(moved.clone());
        }
    }
}

impl From<LifecycleError> for kit::ApiError {
    fn from(err: LifecycleError) -> Self {
        match err {
            LifecycleError::NotFound(_) => Self::NotFound("no such order".to_owned()),
            LifecycleError::Illegal(illegal) => Self::Conflict(illegal.to_string()),
            other => Self::internal(other),
        }
    }
}
