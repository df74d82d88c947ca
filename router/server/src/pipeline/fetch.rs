//! Requests to subgraphs: one pooled keep-alive HTTP client, a timeout per subgraph, and
//! answers read as GraphQL responses whatever their status.

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where a subgraph is and how long it may take.
#[derive(Debug, Clone)]
pub struct Subgraph {
    pub name: String,
    pub url: String,
    pub timeout: Duration,
}

/// Why a subgraph gave no usable answer.
#[derive(Debug, Clone, thiserror::Error)]
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
#[derive(Debug, Default, Clone)]
pub struct SubgraphResponse {
    pub data: Option<Map<String, Value>>,
    pub errors: Vec<Value>,
}

type SharedFetch = Shared<BoxFuture<'static, Result<Arc<SubgraphResponse>, FetchError>>>;

#[derive(Clone)]
pub struct SubgraphClient {
    http: reqwest::Client,
    /// Requests in flight by content, when identical ones are sent once.
    in_flight: Option<Arc<Mutex<HashMap<u64, SharedFetch>>>>,
}

impl SubgraphClient {
    pub fn new(deduplicate: bool) -> Self {
        let http = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(256)
            .tcp_nodelay(true)
            .build()
            .unwrap_or_default();
        Self {
            http,
            in_flight: deduplicate.then(Default::default),
        }
    }

    /// POSTs `body` (a GraphQL request) to `subgraph`, forwarding `headers`. When `shareable`
    /// (queries, never mutations) and an identical request to the same subgraph is already
    /// in flight, waits for its answer instead.
    pub async fn send(
        &self,
        subgraph: &Subgraph,
        body: Vec<u8>,
        headers: &[(reqwest::header::HeaderName, reqwest::header::HeaderValue)],
        shareable: bool,
    ) -> Result<SubgraphResponse, FetchError> {
        let Some(in_flight) = self.in_flight.as_ref().filter(|_| shareable) else {
            return self.post(subgraph, body, headers).await;
        };
        let key = {
            let mut hasher = DefaultHasher::new();
            subgraph.url.hash(&mut hasher);
            body.hash(&mut hasher);
            for (name, value) in headers {
                name.as_str().hash(&mut hasher);
                value.as_bytes().hash(&mut hasher);
            }
            hasher.finish()
        };
        let shared = {
            let mut map = in_flight.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(key)
                .or_insert_with(|| {
                    let client = self.clone();
                    let subgraph = subgraph.clone();
                    let headers = headers.to_vec();
                    let map = in_flight.clone();
                    async move {
                        let result = client.post(&subgraph, body, &headers).await.map(Arc::new);
                        map.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
                        result
                    }
                    .boxed()
                    .shared()
                })
                .clone()
        };
        shared
            .await
            .map(|response| Arc::try_unwrap(response).unwrap_or_else(|shared| (*shared).clone()))
    }

    async fn post(
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
