//! The transactional outbox: an event is a row written in the same transaction as the change
//! it announces ([`enqueue`]), so either both happen or neither. The [`Relay`] publishes the
//! unsent rows with publisher confirms and marks them sent only once the broker has confirmed
//! them: while the broker is down the rows wait, and nothing is lost. A crash between the
//! confirm and the mark publishes a row twice; consumers deduplicate by the envelope's id.
//! On the in-process bus ([`super::memory`]) a row counts as sent once the bus holds it.

use super::{Broker, Envelope, EventError};
use lapin::options::BasicPublishOptions;
use lapin::types::ShortString;
use lapin::{BasicProperties, Channel, Confirmation};
use sqlx::{PgConnection, PgPool};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use uuid::Uuid;

/// How many rows one relay pass publishes.
const BATCH: usize = 100;
/// Longest wait between attempts while the broker is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Writes `envelope` to the outbox on `conn`, which should be the transaction of the change.
pub async fn enqueue(conn: &mut PgConnection, envelope: &Envelope) -> Result<(), EventError> {
    sqlx::query("INSERT INTO outbox (id, routing_key, envelope) VALUES ($1, $2, $3)")
        .bind(envelope.id)
        .bind(&envelope.kind)
        .bind(serde_json::to_value(envelope)?)
        .execute(conn)
        .await?;
    Ok(())
}

/// Wakes the relay after a commit, so an event goes out at once instead of at the next poll.
#[derive(Clone, Default)]
pub struct OutboxWaker(Arc<Notify>);

impl OutboxWaker {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// Publishes the outbox.
pub struct Relay {
    pool: PgPool,
    broker: Broker,
    waker: OutboxWaker,
    channel: Option<Channel>,
}

impl Relay {
    pub fn new(pool: PgPool, broker: Broker, waker: OutboxWaker) -> Self {
        Self {
            pool,
            broker,
            waker,
            channel: None,
        }
    }

    /// Publishes until `shutdown` completes: at once when woken, otherwise every poll
    /// interval; after a failure, again with a growing delay.
    pub async fn run(mut self, shutdown: impl Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        let poll = self.broker.settings().outbox_poll();
        let mut backoff = Duration::from_millis(200);
        loop {
            let wait = match self.publish_pending().await {
                Ok(BATCH) => continue,
                Ok(_) => {
                    backoff = Duration::from_millis(200);
                    poll
                }
                Err(err) => {
                    tracing::warn!(cause = %err, retry_in = ?backoff, "outbox relay failed; events wait in the outbox");
                    self.channel = None;
                    self.broker.reset().await;
                    let wait = backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    wait
                }
            };
            tokio::select! {
                () = &mut shutdown => return,
                () = self.waker.0.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Publishes one batch of unsent events; returns how many were sent.
    pub async fn publish_pending(&mut self) -> Result<usize, EventError> {
        let waiting: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM outbox WHERE published_at IS NULL)")
                .fetch_one(&self.pool)
                .await?;
        if !waiting {
            return Ok(0);
        }
        if let Some(bus) = self.broker.bus() {
            let exchange = self.broker.exchange();
            return self
                .send_batch(async |rows| {
                    for (_, routing_key, envelope) in rows {
                        bus.publish(&exchange, routing_key, &serde_json::to_vec(envelope)?);
                    }
                    Ok(())
                })
                .await;
        }
        // The channel next: no rows are locked while the broker is being reached.
        let channel = match &self.channel {
            Some(channel) if channel.status().connected() => channel.clone(),
            _ => {
                let channel = self.broker.confirm_channel().await?;
                self.channel = Some(channel.clone());
                channel
            }
        };
        let exchange = self.broker.exchange();
        let timeout = self.broker.settings().confirm_timeout();
        self.send_batch(async |rows| {
            let mut confirms = Vec::with_capacity(rows.len());
            for (id, routing_key, envelope) in rows {
                let body = serde_json::to_vec(envelope)?;
                let confirm = channel
                    .basic_publish(
                        exchange.clone().into(),
                        routing_key.clone().into(),
                        BasicPublishOptions::default(),
                        &body,
                        properties(*id, routing_key),
                    )
                    .await?;
                confirms.push((*id, confirm));
            }
            for (id, confirm) in confirms {
                match tokio::time::timeout(timeout, confirm).await {
                    Ok(Ok(Confirmation::Nack(_))) => return Err(EventError::Nacked(id)),
                    Ok(Ok(_)) => {}
                    Ok(Err(err)) => return Err(err.into()),
                    Err(_) => return Err(EventError::ConfirmTimeout(timeout)),
                }
            }
            Ok(())
        })
        .await
    }

    /// Locks a batch of unsent rows, has `send` deliver them, and marks them sent once it
    /// succeeded; returns how many.
    async fn send_batch(
        &self,
        send: impl AsyncFnOnce(&[OutboxRow]) -> Result<(), EventError>,
    ) -> Result<usize, EventError> {
        let mut tx = self.pool.begin().await?;
        // SKIP LOCKED: two relays (two replicas) share the work instead of waiting.
        let rows: Vec<OutboxRow> = sqlx::query_as(
            "SELECT id, routing_key, envelope FROM outbox
             WHERE published_at IS NULL
             ORDER BY created_at, id
             LIMIT $1
             FOR UPDATE SKIP LOCKED",
        )
        .bind(BATCH as i64)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        send(&rows).await?;
        let ids: Vec<Uuid> = rows.iter().map(|(id, _, _)| *id).collect();
        sqlx::query("UPDATE outbox SET published_at = now() WHERE id = ANY($1)")
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::debug!(sent = ids.len(), "outbox events published");
        Ok(ids.len())
    }
}

/// An unsent outbox row: id, routing key, envelope.
type OutboxRow = (Uuid, String, serde_json::Value);

/// Persistent JSON, with the envelope's id and type as the message's own.
pub(crate) fn properties(id: Uuid, kind: &str) -> BasicProperties {
    BasicProperties::default()
        .with_content_type(ShortString::from("application/json"))
        .with_delivery_mode(2)
        .with_message_id(ShortString::from(id.to_string()))
        .with_type(ShortString::from(kind.to_owned()))
}
