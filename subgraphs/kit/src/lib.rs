//! What every subgraph shares, so each one is only its own schema and SQL.
//!
//! - [`settings`]: typed settings with developer-machine defaults and environment overrides.
//! - [`telemetry`]: tracing (pretty or JSON logs, optional OTLP export).
//! - [`db`]: the Postgres pool; creates the database if missing and runs migrations.
//! - [`auth`]: roles, token claims, the caller's identity from a verified JWT, JWKS.
//! - [`error`]: stable GraphQL error codes and the masking of internal errors.
//! - [`graphql`]: the `/graphql` endpoint, limits and the error-code extension.
//! - [`http`]: `/health`, `/ready`, `/metrics`, request ids, serving with graceful shutdown.
//! - `cache` (feature `cache`): a read-through cache on Redis that degrades to no cache.
//! - `events` (feature `events`): RabbitMQ events: envelopes, topology, the transactional
//!   outbox relay, idempotent consumers with retries, dead letters; or the same on an
//!   in-process bus (development mode).
//! - [`in_process`]: in-process stand-ins for Redis (a store with expiry, pub/sub channels),
//!   for development mode.
//! - `mail` (feature `mail`): outgoing mail through an SMTP relay, or to the log.
//! - `testing` (feature `testing`): a local SMTP stand-in and an SQL statement counter.

pub mod auth;
#[cfg(feature = "cache")]
pub mod cache;
pub mod db;
pub mod error;
#[cfg(feature = "events")]
pub mod events;
pub mod graphql;
pub mod http;
pub mod in_process;
#[cfg(feature = "mail")]
pub mod mail;
pub mod settings;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;

pub use auth::{Caller, Identity, Role};
pub use error::{ApiError, ErrorCode};
