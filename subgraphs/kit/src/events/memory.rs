//! The in-process event bus: RabbitMQ's topology as this crate uses it (topic exchanges, a
//! queue per consumer bound by routing-key patterns, retries after a delay, a dead-letter
//! queue per queue) kept in memory, for the one-command development mode when no RabbitMQ
//! runs (selected by the URL [`crate::in_process::URL`]). Every service of the process shares one bus ([`Bus::global`]), so the events one
//! subgraph publishes reach the others' consumers.
//!
//! It keeps nothing across restarts: what the outbox had not published yet is still in the
//! outbox, but messages waiting in a queue are gone with the process. Development only.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;
use tokio::sync::Notify;

/// One message in a queue.
#[derive(Debug, Clone)]
pub struct Message {
    pub body: Vec<u8>,
    pub routing_key: String,
    /// How many times handling it failed so far.
    pub retries: u32,
    /// Why it was dead-lettered (dead letters only).
    pub reason: Option<String>,
}

/// The bus: named queues, each bound to an exchange by routing-key patterns.
#[derive(Default)]
pub struct Bus {
    queues: Mutex<HashMap<String, Queue>>,
}

#[derive(Default)]
struct Queue {
    exchange: String,
    patterns: Vec<String>,
    ready: VecDeque<Message>,
    dead: VecDeque<Message>,
    arrived: Arc<Notify>,
}

impl Bus {
    /// The process's bus.
    pub fn global() -> &'static Bus {
        static BUS: OnceLock<Bus> = OnceLock::new();
        BUS.get_or_init(Bus::default)
    }

    fn queues(&self) -> MutexGuard<'_, HashMap<String, Queue>> {
        // A panic while the lock was held leaves plain data behind; keep using it.
        self.queues
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Creates `queue` (when new) and binds it to `exchange` by `patterns` (AMQP topic
    /// patterns: `*` is one word, `#` any number of words).
    pub fn declare(&self, exchange: &str, queue: &str, patterns: &[String]) {
        let mut queues = self.queues();
        let entry = queues.entry(queue.to_owned()).or_default();
        entry.exchange = exchange.to_owned();
        for pattern in patterns {
            if !entry.patterns.contains(pattern) {
                entry.patterns.push(pattern.clone());
            }
        }
    }

    /// Puts a copy of the message in every queue bound to `exchange` by a pattern that
    /// matches `routing_key`; returns how many. A message no queue wants is dropped, as a
    /// broker drops an unroutable message.
    pub fn publish(&self, exchange: &str, routing_key: &str, body: &[u8]) -> usize {
        let mut queues = self.queues();
        let mut routed = 0;
        for queue in queues.values_mut() {
            if queue.exchange == exchange
                && queue
                    .patterns
                    .iter()
                    .any(|pattern| topic_matches(pattern, routing_key))
            {
                queue.ready.push_back(Message {
                    body: body.to_vec(),
                    routing_key: routing_key.to_owned(),
                    retries: 0,
                    reason: None,
                });
                queue.arrived.notify_one();
                routed += 1;
            }
        }
        routed
    }

    /// The next message of `queue`, waiting for one. The queue must have been declared.
    pub async fn receive(&self, queue: &str) -> Message {
        loop {
            let arrived = {
                let mut queues = self.queues();
                let entry = queues.entry(queue.to_owned()).or_default();
                if let Some(message) = entry.ready.pop_front() {
                    return message;
                }
                entry.arrived.clone()
            };
            // `notify_one` keeps a permit when nobody waits, so a message published between
            // the check above and this wait is not missed.
            arrived.notified().await;
        }
    }

    /// Puts `message` back at the end of `queue` (a retry).
    pub fn requeue(&self, queue: &str, message: Message) {
        let mut queues = self.queues();
        let entry = queues.entry(queue.to_owned()).or_default();
        entry.ready.push_back(message);
        entry.arrived.notify_one();
    }

    /// Puts `message` back at the end of `queue` after `delay`, in the background.
    pub fn requeue_after(&'static self, queue: &str, message: Message, delay: Duration) {
        let queue = queue.to_owned();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            self.requeue(&queue, message);
        });
    }

    /// Parks `message` in the dead letters of `queue`, saying why.
    pub fn dead_letter(&self, queue: &str, mut message: Message, reason: &str) {
        message.reason = Some(reason.to_owned());
        self.queues()
            .entry(queue.to_owned())
            .or_default()
            .dead
            .push_back(message);
    }

    /// Up to `limit` dead letters of `queue`, oldest first; they stay.
    pub fn dead_letters(&self, queue: &str, limit: usize) -> Vec<Message> {
        self.queues()
            .get(queue)
            .map(|entry| entry.dead.iter().take(limit).cloned().collect())
            .unwrap_or_default()
    }

    /// Moves up to `limit` dead letters of `queue` back into it, retry count reset.
    pub fn replay(&self, queue: &str, limit: usize) -> usize {
        let mut queues = self.queues();
        let Some(entry) = queues.get_mut(queue) else {
            return 0;
        };
        let mut replayed = 0;
        while replayed < limit {
            let Some(mut message) = entry.dead.pop_front() else {
                break;
            };
            message.retries = 0;
            message.reason = None;
            entry.ready.push_back(message);
            entry.arrived.notify_one();
            replayed += 1;
        }
        replayed
    }

    /// How many messages wait in `queue` (not counting dead letters).
    pub fn waiting(&self, queue: &str) -> usize {
        self.queues()
            .get(queue)
            .map_or(0, |entry| entry.ready.len())
    }
}

/// Whether an AMQP topic `pattern` matches `key`: words are separated by dots, `*` matches
/// exactly one word and `#` zero or more.
pub fn topic_matches(pattern: &str, key: &str) -> bool {
    fn matches(pattern: &[&str], key: &[&str]) -> bool {
        match pattern.split_first() {
            None => key.is_empty(),
            Some((&"#", rest)) => (0..=key.len()).any(|skip| matches(rest, &key[skip..])),
            Some((&word, rest)) => match key.split_first() {
                Some((&first, key_rest)) => {
                    (word == "*" || word == first) && matches(rest, key_rest)
                }
                None => false,
            },
        }
    }
    let pattern: Vec<&str> = pattern.split('.').collect();
    let key: Vec<&str> = key.split('.').collect();
    matches(&pattern, &key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_patterns_match_like_a_topic_exchange() {
        assert!(topic_matches("user.deleted", "user.deleted"));
        assert!(!topic_matches("user.deleted", "user.created"));
        assert!(topic_matches("stock.*", "stock.reserved"));
        assert!(!topic_matches("stock.*", "stock.reserved.again"));
        assert!(!topic_matches("stock.*", "stock"));
        assert!(topic_matches("#", "anything.at.all"));
        assert!(topic_matches("order.#", "order"));
        assert!(topic_matches("order.#", "order.status.changed"));
        assert!(topic_matches("*.placed", "order.placed"));
        assert!(!topic_matches("*.placed", "order.placed.late"));
        assert!(topic_matches("#.changed", "order.status.changed"));
    }

    #[tokio::test]
    async fn a_message_reaches_every_bound_queue_of_its_exchange_only() {
        let bus = Bus::default();
        bus.declare("x", "a", &["order.*".to_owned()]);
        bus.declare("x", "b", &["order.placed".to_owned(), "user.#".to_owned()]);
        bus.declare("other", "c", &["#".to_owned()]);
        assert_eq!(bus.publish("x", "order.placed", b"1"), 2);
        assert_eq!(bus.publish("x", "order.cancelled", b"2"), 1);
        assert_eq!(bus.publish("x", "stock.reserved", b"3"), 0);
        assert_eq!(bus.receive("a").await.body, b"1");
        assert_eq!(bus.receive("a").await.body, b"2");
        assert_eq!(bus.receive("b").await.body, b"1");
        assert_eq!(bus.waiting("b"), 0);
        assert_eq!(bus.waiting("c"), 0);
    }

    #[tokio::test]
    async fn a_waiting_receiver_gets_a_later_message() {
        let bus: &'static Bus = Box::leak(Box::default());
        bus.declare("x", "q", &["k".to_owned()]);
        let receiver = tokio::spawn(bus.receive("q"));
        tokio::task::yield_now().await;
        bus.publish("x", "k", b"late");
        let message = tokio::time::timeout(Duration::from_secs(5), receiver)
            .await
            .expect("the receiver is woken")
            .expect("the receiver does not panic");
        assert_eq!(message.body, b"late");
    }

    #[tokio::test]
    async fn dead_letters_are_listed_and_replayed() {
        let bus = Bus::default();
        bus.declare("x", "q", &["k".to_owned()]);
        bus.publish("x", "k", b"poison");
        let mut message = bus.receive("q").await;
        message.retries = 3;
        bus.dead_letter("q", message, "bad data");
        let dead = bus.dead_letters("q", 10);
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].reason.as_deref(), Some("bad data"));
        assert_eq!(bus.waiting("q"), 0);
        assert_eq!(bus.replay("q", 10), 1);
        assert!(bus.dead_letters("q", 10).is_empty());
        let replayed = bus.receive("q").await;
        assert_eq!(
            (replayed.body.as_slice(), replayed.retries),
            (&b"poison"[..], 0)
        );
    }
}
