//! `GET /graphql` in a browser: GraphiQL, the interactive GraphQL IDE, pointed at this
//! router's `POST /graphql`. The page loads GraphiQL from a CDN; the router serves only
//! this small HTML shell.

use axum::http::header;
use axum::response::IntoResponse;

/// GraphiQL 3 (its last line with a browser bundle) on React 18, which it is built for.
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Supergraph · GraphiQL</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3/graphiql.min.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script crossorigin src="https://unpkg.com/react@18/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@3/graphiql.min.js"></script>
  <script>
    // Queries go to this page's own URL; put `{"Authorization": "Bearer …"}` under Headers.
    const fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, { fetcher, shouldPersistHeaders: true }),
    );
  </script>
</body>
</html>
"#;

pub(crate) async fn page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PAGE,
    )
}
