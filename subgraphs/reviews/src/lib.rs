//! The reviews subgraph: what customers say about products, and each product's ratings.
//!
//! - [`app`]: `Application` (build, port, run), the HTTP routes, and the consumer beside them.
//! - [`settings`]: `REVIEWS_*` settings.
//! - [`schema`]: the GraphQL schema: the `Review` entity, its writes, and the fields it adds
//!   to `Product` (owned by catalog) and `User` (owned by users).
//! - [`events`]: the consumer of `user.deleted`: a deleted user's reviews go, and their stars
//!   with them.

pub mod app;
pub mod events;
pub mod schema;
pub mod settings;

pub use app::{AppState, Application};
pub use settings::Settings;

/// The subgraph's migrations, embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/reviews");
