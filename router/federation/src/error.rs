//! What can go wrong reading a supergraph or planning an operation.

/// The supergraph cannot be used; the message says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupergraphError {
    #[error("the supergraph is not valid GraphQL: {0}")]
    Invalid(String),
    #[error("not a supergraph: {0}")]
    NotASupergraph(&'static str),
    #[error("join spec {0} is not supported (v0.2 to v0.5 are)")]
    UnsupportedJoinVersion(String),
    #[error("malformed supergraph: {0}")]
    Malformed(String),
}

/// An operation could not be planned. Validation errors are the client's; the others mean
/// the supergraph cannot answer the operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{0}")]
    Parse(String),
    #[error("{0}")]
    Validation(String),
    #[error("unknown operation named `{0}`")]
    UnknownOperation(String),
    #[error("the document has several operations: name the one to run")]
    OperationNameRequired,
    #[error("cannot plan {path}: {reason}")]
    Unplannable { path: String, reason: String },
}
