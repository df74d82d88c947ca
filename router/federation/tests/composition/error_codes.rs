//! One failing case per error code that no rule's case above already asserts, each with
//! the exact messages it gives.

use super::*;

/// The errors composing `sdls` gives, the SDLs owned.
fn errors_of(sdls: &[(&str, String)]) -> Vec<String> {
    let borrowed: Vec<(&str, &str)> = sdls.iter().map(|(n, s)| (*n, s.as_str())).collect();
    errors(&borrowed)
}

#[test]
fn invalid_subgraph_name() {
    assert_eq!(
        errors_of(&[
            ("a", fed2("type Query { a: Int }")),
            ("a", fed2("type Query { b: Int }")),
            ("", fed2("type Query { c: Int }")),
        ]),
        [
            r#"[INVALID_SUBGRAPH_NAME] several subgraphs are named "a""#,
            r#"[INVALID_SUBGRAPH_NAME] a subgraph has an empty name"#,
        ]
    );
}

#[test]
fn root_mutation_and_subscription_used() {
    assert_eq!(
        errors_of(&[
            (
                "a",
                fed2(
                    "schema { query: Query mutation: RootMutation } type Query { a: Int } type RootMutation { m: Int } type Mutation { x: Int }"
                )
            ),
            (
                "b",
                fed2(
                    "schema { query: Query subscription: RootSubscription } type Query { b: Int } type RootSubscription { s: Int } type Subscription { x: Int }"
                )
            ),
        ]),
        [
            r#"[ROOT_MUTATION_USED] subgraph "a": the type "Mutation" is not the mutation root ("RootMutation" is); rename it"#,
            r#"[ROOT_SUBSCRIPTION_USED] subgraph "b": the type "Subscription" is not the subscription root ("RootSubscription" is); rename it"#,
        ]
    );
}

#[test]
fn unsupported_feature() {
    let sdl = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", import: ["@key", "@context", "@fromContext"])
type Query { t: T } type T @key(fields: "id") @context(name: "ctx") { id: ID! u: I } interface I { v(x: ID! @fromContext(field: "$ctx { id }")): Int }
type U implements I @key(fields: "id") { id: ID! v(x: ID! @fromContext(field: "$ctx { id }")): Int }"#;
    assert_eq!(
        errors_of(&[("a", sdl.to_owned())]),
        [
            r#"[UNSUPPORTED_FEATURE] subgraph "a": @fromContext(field: "$ctx { id }") on argument "I.v(x:)": @fromContext is only supported on fields of object types"#,
        ]
    );
}

#[test]
fn no_queries() {
    assert_eq!(
        errors_of(&[("a", fed2("type Mutation { m: Int }"))]),
        [r#"[NO_QUERIES] no subgraph defines a field of the query root type "Query""#]
    );
}

#[test]
fn query_root_type_inaccessible() {
    assert_eq!(
        errors_of(&[("a", fed2("type Query @inaccessible { a: Int }"))]),
        [
            r#"[QUERY_ROOT_TYPE_INACCESSIBLE] the query root type "Query" is @inaccessible; it must be visible"#
        ]
    );
}

#[test]
fn implemented_by_inaccessible() {
    assert_eq!(
        errors_of(&[(
            "a",
            fed2(
                "type Query { n: Node } interface Node { id: ID! name: String } type Book implements Node { id: ID! name: String @inaccessible }"
            )
        )]),
        [
            r#"[IMPLEMENTED_BY_INACCESSIBLE] field "Book.name" is @inaccessible but implements the visible interface field "Node.name""#
        ]
    );
}

#[test]
fn empty_merged_input_and_enum_types() {
    assert_eq!(
        errors_of(&[
            (
                "a",
                fed2("type Query { a(f: F, e: E): Int } input F { x: Int } enum E { X }")
            ),
            (
                "b",
                fed2("type Query { b(f: F, e: E): Int } input F { y: Int } enum E { Y }")
            ),
        ]),
        [
            r#"[EMPTY_MERGED_INPUT_TYPE] input type "F" has no field defined in every subgraph defining it (subgraphs "a" and "b")"#,
            r#"[EMPTY_MERGED_ENUM_TYPE] enum "E" is only used as input and no value is defined in every subgraph defining it"#,
        ]
    );
}

#[test]
fn field_argument_default_mismatch() {
    assert_eq!(
        errors_of(&[
            (
                "a",
                fed2("type Query { items(first: Int = 10): [Int] @shareable }")
            ),
            (
                "b",
                fed2("type Query { items(first: Int = 20): [Int] @shareable }")
            ),
        ]),
        [
            r#"[FIELD_ARGUMENT_DEFAULT_MISMATCH] argument "Query.items(first:)" has default value 10 in subgraph "a" but 20 in subgraph "b""#
        ]
    );
}

#[test]
fn external_type_mismatch() {
    assert_eq!(
        errors_of(&[
            (
                "a",
                fed2(
                    "type Query { u: User } type User @key(fields: \"id\") { id: ID! weight: Int }"
                )
            ),
            (
                "b",
                fed2(
                    "type User @key(fields: \"id\") { id: ID! weight: String @external tax: Int @requires(fields: \"weight\") }"
                )
            ),
        ]),
        [
            r#"[EXTERNAL_TYPE_MISMATCH] field "User.weight" has type "String" in subgraph "b" (where it is @external) but type "Int" where it is defined"#
        ]
    );
}

#[test]
fn interface_key_not_on_implementations() {
    assert_eq!(
        errors_of(&[(
            "a",
            fed2(
                "type Query { m: Media } interface Media @key(fields: \"id\") { id: ID! } type Book implements Media @key(fields: \"id\") { id: ID! } type Film implements Media { id: ID! }"
            )
        )]),
        [
            r#"[INTERFACE_KEY_NOT_ON_IMPLEMENTATIONS] subgraph "a": interface "Media" has @key(fields: "id") but its implementation "Film" does not"#
        ]
    );
}

#[test]
fn interface_field_implem_type_mismatch() {
    assert_eq!(
        errors_of(&[
            (
                "a",
                fed2(
                    "type Query { n: Node } interface Node { f: Int! g(x: Int): Int } type Book implements Node @key(fields: \"id\") { id: ID! f: Int! @shareable g(x: Int): Int @shareable }"
                )
            ),
            (
                "b",
                fed2(
                    "type Query { b: Book } type Book @key(fields: \"id\") { id: ID! f: Int @shareable g: Int @shareable }"
                )
            ),
        ]),
        [
            r#"[INTERFACE_FIELD_IMPLEM_TYPE_MISMATCH] field "Book.f" has type "Int" after merging, which is not a subtype of "Int!", the type of the interface field "Node.f" it implements"#,
            r#"[INTERFACE_FIELD_IMPLEM_TYPE_MISMATCH] field "Book.g" has no argument "x" after merging (a subgraph defining it lacks the argument), but the interface field "Node.g" it implements has"#,
        ]
    );
}

#[test]
fn override_provides_and_requires_misused() {
    assert_eq!(
        errors_of(&[
            (
                "a",
                fed2(
                    "type Query { p: P n: Node } type P @key(fields: \"id\") { id: ID! name: String @override(from: \"b\") @external reviews: [R] @provides(fields: \"nope\") } type R { body: String } interface Node { id: ID! name: String @override(from: \"b\") p: P @provides(fields: \"id\") tax: Int @requires(fields: \"id\") } type X implements Node { id: ID! name: String p: P tax: Int }"
                )
            ),
            (
                "b",
                fed2("type P @key(fields: \"id\") { id: ID! name: String @shareable }")
            ),
        ]),
        [
            r#"[OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE] subgraph "a": field "P.name" cannot be both @override and @external"#,
            r#"[PROVIDES_INVALID_FIELDS] subgraph "a": @provides(fields: "nope") on field "P.reviews" is invalid: field "R.nope" does not exist in the subgraph"#,
            r#"[OVERRIDE_ON_INTERFACE] subgraph "a": @override(from: "b") on interface field "Node.name": @override is not supported on interfaces"#,
            r#"[PROVIDES_UNSUPPORTED_ON_INTERFACE] subgraph "a": @provides(fields: "id") on interface field "Node.p": @provides is not supported on interfaces"#,
            r#"[REQUIRES_UNSUPPORTED_ON_INTERFACE] subgraph "a": @requires(fields: "id") on interface field "Node.tax": @requires is not supported on interfaces"#,
            r#"[EXTERNAL_UNUSED] subgraph "a": field "P.name" is @external but no @key, @requires, @provides or context selection uses it"#,
        ]
    );
}

/// Names that would have broken the printed supergraph (`INVALID_SUPERGRAPH`) are subgraph
/// errors.
#[test]
fn names_the_supergraph_reserves() {
    let custom_tag = "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.3\", import: [\"@key\", \"@composeDirective\"]) @link(url: \"https://myspecs.dev/t/v1.0\", import: [\"@tag\"]) @composeDirective(name: \"@tag\")\ndirective @tag(x: Int) on FIELD_DEFINITION\ntype Query { c: Int @tag(x: 1) }";
    assert_eq!(
        errors_of(&[
            (
                "a",
                fed2("type Query { a: join__Graph } enum join__Graph { A }")
            ),
            ("b", fed2("type Query { b(x: link__Import): Int }")),
            ("c", custom_tag.to_owned()),
        ]),
        [
            r#"[INVALID_GRAPHQL] subgraph "a": type "join__Graph" is named with the prefix "join__", which the supergraph reserves for the join spec"#,
            r#"[INVALID_GRAPHQL] subgraph "b": argument "Query.b(x:)" has type "link__Import", a federation type that is not part of the supergraph"#,
            r#"[DIRECTIVE_COMPOSITION_ERROR] subgraph "c": cannot compose directive "@tag": the supergraph defines a directive of that name for a federation feature; rename it"#,
        ]
    );
}
