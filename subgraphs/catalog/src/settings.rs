//! The catalog subgraph's settings: `CATALOG_` environment variables over developer
//! defaults, e.g. `CATALOG_DATABASE__URL`, `CATALOG_AUTH__JWKS_URL`, `CATALOG_REDIS__URL`,
//! `CATALOG_EVENTS__URL`.

use kit::settings::{
    AuthSettings, DatabaseSettings, EventSettings, RedisSettings, ServerSettings, SettingsError,
    TelemetrySettings,
};
use serde::{Deserialize, Serialize};

pub const ENV_PREFIX: &str = "CATALOG_";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub telemetry: TelemetrySettings,
    pub auth: AuthSettings,
    /// The cache of hot reads (products by id and SKU).
    pub redis: RedisSettings,
    /// The checkout saga: `order.placed` and `order.cancelled` in, `stock.*` out.
    pub events: EventSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            server: ServerSettings::with_port(4002),
            database: DatabaseSettings::for_database("catalog"),
            telemetry: TelemetrySettings::default(),
            auth: AuthSettings::default(),
            redis: RedisSettings::with_prefix("catalog:"),
            events: EventSettings::default(),
        }
    }
}

impl Settings {
    pub fn load() -> Result<Self, SettingsError> {
        kit::settings::load(ENV_PREFIX)
    }
}
