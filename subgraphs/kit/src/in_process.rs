//! In-process stand-ins for Redis, for the one-command development mode when no Redis runs:
//! a key-value store with expiry (what the cache uses) and publish/subscribe channels (what
//! live updates use). Every service of the process shares them ([`Store::global`],
//! [`Channels::global`]), so a subscriber served by one subgraph hears what another published.
//! They are selected by the URL `memory://` in place of a `redis://` one. Development only:
//! nothing is kept across restarts and nothing is shared with other processes.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// The URL that selects these stand-ins instead of a Redis server.
pub const URL: &str = "memory://";

/// Whether `url` names the in-process stand-ins rather than a server.
pub fn is_in_process(url: &str) -> bool {
    url.starts_with("memory:")
}

/// Most entries the store keeps; past that, expired entries go first, then arbitrary ones.
const MAX_ENTRIES: usize = 100_000;
/// How many messages a slow subscriber may fall behind before it misses some.
const CHANNEL_CAPACITY: usize = 256;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Plain data: what a panicking holder left is still usable.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Strings under keys, each with an expiry.
#[derive(Default)]
pub struct Store {
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

impl Store {
    /// The process's store.
    pub fn global() -> &'static Store {
        static STORE: OnceLock<Store> = OnceLock::new();
        STORE.get_or_init(Store::default)
    }

    /// The live values under `keys`, in order.
    pub fn get_many(&self, keys: &[String]) -> Vec<Option<String>> {
        let entries = lock(&self.entries);
        let now = Instant::now();
        keys.iter()
            .map(|key| {
                entries
                    .get(key)
                    .filter(|(_, expires)| *expires > now)
                    .map(|(value, _)| value.clone())
            })
            .collect()
    }

    /// Stores each `(key, value)` for `ttl`.
    pub fn set_many(&self, entries: Vec<(String, String)>, ttl: Duration) {
        let mut stored = lock(&self.entries);
        let now = Instant::now();
        if stored.len() + entries.len() > MAX_ENTRIES {
            stored.retain(|_, (_, expires)| *expires > now);
        }
        while stored.len() + entries.len() > MAX_ENTRIES {
            let Some(key) = stored.keys().next().cloned() else {
                break;
            };
            stored.remove(&key);
        }
        for (key, value) in entries {
            stored.insert(key, (value, now + ttl));
        }
    }

    /// Removes `keys`.
    pub fn delete(&self, keys: &[String]) {
        let mut stored = lock(&self.entries);
        for key in keys {
            stored.remove(key);
        }
    }
}

/// Named publish/subscribe channels; a message reaches the subscribers present when it is
/// published, as with Redis.
#[derive(Default)]
pub struct Channels {
    senders: Mutex<HashMap<String, broadcast::Sender<String>>>,
}

impl Channels {
    /// The process's channels.
    pub fn global() -> &'static Channels {
        static CHANNELS: OnceLock<Channels> = OnceLock::new();
        CHANNELS.get_or_init(Channels::default)
    }

    /// Sends `message` to the subscribers of `channel`; returns how many there were.
    pub fn publish(&self, channel: &str, message: String) -> usize {
        let mut senders = lock(&self.senders);
        let Some(sender) = senders.get(channel) else {
            return 0;
        };
        match sender.send(message) {
            Ok(receivers) => receivers,
            Err(_) => {
                // Everyone left: forget the channel.
                senders.remove(channel);
                0
            }
        }
    }

    /// How many subscribe to `channel` now.
    pub fn subscribers(&self, channel: &str) -> usize {
        lock(&self.senders)
            .get(channel)
            .map_or(0, broadcast::Sender::receiver_count)
    }

    /// The messages published on `channel` from now on.
    pub fn subscribe(&self, channel: &str) -> broadcast::Receiver<String> {
        lock(&self.senders)
            .entry(channel.to_owned())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_can_be_deleted() {
        let store = Store::default();
        store.set_many(
            vec![
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "2".to_owned()),
            ],
            Duration::from_secs(60),
        );
        store.set_many(vec![("gone".to_owned(), "3".to_owned())], Duration::ZERO);
        let keys = ["a", "gone", "b", "never"].map(str::to_owned);
        assert_eq!(
            store.get_many(&keys),
            [Some("1".to_owned()), None, Some("2".to_owned()), None]
        );
        store.delete(&["a".to_owned()]);
        assert_eq!(store.get_many(&keys[..1]), [None]);
    }

    #[tokio::test]
    async fn subscribers_hear_what_is_published_after_they_subscribed() {
        let channels = Channels::default();
        assert_eq!(channels.publish("c", "before".to_owned()), 0);
        let mut first = channels.subscribe("c");
        let mut second = channels.subscribe("c");
        let mut other = channels.subscribe("d");
        assert_eq!(channels.subscribers("c"), 2);
        assert_eq!(channels.publish("c", "hello".to_owned()), 2);
        assert_eq!(first.recv().await.ok().as_deref(), Some("hello"));
        assert_eq!(second.recv().await.ok().as_deref(), Some("hello"));
        assert!(other.try_recv().is_err());
        drop((first, second));
        assert_eq!(channels.publish("c", "nobody".to_owned()), 0);
    }
}
