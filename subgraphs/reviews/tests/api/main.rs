//! The reviews subgraph, end to end over HTTP against a real Postgres database per test.

mod entities;
mod events;
mod helpers;
mod pages;
mod summaries;
mod writes;
