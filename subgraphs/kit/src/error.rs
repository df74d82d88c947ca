//! Stable GraphQL error codes and the one error type resolvers return.
//!
//! Resolvers return `Result<T, ApiError>`. Client errors carry a message meant for the client
//! and a code in `extensions.code`; internal errors are logged once, with their cause, and
//! reach the client only as "internal server error": no SQL, no library message leaks out.
//! [`crate::graphql`] applies these rules to every response.

use std::fmt;

/// The codes a client can rely on; the strings never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    GraphqlParseFailed,
    GraphqlValidationFailed,
    BadUserInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    RateLimited,
    SubgraphError,
    InternalServerError,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::SubgraphError => "SUBGRAPH_ERROR",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a resolver can fail with. Everything but `Internal` is shown to the client as is.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadUserInput {
        message: String,
        /// The input field at fault, e.g. `input.email`.
        field: Option<&'static str>,
    },
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Never shown: logged, and answered with "internal server error".
    #[error("{0}")]
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            message: message.into(),
            field: Some(field),
        }
    }

    pub fn unauthenticated() -> Self {
        Self::Unauthenticated("authentication required".to_owned())
    }

    pub fn forbidden() -> Self {
        Self::Forbidden("you are not allowed to do this".to_owned())
    }

    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(err.into())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadUserInput { .. } => ErrorCode::BadUserInput,
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::Internal(_) => ErrorCode::InternalServerError,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        Self::Internal(Box::new(err))
    }
}

/// Whether a Postgres error is the violation of the named unique constraint.
pub fn is_unique_violation(err: &sqlx::Error, constraint: &str) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.is_unique_violation() && db.constraint() == Some(constraint)
        }
        _ => false,
    }
}
