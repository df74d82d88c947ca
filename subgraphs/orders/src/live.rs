//! Live order status over Redis pub/sub: every status change is published on
//! `<prefix>order-status:<order id>`, and a subscription on any replica listens there. Live
//! updates are a convenience: when Redis is down they are skipped (and logged), nothing fails.
//! With the URL `memory://` the channels are this process's ([`kit::in_process::Channels`];
//! development mode).

use crate::lifecycle::Moved;
use futures::StreamExt;
use kit::in_process::{self, Channels};
use kit::settings::RedisSettings;
use redis::aio::ConnectionManager;
use secrecy::ExposeSecret;
use std::time::Duration;
use tokio::sync::mpsc;
use uuid::Uuid;

#[derive(Clone)]
pub struct Live {
    client: Option<redis::Client>,
    /// The in-process channels, when the URL names them instead of a server.
    channels: Option<&'static Channels>,
    prefix: String,
    outgoing: mpsc::UnboundedSender<Moved>,
}

impl Live {
    /// Starts the publishing task (one, so the changes of an order go out in order).
    pub fn start(settings: &RedisSettings) -> Self {
        let channels =
            in_process::is_in_process(settings.url.expose_secret()).then(Channels::global);
        let client = match redis::Client::open(settings.url.expose_secret()) {
            _ if channels.is_some() => None,
            Ok(client) => Some(client),
            Err(err) => {
                tracing::warn!(cause = %err, "invalid Redis URL; no live order status");
                None
            }
        };
        let (outgoing, incoming) = mpsc::unbounded_channel();
        // Without a server there is nothing to publish to: changes sent are dropped.
        if let Some(client) = client.clone() {
            tokio::spawn(publish_all(
                client,
                settings.key_prefix.clone(),
                settings.timeout(),
                incoming,
            ));
        }
        Self {
            client,
            channels,
            prefix: settings.key_prefix.clone(),
            outgoing,
        }
    }

    /// Publishes a change in the background.
    pub fn publish(&self, moved: Moved) {
        if let Some(channels) = self.channels {
            if let Ok(payload) = serde_json::to_string(&moved) {
                channels.publish(&channel(&self.prefix, moved.order_id), payload);
            }
            return;
        }
        let _ = self.outgoing.send(moved);
    }

    /// The changes of one order from now on.
    pub async fn subscribe(
        &self,
        order_id: Uuid,
    ) -> Result<futures::stream::BoxStream<'static, Moved>, redis::RedisError> {
        if let Some(channels) = self.channels {
            let receiver = channels.subscribe(&channel(&self.prefix, order_id));
            let messages = futures::stream::unfold(receiver, |mut receiver| async move {
                loop {
                    match receiver.recv().await {
                        Ok(payload) => return Some((payload, receiver)),
                        // A slow subscriber missed some; the next ones still count.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    }
                }
            });
            return Ok(messages
                .filter_map(|payload| async move { serde_json::from_str(&payload).ok() })
                .boxed());
        }
        let Some(client) = &self.client else {
            return Err(redis::RedisError::from((
                redis::ErrorKind::InvalidClientConfig,
                "no Redis configured",
            )));
        };
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(channel(&self.prefix, order_id)).await?;
        Ok(pubsub
            .into_on_message()
            .filter_map(|message| async move {
                let payload: String = message.get_payload().ok()?;
                serde_json::from_str(&payload).ok()
            })
            .boxed())
    }
}

/// `<prefix>order-status:<order id>`.
pub fn channel(prefix: &str, order_id: Uuid) -> String {
    format!("{prefix}order-status:{order_id}")
}

async fn publish_all(
    client: redis::Client,
    prefix: String,
    timeout: Duration,
    mut incoming: mpsc::UnboundedReceiver<Moved>,
) {
    let mut connection: Option<ConnectionManager> = None;
    while let Some(moved) = incoming.recv().await {
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
