//! Satisfiability: what composes can be planned on every path, and what cannot be planned
//! is reported with the path from a root that fails.

use super::*;

/// Composes `sdls` (which must compose) and plans each query over the result.
fn composes_and_plans(sdls: &[(&str, String)], queries: &[&str]) {
    let borrowed: Vec<(&str, &str)> = sdls.iter().map(|(n, s)| (*n, s.as_str())).collect();
    let supergraph = Supergraph::parse(&composed(&borrowed)).expect("loads");
    for query in queries {
        plan(&supergraph, query);
    }
}

fn errors_of(sdls: &[(&str, String)]) -> Vec<String> {
    let borrowed: Vec<(&str, &str)> = sdls.iter().map(|(n, s)| (*n, s.as_str())).collect();
    errors(&borrowed)
}

#[test]
fn nested_key_fields_come_from_the_jumping_subgraph() {
    composes_and_plans(
        &[
            (
                "a",
                fed2(
                    "type Query { t: T } type T @key(fields: \"id org { id }\") { id: ID! org: Org! } type Org @shareable { id: ID! }",
                ),
            ),
            (
                "b",
                fed2(
                    "type T @key(fields: \"id org { id }\") { id: ID! org: Org! x: Int } type Org @shareable { id: ID! }",
                ),
            ),
        ],
        &["{ t { x } }"],
    );
    assert_eq!(
        errors_of(&[
            (
                "a",
                fed2(
                    "type Query { t: T } type T @key(fields: \"id\") { id: ID! org: Org! @shareable } type Org @key(fields: \"uuid\") { uuid: ID! }"
                )
            ),
            (
                "b",
                fed2(
                    "type T @key(fields: \"id org { id }\") { id: ID! org: Org! @shareable x: Int } type Org @shareable { id: ID! }"
                )
            ),
        ]),
        [
            r#"[SATISFIABILITY_ERROR] field "Org.id" cannot be resolved on the path "Query.t -> T.org -> Org.id" from subgraph "a": it is resolved by subgraph "b", where "Org" has no resolvable @key"#,
            r#"[SATISFIABILITY_ERROR] field "T.x" cannot be resolved on the path "Query.t -> T.x" from subgraph "a": subgraph "a" cannot give the fields of @key(fields: "id org { id }") of subgraph "b""#,
        ]
    );
}

#[test]
fn keys_can_be_fetched_through_another_subgraph_first() {
    composes_and_plans(
        &[
            (
                "a",
                fed2("type Query { p: P } type P @key(fields: \"upc\") { upc: ID! }"),
            ),
            (
                "b",
                fed2("type P @key(fields: \"upc\") @key(fields: \"sku\") { upc: ID! sku: ID! }"),
            ),
            (
                "c",
                fed2("type P @key(fields: \"sku\") { sku: ID! price: Int }"),
            ),
        ],
        &["{ p { price } }"],
    );
}

#[test]
fn requirements_must_be_fetchable() {
    composes_and_plans(
        &[
            (
                "a",
                fed2("type Query { p: P } type P @key(fields: \"id\") { id: ID! weight: Int }"),
            ),
            (
                "b",
                fed2(
                    "type P @key(fields: \"id\") { id: ID! weight: Int @external tax: Int @requires(fields: \"weight\") }",
                ),
            ),
        ],
        &["{ p { tax } }"],
    );
    assert_eq!(
        errors_of(&[
            (
                "a",
                fed2("type Query { p: P } type P @key(fields: \"id\") { id: ID! }")
            ),
            (
                "b",
                fed2(
                    "type P @key(fields: \"id\") { id: ID! weight: Int @external tax: Int @requires(fields: \"weight\") }"
                )
            ),
            (
                "c",
                fed2("type P @key(fields: \"id\", resolvable: false) { id: ID! weight: Int }")
            ),
        ]),
        [
            r#"[SATISFIABILITY_ERROR] field "P.weight" cannot be resolved on the path "Query.p -> P.weight" from subgraph "a": it is resolved by subgraph "c", where "P" has no resolvable @key"#,
            r#"[SATISFIABILITY_ERROR] field "P.tax" cannot be resolved on the path "Query.p -> P.tax" from subgraph "a": the fields of its @requires(fields: "weight") in subgraph "b" cannot be fetched"#,
        ]
    );
}

#[test]
fn provided_fields_are_reachable_along_their_path_only() {
    let reviews = |extra: &str| {
        fed2(&format!(
            "type Query {{ reviews: [Review] {extra} }} type Review {{ body: String author: User @provides(fields: \"name\") }} type User @key(fields: \"id\") {{ id: ID! name: String @external }}"
        ))
    };
    let users = fed2("type User @key(fields: \"id\", resolvable: false) { id: ID! name: String }");
    composes_and_plans(
        &[("a", reviews("")), ("b", users.clone())],
        &["{ reviews { author { name } } }"],
    );
    assert_eq!(
        errors_of(&[("a", reviews("me: User")), ("b", users)]),
        [
            r#"[SATISFIABILITY_ERROR] field "User.name" cannot be resolved on the path "Query.me -> User.name" from subgraph "a": it is resolved by subgraph "b", where "User" has no resolvable @key"#
        ]
    );
}

/// `T` is reached in "a", which has its key, and in "b", which does not: `T.x` can be
/// planned after `Query.ta` but not after `Query.tb`.
#[test]
fn every_path_to_a_type_must_reach_its_fields() {
    assert_eq!(
        errors_of(&[
            (
                "a",
                fed2("type Query { ta: T } type T @key(fields: \"id\") { id: ID! }")
            ),
            (
                "b",
                fed2("type Query { tb: T } type T { name: String @shareable }")
            ),
            (
                "c",
                fed2("type T @key(fields: \"id\") { id: ID! x: Int name: String @shareable }")
            ),
        ]),
        [
            r#"[SATISFIABILITY_ERROR] field "T.id" cannot be resolved on the path "Query.tb -> T.id" from subgraph "b": subgraph "b" cannot give the fields of @key(fields: "id") of subgraph "a"; subgraph "b" cannot give the fields of @key(fields: "id") of subgraph "c""#,
            r#"[SATISFIABILITY_ERROR] field "T.x" cannot be resolved on the path "Query.tb -> T.x" from subgraph "b": subgraph "b" cannot give the fields of @key(fields: "id") of subgraph "c""#,
        ]
    );
}

/// `T.u` can be resolved by "b" or "c": enough that one of them leads to states where every
/// field can be planned (the planner tries both), not when each lacks something.
#[test]
fn one_good_way_among_several_is_enough() {
    let t = |graph_fields: &str| {
        fed2(&format!(
            "type T @key(fields: \"id\") {{ id: ID! u: U @shareable }} type U {{ {graph_fields} }}"
        ))
    };
    let query = fed2("type Query { t: T } type T @key(fields: \"id\") { id: ID! }");
    composes_and_plans(
        &[
            ("a", query.clone()),
            ("b", t("x: Int @shareable y: Int")),
            ("c", t("x: Int @shareable")),
        ],
        &["{ t { u { x y } } }"],
    );
    assert_eq!(
        errors_of(&[("a", query), ("b", t("y: Int")), ("c", t("x: Int"))]),
        [
            r#"[SATISFIABILITY_ERROR] field "U.x" cannot be resolved on the path "Query.t -> T.u -> U.x" from subgraph "b": it is resolved by subgraph "c", where "U" has no resolvable @key"#
        ]
    );
}

/// From an interface object, the objects' real types come from a subgraph where the
/// interface is a real one, through a key: none is resolvable here.
#[test]
fn interface_objects_need_a_subgraph_to_give_the_real_types() {
    assert_eq!(
        errors_of(&[
            (
                "a",
                fed2(
                    "type Query { media: [Media] } type Media @key(fields: \"id\") @interfaceObject { id: ID! likes: Int }"
                )
            ),
            (
                "b",
                fed2(
                    "interface Media @key(fields: \"id\", resolvable: false) { id: ID! } type Book implements Media @key(fields: \"id\", resolvable: false) { id: ID! title: String }"
                )
            ),
        ]),
        [
            r#"[SATISFIABILITY_ERROR] field "Media.__typename" cannot be resolved on the path "Query.media -> Media.__typename" from subgraph "a": no subgraph where "Media" is an interface has a resolvable @key that subgraph "a" can give"#
        ]
    );
}
