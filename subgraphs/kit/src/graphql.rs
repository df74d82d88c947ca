//! The `/graphql` endpoint every subgraph serves, and the schema-wide rules it applies:
//! query limits, the caller's identity in the request data, and a stable `extensions.code`
//! on every error (internal messages are logged and masked).

use crate::auth::{Caller, TokenVerifier};
use crate::error::{ApiError, ErrorCode};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    BatchRequest, ErrorExtensionValues, Executor, Response, ServerError, ServerResult,
    ValidationResult, Value, Variables,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use std::sync::Arc;

/// Largest selection depth a query may have.
pub const MAX_DEPTH: usize = 15;
/// Largest complexity (roughly, the number of fields resolved) a query may have.
pub const MAX_COMPLEXITY: usize = 1000;

/// Applies the limits and the error-code rules every subgraph schema shares.
pub fn configure<Q, M, S>(
    builder: async_graphql::SchemaBuilder<Q, M, S>,
) -> async_graphql::SchemaBuilder<Q, M, S> {
    builder
        .enable_federation()
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_directives(50)
        .extension(ErrorCodes)
}

/// `POST /graphql` for `schema`, with each request's caller verified by `verifier`.
pub fn router<E: Executor>(schema: E, verifier: TokenVerifier) -> axum::Router {
    axum::Router::new()
        .route("/graphql", post(handle::<E>))
        .with_state(Arc::new(Endpoint { schema, verifier }))
}

struct Endpoint<E> {
    schema: E,
    verifier: TokenVerifier,
}

async fn handle<E: Executor>(
    State(endpoint): State<Arc<Endpoint<E>>>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(err) => {
            let error = ServerError::new(
                format!("the request body is not a GraphQL request: {err}"),
                None,
            );
            let response =
                Response::from_errors(vec![with_code(error, ErrorCode::GraphqlParseFailed)]);
            return (StatusCode::BAD_REQUEST, json(&response)).into_response();
        }
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let caller = endpoint.verifier.caller(authorization).await;
    let batch = match batch {
        BatchRequest::Single(request) => BatchRequest::Single(request.data(caller)),
        BatchRequest::Batch(requests) => BatchRequest::Batch(
            requests
                .into_iter()
                .map(|request| request.data(caller.clone()))
                .collect(),
        ),
    };
    let response = endpoint.schema.execute_batch(batch).await;
    json(&response).into_response()
}

fn json<T: serde::Serialize>(value: &T) -> impl IntoResponse + use<T> {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| {
        br#"{"errors":[{"message":"internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"#.to_vec()
    });
    ([(header::CONTENT_TYPE, "application/json")], body)
}

/// Gives every error a stable code: parse and validation failures get theirs, resolver
/// errors that came from a Rust error without a code are logged and masked, and input
/// coercion errors (a malformed ID, a wrong enum value) become `BAD_USER_INPUT`.
struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            apply_code(error);
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|err| with_code(err, ErrorCode::GraphqlParseFailed))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|err| with_code(err, ErrorCode::GraphqlValidationFailed))
                .collect()
        })
    }
}

/// The rules for one error of a response; see [`ErrorCodes`].
fn apply_code(error: &mut ServerError) {
    if let Some(api) = error.source::<ApiError>() {
        let code = api.code();
        let field = match api {
            ApiError::BadUserInput { field, .. } => *field,
            _ => None,
        };
        if let ApiError::Internal(cause) = api {
            tracing::error!(cause = %cause, path = ?error.path, "internal error while resolving");
            mask(error);
        }
        set_code(error, code);
        if let Some(field) = field {
            error
                .extensions
                .get_or_insert_with(ErrorExtensionValues::default)
                .set("field", field);
        }
    } else if code_of(error).is_none() {
        if error.source.is_some() {
            // A Rust error that reached the client without going through `ApiError`.
            tracing::error!(cause = %error.message, path = ?error.path, "unhandled resolver error");
            mask(error);
            set_code(error, ErrorCode::InternalServerError);
        } else {
            // Errors async-graphql raises itself while coercing arguments and variables.
            set_code(error, ErrorCode::BadUserInput);
        }
    }
}

fn mask(error: &mut ServerError) {
    error.message = "internal server error".to_owned();
    error.source = None;
    error.extensions = None;
}

fn code_of(error: &ServerError) -> Option<&Value> {
    error.extensions.as_ref().and_then(|ext| ext.get("code"))
}

fn set_code(error: &mut ServerError, code: ErrorCode) {
    error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default)
        .set("code", code.as_str());
}

fn with_code(mut error: ServerError, code: ErrorCode) -> ServerError {
    if code_of(&error).is_none() {
        set_code(&mut error, code);
    }
    error
}

/// The caller of the current GraphQL request.
pub fn caller<'a>(ctx: &'a async_graphql::Context<'_>) -> &'a Caller {
    ctx.data_opt::<Caller>().unwrap_or(&Caller::Anonymous)
}
