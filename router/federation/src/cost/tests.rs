//! The cost rules over a small supergraph carrying `@cost` and `@listSize`.

use super::{CostError, CostPlan};
use crate::operation::Operation;
use crate::supergraph::Supergraph;
use apollo_compiler::ExecutableDocument;
use apollo_compiler::response::JsonMap;

const SCHEMA: &str = r#"
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@cost", "@listSize"])
{
  query: Query
  mutation: Mutation
}

#include join_header.graphql

directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION

enum join__Graph {
  A @join__graph(name: "a", url: "http://a.local/graphql")
}

type Query @join__type(graph: A) {
  book: Book
  author: Author
  top: [Book] @listSize(assumedSize: 20)
  books(first: Int @cost(weight: 7), last: Int, filter: Filter): BookConnection
    @listSize(slicingArguments: ["first", "last"], sizedFields: ["edges"])
  page(first: Int, after: String): [Book] @listSize(slicingArguments: ["first"])
  search(first: Int, last: Int): [Book]
    @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false)
  media: [Media] @listSize(assumedSize: 2)
  recent(first: Int = 3): [Book] @listSize(slicingArguments: ["first"])
  isbn: Isbn
  genre: Genre
}

type Mutation @join__type(graph: A) {
  addBook(title: String): Book
  rate: Int
}

interface Media @join__type(graph: A) {
  id: ID!
  title: String
}

type Book implements Media @join__type(graph: A) @join__implements(graph: A, interface: "Media") @cost(weight: 3) {
  id: ID!
  title: String @cost(weight: 9)
  author: Author
}

type Film implements Media @join__type(graph: A) @join__implements(graph: A, interface: "Media") {
  id: ID!
  title: String
  director: Author
  cast: [Author] @listSize(assumedSize: 5)
}

type Author @join__type(graph: A) {
  name: String
  books: [Book]
}

type BookConnection @join__type(graph: A) {
  edges: [BookEdge]
  total: Int
}

type BookEdge @join__type(graph: A) {
  node: Book
}

input Filter @join__type(graph: A) {
  title: String @cost(weight: 5)
  year: Int
}

enum Genre @join__type(graph: A) @cost(weight: 4) {
  NOVEL @join__enumValue(graph: A)
  POETRY @join__enumValue(graph: A)
}

scalar Isbn @join__type(graph: A) @cost(weight: 6)
"#;

fn supergraph() -> Supergraph {
    let header = include_str!("../../tests/fixtures/join_header.graphql");
    Supergraph::parse(&SCHEMA.replace("#include join_header.graphql", header)).expect("supergraph")
}

fn compile(supergraph: &Supergraph, query: &str) -> Result<CostPlan, CostError> {
    let document = ExecutableDocument::parse_and_validate(&supergraph.api, query, "q.graphql")
        .expect("valid operation");
    let operation = Operation::from_document(&document, None).expect("one operation");
    CostPlan::compile(supergraph, &operation, 10)
}

/// The cost of an operation without variables.
fn cost(query: &str) -> u64 {
    let plan = compile(&supergraph(), query).expect("compiles");
    let cost = plan.estimate(&JsonMap::new()).expect("estimates");
    assert_eq!(plan.constant(), Some(cost), "no variables: a constant");
    cost
}

fn variables(json: serde_json::Value) -> JsonMap {
    serde_json::from_value(json).expect("an object")
}

#[test]
fn objects_cost_one_scalars_nothing_and_lists_multiply() {
    assert_eq!(cost("{ author { name } }"), 1);
    // Book weighs 3; Author 1.
    assert_eq!(cost("{ book { id author { name } } }"), 4);
    // Unsized list: the default size (10) × (Book 3).
    assert_eq!(cost("{ author { books { id } } }"), 1 + 10 * 3);
    assert_eq!(cost("{ __typename author { __typename } }"), 1);
}

#[test]
fn assumed_size_multiplies_the_field_and_its_selections() {
    // 20 × (Book 3 + title 9).
    assert_eq!(cost("{ top { title } }"), 240);
    assert_eq!(cost("{ top { id author { name } } }"), 20 * (3 + 1));
}

#[test]
fn weights_on_types_fields_and_arguments() {
    assert_eq!(cost("{ isbn }"), 6);
    assert_eq!(cost("{ genre }"), 4);
    // BookConnection 1, `first` 7, the Filter's `title` 5 (given), `year` nothing.
    assert_eq!(
        cost(r#"{ books(first: 1, filter: { title: "x", year: 1 }) { total } }"#),
        13
    );
    assert_eq!(
        cost("{ books(first: 1, filter: { year: 1 }) { total } }"),
        8
    );
}

#[test]
fn slicing_arguments_as_literals() {
    assert_eq!(cost("{ page(first: 4) { id } }"), 4 * 3);
    // requireOneSlicingArgument: false: the largest given, else the default size.
    assert_eq!(cost("{ search(first: 3, last: 8) { id } }"), 8 * 3);
    assert_eq!(cost("{ search { id } }"), 10 * 3);
}

#[test]
fn slicing_arguments_as_variables_are_read_per_request() {
    let supergraph = supergraph();
    let plan = compile(&supergraph, "query($n: Int) { page(first: $n) { id } }").expect("compiles");
    assert_eq!(plan.constant(), None);
    assert_eq!(
        plan.estimate(&variables(serde_json::json!({ "n": 7 }))),
        Ok(21)
    );
    assert_eq!(
        plan.estimate(&variables(serde_json::json!({ "n": 2 }))),
        Ok(6)
    );
    assert_eq!(
        plan.estimate(&variables(serde_json::json!({ "n": -2 }))),
        Ok(0)
    );
    let missing = plan.estimate(&JsonMap::new());
    assert!(matches!(
        missing,
        Err(CostError::SlicingArguments { given: 0, .. })
    ));

    let plan = compile(
        &supergraph,
        "query($a: Int, $b: Int) { search(first: $a, last: $b) { id } }",
    )
    .expect("compiles");
    assert_eq!(
        plan.estimate(&variables(serde_json::json!({ "a": 2, "b": 5 }))),
        Ok(15)
    );
    assert_eq!(
        plan.estimate(&variables(serde_json::json!({ "a": 2 }))),
        Ok(6)
    );
    assert_eq!(plan.estimate(&JsonMap::new()), Ok(30));
}

#[test]
fn require_one_slicing_argument() {
    let supergraph = supergraph();
    let none = compile(&supergraph, "{ page { id } }").map(|_| ());
    assert_eq!(
        none,
        Err(CostError::SlicingArguments {
            field: "Query.page".into(),
            arguments: vec!["first".into()],
            given: 0,
        })
    );
    let both = compile(&supergraph, "{ books(first: 1, last: 2) { total } }").map(|_| ());
    assert!(matches!(
        both,
        Err(CostError::SlicingArguments { given: 2, .. })
    ));
    let message = both.err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        message,
        "`Query.books` needs exactly one of its slicing arguments (first, last), 2 given"
    );
    let plan = compile(
        &supergraph,
        "query($n: Int) { books(first: 1, last: $n) { total } }",
    )
    .expect("compiles: the variable may be null");
    assert_eq!(plan.estimate(&JsonMap::new()), Ok(8));
    assert!(
        plan.estimate(&variables(serde_json::json!({ "n": 1 })))
            .is_err()
    );
}

#[test]
fn a_slicing_argument_s_default_value_counts_when_none_is_given() {
    assert_eq!(cost("{ recent { id } }"), 3 * 3);
    let supergraph = supergraph();
    let plan =
        compile(&supergraph, "query($n: Int) { recent(first: $n) { id } }").expect("compiles");
    assert_eq!(plan.estimate(&JsonMap::new()), Ok(9));
    assert_eq!(
        plan.estimate(&variables(serde_json::json!({ "n": 1 }))),
        Ok(3)
    );
}

#[test]
fn sized_fields_size_a_connection_s_edges() {
    // BookConnection 1 + `first` 7 + 5 × (BookEdge 1 + node (Book 3 + title 9)).
    assert_eq!(
        cost("{ books(first: 5) { total edges { node { title } } } }"),
        1 + 7 + 5 * 13
    );
    let supergraph = supergraph();
    let plan = compile(
        &supergraph,
        "query($n: Int) { books(first: $n) { edges { node { id } } } }",
    )
    .expect("compiles");
    assert_eq!(
        plan.estimate(&variables(serde_json::json!({ "n": 10 }))),
        Ok(1 + 7 + 10 * 4)
    );
    assert_eq!(
        plan.estimate(&variables(serde_json::json!({ "n": 100 }))),
        Ok(1 + 7 + 400)
    );
}

#[test]
fn fragments_on_an_interface_cost_the_most_expensive_type() {
    // 2 × (Media 1 + max(Book: title 9, Film: director 1 + cast 5 × 1)).
    assert_eq!(
        cost(
            "{ media { id ... on Book { title } ... on Film { director { name } cast { name } } } }"
        ),
        2 * (1 + 9)
    );
    assert_eq!(
        cost("{ media { ... on Film { director { name } cast { name } } } }"),
        2 * (1 + 6)
    );
    // Named fragments are spread like inline ones; a fragment on the interface counts for all.
    assert_eq!(
        cost("{ media { ...M ... on Film { director { name } } } } fragment M on Media { title }"),
        2 * (1 + 1)
    );
    assert_eq!(
        cost("{ media { title @skip(if: true) ... on Book @include(if: false) { title } } }"),
        2
    );
}

#[test]
fn mutations_have_a_base_cost() {
    assert_eq!(
        cost(r#"mutation { addBook(title: "x") { id } rate }"#),
        10 + 3
    );
    assert_eq!(cost("mutation { rate }"), 10);
}
