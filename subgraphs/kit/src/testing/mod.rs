//! Test support shared by the subgraphs' suites (feature `testing`).
//!
//! - [`smtp`]: a local SMTP server that keeps what it receives, standing in for a mail relay.
//! - [`sql`]: counts the SQL statements a piece of work sends, to catch N+1 regressions.

pub mod smtp;
pub mod sql;
