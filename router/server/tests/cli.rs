//! The `router` binary's commands.

use std::process::Command;

fn supergraph_file() -> std::path::PathBuf {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../federation/tests/fixtures");
    let header = std::fs::read_to_string(format!("{dir}/join_header.graphql")).unwrap();
    let sdl = std::fs::read_to_string(format!("{dir}/store.graphql"))
        .unwrap()
        .replace("#include join_header.graphql", &header);
    let path = std::env::temp_dir().join(format!("store-{}.graphql", std::process::id()));
    std::fs::write(&path, sdl).unwrap();
    path
}

#[test]
fn plan_prints_the_plan_of_an_operation() {
    let supergraph = supergraph_file();
    let query = std::env::temp_dir().join(format!("query-{}.graphql", std::process::id()));
    std::fs::write(
        &query,
        "query Top { topProducts { name reviews { body } } }",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_router"))
        .args(["plan", "--supergraph"])
        .arg(&supergraph)
        .arg("--query")
        .arg(&query)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout,
        r#"QueryPlan {
  Sequence {
    Fetch(service: "products") {
      {topProducts {name upc __typename}}
    },
    Flatten(path: "topProducts.@") {
      Fetch(service: "reviews") {
        {... on Product {__typename upc}} =>
        {... on Product {reviews {body}}}
      },
    },
  },
}
"#
    );
}

#[test]
fn bad_arguments_and_configs_are_refused_with_a_reason() {
    let supergraph = supergraph_file();
    let config = std::env::temp_dir().join(format!("router-{}.yaml", std::process::id()));
    std::fs::write(&config, "listen: 127.0.0.1:0\nplan_cash: { capacity: 3 }\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_router"))
        .arg("--supergraph")
        .arg(&supergraph)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("plan_cash"), "{stderr}");

    let output = Command::new(env!("CARGO_BIN_EXE_router"))
        .arg("--supergaph")
        .arg("x")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown argument"));

    let bad = std::env::temp_dir().join(format!("bad-{}.graphql", std::process::id()));
    std::fs::write(&bad, "type Query { a: Int }").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_router"))
        .arg("--supergraph")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("not a supergraph"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A scratch directory for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("router-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn compose_writes_the_supergraph_of_the_subgraphs_a_config_lists() {
    let dir = scratch("compose-ok");
    let store = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../federation/tests/composition/store"
    );
    let mut yaml = String::from("subgraphs:\n");
    for name in ["accounts", "inventory", "products", "reviews"] {
        yaml.push_str(&format!(
            "  {name}:\n    url: http://{name}.local/graphql\n    schema: {store}/{name}.graphql\n"
        ));
    }
    std::fs::write(dir.join("compose.yaml"), yaml).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_router"))
        .args(["compose", "--config"])
        .arg(dir.join("compose.yaml"))
        .arg("--output")
        .arg(dir.join("supergraph.graphql"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written = std::fs::read_to_string(dir.join("supergraph.graphql")).unwrap();
    let subgraphs: Vec<_> = ["accounts", "inventory", "products", "reviews"]
        .iter()
        .map(|name| {
            let sdl = std::fs::read_to_string(format!("{store}/{name}.graphql")).unwrap();
            federation::SubgraphSdl::new(*name, format!("http://{name}.local/graphql"), sdl)
        })
        .collect();
    assert_eq!(
        written,
        federation::compose(&subgraphs).unwrap().supergraph_sdl
    );
}

#[test]
fn compose_reports_every_error_and_fails() {
    let dir = scratch("compose-errors");
    std::fs::write(
        dir.join("a.graphql"),
        r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { product: Product }
type Product @key(fields: "sku") { id: ID! name: String }"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("b.graphql"),
        r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Product @key(fields: "id") { id: ID! name: Int }"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "subgraphs:\n  a: { url: http://a.local/graphql, schema: a.graphql }\n  b: { url: http://b.local/graphql, schema: b.graphql }\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_router"))
        .args(["compose", "--config"])
        .arg(dir.join("compose.yaml"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        r#"composition failed with 4 errors:
[KEY_INVALID_FIELDS] subgraph "a": @key(fields: "sku") on type "Product" is invalid: field "Product.sku" does not exist in the subgraph
[INVALID_FIELD_SHARING] non-shareable field "Product.id" is resolved from several subgraphs: it is resolved from subgraphs "a" and "b" and defined as non-shareable in subgraph "a"
[INVALID_FIELD_SHARING] non-shareable field "Product.name" is resolved from several subgraphs: it is resolved from subgraphs "a" and "b" and defined as non-shareable in all of them
[FIELD_TYPE_MISMATCH] type of field "Product.name" is incompatible across subgraphs: it has type "String" in subgraph "a" but type "Int" in subgraph "b"
"#
    );

    std::fs::write(dir.join("typo.yaml"), "subgraph: {}\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_router"))
        .args(["compose", "--config"])
        .arg(dir.join("typo.yaml"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown field `subgraph`"));
}
