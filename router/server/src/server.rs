//! The router's HTTP surface: `POST /graphql` (GraphQL over HTTP, JSON), `GET /graphql`
//! (GraphiQL in a browser) and `GET /health`, served from the current supergraph
//! ([`Serving`], replaceable while it runs).

use crate::config::Config;
use crate::pipeline::{GraphqlRequest, Pipeline};
use crate::reload::Serving;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
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

/// The router as the binary runs it: one thread per worker, each with a single-threaded
/// runtime and its own listening socket on the same port (`SO_REUSEPORT`: the kernel spreads
/// connections), all sharing the plan cache and the deduplication maps. No work stealing,
/// no cross-thread wake-ups on the request path.
pub struct WorkerServer {
    listeners: Vec<std::net::TcpListener>,
    app: axum::Router,
    address: std::net::SocketAddr,
    serving: Arc<Serving>,
}

impl WorkerServer {
    pub fn bind(config: &Config, supergraph_sdl: &str) -> Result<Self, StartError> {
        let supergraph = Supergraph::parse(supergraph_sdl)?;
        let serving = Arc::new(Serving::new(supergraph, config));
        let workers = config
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1);
        let bind_error = |address, source| StartError::Bind { address, source };
        let first = reuse_port_listener(config.listen).map_err(|e| bind_error(config.listen, e))?;
        let address = first
            .local_addr()
            .map_err(|e| bind_error(config.listen, e))?;
        let mut listeners = vec![first];
        for _ in 1..workers {
            listeners.push(reuse_port_listener(address).map_err(|e| bind_error(address, e))?);
        }
        Ok(Self {
            listeners,
            app: app(serving.clone(), config),
            address,
            serving,
        })
    }

    pub fn address(&self) -> std::net::SocketAddr {
        self.address
    }

    /// The supergraph being served, for reloading it.
    pub fn serving(&self) -> Arc<Serving> {
        self.serving.clone()
    }

    /// Serves until `stop` turns true, then lets each worker finish its requests in flight.
    pub fn run(self, stop: tokio::sync::watch::Receiver<bool>) -> std::io::Result<()> {
        let workers: Vec<_> = self
            .listeners
            .into_iter()
            .enumerate()
            .map(|(index, listener)| {
                let app = self.app.clone();
                let mut stop = stop.clone();
                std::thread::Builder::new()
                    .name(format!("router-worker-{index}"))
                    .spawn(move || -> std::io::Result<()> {
                        let runtime = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()?;
                        runtime.block_on(async move {
                            let listener = TcpListener::from_std(listener)?.tap_io(|tcp| {
                                let _ = tcp.set_nodelay(true);
                            });
                            axum::serve(listener, app)
                                .with_graceful_shutdown(async move {
                                    let _ = stop.wait_for(|stop| *stop).await;
                                })
                                .await
                        })
                    })
            })
            .collect::<std::io::Result<_>>()?;
        for worker in workers {
            worker
                .join()
                .map_err(|_| std::io::Error::other("a router worker panicked"))??;
        }
        Ok(())
    }
}

fn reuse_port_listener(address: std::net::SocketAddr) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    #[cfg(unix)]
    socket.set_reuse_port(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

/// A router bound to its port, ready to serve on the caller's runtime (tests, embedding).
pub struct RouterServer {
    listener: TcpListener,
    app: axum::Router,
    port: u16,
    serving: Arc<Serving>,
}

impl RouterServer {
    pub async fn build(config: &Config, supergraph_sdl: &str) -> Result<Self, StartError> {
        let supergraph = Supergraph::parse(supergraph_sdl)?;
        let serving = Arc::new(Serving::new(supergraph, config));
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
            app: app(serving.clone(), config),
            port,
            serving,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The pipeline serving now.
    pub fn pipeline(&self) -> Arc<Pipeline> {
        self.serving.pipeline()
    }

    /// The supergraph being served, for reloading it.
    pub fn serving(&self) -> Arc<Serving> {
        self.serving.clone()
    }

    /// Serves until `shutdown` completes, then finishes requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, self.app)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

pub fn app(serving: Arc<Serving>, config: &Config) -> axum::Router {
    axum::Router::new()
        .route("/graphql", post(graphql).get(crate::graphiql::page))
        .route("/health", get(health))
        .route("/schema.graphql", get(api_schema))
        .with_state(serving)
        .layer(DefaultBodyLimit::max(config.limits.max_body_bytes))
}

/// The API schema clients are validated against, as SDL.
async fn api_schema(State(serving): State<Arc<Serving>>) -> Response {
    let sdl = crate::schema::api_sdl(&serving.pipeline().supergraph);
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], sdl).into_response()
}

async fn health() -> impl IntoResponse {
    axum::Json(json!({ "status": "ok" }))
}

async fn graphql(State(serving): State<Arc<Serving>>, headers: HeaderMap, body: Bytes) -> Response {
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
    let response = serving.pipeline().execute(request, forwarded).await;
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
