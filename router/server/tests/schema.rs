//! `schema/` is what the code produces: the checked-in subgraph SDLs compose into the
//! checked-in supergraph, whose API schema is the checked-in `api.graphql`; the router serves
//! that API schema. (Each subgraph's own test checks its SDL against `schema/<name>.graphql`.)

use router::compose::{ComposeConfig, compose_subgraphs};
use std::path::Path;

const STALE: &str = "schema/ is stale: run scripts/export-schema and commit the result";

fn schema_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema"))
}

#[tokio::test]
async fn the_checked_in_supergraph_and_api_schema_are_current() {
    let dir = schema_dir();
    let config = ComposeConfig::from_file(&dir.join("compose.yaml")).expect("compose config");
    let composed = compose_subgraphs(&config, dir)
        .await
        .unwrap_or_else(|err| panic!("the subgraphs compose: {err}"));
    let checked_in = std::fs::read_to_string(dir.join("supergraph.graphql")).expect("supergraph");
    assert!(
        composed.supergraph_sdl == checked_in,
        "{STALE} (supergraph.graphql)"
    );

    let supergraph = federation::Supergraph::parse(&checked_in).expect("the supergraph loads");
    let api = std::fs::read_to_string(dir.join("api.graphql")).expect("api schema");
    assert!(
        router::schema::api_sdl(&supergraph) == api,
        "{STALE} (api.graphql)"
    );
    for subgraph in ["users", "catalog", "reviews", "orders"] {
        assert!(
            supergraph.graph_by_name(subgraph).is_some(),
            "{subgraph} is in the supergraph"
        );
    }
}

#[test]
fn router_schema_prints_the_api_schema() {
    let supergraph = schema_dir().join("supergraph.graphql");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_router"))
        .args(["schema", "--api", "--supergraph"])
        .arg(&supergraph)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let api = std::fs::read_to_string(schema_dir().join("api.graphql")).expect("api schema");
    assert_eq!(String::from_utf8_lossy(&output.stdout), api);

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_router"))
        .arg("schema")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("pass --api"));
}

#[tokio::test]
async fn the_router_serves_its_api_schema() {
    let sdl = std::fs::read_to_string(schema_dir().join("supergraph.graphql")).expect("supergraph");
    let config = router::Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        ..router::Config::default()
    };
    let server = router::RouterServer::build(&config, &sdl)
        .await
        .expect("starts");
    let url = format!("http://127.0.0.1:{}/schema.graphql", server.port());
    tokio::spawn(server.run_until(std::future::pending()));
    let response = reqwest::get(&url).await.expect("answers");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    let api = std::fs::read_to_string(schema_dir().join("api.graphql")).expect("api schema");
    assert_eq!(response.text().await.expect("text"), api);
}
