//! The router: serves a Federation 2 supergraph.
//!
//! - [`config`]: the YAML configuration.
//! - [`compose`]: `router compose`, subgraph SDLs (files or fetched) composed.
//! - [`server`]: HTTP routes and the server's lifecycle.
//! - `graphiql`: the GraphiQL page at `GET /graphql`, its assets embedded in the binary.
//! - [`pipeline`]: what happens to a request: prepare (parse, validate, plan, cached),
//!   execute (fetches across subgraphs), shape the response.

pub mod compose;
pub mod config;
mod graphiql;
pub mod pipeline;
pub mod server;

pub use config::Config;
pub use server::{RouterServer, WorkerServer};
