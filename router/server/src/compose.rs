//! `router compose`: composes the subgraphs a YAML file lists into a supergraph. Each
//! subgraph's SDL comes from a file, or from the running subgraph itself (the federation
//! query `{ _service { sdl } }` over HTTP).
//!
//! ```yaml
//! subgraphs:
//!   users: { url: http://127.0.0.1:4001/graphql, schema: schema/users.graphql }
//!   catalog: { url: http://127.0.0.1:4002/graphql }   # SDL fetched from the URL
//! ```
//! Schema paths are relative to the config file.

use axum::body::Bytes;
use axum::http::{Request, Uri, header};
use federation::composition::{Composed, CompositionErrors, SubgraphSdl, compose};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The subgraphs to compose, by name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComposeConfig {
    pub subgraphs: BTreeMap<String, SubgraphSource>,
}

/// Where a subgraph is served, and where its SDL is when not asked from it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubgraphSource {
    pub url: String,
    #[serde(default)]
    pub schema: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid compose config {path}: {source}")]
    Config {
        path: PathBuf,
        source: serde_yaml::Error,
    },
    #[error("the compose config lists no subgraph")]
    NoSubgraphs,
    #[error("cannot get the SDL of every subgraph:\n{}", .0.join("\n"))]
    Sources(Vec<String>),
    #[error(transparent)]
    Composition(#[from] CompositionErrors),
}

impl ComposeConfig {
    pub fn from_file(path: &Path) -> Result<Self, ComposeError> {
        let text = std::fs::read_to_string(path).map_err(|source| ComposeError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_yaml::from_str(&text).map_err(|source| ComposeError::Config {
            path: path.to_owned(),
            source,
        })
    }
}

/// Reads or fetches every subgraph's SDL (all of them, reporting every failure) and
/// composes them. Relative schema paths are taken from `base_dir`.
pub async fn compose_subgraphs(
    config: &ComposeConfig,
    base_dir: &Path,
) -> Result<Composed, ComposeError> {
    if config.subgraphs.is_empty() {
        return Err(ComposeError::NoSubgraphs);
    }
    let mut sdls = Vec::new();
    let mut failures = Vec::new();
    for (name, source) in &config.subgraphs {
        let sdl = match &source.schema {
            Some(path) => {
                let path = base_dir.join(path);
                std::fs::read_to_string(&path).map_err(|err| {
                    format!("subgraph `{name}`: cannot read {}: {err}", path.display())
                })
            }
            None => fetch_sdl(&source.url).await.map_err(|err| {
                format!(
                    "subgraph `{name}`: cannot fetch its SDL from {}: {err}",
                    source.url
                )
            }),
        };
        match sdl {
            Ok(sdl) => sdls.push(SubgraphSdl::new(name, &source.url, sdl)),
            Err(failure) => failures.push(failure),
        }
    }
    if !failures.is_empty() {
        return Err(ComposeError::Sources(failures));
    }
    Ok(compose(&sdls)?)
}

/// Composes subgraphs whose SDL is in files: `(name, url, path)` each. For exporting the
/// supergraph of checked-in subgraph SDLs (`schema/<name>.graphql`).
pub fn compose_files(subgraphs: &[(&str, &str, &Path)]) -> Result<Composed, ComposeError> {
    let mut sdls = Vec::new();
    for (name, url, path) in subgraphs {
        let sdl = std::fs::read_to_string(path).map_err(|source| ComposeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        sdls.push(SubgraphSdl::new(*name, *url, sdl));
    }
    Ok(compose(&sdls)?)
}

/// Asks a running subgraph for its SDL: `{ _service { sdl } }` over HTTP/1.1.
pub async fn fetch_sdl(url: &str) -> Result<String, String> {
    let uri: Uri = url.parse().map_err(|err| format!("bad URL: {err}"))?;
    if uri.scheme_str() != Some("http") {
        return Err("only http:// URLs are supported".to_owned());
    }
    let mut connector = HttpConnector::new();
    connector.set_connect_timeout(Some(Duration::from_secs(5)));
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build(connector);
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Full::new(Bytes::from_static(
            br#"{"query":"query __ApolloGetServiceDefinition__ { _service { sdl } }"}"#,
        )))
        .map_err(|err| err.to_string())?;
    let answer = async {
        let response = client
            .request(request)
            .await
            .map_err(|err| err.to_string())?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|err| err.to_string())?
            .to_bytes();
        Ok::<_, String>((status, body))
    };
    let (status, body) = tokio::time::timeout(Duration::from_secs(30), answer)
        .await
        .map_err(|_| "no answer within 30s".to_owned())??;
    let json: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|_| format!("HTTP {status}, not a JSON GraphQL response"))?;
    match json
        .pointer("/data/_service/sdl")
        .and_then(|sdl| sdl.as_str())
    {
        Some(sdl) => Ok(sdl.to_owned()),
        None => Err(format!(
            "HTTP {status}, no data._service.sdl in the answer (errors: {})",
            json.get("errors").unwrap_or(&serde_json::Value::Null)
        )),
    }
}
