//! Demo data for the whole supergraph, created through the router's GraphQL API only, and
//! (in `tests/`) the end-to-end tests that start every subgraph and the router in-process.
//!
//! - [`data`]: the demo data set: accounts, categories, products, reviews, an order.
//! - [`api`]: a small GraphQL-over-HTTP client for the router, with the error codes kept.
//! - [`seed`]: creates what is missing of the data set; a second run changes nothing.
//! - [`supergraph`]: the whole supergraph in one process (`supergraph-dev`, the end-to-end
//!   tests), with in-process stand-ins where RabbitMQ or Redis are absent.

pub mod api;
pub mod data;
pub mod seed;
pub mod supergraph;

pub use seed::{SeedError, SeedReport, Seeded, seed};
