//! The users subgraph: accounts, sessions, roles and the access tokens every other part of
//! the supergraph trusts.
//!
//! - [`app`]: `Application` (build, port, run), the HTTP routes, JWKS included, and the
//!   outbox relay that publishes `user.deleted`.
//! - [`settings`]: `USERS_*` settings.
//! - [`schema`]: the GraphQL schema, one module per concern (users, sessions, account, admin);
//!   deleting an account writes `user.deleted` to the outbox in the same transaction.
//! - [`password`]: password policy and argon2id hashing.
//! - [`tokens`]: signed access tokens, the JWKS, opaque refresh and reset secrets.
//! - [`operator`]: command-line tasks (granting the first admin role).

pub mod app;
pub mod operator;
pub mod password;
pub mod schema;
pub mod settings;
pub mod tokens;

pub use app::{AppState, Application};
pub use settings::Settings;

/// The subgraph's migrations, embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/users");
