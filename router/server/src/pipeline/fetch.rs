//! Requests to subgraphs: pooled keep-alive HTTP/1.1 clients (hyper; `http://` and `https://`
//! with rustls), no per-request URL parsing or header-map building beyond what the request
//! needs, a timeout per subgraph, answers handed back as they came (status and body) for the
//! executor to read.

use super::tls::Tls;
use crate::websocket::keepalive::KeepAliveSettings;
use axum::body::Bytes;
use axum::http::{Request, StatusCode, Uri, header};
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where a subgraph is and how long it may take.
#[derive(Debug, Clone)]
pub struct Subgraph {
    pub name: String,
    pub url: String,
    /// `url`, parsed once; `None` when it is not a valid `http://` or `https://` URL.
    pub uri: Option<Uri>,
    pub timeout: Duration,
    /// Where its subscriptions are served (`ws://` or `wss://`, graphql-transport-ws).
    pub subscription_url: String,
    /// How the router pings it on subscription sockets.
    pub keep_alive: KeepAliveSettings,
}

impl Subgraph {
    pub fn new(name: String, url: String, timeout: Duration) -> Self {
        let uri = url.parse::<Uri>().ok().filter(|uri| {
            matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some()
        });
        if uri.is_none() {
            tracing::error!(subgraph = %name, url = %url, "not a usable http(s):// URL; requests to this subgraph will fail");
        }
        let subscription_url = match url.split_once("://") {
            Some(("https", rest)) => format!("wss://{rest}"),
            Some(("http", rest)) => format!("ws://{rest}"),
            _ => url.clone(),
        };
        Self {
            name,
            url,
            uri,
            timeout,
            subscription_url,
            keep_alive: KeepAliveSettings::OFF,
        }
    }

    /// The same subgraph with its subscriptions served at `url`.
    pub fn with_subscription_url(mut self, url: String) -> Self {
        self.subscription_url = url;
        self
    }

    /// The same subgraph, pinged on its subscription sockets as `keep_alive` says.
    pub fn with_keep_alive(mut self, keep_alive: KeepAliveSettings) -> Self {
        self.keep_alive = keep_alive;
        self
    }
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
    #[error("subgraph `{0}` closed the subscription")]
    Closed(String),
    #[error("subgraph `{0}` stopped answering pings on the subscription")]
    NoPong(String),
}

/// A subgraph's answer as it came; cheap to clone (the body is shared).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

type SharedFetch = Shared<BoxFuture<'static, Result<Answer, FetchError>>>;

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

thread_local! {
    /// Connection pools of this serving thread, by TLS setting: a connection is driven by
    /// the thread that uses it, never woken across threads.
    static HTTP: RefCell<Vec<(u64, HttpClient)>> = const { RefCell::new(Vec::new()) };
}

/// This thread's client for `tls`.
fn http_client(tls: &Tls) -> HttpClient {
    HTTP.with(|clients| {
        let mut clients = clients.borrow_mut();
        if let Some((_, client)) = clients.iter().find(|(id, _)| *id == tls.id) {
            return client.clone();
        }
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_keepalive(Some(Duration::from_secs(60)));
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        connector.enforce_http(false);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config((*tls.config).clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(256)
            .build(connector);
        clients.push((tls.id, client.clone()));
        client
    })
}

#[derive(Clone)]
pub struct SubgraphClient {
    /// Requests in flight by content, when identical ones are sent once.
    in_flight: Option<Arc<Mutex<HashMap<u64, SharedFetch>>>>,
    tls: Arc<Tls>,
}

impl SubgraphClient {
    /// The TLS setting of `https://` fetches, also used for `wss://` subscriptions.
    pub fn tls(&self) -> &Tls {
        &self.tls
    }

    pub fn new(deduplicate: bool, tls: Arc<Tls>) -> Self {
        Self {
            in_flight: deduplicate.then(Default::default),
            tls,
        }
    }

    /// POSTs `body` (a GraphQL request) to `subgraph`, forwarding `headers`. When `shareable`
    /// (queries, never mutations) and an identical request to the same subgraph is already
    /// in flight, waits for its answer instead.
    pub async fn send(
        &self,
        subgraph: &Subgraph,
        body: Vec<u8>,
        headers: &[(axum::http::HeaderName, axum::http::HeaderValue)],
        shareable: bool,
    ) -> Result<Answer, FetchError> {
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
                        let result = client.post(&subgraph, body, &headers).await;
                        map.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
                        result
                    }
                    .boxed()
                    .shared()
                })
                .clone()
        };
        shared.await
    }

    async fn post(
        &self,
        subgraph: &Subgraph,
        body: Vec<u8>,
        headers: &[(axum::http::HeaderName, axum::http::HeaderValue)],
    ) -> Result<Answer, FetchError> {
        let Some(uri) = &subgraph.uri else {
            return Err(FetchError::Unreachable(subgraph.name.clone()));
        };
        let mut request = Request::post(uri.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|_| FetchError::Unreachable(subgraph.name.clone()))?;
        let exchange = async {
            let http = http_client(&self.tls);
            let response = http.request(request).await.map_err(|err| {
                tracing::warn!(subgraph = %subgraph.name, cause = %err, "subgraph request failed");
                FetchError::Unreachable(subgraph.name.clone())
            })?;
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|_| FetchError::Invalid(subgraph.name.clone()))?
                .to_bytes();
            Ok::<_, FetchError>((status, bytes))
        };
        let (status, body) = tokio::time::timeout(subgraph.timeout, exchange)
            .await
            .map_err(|_| FetchError::Timeout(subgraph.name.clone()))??;
        Ok(Answer { status, body })
    }
}
