//! The router's configuration: a YAML file (unknown keys are errors), every entry optional.
//!
//! ```yaml
//! listen: 127.0.0.1:4000
//! supergraph: schema/supergraph.graphql
//! subgraphs:
//!   users: { url: http://users.internal/graphql, timeout_ms: 2000 }
//! timeouts: { subgraph_ms: 30000 }
//! plan_cache: { capacity: 1024 }
//! deduplication: { inbound: true, outbound: true }
//! subscriptions: { max_per_connection: 100, init_timeout_ms: 10000,
//!                  ping_interval_ms: 15000, pong_timeout_ms: 10000 }   # 0: no pings
//! workers: 4                     # serving threads; default: the number of cores
//! tls: { ca_file: certs/ca.pem }  # CAs trusted for https:// subgraphs, beside public roots
//! progressive_override: { labels: [beta] }  # labels on; `percent(N)` labels are drawn
//! graphiql: { enabled: true }    # the GraphiQL page at GET /graphql
//! limits: { max_cost: 1000, default_list_size: 10 }   # demand control (off without max_cost)
//! demand_control: { mode: enforce, expose_cost: false }   # or `measure`: log, never refuse
//! ```

use crate::websocket::keepalive::KeepAliveSettings;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub listen: SocketAddr,
    /// The supergraph SDL; `--supergraph` on the command line takes precedence.
    pub supergraph: Option<PathBuf>,
    /// Per-subgraph overrides, by subgraph name.
    pub subgraphs: HashMap<String, SubgraphConfig>,
    pub timeouts: Timeouts,
    pub plan_cache: PlanCacheConfig,
    pub limits: Limits,
    pub deduplication: Deduplication,
    pub subscriptions: Subscriptions,
    /// Serving threads, each with its own single-threaded runtime and listening socket on
    /// the same port (the kernel spreads connections); no work stealing between them.
    /// Defaults to the number of cores.
    pub workers: Option<usize>,
    /// TLS towards `https://` subgraphs.
    pub tls: TlsConfig,
    pub progressive_override: ProgressiveOverride,
    pub graphiql: GraphiqlConfig,
    pub demand_control: DemandControl,
}

/// Demand control by estimated cost, against `limits.max_cost`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemandControl {
    pub mode: DemandControlMode,
    /// Adds `extensions.cost: { estimated, max }` to executed operations' responses (costs
    /// are computed when this is on, even without `limits.max_cost`).
    pub expose_cost: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DemandControlMode {
    /// Operations over `limits.max_cost` are refused before any subgraph is called.
    #[default]
    Enforce,
    /// Operations over the limit run; they are logged.
    Measure,
}

/// Progressive `@override(label:)`: `percent(N)` labels are on for N % of requests; other
/// labels are on when listed here, off otherwise.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProgressiveOverride {
    pub labels: Vec<String>,
}

/// TLS towards subgraphs: the web's public roots are trusted, and the CAs in `ca_file`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// A PEM file of certificate authorities (a private CA for internal subgraphs).
    pub ca_file: Option<PathBuf>,
}

/// The GraphiQL page browsers get at `GET /graphql` (see `graphiql.rs`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GraphiqlConfig {
    /// When false, `GET /graphql` answers 404 to browsers and no asset is served.
    pub enabled: bool,
}

impl Default for GraphiqlConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// Collapsing identical work in flight into one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Deduplication {
    /// Identical queries (same operation, variables and forwarded headers) arriving while
    /// one is executing share its execution and its answer. Mutations never do.
    pub inbound: bool,
    /// Identical subgraph requests in flight at once are sent once.
    pub outbound: bool,
}

impl Default for Deduplication {
    fn default() -> Self {
        Self {
            inbound: true,
            outbound: true,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 4000)),
            supergraph: None,
            subgraphs: HashMap::new(),
            timeouts: Timeouts::default(),
            plan_cache: PlanCacheConfig::default(),
            limits: Limits::default(),
            deduplication: Deduplication::default(),
            subscriptions: Subscriptions::default(),
            workers: None,
            tls: TlsConfig::default(),
            progressive_override: ProgressiveOverride::default(),
            graphiql: GraphiqlConfig::default(),
            demand_control: DemandControl::default(),
        }
    }
}

/// GraphQL over WebSocket (`graphql-transport-ws`) at `GET /graphql`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Subscriptions {
    /// Operations one connection may have running at once; more are refused with an
    /// `error` (`RATE_LIMITED`).
    pub max_per_connection: usize,
    /// How long a new connection has to send `connection_init` (else it is closed, 4408).
    pub init_timeout_ms: u64,
    /// Every this many milliseconds of an acknowledged connection, the router sends a
    /// `ping` (to clients, and to subgraphs on its subscription sockets); 0 turns it off.
    pub ping_interval_ms: u64,
    /// How long the `pong` may take: a client that does not answer in time is closed with
    /// 4408, a subgraph's subscription ends with a `SUBGRAPH_ERROR`.
    pub pong_timeout_ms: u64,
}

impl Default for Subscriptions {
    fn default() -> Self {
        Self {
            max_per_connection: 100,
            init_timeout_ms: 10_000,
            ping_interval_ms: 15_000,
            pong_timeout_ms: 10_000,
        }
    }
}

impl Subscriptions {
    pub fn init_timeout(&self) -> Duration {
        Duration::from_millis(self.init_timeout_ms)
    }

    pub fn keep_alive(&self) -> KeepAliveSettings {
        KeepAliveSettings {
            interval: (self.ping_interval_ms > 0)
                .then(|| Duration::from_millis(self.ping_interval_ms)),
            timeout: Duration::from_millis(self.pong_timeout_ms),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SubgraphConfig {
    /// Replaces the URL the supergraph names.
    pub url: Option<String>,
    pub timeout_ms: Option<u64>,
    /// Where the subgraph serves subscriptions (`ws://` or `wss://`, TLS as for `https://`);
    /// by default its URL with `http` replaced by `ws` (`https` by `wss`).
    pub subscription_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timeouts {
    /// How long one subgraph request may take.
    pub subgraph_ms: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            subgraph_ms: 30_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlanCacheConfig {
    /// How many distinct operations keep their plan.
    pub capacity: usize,
}

impl Default for PlanCacheConfig {
    fn default() -> Self {
        Self { capacity: 1024 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Deepest selection nesting an operation may have.
    pub max_depth: usize,
    /// Largest estimated cost (`@cost`/`@listSize`, see `demand_control`) an operation may
    /// have; none by default: costs are not computed.
    pub max_cost: Option<u64>,
    /// The size assumed for a list field nothing else sizes (no `@listSize`).
    pub default_list_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 2 * 1024 * 1024,
            max_depth: 64,
            max_cost: None,
            default_list_size: 10,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid configuration in {path}: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_yaml::Error,
    },
}

impl Config {
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_yaml(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    pub fn from_yaml(text: &str) -> Result<Self, serde_yaml::Error> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        serde_yaml::from_str(text)
    }

    /// The timeout for one subgraph.
    pub fn subgraph_timeout(&self, subgraph: &str) -> Duration {
        let ms = self
            .subgraphs
            .get(subgraph)
            .and_then(|s| s.timeout_ms)
            .unwrap_or(self.timeouts.subgraph_ms);
        Duration::from_millis(ms)
    }

    /// The URL of one subgraph: the override when there is one, else the supergraph's.
    pub fn subgraph_url(&self, subgraph: &str, from_supergraph: &str) -> String {
        self.subgraphs
            .get(subgraph)
            .and_then(|s| s.url.clone())
            .unwrap_or_else(|| from_supergraph.to_owned())
    }

    /// The WebSocket URL of one subgraph's subscriptions: the override when there is one,
    /// else its URL (see [`Config::subgraph_url`]) as `ws://` (`wss://` for `https://`).
    pub fn subgraph_subscription_url(&self, subgraph: &str, from_supergraph: &str) -> String {
        if let Some(url) = self
            .subgraphs
            .get(subgraph)
            .and_then(|s| s.subscription_url.clone())
        {
            return url;
        }
        let url = self.subgraph_url(subgraph, from_supergraph);
        if let Some(rest) = url.strip_prefix("http://") {
            format!("ws://{rest}")
        } else if let Some(rest) = url.strip_prefix("https://") {
            format!("wss://{rest}")
        } else {
            url
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_overrides_defaults_and_unknown_keys_are_errors() {
        let config = Config::from_yaml(
            "listen: 0.0.0.0:8080\nsubgraphs:\n  users: { url: 'http://u', timeout_ms: 5 }\n",
        )
        .expect("valid");
        assert_eq!(config.listen.port(), 8080);
        assert_eq!(config.subgraph_url("users", "http://x"), "http://u");
        assert_eq!(config.subgraph_url("other", "http://x"), "http://x");
        assert_eq!(config.subgraph_timeout("users"), Duration::from_millis(5));
        assert_eq!(config.subgraph_timeout("other"), Duration::from_secs(30));
        assert_eq!(
            config.subgraph_subscription_url("other", "http://h:1/graphql"),
            "ws://h:1/graphql"
        );
        let config = Config::from_yaml(
            "subgraphs: { a: { url: 'http://a/graphql' }, b: { subscription_url: 'ws://b/ws' } }\nsubscriptions: { max_per_connection: 3 }",
        )
        .expect("valid");
        assert_eq!(
            config.subgraph_subscription_url("a", "http://x"),
            "ws://a/graphql"
        );
        assert_eq!(
            config.subgraph_subscription_url("b", "http://x"),
            "ws://b/ws"
        );
        assert_eq!(config.subscriptions.max_per_connection, 3);
        assert_eq!(config.subscriptions.init_timeout_ms, 10_000);
        assert!(Config::from_yaml("lisen: 1").is_err());
        assert!(Config::from_yaml("subgraphs: { users: { uri: x } }").is_err());
        assert_eq!(
            Config::from_yaml("")
                .expect("empty is fine")
                .plan_cache
                .capacity,
            1024
        );
        assert!(Config::default().graphiql.enabled);
        let off = Config::from_yaml("graphiql: { enabled: false }").expect("valid");
        assert!(!off.graphiql.enabled);
        assert!(Config::from_yaml("graphiql: { enable: false }").is_err());
        assert_eq!(Config::default().limits.max_cost, None);
        let cost = Config::from_yaml(
            "limits: { max_cost: 50, default_list_size: 3 }\ndemand_control: { mode: measure }",
        )
        .expect("valid");
        assert_eq!(cost.limits.max_cost, Some(50));
        assert_eq!(cost.limits.default_list_size, 3);
        assert_eq!(cost.demand_control.mode, DemandControlMode::Measure);
        assert!(Config::from_yaml("demand_control: { mode: strict }").is_err());
    }
}
