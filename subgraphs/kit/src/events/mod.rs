//! Events between services over RabbitMQ (feature `events`), as `docs/architecture.md`
//! describes them: one durable topic exchange, a durable queue per consumer with a dead-letter
//! queue beside it, JSON envelopes, a transactional outbox, and consumers that do nothing twice.
//!
//! - [`envelope`]: the JSON envelope every event travels in.
//! - [`broker`]: the connection (re-made after a failure) and the topology: exchanges, a
//!   consumer's queue with its retry and dead-letter queues.
//! - [`outbox`]: events written in the transaction of the change they announce, and the relay
//!   that publishes them with publisher confirms.
//! - [`consumer`]: a queue's consumer: handlers, the processed-ids table, retries with
//!   backoff, dead-lettering.
//! - [`dead_letters`]: listing and replaying what was dead-lettered.
//! - [`memory`]: the in-process bus that stands in for RabbitMQ in development mode.
//!
//! A service using them has two tables, created by its own migrations:
//!
//! ```sql
//! CREATE TABLE outbox (
//!     id           uuid        PRIMARY KEY,
//!     routing_key  text        NOT NULL,
//!     envelope     jsonb       NOT NULL,
//!     created_at   timestamptz NOT NULL DEFAULT now(),
//!     published_at timestamptz
//! );
//! CREATE INDEX outbox_unpublished_idx ON outbox (created_at, id) WHERE published_at IS NULL;
//!
//! CREATE TABLE processed_messages (
//!     consumer     text        NOT NULL,
//!     message_id   uuid        NOT NULL,
//!     processed_at timestamptz NOT NULL DEFAULT now(),
//!     PRIMARY KEY (consumer, message_id)
//! );
//! ```

pub mod broker;
pub mod consumer;
pub mod dead_letters;
pub mod envelope;
pub mod memory;
pub mod outbox;

pub use broker::{Broker, QueueSpec};
pub use consumer::{Consumer, HandleError, Handler};
pub use envelope::Envelope;
pub use outbox::{OutboxWaker, Relay};

/// The exchange every event is published to.
pub const EXCHANGE: &str = "commerce.events";
/// Where rejected messages go, routed by the name of the queue they came from.
pub const DEAD_LETTER_EXCHANGE: &str = "commerce.dlx";

/// What can go wrong talking to the broker or the outbox.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("message broker: {0}")]
    Broker(#[from] lapin::Error),
    #[error("outbox: {0}")]
    Db(#[from] sqlx::Error),
    #[error("the broker refused message {0}")]
    Nacked(uuid::Uuid),
    #[error("the broker did not confirm within {0:?}")]
    ConfirmTimeout(std::time::Duration),
    #[error("the in-process bus has no broker connection")]
    InProcess,
    #[error("cannot encode an event: {0}")]
    Encode(#[from] serde_json::Error),
}
