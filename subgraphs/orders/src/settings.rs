//! The orders subgraph's settings: `ORDERS_` environment variables over developer defaults,
//! e.g. `ORDERS_DATABASE__URL`, `ORDERS_EVENTS__URL`, `ORDERS_PAYMENTS__URL`,
//! `ORDERS_MAIL__SMTP_URL`.

use kit::settings::{
    AuthSettings, DatabaseSettings, EventSettings, RedisSettings, ServerSettings, SettingsError,
    TelemetrySettings, serialize_optional_secret, serialize_secret,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub const ENV_PREFIX: &str = "ORDERS_";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub telemetry: TelemetrySettings,
    pub auth: AuthSettings,
    /// Live order status: each change is published on `<key_prefix>order-status:<order id>`.
    pub redis: RedisSettings,
    pub events: EventSettings,
    pub catalog: CatalogSettings,
    pub payments: PaymentSettings,
    pub mail: MailSettings,
    pub checkout: CheckoutSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            server: ServerSettings::with_port(4004),
            database: DatabaseSettings::for_database("orders"),
            telemetry: TelemetrySettings::default(),
            auth: AuthSettings::default(),
            redis: RedisSettings::default(),
            events: EventSettings::default(),
            catalog: CatalogSettings::default(),
            payments: PaymentSettings::default(),
            mail: MailSettings::default(),
            checkout: CheckoutSettings::default(),
        }
    }
}

impl Settings {
    pub fn load() -> Result<Self, SettingsError> {
        kit::settings::load(ENV_PREFIX)
    }
}

/// Where prices come from: the catalog subgraph's GraphQL endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CatalogSettings {
    pub url: String,
    pub timeout_ms: u64,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        Self {
            url: "http://127.0.0.1:4002/graphql".to_owned(),
            timeout_ms: 3000,
        }
    }
}

/// The payment provider and how much trouble from it is tolerated.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentSettings {
    /// Base URL of the provider's API (the stand-in listens on 4010).
    pub url: String,
    #[serde(serialize_with = "serialize_secret")]
    pub api_key: SecretString,
    /// Longest wait for one call.
    pub timeout_ms: u64,
    /// Consecutive failures (errors, timeouts) that open the circuit.
    pub failure_threshold: u32,
    /// How long the circuit stays open before one trial call is let through.
    pub open_ms: u64,
}

impl PaymentSettings {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    pub fn open_for(&self) -> Duration {
        Duration::from_millis(self.open_ms)
    }
}

impl Default for PaymentSettings {
    fn default() -> Self {
        Self {
            url: "http://127.0.0.1:4010".to_owned(),
            api_key: SecretString::from("sk_test_development"),
            timeout_ms: 3000,
            failure_threshold: 5,
            open_ms: 10_000,
        }
    }
}

/// Order confirmations: through an SMTP relay when one is configured, otherwise to the log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    #[serde(serialize_with = "serialize_optional_secret")]
    pub smtp_url: Option<SecretString>,
    pub from: String,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "Shop <orders@shop.localhost>".to_owned(),
        }
    }
}

/// The rules of checkout.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckoutSettings {
    /// How long an order may stay unpaid before it is cancelled and its stock released.
    pub payment_deadline_secs: u64,
    /// How often the expiry job looks for such orders.
    pub expiry_interval_ms: u64,
}

impl CheckoutSettings {
    pub fn payment_deadline(&self) -> Duration {
        Duration::from_secs(self.payment_deadline_secs)
    }

    pub fn expiry_interval(&self) -> Duration {
        Duration::from_millis(self.expiry_interval_ms)
    }
}

impl Default for CheckoutSettings {
    fn default() -> Self {
        Self {
            payment_deadline_secs: 15 * 60,
            expiry_interval_ms: 30_000,
        }
    }
}
