//! `payment-provider [--port N]`: the stand-in payment provider on 127.0.0.1 (port 4010 by
//! default; `PAYMENT_PROVIDER_HOST` picks another address, e.g. `0.0.0.0` in a container).

use anyhow::{Context, bail};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port: u16 = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => 4010,
        ["--port", port] => port.parse().context("--port takes a number")?,
        _ => bail!("usage: payment-provider [--port N]"),
    };
    let host = std::env::var("PAYMENT_PROVIDER_HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let listener = tokio::net::TcpListener::bind((host.as_str(), port))
        .await
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    tracing::info!(address = %listener.local_addr()?, "payment provider stand-in listening");
    payment_provider::serve(listener, payment_provider::Provider::default(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
