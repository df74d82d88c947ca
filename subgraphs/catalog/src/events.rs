//! The catalog's part in the checkout saga: the consumer of queue `catalog.stock`.
//!
//! - `order.placed` reserves the order's stock with [`stock::reserve`] (all or nothing) and
//!   answers `stock.reserved` or `stock.rejected` (with the shortages);
//! - `order.cancelled` releases what the order holds with [`stock::release`] and answers
//!   `stock.released` when something was released.
//!
//! Both stock operations are idempotent per order, so the answer can be written after them, in
//! a transaction of its own with the message's id (`processed_messages`): a crash in between
//! redelivers the message, which finds the stock already reserved (or released) and answers.

use crate::stock::{self, Reservation, StockError, StockLine};
use kit::cache::Cache;
use kit::events::consumer::claim;
use kit::events::{Envelope, HandleError, Handler, OutboxWaker, QueueSpec, outbox};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

pub const STOCK_QUEUE: &str = "catalog.stock";

pub fn stock_queue() -> QueueSpec {
    QueueSpec::new(STOCK_QUEUE, &["order.placed", "order.cancelled"])
}

#[derive(Deserialize)]
struct Placed {
    order_id: Uuid,
    lines: Vec<PlacedLine>,
}

#[derive(Deserialize)]
struct PlacedLine {
    product_id: Uuid,
    quantity: i32,
}

#[derive(Deserialize)]
struct Cancelled {
    order_id: Uuid,
}

#[derive(Serialize)]
struct Shortage {
    product_id: Uuid,
    requested: i32,
    available: i32,
}

#[derive(Clone)]
pub struct StockHandler {
    pub pool: PgPool,
    pub cache: Cache,
    pub outbox: OutboxWaker,
}

impl Handler for StockHandler {
    async fn handle(&self, envelope: Envelope) -> Result<(), HandleError> {
        if processed(&self.pool, envelope.id).await? {
            return Ok(());
        }
        let answer = match envelope.kind.as_str() {
            "order.placed" => self.reserve(&envelope).await?,
            "order.cancelled" => self.release(&envelope).await?,
            other => {
                return Err(HandleError::Permanent(format!(
                    "unexpected event type `{other}`"
                )));
            }
        };
        let mut tx = self.pool.begin().await?;
        if !claim(&mut tx, STOCK_QUEUE, envelope.id).await? {
            return Ok(());
        }
        if let Some(answer) = &answer {
            outbox::enqueue(&mut tx, answer).await?;
        }
        tx.commit().await?;
        self.outbox.wake();
        Ok(())
    }
}

impl StockHandler {
    async fn reserve(&self, envelope: &Envelope) -> Result<Option<Envelope>, HandleError> {
        let placed: Placed = envelope.data()?;
        let lines: Vec<StockLine> = placed
            .lines
            .iter()
            .map(|line| StockLine {
                product_id: line.product_id,
                quantity: line.quantity,
            })
            .collect();
        let outcome = stock::reserve(&self.pool, &self.cache, placed.order_id, &lines)
            .await
            .map_err(stock_error)?;
        let answer = match outcome {
            Reservation::Reserved | Reservation::AlreadyReserved => Envelope::new(
                "stock.reserved",
                envelope.correlation_id,
                serde_json::json!({ "order_id": placed.order_id }),
            )?,
            Reservation::Rejected(shortages) => {
                let shortages: Vec<Shortage> = shortages
                    .into_iter()
                    .map(|shortage| Shortage {
                        product_id: shortage.product_id,
                        requested: shortage.requested,
                        available: shortage.available,
                    })
                    .collect();
                Envelope::new(
                    "stock.rejected",
                    envelope.correlation_id,
                    serde_json::json!({ "order_id": placed.order_id, "shortages": shortages }),
                )?
            }
        };
        Ok(Some(answer))
    }

    async fn release(&self, envelope: &Envelope) -> Result<Option<Envelope>, HandleError> {
        let Cancelled { order_id } = envelope.data()?;
        let released = stock::release(&self.pool, &self.cache, order_id)
            .await
            .map_err(stock_error)?;
        if released == 0 {
            return Ok(None);
        }
        Ok(Some(Envelope::new(
            "stock.released",
            envelope.correlation_id,
            serde_json::json!({ "order_id": order_id, "lines": released }),
        )?))
    }
}

fn stock_error(err: StockError) -> HandleError {
    match err {
        StockError::Invalid(reason) => HandleError::Permanent(reason.to_owned()),
        StockError::Db(err) => err.into(),
    }
}

/// Whether this consumer handled the message before.
async fn processed(pool: &PgPool, message_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM processed_messages WHERE consumer = $1 AND message_id = $2) AS "exists!""#,
        STOCK_QUEUE,
        message_id
    )
    .fetch_one(pool)
    .await
}
