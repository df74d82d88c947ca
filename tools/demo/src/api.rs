//! GraphQL over HTTP to the router: one operation per call, the answer's `data`, or its
//! first error with the stable `extensions.code` kept so callers can act on `CONFLICT`.

use serde_json::{Value, json};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{operation}: cannot reach the router: {source}")]
    Http {
        operation: &'static str,
        #[source]
        source: reqwest::Error,
    },
    #[error("{operation}: HTTP {status}, not a GraphQL response")]
    NotGraphql {
        operation: &'static str,
        status: u16,
    },
    #[error("{operation}: [{code}] {message}")]
    Graphql {
        operation: &'static str,
        code: String,
        message: String,
    },
}

impl ApiError {
    /// The GraphQL error code, when the API answered with an error.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Graphql { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// The router's GraphQL endpoint.
#[derive(Debug, Clone)]
pub struct Api {
    client: reqwest::Client,
    url: String,
}

impl Api {
    /// `url` is the GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`.
    pub fn new(url: impl Into<String>) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            client,
            url: url.into(),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs one operation; the response's `data` when it has no error.
    pub async fn call(
        &self,
        operation: &'static str,
        query: &str,
        variables: Value,
        token: Option<&str>,
    ) -> Result<Value, ApiError> {
        let mut request = self
            .client
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let http = |source| ApiError::Http { operation, source };
        let response = request.send().await.map_err(http)?;
        let status = response.status().as_u16();
        let body: Value = response
            .json()
            .await
            .map_err(|_| ApiError::NotGraphql { operation, status })?;
        if let Some(error) = body
            .get("errors")
            .and_then(Value::as_array)
            .and_then(|errors| errors.first())
        {
            return Err(ApiError::Graphql {
                operation,
                code: error
                    .pointer("/extensions/code")
                    .and_then(Value::as_str)
                    .unwrap_or("UNKNOWN")
                    .to_owned(),
                message: error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            });
        }
        match body.get("data") {
            Some(data) if !data.is_null() => Ok(data.clone()),
            _ => Err(ApiError::NotGraphql { operation, status }),
        }
    }
}
