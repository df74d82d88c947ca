//! Live order status over Redis pub/sub: every status change is published on
//! `<prefix>order-status:<order id>`, and a subscription on any replica listens there. Live
//! updates are a convenience: when Redis is down they are skipped (and logged), nothing fails.

use crate::lifecycle::Moved;
use futures::{Stream, StreamExt};
use kit::settings::RedisSettings;
use redis::aio::ConnectionManager;
use secrecy::ExposeSecret;
use std::time::Duration;
use tokio::sync::mpsc;
use uuid::Uuid;

#[derive(Clone)]
pub struct Live {
    client: Option<redis::Client>,
    prefix: String,
    outgoing: mpsc::UnboundedSender<Moved>,
}

impl Live {
    /// Starts the publishing task (one, so the changes of an order go out in order).
    pub fn start(settings: &RedisSettings) -> Self {
        let client = match redis::Client::open(settings.url.expose_secret()) {
            Ok(client) => Some(client),
            Err(err) => {
                tracing::warn!(cause = %err, "invalid Redis URL; no live order status");
                None
            }
        };
        let (outgoing, incoming) = mpsc::unbounded_channel();
        tokio::spawn(publish_all(
            client.clone(),
            settings.key_prefix.clone(),
            settings.timeout(),
            incoming,
        ));
        Self {
            client,
            prefix: settings.key_prefix.clone(),
            outgoing,
        }
    }

    /// Publishes a change in the background.
    pub fn publish(&self, moved: Moved) {
        let _ = self.outgoing.send(moved);
    }

    /// The changes of one order from now on.
    pub async fn subscribe(
        &self,
        order_id: Uuid,
    ) -> Result<impl Stream<Item = Moved> + Send + use<>, redis::RedisError> {
        let Some(client) = &self.client else {
            return Err(redis::RedisError::from((
                redis::ErrorKind::InvalidClientConfig,
                "no Redis configured",
            )));
        };
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(channel(&self.prefix, order_id)).await?;
        Ok(pubsub.into_on_message().filter_map(|message| async move {
            let payload: String = message.get_payload().ok()?;
            serde_json::from_str(&payload).ok()
        }))
    }
}

/// `<prefix>order-status:<order id>`.
pub fn channel(prefix: &str, order_id: Uuid) -> String {
    format!("{prefix}order-status:{order_id}")
}

async fn publish_all(
    client: Option<redis::Client>,
    prefix: String,
    timeout: Duration,
    mut incoming: mpsc::UnboundedReceiver<Moved>,
) {
    let mut connection: Option<ConnectionManager> = None;
    while let Some(moved) = incoming.recv().await {
        let Some(client) = &client else { continue };
        if connection.is_none() {
            match tokio::time::timeout(timeout, client.get_connection_manager()).await {
                Ok(Ok(manager)) => connection = Some(manager),
                Ok(Err(err)) => {
                    tracing::warn!(cause = %err, "cannot reach Redis; live status change skipped");
                    continue;
                }
                Err(_) => {
                    tracing::warn!("Redis timed out; live status change skipped");
                    continue;
                }
            }
        }
        let Some(manager) = connection.as_mut() else {
            continue;
        };
        let Ok(payload) = serde_json::to_string(&moved) else {
            continue;
        };
        let mut command = redis::cmd("PUBLISH");
        command.arg(channel(&prefix, moved.order_id)).arg(payload);
        let publish = command.query_async::<i64>(manager);
        match tokio::time::timeout(timeout, publish).await {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => tracing::warn!(cause = %err, "live status change not published"),
            Err(_) => tracing::warn!("Redis timed out; live status change not published"),
        }
    }
}
