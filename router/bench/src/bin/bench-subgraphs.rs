//! Serves the benchmark's four subgraphs: `bench-subgraphs ACCOUNTS INVENTORY PRODUCTS REVIEWS`
//! (four ports), each at `/graphql`, until killed.

use anyhow::{Context, bail};
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;

async fn serve<E: async_graphql::Executor>(schema: E, port: u16) -> anyhow::Result<()> {
    let app = axum::Router::new()
        .route(
            "/graphql",
            post(|State(schema): State<E>, body: Bytes| async move {
                match serde_json::from_slice::<async_graphql::Request>(&body) {
                    Ok(request) => {
                        let response = schema.execute(request).await;
                        axum::Json(serde_json::to_value(response).unwrap_or_default())
                    }
                    Err(err) => axum::Json(
                        serde_json::json!({ "errors": [{ "message": err.to_string() }] }),
                    ),
                }
            }),
        )
        .with_state(schema);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("cannot listen on {port}"))?;
    axum::serve(listener, app).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let ports: Vec<u16> = std::env::args()
        .skip(1)
        .map(|arg| arg.parse().context("ports are numbers"))
        .collect::<anyhow::Result<_>>()?;
    let [accounts, inventory, products, reviews] = ports[..] else {
        bail!("usage: bench-subgraphs ACCOUNTS_PORT INVENTORY_PORT PRODUCTS_PORT REVIEWS_PORT");
    };
    tokio::try_join!(
        serve(router_bench::accounts(), accounts),
        serve(router_bench::inventory(), inventory),
        serve(router_bench::products(), products),
        serve(router_bench::reviews(), reviews),
    )?;
    Ok(())
}
