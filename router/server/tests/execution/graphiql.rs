//! The GraphiQL page over HTTP: served to browsers, everything it loads served by the router
//! itself (nothing off-origin), turned off by configuration, and a clear error for other GETs.

use super::helpers::Gateway;
use serde_json::Value;
use std::collections::HashMap;

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async fn get(gateway: &Gateway, url: &str, accept: &str) -> reqwest::Response {
    gateway
        .client
        .get(url)
        .header("accept", accept)
        .send()
        .await
        .expect("router answers")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

/// The values of every `src="…"` and `href="…"` attribute.
fn referenced_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').expect("attribute closed");
            urls.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    urls
}

#[tokio::test]
async fn browsers_get_the_page_and_every_asset_it_references_from_the_router() {
    let gateway = Gateway::start().await;
    let response = get(&gateway, &gateway.url, BROWSER_ACCEPT).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/html; charset=utf-8"
    );
    assert!(header(&response, "content-security-policy").contains("script-src 'self'"));
    let html = response.text().await.expect("HTML");
    assert!(html.contains("<div id=\"graphiql\">"), "{html}");

    let urls = referenced_urls(&html);
    let lowercase = html.to_ascii_lowercase();
    assert!(
        !lowercase.contains("http:") && !lowercase.contains("https:") && !html.contains("\"//"),
        "the page names another origin: {html}"
    );
    let expected: HashMap<&str, &str> = [
        ("graphiql.min.css", "text/css; charset=utf-8"),
        ("graphiql.min.js", "text/javascript; charset=utf-8"),
        ("react.production.min.js", "text/javascript; charset=utf-8"),
        (
            "react-dom.production.min.js",
            "text/javascript; charset=utf-8",
        ),
        ("page.js", "text/javascript; charset=utf-8"),
    ]
    .into();
    let assets: Vec<&String> = urls.iter().filter(|url| *url != "data:,").collect();
    assert_eq!(assets.len(), expected.len(), "{urls:?}");
    for url in assets {
        assert!(
            url.starts_with("graphiql/"),
            "{url} is not one of the router's assets"
        );
        let absolute = gateway.url.replace("/graphql", &format!("/{url}"));
        let response = get(&gateway, &absolute, "*/*").await;
        assert_eq!(response.status(), 200, "{absolute}");
        let name = url["graphiql/".len()..]
            .split('?')
            .next()
            .unwrap_or_default();
        assert_eq!(header(&response, "content-type"), expected[name], "{url}");
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=31536000, immutable",
            "{url}"
        );
        assert!(!response.bytes().await.expect("body").is_empty(), "{url}");
    }

    // Without the content hash the URL may name an older file: not cached for good.
    let unversioned = gateway.url.replace("/graphql", "/graphiql/page.js");
    let response = get(&gateway, &unversioned, "*/*").await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "cache-control"), "no-cache");
    let missing = gateway.url.replace("/graphql", "/graphiql/missing.js");
    assert_eq!(get(&gateway, &missing, "*/*").await.status(), 404);
}

#[tokio::test]
async fn get_without_html_is_a_json_error_and_post_is_unchanged() {
    let gateway = Gateway::start().await;
    for accept in [
        "application/json",
        "application/graphql-response+json",
        "*/*",
    ] {
        let response = get(&gateway, &gateway.url, accept).await;
        assert_eq!(response.status(), 405, "{accept}");
        assert_eq!(header(&response, "allow"), "POST");
        assert_eq!(header(&response, "content-type"), "application/json");
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "METHOD_NOT_ALLOWED"
        );
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|message| message.contains("POST")),
            "{body}"
        );
    }
    assert_eq!(
        gateway.query("{ __typename }").await["data"]["__typename"],
        "Query"
    );
}

#[tokio::test]
async fn disabled_graphiql_is_not_found() {
    let gateway = Gateway::start_with(HashMap::new(), |config| {
        config.graphiql.enabled = false;
    })
    .await;
    let response = get(&gateway, &gateway.url, BROWSER_ACCEPT).await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHIQL_DISABLED");
    let asset = gateway.url.replace("/graphql", "/graphiql/graphiql.min.js");
    assert_eq!(get(&gateway, &asset, "*/*").await.status(), 404);
    // Still a GraphQL endpoint.
    assert_eq!(
        get(&gateway, &gateway.url, "application/json")
            .await
            .status(),
        405
    );
    assert_eq!(
        gateway.query("{ __typename }").await["data"]["__typename"],
        "Query"
    );
}
