//! The reviews subgraph: what customers say about products, and each product's ratings.
//!
//! - [`app`]: `Application` (build, port, run) and the HTTP routes.
//! - [`settings`]: `REVIEWS_*` settings.
//! - [`schema`]: the GraphQL schema: the `Review` entity, its writes, and the fields it adds
//!   to `Product` (owned by catalog) and `User` (owned by users).

pub mod app;
pub mod schema;
pub mod settings;

pub use app::{AppState, Application};
pub use settings::Settings;

/// The subgraph's migrations, embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/reviews");
