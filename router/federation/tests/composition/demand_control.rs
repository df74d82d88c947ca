//! `@cost` and `@listSize` (Federation 2.9 demand control) pass into the supergraph, merged
//! where subgraphs disagree; the router loads the result and keeps them out of the API.

use super::*;

const COST_FED: &str = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@cost", "@listSize"])
"#;

/// The second subgraph links the cost spec itself, importing only `@listSize`.
const COST_SPEC: &str = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"]) @link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"])
"#;

fn subgraphs() -> [(&'static str, String); 2] {
    [
        (
            "a",
            format!(
                "{COST_FED}type Query {{ books(first: Int @cost(weight: 2), last: Int, genre: Genre, filter: Filter): BookConnection @shareable @listSize(slicingArguments: [\"first\"], sizedFields: [\"edges\"]) top: [Book] @shareable @listSize(assumedSize: 10) isbn: Isbn }}
type BookConnection @shareable {{ edges: [Book] }}
type Book @key(fields: \"id\") @cost(weight: 3) {{ id: ID! title: String @shareable @cost(weight: 1) }}
enum Genre @cost(weight: 4) {{ NOVEL POETRY }}
input Filter {{ title: String @cost(weight: 5) }}
scalar Isbn @cost(weight: 6)"
            ),
        ),
        (
            "b",
            format!(
                "{COST_SPEC}type Query {{ books(first: Int @cost(weight: 7), last: Int, genre: Genre, filter: Filter): BookConnection @shareable @listSize(slicingArguments: [\"last\"], sizedFields: [\"edges\"], requireOneSlicingArgument: false) top: [Book] @shareable @listSize(assumedSize: 20) }}
type BookConnection @shareable {{ edges: [Book] }}
type Book @key(fields: \"id\") @cost(weight: 1) {{ id: ID! title: String @shareable @cost(weight: 9) }}
enum Genre {{ NOVEL POETRY }}
input Filter {{ title: String }}"
            ),
        ),
    ]
}

#[test]
fn cost_and_list_size_are_merged_into_the_supergraph() {
    let sdls = subgraphs();
    let borrowed: Vec<(&str, &str)> = sdls.iter().map(|(n, s)| (*n, s.as_str())).collect();
    insta::with_settings!({ snapshot_path => "../snapshots" }, {
        insta::assert_snapshot!(composed_body(&borrowed));
    });
}

#[test]
fn the_router_loads_them_and_keeps_them_out_of_the_api() {
    let sdls = subgraphs();
    let borrowed: Vec<(&str, &str)> = sdls.iter().map(|(n, s)| (*n, s.as_str())).collect();
    let supergraph = Supergraph::parse(&composed(&borrowed)).expect("loads");
    let full = supergraph.schema.to_string();
    assert!(full.contains("@cost(weight: 7)"), "{full}");
    assert!(full.contains("directive @listSize("), "{full}");
    let api = supergraph.api.to_string();
    assert!(!api.contains("cost") && !api.contains("listSize"), "{api}");
    plan(&supergraph, "{ books(first: 2) { edges { title } } }");
}

#[test]
fn cost_and_list_size_are_applied_only_where_the_cost_spec_allows() {
    let sdl = format!(
        "{COST_FED}type Query {{
           shelf: Shelf @listSize(assumedSize: 3)
           books(first: Int, genre: String, ids: [Int]): [Book] @listSize(slicingArguments: [\"first\", \"genre\", \"ids\", \"missing\"], assumedSize: -1)
           page: Page @listSize(sizedFields: [\"items\", \"count\", \"nothing\"])
           node: Node
         }}
         type Shelf {{ name: String }}
         type Book {{ title: String }}
         type Page {{ items: [Book] count: Int }}
         interface Node {{ id: ID! @cost(weight: 5) }}
         type Item implements Node {{ id: ID! @cost(weight: 5) }}"
    );
    let borrowed = [("a", sdl.as_str())];
    assert_eq!(
        errors(&borrowed),
        [
            r#"[LIST_SIZE_APPLIED_TO_NON_LIST] subgraph "a": @listSize is applied to "Query.shelf" of type "Shelf", which is not a list (and names no sizedFields)"#,
            r#"[LIST_SIZE_INVALID_ASSUMED_SIZE] subgraph "a": @listSize(assumedSize: -1) on "Query.books" is negative"#,
            r#"[LIST_SIZE_INVALID_SLICING_ARGUMENT] subgraph "a": @listSize on "Query.books" names the slicing argument "genre", which is not an Int argument of the field"#,
            r#"[LIST_SIZE_INVALID_SLICING_ARGUMENT] subgraph "a": @listSize on "Query.books" names the slicing argument "ids", which is not an Int argument of the field"#,
            r#"[LIST_SIZE_INVALID_SLICING_ARGUMENT] subgraph "a": @listSize on "Query.books" names the slicing argument "missing", which is not an Int argument of the field"#,
            r#"[LIST_SIZE_INVALID_SIZED_FIELD] subgraph "a": @listSize on "Query.page" names the sized field "count", which is not a list field of "Page""#,
            r#"[LIST_SIZE_INVALID_SIZED_FIELD] subgraph "a": @listSize on "Query.page" names the sized field "nothing", which is not a list field of "Page""#,
            r#"[COST_APPLIED_TO_INTERFACE_FIELD] subgraph "a": @cost is applied to "Node.id", a field of an interface; put it on the implementations' fields"#,
        ]
    );
}
