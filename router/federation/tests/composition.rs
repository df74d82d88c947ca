//! Composition: for each rule a composed supergraph (snapshot) and a broken case (exact
//! errors); fixture subgraphs composed and planned like the hand-written supergraphs.

use apollo_compiler::ExecutableDocument;
use federation::Supergraph;
use federation::composition::{CompositionErrors, SubgraphSdl, compose};
use federation::operation::Operation;

fn subgraphs(sdls: &[(&str, &str)]) -> Vec<SubgraphSdl> {
    sdls.iter()
        .map(|(name, sdl)| SubgraphSdl::new(*name, format!("http://{name}.local/graphql"), *sdl))
        .collect()
}

/// The supergraph of `sdls`, which must compose.
fn composed(sdls: &[(&str, &str)]) -> String {
    match compose(&subgraphs(sdls)) {
        Ok(composed) => composed.supergraph_sdl,
        Err(errors) => panic!("composition failed: {errors}"),
    }
}

/// A supergraph without the join and link definitions every supergraph has, for snapshots.
fn body(sdl: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for block in sdl.split("\n\n") {
        if skipping {
            skipping = !block.ends_with('}');
            continue;
        }
        if block.starts_with("enum link__Purpose") {
            skipping = true;
            continue;
        }
        let boilerplate = [
            "directive @join__",
            "directive @link(",
            "input join__",
            "scalar join__",
            "scalar link__",
        ];
        if boilerplate.iter().any(|b| block.starts_with(b)) {
            continue;
        }
        out.push_str(block);
        out.push_str("\n\n");
    }
    out.trim_end().to_owned()
}

/// The body of the supergraph of `sdls`, which must compose.
fn composed_body(sdls: &[(&str, &str)]) -> String {
    body(&composed(sdls))
}

/// The errors composing `sdls` gives, one line each.
fn errors(sdls: &[(&str, &str)]) -> Vec<String> {
    match compose(&subgraphs(sdls)) {
        Ok(composed) => panic!("composition succeeded:\n{}", composed.supergraph_sdl),
        Err(CompositionErrors { errors }) => errors.iter().map(ToString::to_string).collect(),
    }
}

fn fixture_dir() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/composition").to_owned()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", fixture_dir())).expect("fixture")
}

/// A hand-written supergraph of the planner's fixtures.
fn planner_fixture(name: &str) -> Supergraph {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let header = std::fs::read_to_string(format!("{dir}/join_header.graphql")).expect("header");
    let sdl = std::fs::read_to_string(format!("{dir}/{name}.graphql"))
        .expect("fixture")
        .replace("#include join_header.graphql", &header);
    Supergraph::parse(&sdl).expect("valid supergraph")
}

fn plan(supergraph: &Supergraph, query: &str) -> String {
    let document = ExecutableDocument::parse_and_validate(&supergraph.api, query, "query.graphql")
        .unwrap_or_else(|err| panic!("invalid query: {}", err.errors));
    let operation = Operation::from_document(&document, None).expect("one operation");
    federation::planner::plan(supergraph, &operation)
        .expect("plannable")
        .to_string()
}

/// Composes the subgraphs under `tests/composition/<dir>` and checks that each query plans
/// as it does over the hand-written supergraph `fixture`.
fn plans_like_fixture(dir: &str, names: &[&str], fixture: &str, queries: &[&str]) -> String {
    let sdls: Vec<(&str, String)> = names
        .iter()
        .map(|name| (*name, read(&format!("{dir}/{name}.graphql"))))
        .collect();
    let borrowed: Vec<(&str, &str)> = sdls.iter().map(|(n, s)| (*n, s.as_str())).collect();
    let sdl = composed(&borrowed);
    let ours = Supergraph::parse(&sdl).expect("the composed supergraph loads");
    let theirs = planner_fixture(fixture);
    for query in queries {
        assert_eq!(plan(&ours, query), plan(&theirs, query), "{query}");
    }
    sdl
}

mod fixtures {
    use super::*;

    #[test]
    fn the_store_subgraphs_compose_and_plan_like_the_store_fixture() {
        let sdl = plans_like_fixture(
            "store",
            &["accounts", "inventory", "products", "reviews"],
            "store",
            &[
                "{ me { id name } }",
                "{ me { name } topProducts { name } }",
                r#"mutation { login(username: "ada") { name } logout addReview(upc: "1", body: "good") { body } }"#,
                "{ topProducts { name reviews { body author { name } } } }",
                "{ topProducts { inStock reviews { body } name } }",
                "{ me { name reviews { body product { name } } } }",
                "{ topProducts { shippingEstimate } }",
                "{ me { reviews { author { username } } } }",
                "{ me { reviews { author { username name } } } }",
                "{ topProducts { reviews { body } upc: name } }",
            ],
        );
        insta::assert_snapshot!("store", sdl);
    }

    #[test]
    fn the_media_subgraphs_compose_and_plan_like_the_media_fixture() {
        let sdl = plans_like_fixture(
            "media",
            &["catalog", "pricing", "search", "social"],
            "media",
            &[
                "{ featured { title price { amount } likes } }",
                "{ offer(sku: \"a\", region: \"eu\") { amount rating } }",
                "{ offer(sku: \"a\", region: \"eu\") { seller { handle followers } } }",
                "{ search(text: \"x\") { ... on Book { title likes } } }",
                "{ featured { price { amount currency } } }",
                "{ search(text: \"x\") { ... on Movie { title } } }",
                "{ featured { title rank } }",
                "{ media { id title } }",
                "{ media { title ... on Book { price { amount } } ... on Movie { likes } } }",
                "{ search(text: \"x\") { __typename ... on Author { name } ... on Book { title likes } ... on Movie { likes } } }",
                "{ search(text: \"x\") { ... on Media { id title } } }",
                "{ featured { recommendation } }",
                "{ media { ... on Movie { blurb(style: \"long\") } } }",
            ],
        );
        insta::assert_snapshot!("media", body(&sdl));
    }

    #[test]
    fn interface_objects_compose_and_plan_like_the_objects_fixture() {
        let sdl = plans_like_fixture(
            "objects",
            &["library", "publishing"],
            "objects",
            &[
                "{ book(id: \"b1\") { title publisher { name } } }",
                "{ shelf { title publisher { name } } }",
                "{ published { id publisher { name } __typename ... on Book { pages } } }",
                "{ published { id publisher { name } } }",
            ],
        );
        insta::assert_snapshot!("objects", body(&sdl));
    }

    #[test]
    fn federation_1_subgraphs_compose_and_plan_like_the_fed1_fixture() {
        let sdl = plans_like_fixture(
            "fed1",
            &["accounts", "reviews"],
            "fed1",
            &["{ latestReviews { body author { id name reviews { body } } } }"],
        );
        insta::assert_snapshot!("fed1", body(&sdl));
    }
}

const FED2: &str = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@override", "@inaccessible", "@tag", "@interfaceObject", "@composeDirective"])
"#;

/// A Federation 2 subgraph SDL: the `@link` header, then `body`.
fn fed2(body: &str) -> String {
    format!("{FED2}{body}")
}

mod sharing {
    use super::*;

    #[test]
    fn shareable_fields_merge() {
        let a =
            fed2("type Query { a: Money } type Money @shareable { amount: Int currency: String }");
        let b = fed2(
            "type Query { b: Money } type Money { amount: Int @shareable currency: String @shareable }",
        );
        insta::assert_snapshot!(composed_body(&[("a", &a), ("b", &b)]));
    }

    #[test]
    fn a_field_resolved_by_two_subgraphs_must_be_shareable_in_both() {
        let a = fed2("type Query { a: Money } type Money { amount: Int currency: String }");
        let b =
            fed2("type Query { b: Money } type Money @shareable { amount: Int currency: String }");
        assert_eq!(
            errors(&[("a", &a), ("b", &b)]),
            [
                r#"[INVALID_FIELD_SHARING] non-shareable field "Money.amount" is resolved from several subgraphs: it is resolved from subgraphs "a" and "b" and defined as non-shareable in subgraph "a""#,
                r#"[INVALID_FIELD_SHARING] non-shareable field "Money.currency" is resolved from several subgraphs: it is resolved from subgraphs "a" and "b" and defined as non-shareable in subgraph "a""#,
            ]
        );
    }
}

mod real_subgraphs {
    use super::*;

    /// The subgraphs whose SDL is checked in under `schema/`; a new one is one more line.
    const SUBGRAPHS: &[(&str, &str)] = &[
        ("catalog", "http://127.0.0.1:4002/graphql"),
        ("reviews", "http://127.0.0.1:4003/graphql"),
        ("users", "http://127.0.0.1:4001/graphql"),
    ];

    #[test]
    fn the_checked_in_subgraphs_compose_load_and_plan() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema");
        let subgraphs: Vec<SubgraphSdl> = SUBGRAPHS
            .iter()
            .map(|(name, url)| {
                let sdl = std::fs::read_to_string(format!("{dir}/{name}.graphql")).expect("sdl");
                SubgraphSdl::new(*name, *url, sdl)
            })
            .collect();
        let composed = compose(&subgraphs).unwrap_or_else(|errors| panic!("{errors}"));
        let supergraph = Supergraph::parse(&composed.supergraph_sdl).expect("loads");
        assert_eq!(supergraph.graphs.len(), SUBGRAPHS.len());
        let query = r#"{ product(sku: "LAMP-1") { name ratingSummary { average } reviews(first: 2) { edges { node { title author { displayName email } } } } } }"#;
        insta::assert_snapshot!("real_subgraphs_plan", plan(&supergraph, query), query);
    }
}
