//! Spans reach an OTLP/HTTP collector when one is configured. The collector here is a small
//! local HTTP server that records what it receives.

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use kit::settings::TelemetrySettings;
use std::time::Duration;
use tokio::sync::mpsc;

struct Export {
    content_type: String,
    body: Bytes,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_are_exported_to_the_configured_collector() {
    let (sender, mut exports) = mpsc::unbounded_channel();
    let collector = Router::new().route(
        "/v1/traces",
        post(move |headers: HeaderMap, body: Bytes| {
            let sender = sender.clone();
            async move {
                let content_type = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let _ = sender.send(Export { content_type, body });
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, collector).await });

    let settings = TelemetrySettings {
        otlp_endpoint: Some(endpoint),
        filter: "info".to_owned(),
        ..TelemetrySettings::default()
    };
    let guard = kit::telemetry::init("kit-telemetry-test", &settings).expect("telemetry starts");
    tracing::info_span!("checkout", order = 42).in_scope(|| tracing::info!("placing the order"));
    // Shutting down flushes the batch; it blocks, so off the async threads.
    tokio::task::spawn_blocking(move || drop(guard))
        .await
        .unwrap();

    let export = tokio::time::timeout(Duration::from_secs(10), exports.recv())
        .await
        .expect("the collector received an export")
        .expect("an export");
    assert_eq!(export.content_type, "application/x-protobuf");
    let body = String::from_utf8_lossy(&export.body);
    assert!(
        body.contains("kit-telemetry-test"),
        "service name in the export"
    );
    assert!(body.contains("checkout"), "span name in the export");
}
