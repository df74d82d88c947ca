//! GraphiQL in a real headless Chromium: the page loads from the router alone, runs an
//! operation across the store's subgraphs, and shows the answer.

use super::cdp::Browser;
use super::helpers::{Gateway, counts};
use serde_json::{Value, json};

/// Records Content-Security-Policy violations (something the page tried to load and could not).
const RECORD_CSP_VIOLATIONS: &str = "window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) =>
  window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));";

/// The CodeMirror instance of a GraphiQL editor, by the class of its container.
fn editor(container: &str) -> String {
    format!("document.querySelector('.{container} .CodeMirror')?.CodeMirror")
}

/// Puts `operation` in the query editor (CodeMirror's `setValue`), waits until GraphiQL has
/// parsed it (it picks HTTP or WebSocket by the operation's type), and presses run.
async fn run(browser: &mut Browser, operation: &str, kind: &str) {
    let query_editor = editor("graphiql-query-editor");
    browser
        .evaluate(&format!("{query_editor}.setValue({})", json!(operation)))
        .await;
    browser
        .wait_for(
            "GraphiQL parses the operation",
            &format!("{query_editor}.operations?.[0]?.operation === '{kind}'"),
        )
        .await;
    browser
        .evaluate("document.querySelector('.graphiql-execute-button').click()")
        .await;
}

#[tokio::test]
async fn graphiql_runs_an_operation_in_a_headless_browser_without_leaving_the_origin() {
    let store = Gateway::start().await;
    let origin = store.url.trim_end_matches("/graphql").to_owned();
    let mut browser = Browser::launch().await;
    browser
        .call(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": RECORD_CSP_VIOLATIONS }),
        )
        .await;
    browser.navigate(&store.url).await;

    let query_editor = editor("graphiql-query-editor");
    let default_query = browser
        .wait_for(
            "the query editor shows the default query",
            &format!("{query_editor}?.getValue()"),
        )
        .await;
    assert!(
        default_query
            .as_str()
            .is_some_and(|text| text.contains("# GraphiQL, served by the router")),
        "{default_query}"
    );
    let config = browser.evaluate("window.graphiqlConfig").await;
    let ws_url = store.url.replacen("http://", "ws://", 1);
    assert_eq!(
        config,
        json!({ "url": store.url, "subscriptionUrl": ws_url })
    );

    let operation = "{ topProducts(first: 2) { name reviews { author { name } } } }";
    run(&mut browser, operation, "query").await;
    let response_editor = editor("graphiql-response");
    let shown = browser
        .wait_for(
            "the response pane shows the answer",
            &format!(
                "(() => {{ const text = {response_editor}?.getValue();
                     return text && text.includes('topProducts') ? text : null; }})()"
            ),
        )
        .await;
    let shown: Value = serde_json::from_str(shown.as_str().unwrap_or_default()).expect("JSON");
    assert_eq!(
        shown,
        json!({ "data": { "topProducts": [
            { "name": "Table", "reviews": [
                { "author": { "name": "Ada Lovelace" } },
                { "author": { "name": "Alan Turing" } },
            ] },
            { "name": "Couch", "reviews": [ { "author": { "name": "Ada Lovelace" } } ] },
        ] } })
    );
    // Schema introspection is the router's own; the operation cost one request per subgraph.
    assert_eq!(
        store.counts(),
        counts(&[("products", 1), ("reviews", 1), ("accounts", 1)])
    );

    // Subscriptions go over WebSocket to the same path (the router answering it or not).
    run(
        &mut browser,
        "subscription { reviewAdded { body } }",
        "subscription",
    )
    .await;
    let socket = browser
        .wait_for_event(
            "a WebSocket for the subscription",
            "Network.webSocketCreated",
        )
        .await;
    assert_eq!(socket["url"], json!(ws_url));

    let violations = browser.evaluate("window.cspViolations").await;
    assert_eq!(violations, json!([]), "{:?}", browser.page_errors());
    let requests = browser.requests();
    assert!(
        requests.iter().any(|url| url == &store.url),
        "no operation was posted: {requests:?}"
    );
    let ws_origin = origin.replacen("http://", "ws://", 1);
    let elsewhere: Vec<&String> = requests
        .iter()
        .filter(|url| {
            !url.starts_with(&format!("{origin}/"))
                && !url.starts_with(&format!("{ws_origin}/"))
                && !url.starts_with("data:")
        })
        .collect();
    assert!(
        elsewhere.is_empty(),
        "requests off the router: {elsewhere:?}"
    );
    browser.close().await;
}
