//! The catalog subgraph, end to end over HTTP against a real Postgres database per test and
//! the local Redis.

mod cache;
mod categories;
mod entities;
mod helpers;
mod products;
mod search;
mod stock;
