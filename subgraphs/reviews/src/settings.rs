//! The reviews subgraph's settings: `REVIEWS_` environment variables over developer
//! defaults, e.g. `REVIEWS_DATABASE__URL`, `REVIEWS_AUTH__JWKS_URL`, `REVIEWS_EVENTS__URL`,
//! `REVIEWS_EVENTS__PREFIX`.

use kit::settings::{
    AuthSettings, DatabaseSettings, EventSettings, ServerSettings, SettingsError, TelemetrySettings,
};
use serde::{Deserialize, Serialize};

pub const ENV_PREFIX: &str = "REVIEWS_";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub telemetry: TelemetrySettings,
    pub auth: AuthSettings,
    /// `user.deleted` in (queue `reviews.users`).
    pub events: EventSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            server: ServerSettings::with_port(4003),
            database: DatabaseSettings::for_database("reviews"),
            telemetry: TelemetrySettings::default(),
            auth: AuthSettings::default(),
            events: EventSettings::default(),
        }
    }
}

impl Settings {
    pub fn load() -> Result<Self, SettingsError> {
        kit::settings::load(ENV_PREFIX)
    }
}
