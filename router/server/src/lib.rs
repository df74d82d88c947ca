//! The router: serves a Federation 2 supergraph.
//!
//! - [`config`]: the YAML configuration.
//! - [`compose`]: `router compose`, subgraph SDLs (files or fetched) composed.
//! - [`reload`]: the supergraph served, replaced when its file changes or on SIGHUP.
//! - [`schema`]: the public API schema as SDL (CLI, `GET /schema.graphql`).
//! - [`server`]: HTTP routes and the server's lifecycle.
//! - `graphiql`: the GraphiQL page at `GET /graphql`, its assets embedded in the binary.
//! - [`pipeline`]: what happens to a request: prepare (parse, validate, plan, cached),
//!   execute (fetches across subgraphs), shape the response; subscriptions, each event
//!   completed by the rest of its plan.
//! - [`websocket`]: GraphQL over WebSocket (`graphql-transport-ws`) at `GET /graphql`.

pub mod compose;
pub mod config;
mod graphiql;
pub mod pipeline;
pub mod reload;
pub mod schema;
pub mod server;
pub mod websocket;

pub use config::Config;
pub use server::{RouterServer, WorkerServer};
