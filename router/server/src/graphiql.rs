//! GraphiQL, the in-browser IDE, served by the router itself: `GET /graphql` answers the page
//! to browsers (`Accept: text/html`) and `/graphiql/{file}` its scripts and styles, all embedded
//! in the binary, so the page needs no network beyond the router (no CDN).
//!
//! The page posts operations to its own URL and opens subscriptions over WebSocket
//! (graphql-transport-ws) at the same path (`assets/graphiql/page.js`). Asset URLs carry a
//! hash of their content (`?v=…`), so they are cached for a year and change when a refreshed
//! file (`scripts/vendor-graphiql`) ships. Other `GET /graphql` requests get a JSON error: the
//! router takes operations by POST only.

use crate::config::GraphiqlConfig;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use std::sync::LazyLock;

/// The page, with a `{{file}}` placeholder where each asset's URL goes.
const PAGE_TEMPLATE: &str = include_str!("../assets/graphiql/index.html");

/// Where the assets are, relative to the page at `/graphql`: `/graphiql/{file}`.
const ASSET_DIR: &str = "graphiql";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";
const CACHE_FOR_A_YEAR: &str = "public, max-age=31536000, immutable";

/// Scripts may come from the router only; nothing may be fetched or connected to elsewhere.
/// Inline styles are GraphiQL's (React `style` attributes); fonts and icons are `data:` URLs.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; \
    connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// Everything the page loads: ours (`page.js`) and the vendored packages (see the README
/// next to them for versions and licenses).
const ASSETS: &[Asset] = &[
    Asset {
        name: "page.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("../assets/graphiql/page.js"),
    },
    Asset {
        name: "graphiql.min.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("../assets/graphiql/graphiql.min.js"),
    },
    Asset {
        name: "graphiql.min.css",
        content_type: CSS,
        bytes: include_bytes!("../assets/graphiql/graphiql.min.css"),
    },
    Asset {
        name: "react.production.min.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("../assets/graphiql/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("../assets/graphiql/react-dom.production.min.js"),
    },
];

/// Each asset's content hash, in `ASSETS` order, and the page naming them; computed once.
static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| format!("{:016x}", fnv1a(asset.bytes)))
        .collect()
});

static PAGE: LazyLock<String> = LazyLock::new(|| {
    ASSETS
        .iter()
        .zip(VERSIONS.iter())
        .fold(PAGE_TEMPLATE.to_owned(), |page, (asset, version)| {
            page.replace(
                &format!("{{{{{}}}}}", asset.name),
                &format!("{ASSET_DIR}/{}?v={version}", asset.name),
            )
        })
});

/// `GET /graphiql/{file}` when GraphiQL is enabled; merged into the router's app. The page
/// itself is what [`page`] answers to the `GET /graphql` that is not a WebSocket upgrade.
pub(crate) fn asset_routes(config: &GraphiqlConfig) -> axum::Router {
    let router = axum::Router::new();
    if config.enabled {
        router.route(&format!("/{ASSET_DIR}/{{file}}"), get(asset))
    } else {
        router
    }
}

/// `GET /graphql` without a WebSocket upgrade: the GraphiQL page for browsers, a JSON error
/// for anything else.
pub(crate) fn page(enabled: bool, headers: &HeaderMap) -> Response {
    if !accepts_html(headers) {
        let mut response = error(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "send GraphQL operations with POST (JSON body); GET /graphql serves the GraphiQL \
             page to browsers (Accept: text/html)",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    if !enabled {
        return error(
            StatusCode::NOT_FOUND,
            "GRAPHIQL_DISABLED",
            "GraphiQL is disabled in this router's configuration (graphiql.enabled)",
        );
    }
    (
        [
            (header::CONTENT_TYPE, HTML),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        PAGE.as_str(),
    )
        .into_response()
}

async fn asset(Path(file): Path<String>, RawQuery(query): RawQuery) -> Response {
    let Some(index) = ASSETS.iter().position(|asset| asset.name == file) else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such GraphiQL asset");
    };
    let asset = &ASSETS[index];
    // Only the URL naming the current content may be cached for good.
    let current = query.as_deref().and_then(|q| q.strip_prefix("v=")) == Some(&VERSIONS[index]);
    let cache = if current {
        CACHE_FOR_A_YEAR
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        Bytes::from_static(asset.bytes),
    )
        .into_response()
}

/// Whether the client takes HTML: a browser navigating, not a GraphQL client.
fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|range| {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default();
            let refused = parts.any(|param| {
                param
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            media.eq_ignore_ascii_case("text/html") && !refused
        })
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// FNV-1a (64 bits): a content hash stable across builds and platforms.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn browsers_accept_html_graphql_clients_do_not() {
        assert!(accepts_html(&accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        )));
        assert!(accepts_html(&accept("TEXT/HTML")));
        assert!(!accepts_html(&accept("application/json")));
        assert!(!accepts_html(&accept("*/*")));
        assert!(!accepts_html(&accept("text/html;q=0, application/json")));
        assert!(!accepts_html(&HeaderMap::new()));
    }

    #[test]
    fn every_placeholder_becomes_a_versioned_asset_url() {
        assert!(!PAGE.contains("{{"), "{}", *PAGE);
        for (asset, version) in ASSETS.iter().zip(VERSIONS.iter()) {
            let url = format!("\"graphiql/{}?v={version}\"", asset.name);
            assert!(PAGE.contains(&url), "{url} missing from the page");
        }
    }
}
