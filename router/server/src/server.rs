//! The router's HTTP surface: `POST /graphql` (GraphQL over HTTP, JSON) and `GET /health`.

use crate::config::Config;
use crate::pipeline::{GraphqlRequest, Pipeline};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use federation::Supergraph;
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Request headers passed on to every subgraph.
const FORWARDED: &[&str] = &["authorization", "x-request-id"];

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Supergraph(#[from] federation::SupergraphError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// A router bound to its port, ready to serve.
pub struct RouterServer {
    listener: TcpListener,
    app: axum::Router,
    port: u16,
    pipeline: Arc<Pipeline>,
}

impl RouterServer {
    pub async fn build(config: &Config, supergraph_sdl: &str) -> Result<Self, StartError> {
        let supergraph = Supergraph::parse(supergraph_sdl)?;
        let pipeline = Arc::new(Pipeline::new(supergraph, config));
        let address = config.listen;
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| StartError::Bind { address, source })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartError::Bind { address, source })?
            .port();
        Ok(Self {
            listener,
            app: app(pipeline.clone(), config),
            port,
            pipeline,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pipeline(&self) -> Arc<Pipeline> {
        self.pipeline.clone()
    }

    /// Serves until `shutdown` completes, then finishes requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, self.app)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

pub fn app(pipeline: Arc<Pipeline>, config: &Config) -> axum::Router {
    axum::Router::new()
        .route("/graphql", post(graphql))
        .route("/health", get(health))
        .with_state(pipeline)
        .layer(DefaultBodyLimit::max(config.limits.max_body_bytes))
}

async fn health() -> impl IntoResponse {
    axum::Json(json!({ "status": "ok" }))
}

async fn graphql(
    State(pipeline): State<Arc<Pipeline>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request: GraphqlRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            let body = json!({ "errors": [{
                "message": format!("the request body is not a GraphQL request: {err}"),
                "extensions": { "code": "GRAPHQL_PARSE_FAILED" },
            }]});
            return json_response(StatusCode::BAD_REQUEST, &body);
        }
    };
    let forwarded: Vec<(HeaderName, HeaderValue)> = FORWARDED
        .iter()
        .filter_map(|name| {
            headers
                .get(*name)
                .map(|value| (HeaderName::from_static(name), value.clone()))
        })
        .collect();
    let response = pipeline.execute(request, forwarded).await;
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        response.body.clone(),
    )
        .into_response()
}

fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}
