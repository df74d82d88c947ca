//! The HTTP shell around a subgraph: `/health` (alive), `/ready` (its database answers),
//! `/metrics` (Prometheus), request ids, request tracing and metrics, timeouts, body limits,
//! and serving until a shutdown signal, finishing the requests in flight.

use crate::db;
use crate::settings::ServerSettings;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sqlx::PgPool;
use std::future::Future;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The process-wide Prometheus recorder (installed once, shared by every app in the process).
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ])
            .map(PrometheusBuilder::build_recorder)
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        // Another recorder may already be installed (tests); ours still renders its own.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Wraps a service's routes with the operational endpoints and the standard layers.
pub fn with_operations(routes: Router, pool: PgPool, settings: &ServerSettings) -> Router {
    let operations = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .with_state(pool)
        .route("/metrics", get(render_metrics));
    routes
        .merge(operations)
        .layer(axum::extract::DefaultBodyLimit::max(
            settings.max_body_bytes,
        ))
        .layer(middleware::from_fn(record_metrics))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout(),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let request_id = request
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!(
                    "http.request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    request_id = %request_id,
                )
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

async fn health() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

async fn ready(State(pool): State<PgPool>) -> impl IntoResponse {
    if db::is_reachable(&pool, Duration::from_secs(2)).await {
        (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "status": "ready" })),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(
                serde_json::json!({ "status": "unavailable", "reason": "database unreachable" }),
            ),
        )
    }
}

async fn render_metrics() -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        metrics_handle().render(),
    )
}

async fn record_metrics(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().to_string();
    let response = next.run(request).await;
    let labels = [
        ("method", method),
        ("path", path),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    response
}

/// A service bound to its port, ready to serve: what each subgraph's `Application::build`
/// returns once its state and routes are made.
pub struct Service {
    listener: TcpListener,
    router: Router,
    port: u16,
}

/// The port could not be bound.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {address}: {source}")]
pub struct BindError {
    pub address: std::net::SocketAddr,
    #[source]
    pub source: std::io::Error,
}

impl Service {
    /// Binds the address `settings` name (port 0 picks a free port).
    pub async fn bind(settings: &ServerSettings, router: Router) -> Result<Self, BindError> {
        let address = settings.address();
        let bind_error = |source| BindError { address, source };
        let listener = TcpListener::bind(address).await.map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();
        Ok(Self {
            listener,
            router,
            port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until ctrl-c or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes (tests drive this).
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        serve(self.listener, self.router, shutdown).await
    }
}

/// Work that runs beside a service (outbox relays, consumers, schedulers) and stops with it.
pub struct Background {
    stop: tokio::sync::watch::Sender<bool>,
    work: tokio::task::JoinSet<()>,
}

impl Default for Background {
    fn default() -> Self {
        Self {
            stop: tokio::sync::watch::channel(false).0,
            work: tokio::task::JoinSet::new(),
        }
    }
}

impl Background {
    /// A future that completes when the service has stopped (give it to each task).
    pub fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut stopped = self.stop.subscribe();
        async move {
            let _ = stopped.wait_for(|stopped| *stopped).await;
        }
    }

    /// Runs `task` until it returns, which it should when [`stopped`](Self::stopped) completes.
    pub fn spawn(&mut self, task: impl Future<Output = ()> + Send + 'static) {
        self.work.spawn(task);
    }

    /// Serves `service` until `shutdown` completes and the requests in flight are answered,
    /// then stops the work and waits for it to finish.
    pub async fn serve(
        mut self,
        service: Service,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let served = service.run_until(shutdown).await;
        let _ = self.stop.send(true);
        while self.work.join_next().await.is_some() {}
        served
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    metrics_handle();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}
