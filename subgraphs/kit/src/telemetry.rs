//! Tracing for a service: pretty logs in development, JSON logs in production, and spans
//! exported over OTLP/HTTP when a collector endpoint is configured.

use crate::settings::{LogFormat, TelemetrySettings};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("invalid log filter `{0}`")]
    Filter(String),
    #[error("cannot build the OTLP exporter: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
    #[error("a global tracing subscriber is already installed")]
    AlreadyInstalled,
}

/// Keeps the span exporter alive; dropping it flushes the spans still buffered.
#[must_use = "dropping the guard stops span export"]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(err) = provider.shutdown()
        {
            eprintln!("span export did not shut down cleanly: {err}");
        }
    }
}

/// Installs the global subscriber for `service` (its name in logs and traces).
pub fn init(
    service: &'static str,
    settings: &TelemetrySettings,
) -> Result<TelemetryGuard, TelemetryError> {
    let filter = EnvFilter::try_new(&settings.filter)
        .map_err(|_| TelemetryError::Filter(settings.filter.clone()))?;

    let logs: Box<dyn Layer<Registry> + Send + Sync> = match settings.format {
        LogFormat::Pretty => tracing_subscriber::fmt::layer().with_target(true).boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
    };

    let (provider, traces) = match settings.otlp_endpoint.as_deref() {
        Some(endpoint) => {
            let exporter = SpanExporter::builder()
                .with_http()
                .with_endpoint(traces_endpoint(endpoint))
                .build()?;
            let provider = SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(Resource::builder().with_service_name(service).build())
                .build();
            let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer(service));
            (Some(provider), Some(layer))
        }
        None => (None, None),
    };

    tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .with(filter)
        .try_init()
        .map_err(|_| TelemetryError::AlreadyInstalled)?;
    Ok(TelemetryGuard { provider })
}

/// The OTLP/HTTP traces URL for a collector's base URL (or the traces URL itself).
fn traces_endpoint(endpoint: &str) -> String {
    let endpoint = endpoint.trim_end_matches('/');
    if endpoint.ends_with("/v1/traces") {
        endpoint.to_owned()
    } else {
        format!("{endpoint}/v1/traces")
    }
}

/// Installs a subscriber for tests: silent unless `TEST_LOG` is set. Safe to call many times.
pub fn init_for_tests() {
    if crate::settings::test_log_enabled() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new("debug,sqlx=info,h2=info,hyper=info"))
            .with_test_writer()
            .try_init();
    }
}

#[cfg(test)]
mod tests {
    use super::traces_endpoint;

    #[test]
    fn collector_base_url_gets_the_traces_path() {
        assert_eq!(
            traces_endpoint("http://otel:4318"),
            "http://otel:4318/v1/traces"
        );
        assert_eq!(
            traces_endpoint("http://otel:4318/"),
            "http://otel:4318/v1/traces"
        );
        assert_eq!(
            traces_endpoint("http://otel:4318/v1/traces"),
            "http://otel:4318/v1/traces"
        );
    }
}
