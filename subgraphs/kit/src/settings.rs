//! Typed settings shared by every subgraph: defaults that work on a developer machine,
//! overridden by environment variables. This is the only module that reads the environment.
//!
//! A binary defines its own `Settings` struct (with `#[serde(deny_unknown_fields)]`) built from
//! the sections below and loads it with [`load`]: `USERS_DATABASE__URL=...` sets
//! `database.url` for the binary whose prefix is `USERS_`.

use figment::Figment;
use figment::providers::{Env, Serialized};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

/// Loads `T` from its defaults overridden by environment variables starting with `prefix`
/// (nested fields separated by `__`). Unknown variables with that prefix are an error when `T`
/// denies unknown fields, so a typo is reported instead of silently ignored.
pub fn load<T>(prefix: &str) -> Result<T, SettingsError>
where
    T: DeserializeOwned + Serialize + Default,
{
    Figment::from(Serialized::defaults(T::default()))
        .merge(Env::prefixed(prefix).split("__"))
        .extract()
        .map_err(|err| SettingsError(err.to_string()))
}

/// Whether a test run asked for logs (`TEST_LOG` set); tests are quiet otherwise.
pub fn test_log_enabled() -> bool {
    std::env::var_os("TEST_LOG").is_some()
}

/// Settings could not be read: the message names the variable and what was wrong.
#[derive(Debug, thiserror::Error)]
#[error("invalid settings: {0}")]
pub struct SettingsError(String);

/// Where the HTTP server listens.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    pub host: IpAddr,
    pub port: u16,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Time allowed for one request before it is answered with 408.
    pub request_timeout_secs: u64,
}

impl ServerSettings {
    pub fn with_port(port: u16) -> Self {
        Self {
            port,
            ..Self::default()
        }
    }

    pub fn address(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
        }
    }
}

/// The subgraph's own Postgres database.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    #[serde(serialize_with = "serialize_secret")]
    pub url: SecretString,
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
    /// Create the database when it does not exist (needs the CREATEDB privilege).
    pub create_if_missing: bool,
}

impl DatabaseSettings {
    pub fn for_database(name: &str) -> Self {
        Self {
            url: SecretString::from(format!("postgres://postgres@127.0.0.1:5432/{name}")),
            max_connections: 10,
            acquire_timeout_secs: 5,
            create_if_missing: true,
        }
    }
}

/// Logs and traces.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetrySettings {
    /// `pretty` for development, `json` for production.
    pub format: LogFormat,
    /// An `EnvFilter` directive, e.g. `info,sqlx=warn`.
    pub filter: String,
    /// OTLP/HTTP endpoint of a collector (e.g. `http://127.0.0.1:4318`); no export when unset.
    pub otlp_endpoint: Option<String>,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Pretty,
            filter: "info,sqlx=warn".to_owned(),
            otlp_endpoint: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// How incoming access tokens are verified.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// Where the users subgraph publishes its public keys.
    pub jwks_url: String,
    pub issuer: String,
    pub audience: String,
    /// How long fetched keys are trusted before they are fetched again.
    pub jwks_refresh_secs: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwks_url: "http://127.0.0.1:4001/.well-known/jwks.json".to_owned(),
            issuer: "users".to_owned(),
            audience: "supergraph".to_owned(),
            jwks_refresh_secs: 300,
        }
    }
}

/// The Redis server a cache lives on. The cache is an optimisation only: when Redis cannot be
/// reached, reads go to the database and the failure is logged.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisSettings {
    #[serde(serialize_with = "serialize_secret")]
    pub url: SecretString,
    /// Prepended to every key, so services (and test runs) sharing a server never collide.
    pub key_prefix: String,
    /// How long an entry lives; it also bounds how stale an entry can be when an
    /// invalidation is lost (Redis down during a write).
    pub ttl_secs: u64,
    /// Longest wait for one Redis round trip (or connection attempt) before giving up on it.
    pub timeout_ms: u64,
}

impl RedisSettings {
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            key_prefix: prefix.to_owned(),
            ..Self::default()
        }
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: SecretString::from("redis://127.0.0.1:6379"),
            key_prefix: String::new(),
            ttl_secs: 60,
            timeout_ms: 250,
        }
    }
}

/// The message broker (RabbitMQ) and how a service uses it: see `kit::events` (feature
/// `events`). Every name (exchanges and queues) gets `prefix` in front, so a test run can have a
/// topology of its own on a shared broker.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventSettings {
    /// Whether the service publishes and consumes events at all.
    pub enabled: bool,
    #[serde(serialize_with = "serialize_secret")]
    pub url: SecretString,
    /// Prepended to every exchange and queue name; empty in production.
    pub prefix: String,
    /// Queues expire when unused and exchanges go with their last binding (test runs).
    pub ephemeral: bool,
    /// How many unacknowledged messages a consumer holds at once.
    pub prefetch: u16,
    /// How often a failing message is retried before it is dead-lettered.
    pub max_retries: u32,
    /// The first retry's delay; each further retry doubles it (capped at a minute).
    pub retry_base_ms: u64,
    /// How often the outbox relay looks for unsent events when nothing woke it.
    pub outbox_poll_ms: u64,
    /// Longest wait for the broker to confirm a batch of published messages.
    pub confirm_timeout_ms: u64,
}

impl EventSettings {
    pub fn retry_base(&self) -> Duration {
        Duration::from_millis(self.retry_base_ms)
    }

    pub fn outbox_poll(&self) -> Duration {
        Duration::from_millis(self.outbox_poll_ms)
    }

    pub fn confirm_timeout(&self) -> Duration {
        Duration::from_millis(self.confirm_timeout_ms)
    }
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            url: SecretString::from("amqp://guest:guest@127.0.0.1:5672/%2f"),
            prefix: String::new(),
            ephemeral: false,
            prefetch: 16,
            max_retries: 5,
            retry_base_ms: 1000,
            outbox_poll_ms: 1000,
            confirm_timeout_ms: 5000,
        }
    }
}

/// Serializes a secret as itself: only used to seed defaults, never for display.
pub fn serialize_secret<S: serde::Serializer>(
    secret: &SecretString,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

/// Like [`serialize_secret`] for an optional secret.
pub fn serialize_optional_secret<S: serde::Serializer>(
    secret: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => serializer.serialize_some(secret.expose_secret()),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        server: ServerSettings,
        database: DatabaseSettings,
    }

    impl Default for Sample {
        fn default() -> Self {
            Self {
                server: ServerSettings::default(),
                database: DatabaseSettings::for_database("sample"),
            }
        }
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure returns figment's own error
    fn environment_overrides_defaults_and_unknown_keys_fail() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("KITTEST_SERVER__PORT", "4321");
            let settings: Sample = load("KITTEST_").map_err(|e| e.to_string())?;
            assert_eq!(settings.server.port, 4321);
            assert_eq!(
                settings.database.url.expose_secret(),
                "postgres://postgres@127.0.0.1:5432/sample"
            );

            jail.set_env("KITTEST_SERVER__PROT", "1");
            let err = load::<Sample>("KITTEST_").expect_err("a typo must be reported");
            assert!(err.to_string().contains("prot"), "{err}");
            Ok(())
        });
    }
}
