//! Composition: for each rule a composed supergraph (snapshot) and a broken case (exact
//! errors); fixture subgraphs composed and planned like the hand-written supergraphs.

use apollo_compiler::ExecutableDocument;
use federation::Supergraph;
use federation::composition::{CompositionErrors, SubgraphSdl, compose};
use federation::operation::Operation;

#[path = "composition/error_codes.rs"]
mod error_codes;

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
    fn context_subgraphs_compose_and_plan_like_the_context_fixture() {
        let sdl = plans_like_fixture(
            "context",
            &["accounts", "pricing", "shop"],
            "context",
            &[
                "{ customers { name orders { item price } } }",
                "{ businesses { orders { price } } }",
                "{ customers { orders { price } employer { orders { price } } } }",
                "{ customers { employer { name } } orphanOrders { item } }",
            ],
        );
        insta::assert_snapshot!("context", body(&sdl));
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

    /// Orders exports its Subscription type (`enable_subscription_in_federation`).
    #[test]
    fn the_orders_subscription_composes_and_plans_to_the_orders_subgraph() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema");
        let subgraphs: Vec<SubgraphSdl> = SUBGRAPHS
            .iter()
            .chain(&[("orders", "http://127.0.0.1:4004/graphql")])
            .map(|(name, url)| {
                let sdl = std::fs::read_to_string(format!("{dir}/{name}.graphql")).expect("sdl");
                SubgraphSdl::new(*name, *url, sdl)
            })
            .collect();
        let composed = compose(&subgraphs).unwrap_or_else(|errors| panic!("{errors}"));
        let supergraph = Supergraph::parse(&composed.supergraph_sdl).expect("loads");
        let query = r#"subscription { orderStatusChanged(orderId: "o") { orderId status } }"#;
        let plan = plan(&supergraph, query);
        assert!(
            plan.contains("Subscription {") && plan.contains(r#"Fetch(service: "orders")"#),
            "{plan}"
        );
    }
}

/// A rule's passing case (snapshot of the supergraph) and failing case (exact errors).
macro_rules! rule {
    ($name:ident, ok: [$(($ok_name:expr, $ok_sdl:expr)),* $(,)?], err: [$(($err_name:expr, $err_sdl:expr)),* $(,)?], $expected:expr $(,)?) => {
        mod $name {
            use super::*;

            #[test]
            fn composes() {
                let sdls: Vec<(&str, String)> = vec![$(($ok_name, $ok_sdl)),*];
                let borrowed: Vec<(&str, &str)> = sdls.iter().map(|(n, s)| (*n, s.as_str())).collect();
                insta::assert_snapshot!(composed_body(&borrowed));
            }

            #[test]
            fn is_enforced() {
                let sdls: Vec<(&str, String)> = vec![$(($err_name, $err_sdl)),*];
                let borrowed: Vec<(&str, &str)> = sdls.iter().map(|(n, s)| (*n, s.as_str())).collect();
                let expected: &[&str] = &$expected;
                assert_eq!(errors(&borrowed), expected);
            }
        }
    };
}

rule!(
    field_types_merge_to_the_most_general,
    ok: [
        ("a", fed2("type Query { a: Node } interface Node { id: ID! } type Item implements Node @key(fields: \"id\") { id: ID! name: String! @shareable tags: [String!]! @shareable }")),
        ("b", fed2("type Query { b: Item } type Item @key(fields: \"id\") { id: ID! name: String @shareable tags: [String] @shareable }")),
    ],
    err: [
        ("a", fed2("type Query { a: Item } type Item @key(fields: \"id\") { id: ID! name: String @shareable }")),
        ("b", fed2("type Query { b: Item } type Item @key(fields: \"id\") { id: ID! name: Int @shareable }")),
    ],
    [
        r#"[FIELD_TYPE_MISMATCH] type of field "Item.name" is incompatible across subgraphs: it has type "String" in subgraph "a" but type "Int" in subgraph "b""#,
    ]
);

rule!(
    arguments_merge_by_intersection,
    ok: [
        ("a", fed2("type Query { items(first: Int = 10, after: String, filter: String): [String] @shareable }")),
        ("b", fed2("type Query { items(first: Int = 10, after: String): [String] @shareable }")),
    ],
    err: [
        ("a", fed2("type Query { items(first: Int!, after: String): [String] @shareable }")),
        ("b", fed2("type Query { items(after: Int): [String] @shareable }")),
    ],
    [
        r#"[REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH] argument "Query.items(first:)" is required in subgraph "a" but missing in subgraph "b""#,
        r#"[FIELD_ARGUMENT_TYPE_MISMATCH] type of argument "Query.items(after:)" is incompatible across subgraphs: it has type "String" in subgraph "a" but type "Int" in subgraph "b""#,
    ]
);

rule!(
    input_types_merge_by_intersection,
    ok: [
        ("a", fed2("type Query { a(f: Filter): Int } input Filter { text: String limit: Int = 5 exact: Boolean }")),
        ("b", fed2("type Query { b(f: Filter): Int } input Filter { text: String! limit: Int = 5 }")),
    ],
    err: [
        ("a", fed2("type Query { a(f: Filter): Int } input Filter { text: String! limit: Int = 5 }")),
        ("b", fed2("type Query { b(f: Filter): Int } input Filter { limit: Int = 7 }")),
    ],
    [
        r#"[REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH] input field "Filter.text" is required in subgraph "a" but missing in subgraph "b""#,
        r#"[INPUT_FIELD_DEFAULT_MISMATCH] input field "Filter.limit" has default value 5 in subgraph "a" but 7 in subgraph "b""#,
    ]
);

rule!(
    enums_merge_by_how_they_are_used,
    ok: [
        ("a", fed2("type Query { a(sort: Sort): Status } enum Status { ACTIVE ARCHIVED } enum Sort { NAME DATE } enum Both { X Y }\nextend type Query { both(b: Both): Both }")),
        ("b", fed2("type Query { b(sort: Sort): Status } enum Status { ACTIVE DELETED } enum Sort { NAME PRICE } enum Both { X Y }\nextend type Query { both2(b: Both): Both }")),
    ],
    err: [
        ("a", fed2("type Query { a(s: Status): Status } enum Status { ACTIVE ARCHIVED }")),
        ("b", fed2("type Query { b: Status } enum Status { ACTIVE DELETED }")),
    ],
    [
        r#"[ENUM_VALUE_MISMATCH] enum "Status" is used as both input and output, so its values must be the same in every subgraph: value "ARCHIVED" is defined in subgraph "a" but not in subgraph "b""#,
        r#"[ENUM_VALUE_MISMATCH] enum "Status" is used as both input and output, so its values must be the same in every subgraph: value "DELETED" is defined in subgraph "b" but not in subgraph "a""#,
    ]
);

rule!(
    unions_and_interfaces_merge_members_and_implementations,
    ok: [
        ("a", fed2("type Query { search: [Result] node: Node } union Result = Book | Film interface Node { id: ID! } type Book implements Node @key(fields: \"id\") { id: ID! title: String } type Film @key(fields: \"id\") { id: ID! }")),
        ("b", fed2("type Query { find: [Result] } union Result = Book | Song type Book @key(fields: \"id\") { id: ID! pages: Int } type Song { name: String }")),
    ],
    err: [
        ("a", fed2("type Query { node: Node } interface Node { id: ID! } type Book implements Node @key(fields: \"id\") { id: ID! }")),
        ("b", fed2("type Query { other: Node } interface Node { id: ID! name: String } type Film implements Node { id: ID! name: String }\ntype Book @key(fields: \"id\") { id: ID! pages: Int }")),
    ],
    [
        r#"[INTERFACE_FIELD_NO_IMPLEM] interface field "Node.name" is declared in subgraph "b" but type "Book", which implements "Node" in subgraph "a", does not have field "name""#,
    ]
);

rule!(
    keys_select_existing_scalar_fields,
    ok: [
        ("a", fed2("type Query { offer: Offer } type Offer @key(fields: \"sku region\") @key(fields: \"seller { id } sku\") { sku: String! region: String! seller: Seller! } type Seller @shareable { id: ID! }")),
        ("b", fed2("type Offer @key(fields: \"sku region\") @key(fields: \"seller { id } sku\", resolvable: false) { sku: String! region: String! seller: Seller! rating: Int } type Seller @shareable { id: ID! }")),
    ],
    err: [
        ("a", fed2("type Query { a: A } type A @key(fields: \"idx\") @key(fields: \"tags\") @key(fields: \"size(unit: 1)\") @key(fields: \"id {\") { id: ID! tags: [String] size(unit: Int): Int }")),
    ],
    [
        r#"[KEY_INVALID_FIELDS] subgraph "a": @key(fields: "idx") on type "A" is invalid: field "A.idx" does not exist in the subgraph"#,
        r#"[KEY_FIELDS_SELECT_INVALID_TYPE] subgraph "a": @key(fields: "tags") on type "A" selects field "A.tags" of type "[String]": key fields cannot be lists, interfaces or unions"#,
        r#"[KEY_FIELDS_HAS_ARGS] subgraph "a": @key(fields: "size(unit: 1)") on type "A" selects field "A.size", which has arguments"#,
        r#"[KEY_INVALID_FIELDS] subgraph "a": @key(fields: "id {") on type "A" is invalid: "id {" is not a valid selection"#,
    ]
);

rule!(
    external_requires_and_provides,
    ok: [
        ("a", fed2("type Query { reviews: [Review] } type Review @key(fields: \"id\") { id: ID! author: User @provides(fields: \"name\") } type User @key(fields: \"id\") { id: ID! name: String @external }")),
        ("b", fed2("type User @key(fields: \"id\") { id: ID! name: String @shareable weight: Int @external tax: Int @requires(fields: \"weight\") }")),
        ("c", fed2("type User @key(fields: \"id\") { id: ID! name: String @shareable weight: Int }")),
    ],
    err: [
        ("a", fed2("type Query { reviews: [Review] } type Review @key(fields: \"id\") { id: ID! author: User @provides(fields: \"age\") body: String @provides(fields: \"x\") } type User @key(fields: \"id\") { id: ID! age: Int nick: String @external }")),
        ("b", fed2("type User @key(fields: \"id\") { id: ID! weight: Int @external height: Int tax: Int @requires(fields: \"weight height\") size: Int @requires(fields: \"depth\") }")),
    ],
    [
        r#"[PROVIDES_FIELDS_MISSING_EXTERNAL] subgraph "a": @provides(fields: "age") on field "Review.author" selects field "User.age", which is not marked @external"#,
        r#"[PROVIDES_ON_NON_OBJECT_FIELD] subgraph "a": @provides(fields: "x") on field "Review.body" of type "String": @provides needs a field of object, interface or union type"#,
        r#"[EXTERNAL_UNUSED] subgraph "a": field "User.nick" is @external but no @key, @requires, @provides or context selection uses it"#,
        r#"[REQUIRES_FIELDS_MISSING_EXTERNAL] subgraph "b": @requires(fields: "weight height") on field "User.tax" selects field "User.height", which is not marked @external"#,
        r#"[REQUIRES_INVALID_FIELDS] subgraph "b": @requires(fields: "depth") on field "User.size" is invalid: field "User.depth" does not exist in the subgraph"#,
        r#"[EXTERNAL_MISSING_ON_BASE] field "User.nick" is marked @external in subgraph "a" but no subgraph defines it without @external"#,
        r#"[EXTERNAL_MISSING_ON_BASE] field "User.weight" is marked @external in subgraph "b" but no subgraph defines it without @external"#,
    ]
);

rule!(
    external_fields_need_a_definition,
    ok: [
        ("a", fed2("type Query { u: User } type User @key(fields: \"id\") { id: ID! weight: Int }")),
        ("b", fed2("type User @key(fields: \"id\") { id: ID! weight: Int @external tax: Int @requires(fields: \"weight\") }")),
    ],
    err: [
        ("a", fed2("type Query { u: User } type User @key(fields: \"id\") { id: ID! }")),
        ("b", fed2("type User @key(fields: \"id\") { id: ID! weight: Int @external tax: Int @requires(fields: \"weight\") }")),
    ],
    [
        r#"[EXTERNAL_MISSING_ON_BASE] field "User.weight" is marked @external in subgraph "b" but no subgraph defines it without @external"#,
    ]
);

rule!(
    override_takes_a_field_over,
    ok: [
        ("a", fed2("type Query { p: Product } type Product @key(fields: \"id\") @key(fields: \"sku\") { id: ID! sku: String name: String price: Int }")),
        ("b", fed2("type Product @key(fields: \"id\") { id: ID! sku: String @override(from: \"a\") name: String @override(from: \"a\", label: \"percent(20)\") price: Int @override(from: \"a\") }")),
    ],
    err: [
        ("a", fed2("type Query { p: Product } type Product @key(fields: \"id\") { id: ID! name: String @override(from: \"c\") }")),
        ("b", fed2("type Product @key(fields: \"id\") { id: ID! name: String @override(from: \"a\") price: Int @override(from: \"b\") }")),
        ("c", fed2("type Product @key(fields: \"id\") { id: ID! name: String @shareable }")),
    ],
    [
        r#"[OVERRIDE_FROM_SELF_ERROR] subgraph "b": @override(from: "b") on field "Product.price" names its own subgraph"#,
        r#"[OVERRIDE_SOURCE_HAS_OVERRIDE] field "Product.name" in subgraph "b" overrides the field in subgraph "a", which is itself marked @override"#,
    ]
);

rule!(
    inaccessible_is_kept_and_consistent,
    ok: [
        ("a", fed2("type Query { u: User } type User @key(fields: \"id\") { id: ID! secret: Secret @inaccessible } type Secret @inaccessible { value: String } enum Level { LOW HIGH @inaccessible } extend type Query { level(min: Level @inaccessible): Level }")),
        ("b", fed2("type User @key(fields: \"id\") { id: ID! name: String @tag(name: \"public\") }")),
    ],
    err: [
        ("a", fed2("type Query { u: User hidden(id: ID! @inaccessible): Int } type User @key(fields: \"id\") { id: ID! secret: Secret } type Secret @inaccessible { value: String } type Empty { a: Int @inaccessible } extend type Query { e: Empty @inaccessible }")),
    ],
    [
        r#"[REQUIRED_INACCESSIBLE] argument "Query.hidden(id:)" is required but @inaccessible: clients could never send it"#,
        r#"[REFERENCED_INACCESSIBLE] type "Secret" is @inaccessible but field "User.secret", which returns it, is visible"#,
        r#"[ONLY_INACCESSIBLE_CHILDREN] type "Empty" is visible but all its fields are @inaccessible; make the type @inaccessible too"#,
    ]
);

rule!(
    interface_objects_need_the_interface_somewhere,
    ok: [
        ("a", fed2("type Query { media: [Media] } interface Media @key(fields: \"id\") { id: ID! } type Book implements Media @key(fields: \"id\") { id: ID! }")),
        ("b", fed2("type Media @key(fields: \"id\") @interfaceObject { id: ID! likes: Int }")),
    ],
    err: [
        ("a", fed2("type Query { media: [Media] } type Media @key(fields: \"id\") @interfaceObject { id: ID! likes: Int }")),
        ("b", fed2("type Query { other: Other } type Other @interfaceObject { id: ID! }")),
    ],
    [
        r#"[INTERFACE_OBJECT_USAGE_ERROR] subgraph "b": type "Other" is an @interfaceObject without a @key"#,
        r#"[INTERFACE_OBJECT_USAGE_ERROR] type "Media" is an @interfaceObject in subgraph "a" but no subgraph defines the interface "Media""#,
        r#"[INTERFACE_OBJECT_USAGE_ERROR] type "Other" is an @interfaceObject in subgraph "b" but no subgraph defines the interface "Other""#,
    ]
);

rule!(
    composed_directives_are_kept,
    ok: [
        ("a", format!("extend schema @link(url: \"https://specs.apollo.dev/federation/v2.3\", import: [\"@key\", \"@composeDirective\"]) @link(url: \"https://myspecs.dev/cache/v1.0\", import: [\"@cached\"]) @composeDirective(name: \"@cached\")\ndirective @cached(ttl: Int!) on FIELD_DEFINITION | OBJECT\ntype Query {{ a: Int @cached(ttl: 30) }}")),
        ("b", fed2("type Query { b: Int }")),
    ],
    err: [
        ("a", format!("extend schema @link(url: \"https://specs.apollo.dev/federation/v2.3\", import: [\"@key\", \"@composeDirective\"]) @composeDirective(name: \"@cached\") @composeDirective(name: \"@key\") @composeDirective(name: \"@missing\")\ndirective @cached(ttl: Int!) on FIELD_DEFINITION\ntype Query {{ a: Int @cached(ttl: 30) }}")),
    ],
    [
        r#"[DIRECTIVE_COMPOSITION_ERROR] subgraph "a": cannot compose directive "@cached": it is not imported from a spec with @link (e.g. @link(url: "https://example.com/custom/v1.0", import: ["@custom"]))"#,
        r#"[DIRECTIVE_COMPOSITION_ERROR] subgraph "a": cannot compose directive "@key": it is a built-in or federation directive"#,
        r#"[DIRECTIVE_COMPOSITION_ERROR] subgraph "a": cannot compose directive "@missing": the subgraph does not define it"#,
    ]
);

rule!(
    root_types_are_normalized,
    ok: [
        ("a", fed2("schema { query: RootQuery mutation: RootMutation } type RootQuery { a: Int } type RootMutation { setA(a: Int): Int }")),
        ("b", fed2("type Query { b: Int }")),
    ],
    err: [
        ("a", fed2("schema { query: RootQuery } type RootQuery { a: Query } type Query { b: Int }")),
    ],
    [
        r#"[ROOT_QUERY_USED] subgraph "a": the type "Query" is not the query root ("RootQuery" is); rename it"#,
    ]
);

rule!(
    federation_machinery_is_left_out,
    ok: [
        ("a", r#"schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/federation/v2.0", import: [{ name: "@key", as: "@primaryKey" }, "@shareable", "FieldSet"]) { query: Query }
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
directive @primaryKey(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @shareable on OBJECT | FIELD_DEFINITION
directive @federation__external(reason: String) on OBJECT | FIELD_DEFINITION
directive @federation__requires(fields: FieldSet!) on FIELD_DEFINITION
enum link__Purpose { SECURITY EXECUTION }
scalar link__Import
scalar FieldSet
scalar _Any
type _Service { sdl: String }
union _Entity = User
type Query { _entities(representations: [_Any!]!): [_Entity]! _service: _Service! me: User }
type User @primaryKey(fields: "id") { id: ID! name: String @shareable weight: Int @federation__external bmi: Float @federation__requires(fields: "weight") }"#.to_owned()),
        ("b", "type Query { users: [User] } type User @key(fields: \"id\") { id: ID! weight: Int }".to_owned()),
    ],
    err: [
        ("a", "type Query { a: Int".to_owned()),
        ("b", "extend schema @link(url: \"https://specs.apollo.dev/federation/v3.0\", import: [\"@key\"]) type Query { b: Int }".to_owned()),
        ("c", "type Query { c: Unknown }".to_owned()),
    ],
    [
        r#"[INVALID_GRAPHQL] subgraph "a": syntax error: expected R_CURLY, got EOF (line 1, column 20)"#,
        r#"[UNKNOWN_FEDERATION_LINK_VERSION] subgraph "b": federation version "v3.0" is not supported (v2.x is)"#,
        r#"[INVALID_GRAPHQL] subgraph "c": cannot find type `Unknown` in this document"#,
    ]
);

rule!(
    every_field_must_be_reachable,
    ok: [
        ("a", fed2("type Query { product: Product } type Product @key(fields: \"id\") { id: ID! name: String }")),
        ("b", fed2("type Product @key(fields: \"id\") { id: ID! price: Int }")),
    ],
    err: [
        ("a", fed2("type Query { product: Product } type Product @key(fields: \"id\") { id: ID! name: String }")),
        ("b", fed2("type Product @key(fields: \"id\", resolvable: false) { id: ID! price: Int }")),
    ],
    [
        r#"[SATISFIABILITY_ERROR] field "Product.price" cannot be resolved on the path "Query.product -> Product.price" from subgraph "a": it is resolved by subgraph "b", where "Product" has no resolvable @key"#,
    ]
);

rule!(
    type_kinds_must_agree,
    ok: [
        ("a", fed2("type Query { a: Color } enum Color { RED }")),
        ("b", fed2("type Query { b: Color } enum Color { RED GREEN }")),
    ],
    err: [
        ("a", fed2("type Query { a: Color } enum Color { RED }")),
        ("b", fed2("type Query { b: Color } type Color { red: Int }")),
    ],
    [
        r#"[TYPE_KIND_MISMATCH] type "Color" is an enum in subgraph "a" but an object type in subgraph "b""#,
    ]
);

rule!(
    federation_1_shares_value_types_and_key_fields_only,
    ok: [
        ("a", "type Query { me: User } type User @key(fields: \"id\") { id: ID! name: String address: Address } type Address { city: String }".to_owned()),
        ("b", "extend type Query { you: User address: Address } extend type User @key(fields: \"id\") { id: ID! @external age: Int } type Address { city: String }".to_owned()),
    ],
    err: [
        ("a", "type Query { me: User } type User @key(fields: \"id\") { id: ID! name: String }".to_owned()),
        ("b", "extend type User @key(fields: \"id\") { id: ID! @external name: String }\nextend type Ghost @key(fields: \"id\") { id: ID! @external }".to_owned()),
    ],
    [
        r#"[INVALID_FIELD_SHARING] non-shareable field "User.name" is resolved from several subgraphs: it is resolved from subgraphs "a" and "b" and defined as non-shareable in all of them"#,
        r#"[EXTENSION_WITH_NO_BASE] type "Ghost" is only extended, never defined: in subgraph "b""#,
    ]
);

mod security_directives {
    use super::*;

    #[test]
    fn authentication_and_scopes_of_every_subgraph_must_hold() {
        let header = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable", "@authenticated", "@requiresScopes"])
"#;
        let a = format!(
            "{header}type Query {{ me: User @authenticated }} type User @key(fields: \"id\") {{ id: ID! email: String @shareable @requiresScopes(scopes: [[\"read:email\"], [\"admin\"]]) }}"
        );
        let b = format!(
            "{header}type User @key(fields: \"id\") {{ id: ID! email: String @shareable @requiresScopes(scopes: [[\"pii\"]]) }}"
        );
        insta::assert_snapshot!(composed_body(&[("a", &a), ("b", &b)]));
    }
}

#[path = "composition/demand_control.rs"]
mod demand_control;

#[path = "composition/contexts.rs"]
mod contexts;

#[path = "composition/satisfiability.rs"]
mod satisfiability;
