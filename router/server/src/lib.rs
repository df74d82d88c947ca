//! The router: serves a Federation 2 supergraph.
//!
//! - [`config`]: the YAML configuration.
//! - [`compose`]: `router compose`, subgraph SDLs (files or fetched) composed.
//! - [`reload`]: the supergraph served, replaced when its file changes or on SIGHUP.
//! - [`schema`]: the public API schema as SDL (CLI, `GET /schema.graphql`).
//! - [`server`]: HTTP routes and the server's lifecycle.
//! - `graphiql`: the GraphiQL page served on `GET /graphql`.
//! - [`pipeline`]: what happens to a request: prepare (parse, validate, plan, cached),
//!   execute (fetches across subgraphs), shape the response.

pub mod compose;
pub mod config;
mod graphiql;
pub mod pipeline;
pub mod reload;
pub mod schema;
pub mod server;

pub use config::Config;
pub use server::{RouterServer, WorkerServer};
