//! Test support shared by the subgraphs' suites (feature `testing`).
//!
//! - [`smtp`]: a local SMTP server that keeps what it receives, standing in for a mail relay.
//! - [`sql`]: counts the SQL statements a piece of work sends, to catch N+1 regressions.
//! - [`error_codes`]: the `extensions.code` of a GraphQL response's errors.

pub mod smtp;
pub mod sql;

/// The codes of a GraphQL response's errors, in order (`<none>` for an error without one).
pub fn error_codes(response: &serde_json::Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|error| {
                    error["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}
