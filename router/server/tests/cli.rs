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
