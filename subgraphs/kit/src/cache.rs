//! A read-through cache on Redis for hot reads. It is an optimisation only: every operation
//! is bounded by a short timeout, and when Redis is down or slow a read is a miss, a write or
//! an invalidation is skipped, and the failure is logged. Nothing fails because of the cache.
//!
//! Values are stored as JSON under `<key_prefix><key>` with a TTL, which also bounds how stale
//! an entry can get when an invalidation is lost.
//!
//! With the URL `memory://` the entries live in this process instead
//! ([`crate::in_process::Store`]; development mode).

use crate::in_process::{self, Store};
use crate::settings::RedisSettings;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long to wait before trying to connect again after a failed attempt.
const RECONNECT_AFTER: Duration = Duration::from_secs(5);

/// A handle on the cache; cheap to clone.
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

struct Inner {
    client: Option<redis::Client>,
    /// The in-process store, when the URL names it instead of a server.
    store: Option<&'static Store>,
    connection: Mutex<Slot>,
    prefix: String,
    ttl_secs: u64,
    timeout: Duration,
}

#[derive(Default)]
struct Slot {
    manager: Option<ConnectionManager>,
    last_attempt: Option<Instant>,
}

impl Cache {
    /// A cache on the configured server. Connects on first use, not here, so a service starts
    /// without Redis; an unusable URL disables the cache (and says so).
    pub fn new(settings: &RedisSettings) -> Self {
        let store = in_process::is_in_process(settings.url.expose_secret()).then(Store::global);
        let client = match redis::Client::open(settings.url.expose_secret()) {
            _ if store.is_some() => None,
            Ok(client) => Some(client),
            Err(err) => {
                tracing::warn!(cause = %err, "invalid Redis URL; running without a cache");
                None
            }
        };
        Self {
            inner: Arc::new(Inner {
                client,
                store,
                connection: Mutex::new(Slot::default()),
                prefix: settings.key_prefix.clone(),
                ttl_secs: settings.ttl_secs.max(1),
                timeout: settings.timeout(),
            }),
        }
    }

    /// The values stored under `keys`, in order; `None` for misses, unreadable entries and
    /// when Redis cannot be reached.
    pub async fn get_many<T: DeserializeOwned>(&self, keys: &[String]) -> Vec<Option<T>> {
        if keys.is_empty() {
            return Vec::new();
        }
        let values = if let Some(store) = self.inner.store {
            store.get_many(&self.full_keys(keys))
        } else {
            self.get_from_redis(keys).await
        };
        values
            .into_iter()
            .map(|value| value.and_then(|json| serde_json::from_str(&json).ok()))
            .collect()
    }

    async fn get_from_redis(&self, keys: &[String]) -> Vec<Option<String>> {
        let misses = || keys.iter().map(|_| None).collect();
        let Some(mut connection) = self.connection().await else {
            return misses();
        };
        let mut command = redis::cmd("MGET");
        for key in keys {
            command.arg(self.full_key(key));
        }
        self.run(command.query_async(&mut connection))
            .await
            .unwrap_or_else(misses)
    }

    /// Stores each `(key, value)` with the configured TTL.
    pub async fn set_many<T: Serialize>(&self, entries: &[(String, T)]) {
        if entries.is_empty() {
            return;
        }
        if let Some(store) = self.inner.store {
            let encoded = entries
                .iter()
                .filter_map(|(key, value)| match serde_json::to_string(value) {
                    Ok(json) => Some((self.full_key(key), json)),
                    Err(err) => {
                        tracing::warn!(cause = %err, key, "cannot serialize a cache entry");
                        None
                    }
                })
                .collect();
            store.set_many(encoded, Duration::from_secs(self.inner.ttl_secs));
            return;
        }
        let Some(mut connection) = self.connection().await else {
            return;
        };
        let mut pipeline = redis::pipe();
        for (key, value) in entries {
            match serde_json::to_string(value) {
                Ok(json) => {
                    pipeline
                        .cmd("SET")
                        .arg(self.full_key(key))
                        .arg(json)
                        .arg("EX")
                        .arg(self.inner.ttl_secs)
                        .ignore();
                }
                Err(err) => tracing::warn!(cause = %err, key, "cannot serialize a cache entry"),
            }
        }
        self.run::<()>(pipeline.query_async(&mut connection)).await;
    }

    /// Removes `keys` (after a write changed what they hold).
    pub async fn delete(&self, keys: &[String]) {
        if keys.is_empty() {
            return;
        }
        if let Some(store) = self.inner.store {
            store.delete(&self.full_keys(keys));
            return;
        }
        let Some(mut connection) = self.connection().await else {
            tracing::warn!(
                keys = ?keys,
                "cache invalidation skipped: Redis unreachable (entries expire with their TTL)"
            );
            return;
        };
        let mut command = redis::cmd("DEL");
        for key in keys {
            command.arg(self.full_key(key));
        }
        self.run::<i64>(command.query_async(&mut connection)).await;
    }

    fn full_key(&self, key: &str) -> String {
        format!("{}{key}", self.inner.prefix)
    }

    fn full_keys(&self, keys: &[String]) -> Vec<String> {
        keys.iter().map(|key| self.full_key(key)).collect()
    }

    /// Runs one round trip within the timeout; failures are logged and become `None`.
    async fn run<T>(&self, operation: impl Future<Output = redis::RedisResult<T>>) -> Option<T> {
        match tokio::time::timeout(self.inner.timeout, operation).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(err)) => {
                tracing::warn!(cause = %err, "cache operation failed");
                None
            }
            Err(_) => {
                tracing::warn!("cache operation timed out");
                None
            }
        }
    }

    /// The shared connection, made on first use; after a failed attempt, no new attempt for
    /// [`RECONNECT_AFTER`], so a Redis outage costs requests nothing.
    async fn connection(&self) -> Option<ConnectionManager> {
        let client = self.inner.client.as_ref()?;
        let mut slot = self.inner.connection.lock().await;
        if let Some(manager) = &slot.manager {
            return Some(manager.clone());
        }
        if slot
            .last_attempt
            .is_some_and(|at| at.elapsed() < RECONNECT_AFTER)
        {
            return None;
        }
        slot.last_attempt = Some(Instant::now());
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.inner.timeout))
            .set_response_timeout(Some(self.inner.timeout))
            .set_number_of_retries(1);
        let connect = ConnectionManager::new_with_config(client.clone(), config);
        match tokio::time::timeout(self.inner.timeout, connect).await {
            Ok(Ok(manager)) => {
                tracing::info!("connected to Redis");
                slot.manager = Some(manager.clone());
                Some(manager)
            }
            Ok(Err(err)) => {
                tracing::warn!(cause = %err, "Redis unreachable; serving without the cache");
                None
            }
            Err(_) => {
                tracing::warn!("Redis connection timed out; serving without the cache");
                None
            }
        }
    }
}
