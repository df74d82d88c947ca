//! Requests to subgraphs: one pooled keep-alive HTTP client, a timeout per subgraph, and
//! answers read as GraphQL responses whatever their status.

use serde_json::{Map, Value};
use std::time::Duration;

/// Where a subgraph is and how long it may take.
#[derive(Debug, Clone)]
pub struct Subgraph {
    pub name: String,
    pub url: String,
    pub timeout: Duration,
}

/// Why a subgraph gave no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("subgraph `{0}` did not answer in time")]
    Timeout(String),
    #[error("subgraph `{0}` could not be reached")]
    Unreachable(String),
    #[error("subgraph `{subgraph}` answered with HTTP {status}")]
    Status { subgraph: String, status: u16 },
    #[error("subgraph `{0}` did not answer with a GraphQL response")]
    Invalid(String),
}

/// A subgraph's answer: `data` and `errors`.
#[derive(Debug, Default)]
pub struct SubgraphResponse {
    pub data: Option<Map<String, Value>>,
    pub errors: Vec<Value>,
}

#[derive(Clone)]
pub struct SubgraphClient {
    http: reqwest::Client,
}

impl Default for SubgraphClient {
    fn default() -> Self {
        Self::new()
    }
}

impl SubgraphClient {
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(256)
            .tcp_nodelay(true)
            .build()
            .unwrap_or_default();
        Self { http }
    }

    /// POSTs `body` (a GraphQL request) to `subgraph`, forwarding `headers`.
    pub async fn send(
        &self,
        subgraph: &Subgraph,
        body: Vec<u8>,
        headers: &[(reqwest::header::HeaderName, reqwest::header::HeaderValue)],
    ) -> Result<SubgraphResponse, FetchError> {
        let mut request = self
            .http
            .post(&subgraph.url)
            .timeout(subgraph.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|err| classify(subgraph, &err))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|err| classify(subgraph, &err))?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(mut object))
                if object.contains_key("data") || object.contains_key("errors") =>
            {
                let data = match object.remove("data") {
                    Some(Value::Object(data)) => Some(data),
                    _ => None,
                };
                let errors = match object.remove("errors") {
                    Some(Value::Array(errors)) => errors,
                    _ => Vec::new(),
                };
                Ok(SubgraphResponse { data, errors })
            }
            _ if !status.is_success() => Err(FetchError::Status {
                subgraph: subgraph.name.clone(),
                status: status.as_u16(),
            }),
            _ => Err(FetchError::Invalid(subgraph.name.clone())),
        }
    }
}

fn classify(subgraph: &Subgraph, err: &reqwest::Error) -> FetchError {
    tracing::warn!(subgraph = %subgraph.name, cause = %err, "subgraph request failed");
    if err.is_timeout() {
        FetchError::Timeout(subgraph.name.clone())
    } else if err.is_decode() || err.is_body() {
        FetchError::Invalid(subgraph.name.clone())
    } else {
        FetchError::Unreachable(subgraph.name.clone())
    }
}
