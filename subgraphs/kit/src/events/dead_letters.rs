//! What was dead-lettered: listing a queue's `<queue>.dead` without taking anything out of it,
//! and replaying messages into their queue once whatever made them fail is fixed; on a broker
//! or on the in-process bus alike.

use super::broker::dead_queue;
use super::consumer::{REASON_HEADER, RETRIES_HEADER, publish_confirmed};
use super::{Broker, Envelope, EventError};
use lapin::BasicProperties;
use lapin::options::{BasicAckOptions, BasicGetOptions, BasicNackOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};

/// One dead-lettered message.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// The envelope, when the body is one.
    pub envelope: Option<Envelope>,
    /// The body as text (what to look at when it is not an envelope).
    pub body: String,
    /// Why it was dead-lettered.
    pub reason: Option<String>,
    /// How many times it was retried before.
    pub retries: u32,
}

/// Up to `limit` messages of `queue`'s dead-letter queue (`queue` without the prefix), oldest
/// first. They stay in the queue.
pub async fn list(
    broker: &Broker,
    queue: &str,
    limit: usize,
) -> Result<Vec<DeadLetter>, EventError> {
    if let Some(bus) = broker.bus() {
        return Ok(bus
            .dead_letters(&broker.name(queue), limit)
            .into_iter()
            .map(|message| DeadLetter {
                envelope: serde_json::from_slice(&message.body).ok(),
                body: String::from_utf8_lossy(&message.body).into_owned(),
                reason: message.reason,
                retries: message.retries,
            })
            .collect());
    }
    let channel = broker.connection().await?.create_channel().await?;
    let dead = dead_queue(&broker.name(queue));
    let mut letters = Vec::new();
    let mut last_tag = None;
    while letters.len() < limit {
        let Some(message) = channel
            .basic_get(dead.clone().into(), BasicGetOptions { no_ack: false })
            .await?
        else {
            break;
        };
        last_tag = Some(message.delivery.delivery_tag);
        letters.push(read(&message.delivery.data, &message.delivery.properties));
    }
    if let Some(tag) = last_tag {
        // Everything fetched goes back, in its order.
        channel
            .basic_nack(
                tag,
                BasicNackOptions {
                    multiple: true,
                    requeue: true,
                },
            )
            .await?;
    }
    let _ = channel.close(200, ShortString::from("listed")).await;
    Ok(letters)
}

/// Moves up to `limit` messages of `queue`'s dead-letter queue back into `queue`, with their
/// retry count reset; returns how many. Each is removed only once the broker confirmed it back.
pub async fn replay(broker: &Broker, queue: &str, limit: usize) -> Result<usize, EventError> {
    if let Some(bus) = broker.bus() {
        return Ok(bus.replay(&broker.name(queue), limit));
    }
    let channel = broker.confirm_channel().await?;
    let name = broker.name(queue);
    let dead = dead_queue(&name);
    let mut replayed = 0;
    // Only what is there now: a message that fails again comes back behind the others and
    // must not be replayed twice in one go.
    let mut remaining = limit;
    while replayed < remaining {
        let Some(message) = channel
            .basic_get(dead.clone().into(), BasicGetOptions { no_ack: false })
            .await?
        else {
            break;
        };
        if replayed == 0 {
            let present = usize::try_from(message.message_count).unwrap_or(usize::MAX);
            remaining = remaining.min(present.saturating_add(1));
        }
        let properties = without_headers(
            message.delivery.properties.clone(),
            &[RETRIES_HEADER, REASON_HEADER, "x-death"],
        );
        publish_confirmed(&channel, "", &name, &message.delivery.data, properties).await?;
        message.delivery.ack(BasicAckOptions::default()).await?;
        replayed += 1;
    }
    let _ = channel.close(200, ShortString::from("replayed")).await;
    if replayed > 0 {
        tracing::info!(queue = %name, replayed, "dead letters replayed");
    }
    Ok(replayed)
}

fn read(body: &[u8], properties: &BasicProperties) -> DeadLetter {
    let header = |name: &str| {
        properties
            .headers()
            .as_ref()
            .and_then(|headers| headers.inner().get(name).cloned())
    };
    let reason = match header(REASON_HEADER) {
        Some(AMQPValue::LongString(reason)) => Some(reason.to_string()),
        _ => None,
    };
    DeadLetter {
        envelope: serde_json::from_slice(body).ok(),
        body: String::from_utf8_lossy(body).into_owned(),
        reason,
        retries: super::consumer::retries(properties),
    }
}

fn without_headers(properties: BasicProperties, names: &[&str]) -> BasicProperties {
    let Some(headers) = properties.headers().clone() else {
        return properties;
    };
    let mut kept = FieldTable::default();
    for (name, value) in headers.inner() {
        if !names.contains(&name.as_str()) {
            kept.insert(name.clone(), value.clone());
        }
    }
    properties.with_headers(kept)
}
