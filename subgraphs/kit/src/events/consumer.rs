//! A queue's consumer. It hands each message's envelope to a [`Handler`] and then:
//! - acknowledges it when the handler succeeded;
//! - sends it to `<queue>.retry` with a delay (doubling per attempt, the attempt counted in the
//!   `x-retries` header) when the handler failed in a way that may pass, and to the dead-letter
//!   queue once the retries are used up;
//! - dead-letters it at once when it cannot be handled at all (not an envelope, bad data).
//!
//! Delivery is at least once, so handlers claim each envelope id in their own transaction
//! with [`claim`]: a redelivered message finds its id taken and does nothing. The consumer
//! reconnects after the connection fails; unacknowledged messages go back to the queue.
//!
//! On the in-process bus ([`super::memory`]) the same handler sees the same outcomes: a retry
//! waits out the same backoff, a dead letter is parked in the bus.

use super::broker::{retry_queue, string};
use super::memory::{Bus, Message};
use super::{Broker, Envelope, EventError, QueueSpec};
use futures::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Confirmation};
use sqlx::PgConnection;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// The header counting a message's failed attempts.
pub const RETRIES_HEADER: &str = "x-retries";
/// The header saying why a message was dead-lettered.
pub const REASON_HEADER: &str = "x-dead-reason";

const MAX_RETRY_DELAY: Duration = Duration::from_secs(60);
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(10);

/// Why a handler did not handle a message.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// The message can never be handled (bad data): it is dead-lettered at once.
    #[error("cannot handle the message: {0}")]
    Permanent(String),
    /// Something it depends on failed (a database, a remote service): retried later.
    #[error("handling failed for now: {0}")]
    Transient(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl HandleError {
    pub fn transient(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Transient(err.into())
    }
}

impl From<sqlx::Error> for HandleError {
    fn from(err: sqlx::Error) -> Self {
        Self::Transient(Box::new(err))
    }
}

impl From<EventError> for HandleError {
    fn from(err: EventError) -> Self {
        Self::Transient(Box::new(err))
    }
}

impl From<serde_json::Error> for HandleError {
    fn from(err: serde_json::Error) -> Self {
        Self::Permanent(format!("unexpected data: {err}"))
    }
}

/// What a consumer does with each envelope.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, envelope: Envelope) -> impl Future<Output = Result<(), HandleError>> + Send;
}

/// Records that `consumer` processed `message_id`, on `conn` (the handler's transaction).
/// False when it was processed before: the handler then does nothing.
pub async fn claim(
    conn: &mut PgConnection,
    consumer: &str,
    message_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO processed_messages (consumer, message_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
    )
    .bind(consumer)
    .bind(message_id)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Consumes one queue with one handler.
pub struct Consumer<H> {
    broker: Broker,
    queue: QueueSpec,
    handler: Arc<H>,
}

impl<H: Handler> Consumer<H> {
    pub fn new(broker: Broker, queue: QueueSpec, handler: H) -> Self {
        Self {
            broker,
            queue,
            handler: Arc::new(handler),
        }
    }

    /// Declares the queue (so messages published from now on are kept even before the
    /// consumer runs); fails when the broker cannot be reached.
    pub async fn declare(&self) -> Result<(), EventError> {
        if let Some(bus) = self.broker.bus() {
            self.declare_in_process(bus);
            return Ok(());
        }
        let channel = self.broker.connection().await?.create_channel().await?;
        self.broker.declare_queue(&channel, &self.queue).await?;
        let _ = channel.close(200, ShortString::from("declared")).await;
        Ok(())
    }

    /// Consumes until `shutdown` completes, reconnecting after failures.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        if let Some(bus) = self.broker.bus() {
            return self.run_in_process(bus, shutdown).await;
        }
        let mut backoff = Duration::from_millis(200);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                result = self.consume() => {
                    if let Err(err) = result {
                        tracing::warn!(queue = %self.queue.name, cause = %err, retry_in = ?backoff, "consumer lost its connection");
                    }
                }
            }
            self.broker.reset().await;
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(MAX_RECONNECT_DELAY);
        }
    }

    async fn consume(&self) -> Result<(), EventError> {
        let connection = self.broker.connection().await?;
        let channel = connection.create_channel().await?;
        self.broker.declare_queue(&channel, &self.queue).await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        channel
            .basic_qos(self.broker.settings().prefetch, BasicQosOptions::default())
            .await?;
        let queue = self.broker.name(&self.queue.name);
        let mut deliveries = channel
            .basic_consume(
                queue.clone().into(),
                ShortString::from(format!(
                    "{}-{}",
                    self.broker.connection_name(),
                    Uuid::new_v4()
                )),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        tracing::info!(queue = %queue, "consuming");
        while let Some(delivery) = deliveries.next().await {
            self.dispatch(&channel, &queue, delivery?).await?;
        }
        Ok(())
    }

    async fn dispatch(
        &self,
        channel: &Channel,
        queue: &str,
        delivery: Delivery,
    ) -> Result<(), EventError> {
        let envelope: Envelope = match serde_json::from_slice(&delivery.data) {
            Ok(envelope) => envelope,
            Err(err) => {
                tracing::error!(queue, cause = %err, "not an event envelope; dead-lettering it");
                return self
                    .dead_letter(channel, queue, delivery, &format!("not an envelope: {err}"))
                    .await;
            }
        };
        let retries = retries(&delivery.properties);
        match self.handle(queue, envelope, retries).await {
            Verdict::Done => {
                delivery.ack(BasicAckOptions::default()).await?;
                Ok(())
            }
            Verdict::Dead(reason) => self.dead_letter(channel, queue, delivery, &reason).await,
            Verdict::Retry(delay) => {
                let properties = with_header(
                    delivery.properties.clone(),
                    RETRIES_HEADER,
                    AMQPValue::LongUInt(retries + 1),
                )
                .with_expiration(ShortString::from(delay.as_millis().to_string()));
                publish_confirmed(channel, "", &retry_queue(queue), &delivery.data, properties)
                    .await?;
                delivery.ack(BasicAckOptions::default()).await?;
                Ok(())
            }
        }
    }

    /// Runs the handler on an envelope that failed `retries` times before, and says what
    /// becomes of its message.
    async fn handle(&self, queue: &str, envelope: Envelope, retries: u32) -> Verdict {
        let span = tracing::info_span!("event.handle", queue, event.id = %envelope.id, event.type = %envelope.kind);
        let (id, kind) = (envelope.id, envelope.kind.clone());
        let outcome = tracing::Instrument::instrument(self.handler.handle(envelope), span).await;
        match outcome {
            Ok(()) => Verdict::Done,
            Err(HandleError::Permanent(reason)) => {
                tracing::error!(queue, event.id = %id, event.type = %kind, reason = %reason, "event cannot be handled; dead-lettering it");
                Verdict::Dead(reason)
            }
            Err(HandleError::Transient(cause)) => {
                let settings = self.broker.settings();
                if retries >= settings.max_retries {
                    tracing::error!(queue, event.id = %id, cause = %cause, retries, "event failed too often; dead-lettering it");
                    return Verdict::Dead(format!("failed {} times, last: {cause}", retries + 1));
                }
                let delay = retry_delay(settings.retry_base(), retries);
                tracing::warn!(queue, event.id = %id, cause = %cause, retries, retry_in = ?delay, "event failed; retrying later");
                Verdict::Retry(delay)
            }
        }
    }

    fn declare_in_process(&self, bus: &Bus) {
        bus.declare(
            &self.broker.exchange(),
            &self.broker.name(&self.queue.name),
            &self.queue.routing_keys,
        );
    }

    /// Consumes the queue on the in-process bus until `shutdown` completes.
    async fn run_in_process(
        &self,
        bus: &'static Bus,
        mut shutdown: std::pin::Pin<&mut impl Future<Output = ()>>,
    ) {
        self.declare_in_process(bus);
        let queue = self.broker.name(&self.queue.name);
        tracing::info!(queue = %queue, "consuming from the in-process bus");
        loop {
            // A message is taken only when `receive` completes, so stopping loses none.
            let mut message: Message = tokio::select! {
                () = &mut shutdown => return,
                message = bus.receive(&queue) => message,
            };
            let envelope: Envelope = match serde_json::from_slice(&message.body) {
                Ok(envelope) => envelope,
                Err(err) => {
                    tracing::error!(queue = %queue, cause = %err, "not an event envelope; dead-lettering it");
                    bus.dead_letter(&queue, message, &format!("not an envelope: {err}"));
                    continue;
                }
            };
            match self.handle(&queue, envelope, message.retries).await {
                Verdict::Done => {}
                Verdict::Dead(reason) => bus.dead_letter(&queue, message, &reason),
                Verdict::Retry(delay) => {
                    message.retries += 1;
                    bus.requeue_after(&queue, message, delay);
                }
            }
        }
    }

    /// Moves a message to `<queue>.dead` through the dead-letter exchange, saying why.
    async fn dead_letter(
        &self,
        channel: &Channel,
        queue: &str,
        delivery: Delivery,
        reason: &str,
    ) -> Result<(), EventError> {
        let properties = with_header(delivery.properties.clone(), REASON_HEADER, string(reason));
        let properties = with_header(
            properties,
            "x-original-routing-key",
            string(delivery.routing_key.as_str()),
        );
        publish_confirmed(
            channel,
            &self.broker.dead_letter_exchange(),
            queue,
            &delivery.data,
            properties,
        )
        .await?;
        delivery.ack(BasicAckOptions::default()).await?;
        Ok(())
    }
}

/// What becomes of a message once its handler ran.
enum Verdict {
    Done,
    /// Again after this delay.
    Retry(Duration),
    /// To the dead letters, for this reason.
    Dead(String),
}

/// Publishes on a confirm-mode channel and waits for the broker's confirm.
pub(crate) async fn publish_confirmed(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    body: &[u8],
    properties: BasicProperties,
) -> Result<(), EventError> {
    let confirm = channel
        .basic_publish(
            exchange.to_owned().into(),
            routing_key.to_owned().into(),
            BasicPublishOptions::default(),
            body,
            properties,
        )
        .await?
        .await?;
    match confirm {
        Confirmation::Nack(_) => Err(EventError::Nacked(Uuid::nil())),
        _ => Ok(()),
    }
}

/// How many times a message has failed so far.
pub fn retries(properties: &BasicProperties) -> u32 {
    properties
        .headers()
        .as_ref()
        .and_then(|headers| headers.inner().get(RETRIES_HEADER).cloned())
        .and_then(|value| match value {
            AMQPValue::LongUInt(n) => Some(n),
            AMQPValue::LongInt(n) => u32::try_from(n).ok(),
            AMQPValue::LongLongInt(n) => u32::try_from(n).ok(),
            AMQPValue::ShortUInt(n) => Some(u32::from(n)),
            _ => None,
        })
        .unwrap_or(0)
}

/// The delay before attempt `retries + 1`: the base, doubled per failure, capped.
pub fn retry_delay(base: Duration, retries: u32) -> Duration {
    base.saturating_mul(2u32.saturating_pow(retries.min(16)))
        .min(MAX_RETRY_DELAY)
}

pub(crate) fn with_header(
    properties: BasicProperties,
    name: &str,
    value: AMQPValue,
) -> BasicProperties {
    let mut headers = properties.headers().clone().unwrap_or_default();
    headers.insert(ShortString::from(name.to_owned()), value);
    properties.with_headers(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_double_and_are_capped() {
        let base = Duration::from_millis(500);
        assert_eq!(retry_delay(base, 0), Duration::from_millis(500));
        assert_eq!(retry_delay(base, 1), Duration::from_secs(1));
        assert_eq!(retry_delay(base, 3), Duration::from_secs(4));
        assert_eq!(retry_delay(base, 40), MAX_RETRY_DELAY);
    }

    #[test]
    fn the_retry_count_travels_in_a_header() {
        let fresh = BasicProperties::default();
        assert_eq!(retries(&fresh), 0);
        let retried = with_header(fresh, RETRIES_HEADER, AMQPValue::LongUInt(3));
        assert_eq!(retries(&retried), 3);
    }
}
