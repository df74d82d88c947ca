//! The catalog subgraph: products, their categories, prices and stock.
//!
//! - [`app`]: `Application` (build, port, run) and the HTTP routes.
//! - [`settings`]: `CATALOG_*` settings.
//! - [`schema`]: the GraphQL schema: products, search, categories, and the admin mutations.
//! - [`stock`]: reserving and releasing stock for orders, safe under concurrency.
//! - [`events`]: the checkout saga's consumer of `order.placed` and `order.cancelled`.

pub mod app;
pub mod events;
pub mod schema;
pub mod settings;
pub mod stock;

pub use app::{AppState, Application};
pub use settings::Settings;

/// The subgraph's migrations, embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/catalog");
