//! `@context` and `@fromContext` (Federation 2.8): contexts qualified with their subgraph's
//! name, arguments taken from contexts moved out of the supergraph's fields into
//! `@join__field(contextArguments:)`, and each rule's failing case.

use super::*;

const CONTEXT_FED: &str = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", import: ["@key", "@shareable", "@external", "@interfaceObject", "@context", "@fromContext"])
"#;

/// A Federation 2.8 subgraph SDL importing the context directives.
fn fed28(body: &str) -> String {
    format!("{CONTEXT_FED}{body}")
}

fn errors_of(sdls: &[(&str, String)]) -> Vec<String> {
    let borrowed: Vec<(&str, &str)> = sdls.iter().map(|(n, s)| (*n, s.as_str())).collect();
    errors(&borrowed)
}

/// The errors of each subgraph composed on its own, one after the other.
fn errors_of_each(sdls: &[(&str, String)]) -> Vec<String> {
    sdls.iter()
        .flat_map(|(name, sdl)| errors(&[(*name, sdl.as_str())]))
        .collect()
}

/// Two types of `billing` set its `payer` context, one from a field it owns, the other
/// from a field `users` resolves; `Invoice.total` takes its `currency` from it.
fn billing_subgraphs() -> [(&'static str, String); 2] {
    [
        (
            "billing",
            fed28(
                r#"type Company @key(fields: "id") @context(name: "payer") { id: ID! currency: String! invoices: [Invoice!]! }
type User @key(fields: "id") @context(name: "payer") { id: ID! currency: String! @external invoices: [Invoice!]! }
type Invoice @key(fields: "id") { id: ID! total(currency: String! @fromContext(field: "$payer { currency }"), rounded: Boolean): Float! }
type Query { companies: [Company!]! }"#,
            ),
        ),
        (
            "users",
            fed28(
                r#"type User @key(fields: "id") { id: ID! currency: String! }
type Query { users: [User!]! }"#,
            ),
        ),
    ]
}

#[test]
fn contexts_compose_into_context_arguments() {
    let sdls = billing_subgraphs();
    let borrowed: Vec<(&str, &str)> = sdls.iter().map(|(n, s)| (*n, s.as_str())).collect();
    let sdl = composed(&borrowed);
    assert!(sdl.contains("@link(url: \"https://specs.apollo.dev/context/v0.1\", for: SECURITY)"));
    insta::with_settings!({ snapshot_path => "../snapshots" }, {
        insta::assert_snapshot!(body(&sdl));
    });

    let supergraph = Supergraph::parse(&sdl).expect("the composed supergraph loads");
    let api = supergraph.api.to_string();
    assert!(api.contains("total(rounded: Boolean): Float!"), "{api}");
    assert!(!api.contains("context"), "{api}");
    insta::with_settings!({ snapshot_path => "../snapshots" }, {
        insta::assert_snapshot!(
            "contexts_compose_into_context_arguments_plan",
            plan(&supergraph, "{ companies { invoices { total } } users { invoices { total(rounded: true) } } }")
        );
    });
}

#[test]
fn context_names_are_letters_and_digits() {
    let sdl = fed28(
        r#"type Query { t: T } type T @key(fields: "id") @context(name: "my_ctx") @context(name: "2nd") { id: ID! }"#,
    );
    assert_eq!(
        errors_of(&[("a", sdl)]),
        [
            r#"[CONTEXT_NAME_CONTAINS_UNDERSCORE] subgraph "a": @context(name: "my_ctx") on type "T" is invalid: a context name cannot contain "_""#,
            r#"[CONTEXT_NAME_INVALID] subgraph "a": @context(name: "2nd") on type "T" is invalid: a context name starts with a letter and has only letters and digits"#,
        ]
    );
}

/// A subgraph where `T` sets `ctx` and `U.v(x:)` takes it as `from`.
fn from_context(from: &str, u_directives: &str) -> String {
    fed28(&format!(
        r#"type Query {{ t: T }} type T @key(fields: "id") @context(name: "ctx") {{ id: ID! name: String u: U }}
type U {u_directives} {{ id: ID! v(x: ID! @fromContext(field: "{from}")): Int }}"#
    ))
}

#[test]
fn from_context_names_a_context_the_subgraph_sets_and_a_selection() {
    let keyed = r#"@key(fields: "id")"#;
    assert_eq!(
        errors_of_each(&[
            ("a", from_context("{ id }", keyed)),
            ("b", from_context("$ctx", keyed)),
            ("c", from_context("$other { id }", keyed)),
        ]),
        [
            r#"[NO_CONTEXT_REFERENCED] subgraph "a": @fromContext(field: "{ id }") on argument "U.v(x:)" is invalid: it does not start with a context ("$name { field }")"#,
            r#"[NO_SELECTION_FOR_CONTEXT] subgraph "b": @fromContext(field: "$ctx") on argument "U.v(x:)" is invalid: it selects nothing from the context "ctx""#,
            r#"[CONTEXT_NOT_SET] subgraph "c": @fromContext(field: "$other { id }") on argument "U.v(x:)" uses the context "other", which no type of the subgraph sets"#,
        ]
    );
}

#[test]
fn a_field_with_a_context_argument_needs_a_resolvable_key() {
    assert_eq!(
        errors_of_each(&[
            ("a", from_context("$ctx { id }", "")),
            (
                "b",
                from_context("$ctx { id }", r#"@key(fields: "id", resolvable: false)"#)
            ),
        ]),
        [
            r#"[CONTEXT_NO_RESOLVABLE_KEY] subgraph "a": type "U" has no resolvable @key, but its field "U.v" takes argument "x" from a context (the router fetches such fields as entities)"#,
            r#"[CONTEXT_NO_RESOLVABLE_KEY] subgraph "b": type "U" has no resolvable @key, but its field "U.v" takes argument "x" from a context (the router fetches such fields as entities)"#,
        ]
    );
}

#[test]
fn a_context_selection_picks_one_field_of_the_arguments_type() {
    let keyed = r#"@key(fields: "id")"#;
    assert_eq!(
        errors_of_each(&[
            ("a", from_context("$ctx { missing }", keyed)),
            ("b", from_context("$ctx { id name }", keyed)),
            ("c", from_context("$ctx { name }", keyed)),
            ("d", from_context("$ctx { u { id } }", keyed)),
        ]),
        [
            r#"[CONTEXT_SELECTION_INVALID] subgraph "a": @fromContext(field: "$ctx { missing }") on argument "U.v(x:)" selects "{ missing }" from type "T", which sets the context "ctx": field "T.missing" does not exist in the subgraph"#,
            r#"[CONTEXT_SELECTION_INVALID] subgraph "b": @fromContext(field: "$ctx { id name }") on argument "U.v(x:)" selects "{ id name }" from type "T", which sets the context "ctx": it selects 2 fields of that type, where exactly one is needed"#,
            r#"[CONTEXT_SELECTION_INVALID] subgraph "c": @fromContext(field: "$ctx { name }") on argument "U.v(x:)" selects "{ name }" from type "T", which sets the context "ctx": field "T.name" is of type "String", which cannot be passed as "ID!""#,
            r#"[CONTEXT_SELECTION_INVALID] subgraph "d": @fromContext(field: "$ctx { u { id } }") on argument "U.v(x:)" selects "{ u { id } }" from type "T", which sets the context "ctx": field "T.u" is of type "U", which cannot be passed as "ID!""#,
        ]
    );
}

#[test]
fn an_argument_from_a_context_is_so_in_every_subgraph() {
    let a = fed28(
        r#"type Query { t: T } type T @key(fields: "id") @context(name: "ctx") { id: ID! u: U }
type U @key(fields: "id") { id: ID! v(x: ID! @fromContext(field: "$ctx { id }")): Int @shareable }"#,
    );
    let b = fed28(
        r#"type Query { u: U } type U @key(fields: "id") { id: ID! v(x: ID!): Int @shareable }"#,
    );
    assert_eq!(
        errors_of(&[("a", a), ("b", b)]),
        [
            r#"[CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS] argument "U.v(x:)" takes its value from a context in subgraph "a" but is a client argument in subgraph "b""#
        ]
    );
}
