//! The connection to RabbitMQ and the names and shape of the topology.
//!
//! A [`Broker`] holds one connection, made on first use and made again after it fails, named
//! after the service (RabbitMQ shows the name, and `rabbitmqctl close_connection` can target
//! it). Every exchange and queue name gets the settings' prefix, so test runs never share one.
//!
//! A consumer's queue `<service>.<purpose>` comes with two more:
//! - `<queue>.retry`: where a message waits out its backoff (a per-message TTL), after which
//!   the broker dead-letters it back into `<queue>` through the default exchange;
//! - `<queue>.dead`: bound to the dead-letter exchange by the queue's name, where messages
//!   that cannot be handled end up, for inspection and replay.
//!
//! With the URL `memory://` the broker is the process's in-process bus instead
//! ([`super::memory`]): the same names and the same behaviour, no RabbitMQ (development mode).

use super::memory::Bus;
use super::{DEAD_LETTER_EXCHANGE, EXCHANGE, EventError};
use crate::settings::EventSettings;
use lapin::options::{
    ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};
use secrecy::ExposeSecret;
use std::sync::Arc;
use tokio::sync::Mutex;

/// How long an unused queue lives when the settings ask for an ephemeral topology.
const EPHEMERAL_QUEUE_TTL_MS: i32 = 10 * 60 * 1000;

/// A consumer's queue and the routing keys it is bound to.
#[derive(Debug, Clone)]
pub struct QueueSpec {
    /// `<service>.<purpose>`, without the prefix.
    pub name: String,
    pub routing_keys: Vec<String>,
}

impl QueueSpec {
    pub fn new(name: &str, routing_keys: &[&str]) -> Self {
        Self {
            name: name.to_owned(),
            routing_keys: routing_keys.iter().map(|key| (*key).to_owned()).collect(),
        }
    }
}

#[derive(Clone)]
pub struct Broker {
    inner: Arc<Inner>,
}

struct Inner {
    settings: EventSettings,
    connection_name: String,
    connection: Mutex<Option<Arc<Connection>>>,
    /// The in-process bus, when the URL names it instead of a broker.
    bus: Option<&'static Bus>,
}

impl Broker {
    /// A broker for `connection_name` (the service's name); connects on first use.
    pub fn new(settings: &EventSettings, connection_name: &str) -> Self {
        Self {
            inner: Arc::new(Inner {
                settings: settings.clone(),
                connection_name: format!("{}{connection_name}", settings.prefix),
                connection: Mutex::new(None),
                bus: crate::in_process::is_in_process(settings.url.expose_secret())
                    .then(Bus::global),
            }),
        }
    }

    pub fn settings(&self) -> &EventSettings {
        &self.inner.settings
    }

    /// The in-process bus this broker stands for, if it is one.
    pub fn bus(&self) -> Option<&'static Bus> {
        self.inner.bus
    }

    /// The name the connection shows in RabbitMQ.
    pub fn connection_name(&self) -> &str {
        &self.inner.connection_name
    }

    /// The events exchange, prefixed.
    pub fn exchange(&self) -> String {
        self.name(EXCHANGE)
    }

    /// The dead-letter exchange, prefixed.
    pub fn dead_letter_exchange(&self) -> String {
        self.name(DEAD_LETTER_EXCHANGE)
    }

    /// Any exchange or queue name, prefixed.
    pub fn name(&self, base: &str) -> String {
        format!("{}{base}", self.inner.settings.prefix)
    }

    /// The live connection, connecting when there is none or the last one failed.
    pub async fn connection(&self) -> Result<Arc<Connection>, EventError> {
        if self.inner.bus.is_some() {
            return Err(EventError::InProcess);
        }
        let mut slot = self.inner.connection.lock().await;
        if let Some(connection) = slot.as_ref()
            && connection.status().connected()
        {
            return Ok(connection.clone());
        }
        let properties = ConnectionProperties::default()
            .with_connection_name(LongString::from(self.inner.connection_name.clone()));
        let connection = Arc::new(
            Connection::connect(self.inner.settings.url.expose_secret(), properties).await?,
        );
        tracing::info!(connection = %self.inner.connection_name, "connected to the message broker");
        *slot = Some(connection.clone());
        Ok(connection)
    }

    /// Forgets the connection (after an error), so the next use makes a new one.
    pub async fn reset(&self) {
        if let Some(connection) = self.inner.connection.lock().await.take() {
            let _ = connection.close(200, ShortString::from("reset")).await;
        }
    }

    /// Closes the connection, as a broker restart or a network failure would (tests).
    pub async fn drop_connection(&self) {
        if let Some(connection) = self.inner.connection.lock().await.as_ref() {
            let _ = connection
                .close(320, ShortString::from("connection dropped"))
                .await;
        }
    }

    /// A new channel in confirm mode, on the events exchange being declared.
    pub async fn confirm_channel(&self) -> Result<Channel, EventError> {
        let channel = self.connection().await?.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        self.declare_exchanges(&channel).await?;
        Ok(channel)
    }

    /// Publishes one message to the events exchange and waits for the broker's confirm
    /// (operations and tests; services publish through their outbox).
    pub async fn publish(&self, routing_key: &str, body: &[u8]) -> Result<(), EventError> {
        if let Some(bus) = self.inner.bus {
            bus.publish(&self.exchange(), routing_key, body);
            return Ok(());
        }
        let channel = self.confirm_channel().await?;
        super::consumer::publish_confirmed(
            &channel,
            &self.exchange(),
            routing_key,
            body,
            lapin::BasicProperties::default()
                .with_content_type(ShortString::from("application/json"))
                .with_delivery_mode(2),
        )
        .await?;
        let _ = channel.close(200, ShortString::from("published")).await;
        Ok(())
    }

    /// Declares the events exchange (topic) and the dead-letter exchange (direct).
    pub async fn declare_exchanges(&self, channel: &Channel) -> Result<(), lapin::Error> {
        let options = ExchangeDeclareOptions {
            durable: true,
            auto_delete: self.inner.settings.ephemeral,
            ..ExchangeDeclareOptions::default()
        };
        channel
            .exchange_declare(
                self.exchange().into(),
                ExchangeKind::Topic,
                options,
                FieldTable::default(),
            )
            .await?;
        channel
            .exchange_declare(
                self.dead_letter_exchange().into(),
                ExchangeKind::Direct,
                options,
                FieldTable::default(),
            )
            .await
    }

    /// Declares `queue` with its retry and dead-letter queues and binds it to its keys.
    pub async fn declare_queue(
        &self,
        channel: &Channel,
        queue: &QueueSpec,
    ) -> Result<(), lapin::Error> {
        self.declare_exchanges(channel).await?;
        let name = self.name(&queue.name);
        let durable = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };

        let mut main = self.queue_arguments();
        main.insert(
            "x-dead-letter-exchange".into(),
            string(&self.dead_letter_exchange()),
        );
        main.insert("x-dead-letter-routing-key".into(), string(&name));
        channel
            .queue_declare(name.clone().into(), durable, main)
            .await?;
        for key in &queue.routing_keys {
            channel
                .queue_bind(
                    name.clone().into(),
                    self.exchange().into(),
                    key.clone().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }

        let mut retry = self.queue_arguments();
        retry.insert("x-dead-letter-exchange".into(), string(""));
        retry.insert("x-dead-letter-routing-key".into(), string(&name));
        channel
            .queue_declare(retry_queue(&name).into(), durable, retry)
            .await?;

        channel
            .queue_declare(dead_queue(&name).into(), durable, self.queue_arguments())
            .await?;
        channel
            .queue_bind(
                dead_queue(&name).into(),
                self.dead_letter_exchange().into(),
                name.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
    }

    fn queue_arguments(&self) -> FieldTable {
        let mut arguments = FieldTable::default();
        if self.inner.settings.ephemeral {
            arguments.insert(
                "x-expires".into(),
                AMQPValue::LongInt(EPHEMERAL_QUEUE_TTL_MS),
            );
        }
        arguments
    }
}

/// Where a message of `queue` (a full name) waits before its next attempt.
pub fn retry_queue(queue: &str) -> String {
    format!("{queue}.retry")
}

/// Where the messages of `queue` (a full name) that cannot be handled end up.
pub fn dead_queue(queue: &str) -> String {
    format!("{queue}.dead")
}

pub(crate) fn string(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value.to_owned()))
}
