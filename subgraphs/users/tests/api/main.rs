//! The users subgraph, end to end over HTTP against a real Postgres database per test.

mod account;
mod admin;
mod bad_input;
mod entities;
mod events;
mod helpers;
mod operations;
mod session;
