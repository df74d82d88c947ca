//! `https://` subgraphs (and `wss://` subscriptions to them): reached over TLS when their
//! certificate chains to a public root or to the configured CA file; otherwise a clear
//! subgraph error, and the router keeps serving.

use crate::helpers::{Gateway, subgraph_app};
use crate::subgraphs;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use router::RouterServer;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// A private CA (its PEM written to a file) and a certificate it signed for 127.0.0.1.
pub struct Certificates {
    pub ca_file: PathBuf,
    pub server: rustls::ServerConfig,
}

pub fn certificates(tag: &str) -> Certificates {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().expect("CA key");
    let ca_certificate = ca.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &issuer)
        .expect("leaf certificate");

    let dir = std::env::temp_dir().join(format!("router-tls-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca_certificate.pem()).expect("CA file");

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .expect("server config");
    Certificates { ca_file, server }
}

/// Serves `app` over TLS on port 0; its `https://` URL.
pub async fn serve_tls(app: axum::Router, config: rustls::ServerConfig) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let app = app.clone();
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper_util::service::TowerToHyperService::new(app);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    format!("https://127.0.0.1:{}/graphql", address.port())
}

const QUERY: &str = "{ topProducts(first: 2) { name reviews { body } } }";

#[tokio::test]
async fn an_https_subgraph_signed_by_the_configured_ca_is_queried_over_tls() {
    let certificates = certificates("trusted");
    let (app, products) = subgraph_app(subgraphs::products_schema());
    let url = serve_tls(app, certificates.server).await;
    let ca_file = certificates.ca_file.clone();
    let store = Gateway::start_with(HashMap::from([("products", url)]), move |config| {
        config.tls.ca_file = Some(ca_file);
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            store.query(QUERY).await,
            json!({ "data": { "topProducts": [
                { "name": "Table", "reviews": [ { "body": "Love it!" }, { "body": "Prefer something else." } ] },
                { "name": "Couch", "reviews": [ { "body": "Too expensive." } ] }
            ] } })
        );
    }
    assert_eq!(products.count(), 3);
}

#[tokio::test]
async fn an_https_subgraph_with_an_unknown_issuer_is_a_subgraph_error() {
    let certificates = certificates("untrusted");
    let (app, products) = subgraph_app(subgraphs::products_schema());
    let url = serve_tls(app, certificates.server).await;
    let store = Gateway::start_with(HashMap::from([("products", url)]), |_| {}).await;
    let answer = store.query(QUERY).await;
    assert_eq!(answer["data"], json!({ "topProducts": null }), "{answer}");
    assert_eq!(answer["errors"][0]["extensions"]["code"], "SUBGRAPH_ERROR");
    assert_eq!(answer["errors"][0]["extensions"]["serviceName"], "products");
    assert_eq!(products.count(), 0, "nothing reached the subgraph");
    // The router keeps serving what does not need that subgraph.
    assert_eq!(
        store.query("{ me { username } }").await,
        json!({ "data": { "me": { "username": "ada" } } })
    );
}

#[tokio::test]
async fn a_missing_or_empty_ca_file_stops_the_router_from_starting() {
    let sdl = crate::helpers::fixture("store");
    let missing = router::Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        tls: router::config::TlsConfig {
            ca_file: Some(PathBuf::from("/nonexistent/ca.pem")),
        },
        ..router::Config::default()
    };
    let error = RouterServer::build(&missing, &sdl)
        .await
        .err()
        .expect("refused");
    assert!(error.to_string().contains("/nonexistent/ca.pem"), "{error}");

    let empty = std::env::temp_dir().join(format!("router-empty-ca-{}.pem", std::process::id()));
    std::fs::write(&empty, "not a certificate\n").expect("file");
    let config = router::Config {
        tls: router::config::TlsConfig {
            ca_file: Some(empty.clone()),
        },
        ..missing
    };
    let error = RouterServer::build(&config, &sdl)
        .await
        .err()
        .expect("refused");
    assert!(
        error.to_string().contains("no usable certificate"),
        "{error}"
    );
}

/// The live fixture with its reviews subgraph served over TLS (`https://`, so its
/// subscriptions default to `wss://`), `trusted` or not by the router's CA file.
async fn live_with_tls_reviews(trusted: bool) -> (crate::subscriptions::LiveGateway, String) {
    let tag = if trusted {
        "wss-trusted"
    } else {
        "wss-untrusted"
    };
    let certificates = certificates(tag);
    let (schema, _live) = crate::live_subgraphs::reviews();
    let (app, _received) = crate::live_subgraphs::app(schema);
    let url = serve_tls(app, certificates.server).await;
    let ca_file = certificates.ca_file.clone();
    let reviews = url.clone();
    let gateway = crate::subscriptions::LiveGateway::start_with(move |config| {
        if trusted {
            config.tls.ca_file = Some(ca_file);
        }
        if let Some(subgraph) = config.subgraphs.get_mut("reviews") {
            subgraph.url = Some(reviews);
        }
    })
    .await;
    (gateway, url)
}

#[tokio::test]
async fn a_wss_subgraph_signed_by_the_configured_ca_serves_subscriptions() {
    use crate::subscriptions::{receive, subscribe};
    let (live, url) = live_with_tls_reviews(true).await;
    assert!(url.starts_with("https://"));
    let mut socket = live.connect(None).await;
    subscribe(&mut socket, "h", "subscription { heartbeat }").await;
    for beat in [1, 2] {
        assert_eq!(
            receive(&mut socket).await,
            json!({ "id": "h", "type": "next", "payload": { "data": { "heartbeat": beat } } })
        );
    }
    assert_eq!(
        receive(&mut socket).await,
        json!({ "id": "h", "type": "complete" })
    );
}

#[tokio::test]
async fn a_wss_subgraph_with_an_unknown_issuer_is_a_subgraph_error_then_complete() {
    use crate::subscriptions::{receive, subscribe};
    let (live, _) = live_with_tls_reviews(false).await;
    let mut socket = live.connect(None).await;
    subscribe(&mut socket, "h", "subscription { heartbeat }").await;
    assert_eq!(
        receive(&mut socket).await,
        json!({ "id": "h", "type": "next", "payload": {
            "data": null,
            "errors": [{
                "message": "subgraph `reviews` could not be reached",
                "extensions": { "code": "SUBGRAPH_ERROR", "serviceName": "reviews" },
            }],
        } })
    );
    assert_eq!(
        receive(&mut socket).await,
        json!({ "id": "h", "type": "complete" })
    );
}
