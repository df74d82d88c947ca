//! Plans over fixture supergraphs, snapshot-tested: one group per planning feature.

use apollo_compiler::ExecutableDocument;
use federation::Supergraph;
use federation::operation::Operation;
use std::sync::OnceLock;

fn fixture(name: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let header = std::fs::read_to_string(format!("{dir}/join_header.graphql")).expect("header");
    std::fs::read_to_string(format!("{dir}/{name}.graphql"))
        .expect("fixture")
        .replace("#include join_header.graphql", &header)
}

fn store() -> &'static Supergraph {
    static STORE: OnceLock<Supergraph> = OnceLock::new();
    STORE.get_or_init(|| Supergraph::parse(&fixture("store")).expect("valid supergraph"))
}

fn plan(supergraph: &Supergraph, query: &str) -> String {
    let document = ExecutableDocument::parse_and_validate(&supergraph.api, query, "query.graphql")
        .unwrap_or_else(|err| panic!("invalid query: {}", err.errors));
    let operation = Operation::from_document(&document, None).expect("one operation");
    federation::planner::plan(supergraph, &operation)
        .expect("plannable")
        .to_string()
}

/// Snapshot of the plan of `query` over the store supergraph.
macro_rules! store_plan {
    ($name:ident, $query:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), plan(store(), $query), $query);
        }
    };
}

mod root_fields {
    use super::*;
    store_plan!(one_subgraph_is_one_fetch, "{ me { id name } }");
    store_plan!(
        root_fields_of_different_subgraphs_run_in_parallel,
        "{ me { name } topProducts { name } }"
    );
    store_plan!(
        mutations_run_in_order_and_consecutive_fields_share_a_fetch,
        r#"mutation { login(username: "ada") { name } logout addReview(upc: "1", body: "good") { body } }"#
    );
    store_plan!(typename_at_the_root_needs_no_fetch, "{ __typename }");
}

mod entity_jumps {
    use super::*;
    store_plan!(
        a_field_of_another_subgraph_is_a_jump_by_key,
        "{ topProducts { name reviews { body } } }"
    );
    store_plan!(
        jumps_at_several_levels_chain,
        "{ topProducts { name reviews { body author { name } } } }"
    );
    store_plan!(
        fields_of_one_subgraph_at_one_path_share_a_fetch,
        "{ topProducts { inStock reviews { body } name } }"
    );
    store_plan!(
        sibling_jumps_to_different_subgraphs_run_in_parallel,
        "{ topProducts { inStock reviews { body } } }"
    );
    store_plan!(
        jumps_from_a_single_object,
        "{ me { name reviews { body product { name } } } }"
    );
}

mod requires_and_provides {
    use super::*;
    store_plan!(
        required_fields_go_into_the_representation,
        "{ topProducts { shippingEstimate } }"
    );
    store_plan!(
        a_provided_field_needs_no_jump,
        "{ me { reviews { author { username } } } }"
    );
    store_plan!(
        a_field_beyond_what_is_provided_still_jumps,
        "{ me { reviews { author { username name } } } }"
    );
}

mod operations {
    use super::*;
    store_plan!(
        fragments_aliases_variables_and_directives_are_kept,
        "query Tops($n: Int, $skip: Boolean!) { tops: topProducts(first: $n) { ...P reviews @skip(if: $skip) { text: body } } } fragment P on Product { name upc }"
    );
    store_plan!(
        inline_fragments_on_the_same_type_are_flattened,
        "{ topProducts { ... on Product { name } ... { inStock } } }"
    );
}
