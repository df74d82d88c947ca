//! A closed-loop load generator: `bench-load URL QUERY_FILE CONCURRENCY SECONDS`.
//! Keeps CONCURRENCY identical requests in flight for SECONDS and prints one JSON line:
//! requests, requests per second, latency percentiles (ms), errors, and the size of one
//! response. A response with GraphQL errors counts as an error.

use anyhow::{Context, bail};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        bail!("usage: bench-load URL QUERY_FILE CONCURRENCY SECONDS");
    }
    let url = args[0].clone();
    let query = std::fs::read_to_string(&args[1]).context("cannot read the query")?;
    let concurrency: usize = args[2].parse()?;
    let duration = Duration::from_secs(args[3].parse()?);

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .tcp_nodelay(true)
        .build()?;
    let start = Instant::now();
    let mut workers = Vec::new();
    let body = json!({ "query": query }).to_string();
    let body = Arc::new(body);
    for _ in 0..concurrency {
        let client = client.clone();
        let url = url.clone();
        let body = body.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut size = 0usize;
            while start.elapsed() < duration {
                let sent = Instant::now();
                match client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body((*body).clone())
                    .send()
                    .await
                {
                    Ok(response) if response.status().is_success() => {
                        match response.bytes().await {
                            Ok(bytes) if !bytes.windows(9).any(|w| w == b"\"errors\":") => {
                                size = bytes.len();
                                latencies.push(sent.elapsed());
                            }
                            _ => errors += 1,
                        }
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors, size)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut size = 0;
    for worker in workers {
        let (mut l, e, s) = worker.await?;
        latencies.append(&mut l);
        errors += e;
        size = size.max(s);
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort();
    let percentile = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[index].as_secs_f64() * 1000.0
    };
    println!(
        "{}",
        json!({
            "requests": latencies.len(),
            "rps": (latencies.len() as f64 / elapsed).round(),
            "p50_ms": (percentile(0.50) * 100.0).round() / 100.0,
            "p90_ms": (percentile(0.90) * 100.0).round() / 100.0,
            "p99_ms": (percentile(0.99) * 100.0).round() / 100.0,
            "errors": errors,
            "response_bytes": size,
        })
    );
    Ok(())
}
