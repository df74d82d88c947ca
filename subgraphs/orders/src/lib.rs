//! The orders subgraph: placing orders, where they stand, and the checkout saga that moves
//! them (stock from the catalog, payment from the provider, a confirmation by mail).
//!
//! - [`app`]: `Application` (build, port, run): the HTTP routes and the background work.
//! - [`settings`]: `ORDERS_*` settings.
//! - [`domain`]: the order status and its legal moves, as a pure type.
//! - [`lifecycle`]: applying a move in a transaction: the order, its history, its events.
//! - [`schema`]: the GraphQL schema: `Order`, `User.orders`, placing, cancelling, live status.
//! - [`catalog`]: prices from the catalog subgraph, at the moment of ordering.
//! - [`payments`]: the payment provider's client behind a circuit breaker.
//! - [`saga`]: the consumers of `stock.*` and `user.deleted`.
//! - [`expiry`]: the job that cancels orders left unpaid.
//! - [`live`]: status changes on Redis pub/sub, for subscriptions on any replica.
//! - [`cli`]: `orders dead-letters list|replay`.

pub mod app;
pub mod catalog;
pub mod cli;
pub mod domain;
pub mod expiry;
pub mod lifecycle;
pub mod live;
pub mod payments;
pub mod saga;
pub mod schema;
pub mod settings;

pub use app::{AppState, Application};
pub use settings::Settings;

/// The subgraph's migrations, embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/orders");
