//! The users subgraph's settings: `USERS_` environment variables over developer defaults,
//! e.g. `USERS_DATABASE__URL`, `USERS_TOKENS__PRIVATE_KEY_FILE`, `USERS_MAIL__SMTP_URL`,
//! `USERS_EVENTS__URL`, `USERS_EVENTS__PREFIX`.

use kit::settings::{
    DatabaseSettings, EventSettings, ServerSettings, SettingsError, TelemetrySettings,
    serialize_optional_secret,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub const ENV_PREFIX: &str = "USERS_";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub telemetry: TelemetrySettings,
    pub tokens: TokenSettings,
    pub passwords: PasswordSettings,
    pub mail: MailSettings,
    /// `user.deleted` out, through the outbox.
    pub events: EventSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            server: ServerSettings::with_port(4001),
            database: DatabaseSettings::for_database("users"),
            telemetry: TelemetrySettings::default(),
            tokens: TokenSettings::default(),
            passwords: PasswordSettings::default(),
            mail: MailSettings::default(),
            events: EventSettings::default(),
        }
    }
}

impl Settings {
    pub fn load() -> Result<Self, SettingsError> {
        kit::settings::load(ENV_PREFIX)
    }
}

/// Access and refresh tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenSettings {
    pub issuer: String,
    pub audience: String,
    pub access_ttl_secs: i64,
    pub refresh_ttl_secs: i64,
    /// An Ed25519 private key in PKCS#8 PEM. Takes precedence over `private_key_file`.
    #[serde(serialize_with = "serialize_optional_secret")]
    pub private_key_pem: Option<SecretString>,
    /// A file holding the PKCS#8 PEM key; created with a new key when missing.
    /// With neither set, a key is made at start and tokens do not survive a restart.
    pub private_key_file: Option<PathBuf>,
}

impl Default for TokenSettings {
    fn default() -> Self {
        let auth = kit::settings::AuthSettings::default();
        Self {
            issuer: auth.issuer,
            audience: auth.audience,
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 60 * 60,
            private_key_pem: None,
            private_key_file: None,
        }
    }
}

/// Argon2id cost. The defaults are OWASP's recommendation (19 MiB, 2 passes, 1 lane).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordSettings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for PasswordSettings {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Outgoing mail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// `smtp://host:port` (plain), `smtp://host:port?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host` (TLS). Without it, messages are written to the log.
    #[serde(serialize_with = "serialize_optional_secret")]
    pub smtp_url: Option<SecretString>,
    pub from: String,
    /// Where a reset link points; the token is appended.
    pub reset_link_base: String,
    pub reset_ttl_secs: i64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "Shop <no-reply@shop.local>".to_owned(),
            reset_link_base: "http://127.0.0.1:4000/reset-password?token=".to_owned(),
            reset_ttl_secs: 30 * 60,
        }
    }
}
