//! The router in front of real (in-process) subgraphs over HTTP and WebSocket: exact answers
//! and the number of requests each subgraph received.

mod bad_input;
mod browser;
mod cdp;
mod composed;
mod context_subgraphs;
mod contexts;
mod cost;
mod dedup;
mod features;
mod graphiql;
mod helpers;
mod keepalive;
mod live_subgraphs;
mod media;
mod media_subgraphs;
mod objects;
mod objects_subgraphs;
mod progressive;
mod reload;
mod subgraphs;
mod subscriptions;
mod tls;
