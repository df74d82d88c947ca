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

fn media() -> &'static Supergraph {
    static MEDIA: OnceLock<Supergraph> = OnceLock::new();
    MEDIA.get_or_init(|| Supergraph::parse(&fixture("media")).expect("valid supergraph"))
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
        a_client_alias_taking_a_key_fields_name_does_not_collide,
        "{ topProducts { reviews { body } upc: name } }"
    );
    store_plan!(
        inline_fragments_on_the_same_type_are_flattened,
        "{ topProducts { ... on Product { name } ... { inStock } } }"
    );
}

/// Snapshot of the plan of `query` over the media supergraph.
macro_rules! media_plan {
    ($name:ident, $query:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), plan(media(), $query), $query);
        }
    };
}

mod keys {
    use super::*;
    media_plan!(
        a_jump_uses_the_key_the_target_resolves,
        "{ featured { title price { amount } likes } }"
    );
    media_plan!(
        compound_keys_travel_whole,
        "{ offer(sku: \"a\", region: \"eu\") { amount rating } }"
    );
    media_plan!(
        nested_keys_select_their_subfields,
        "{ offer(sku: \"a\", region: \"eu\") { seller { handle followers } } }"
    );
    media_plan!(
        non_resolvable_keys_are_never_jump_targets,
        "{ search(text: \"x\") { ... on Book { title likes } } }"
    );
}

mod shareable_and_override {
    use super::*;
    media_plan!(
        a_shareable_root_field_goes_where_the_selection_resolves,
        "{ featured { price { amount currency } } }"
    );
    media_plan!(
        a_shareable_field_is_taken_from_the_current_subgraph,
        "{ search(text: \"x\") { ... on Movie { title } } }"
    );
    media_plan!(
        an_overridden_field_goes_to_the_overriding_subgraph,
        "{ featured { title rank } }"
    );
}

mod abstract_types {
    use super::*;
    media_plan!(
        interface_fields_one_subgraph_resolves_stay_on_the_interface,
        "{ media { id title } }"
    );
    media_plan!(
        type_conditions_needing_other_subgraphs_split_by_type,
        "{ media { title ... on Book { price { amount } } ... on Movie { likes } } }"
    );
    media_plan!(
        union_members_are_planned_per_type,
        "{ search(text: \"x\") { __typename ... on Author { name } ... on Book { title likes } ... on Movie { likes } } }"
    );
    media_plan!(
        fragments_on_the_interface_inside_a_union,
        "{ search(text: \"x\") { ... on Media { id title } } }"
    );
}

mod requirements {
    use super::*;
    media_plan!(
        requirements_from_another_jump_add_a_step,
        "{ featured { recommendation } }"
    );
    media_plan!(
        requirements_with_fragments_and_field_arguments,
        "{ media { ... on Movie { blurb(style: \"long\") } } }"
    );
}

mod federation_1 {
    use super::*;

    fn fed1() -> &'static Supergraph {
        static FED1: OnceLock<Supergraph> = OnceLock::new();
        FED1.get_or_init(|| Supergraph::parse(&fixture("fed1")).expect("valid supergraph"))
    }

    #[test]
    fn external_key_fields_of_extended_types_still_resolve_where_they_are_keys() {
        let query = "{ latestReviews { body author { id name reviews { body } } } }";
        insta::assert_snapshot!("fed1_external_keys", plan(fed1(), query), query);
    }
}

mod interface_objects {
    use super::*;

    fn objects() -> &'static Supergraph {
        static OBJECTS: OnceLock<Supergraph> = OnceLock::new();
        OBJECTS.get_or_init(|| Supergraph::parse(&fixture("objects")).expect("valid supergraph"))
    }

    macro_rules! objects_plan {
        ($name:ident, $query:expr) => {
            #[test]
            fn $name() {
                insta::assert_snapshot!(stringify!($name), plan(objects(), $query), $query);
            }
        };
    }

    objects_plan!(
        an_objects_interface_field_comes_from_the_interface_object,
        "{ book(id: \"b1\") { title publisher { name } } }"
    );
    objects_plan!(
        every_implementation_goes_through_the_interface_object,
        "{ shelf { title publisher { name } } }"
    );
    objects_plan!(
        the_real_type_of_an_interface_object_comes_from_the_interface,
        "{ published { id publisher { name } __typename ... on Book { pages } } }"
    );
    objects_plan!(
        an_interface_object_answers_its_own_fields_alone,
        "{ published { id publisher { name } } }"
    );
}

mod progressive_override {
    use super::*;
    use federation::supergraph::Labels;

    fn progressive() -> &'static Supergraph {
        static PROGRESSIVE: OnceLock<Supergraph> = OnceLock::new();
        PROGRESSIVE
            .get_or_init(|| Supergraph::parse(&fixture("progressive")).expect("valid supergraph"))
    }

    fn plan_with(labels: Labels, query: &str) -> String {
        let supergraph = progressive();
        let document =
            ExecutableDocument::parse_and_validate(&supergraph.api, query, "query.graphql")
                .unwrap_or_else(|err| panic!("invalid query: {}", err.errors));
        let operation = Operation::from_document(&document, None).expect("one operation");
        federation::planner::plan_with_labels(supergraph, &operation, labels)
            .expect("plannable")
            .to_string()
    }

    const QUERY: &str = "{ products { name price discount } }";

    #[test]
    fn labels_are_read_once_each_in_order() {
        assert_eq!(progressive().override_labels, ["percent(50)", "beta"]);
    }

    #[test]
    fn with_its_label_off_an_overridden_field_stays_where_it_was() {
        insta::assert_snapshot!(
            "progressive_labels_off",
            plan_with(Labels::default(), QUERY),
            QUERY
        );
    }

    #[test]
    fn with_its_label_on_a_field_moves_to_the_overriding_subgraph() {
        let on = Labels::default().with(0);
        insta::assert_snapshot!("progressive_percent_on", plan_with(on, QUERY), QUERY);
        insta::assert_snapshot!("progressive_both_on", plan_with(on.with(1), QUERY), QUERY);
    }
}

mod subscriptions {
    use super::*;

    fn live() -> &'static Supergraph {
        static LIVE: OnceLock<Supergraph> = OnceLock::new();
        LIVE.get_or_init(|| Supergraph::parse(&fixture("live")).expect("valid supergraph"))
    }

    macro_rules! live_plan {
        ($name:ident, $query:expr) => {
            #[test]
            fn $name() {
                insta::assert_snapshot!(stringify!($name), plan(live(), $query), $query);
            }
        };
    }

    live_plan!(
        a_subscription_of_one_subgraph_is_its_primary_alone,
        "subscription { reviewAdded { id body } }"
    );
    live_plan!(
        fields_of_other_subgraphs_are_fetched_for_each_event,
        "subscription OnReview($upc: String) { reviewAdded(upc: $upc) { body product { name price } author { name } } }"
    );
    live_plan!(
        jumps_after_the_event_chain,
        "subscription { priceChanged { name reviews { body author { name } } } }"
    );
    live_plan!(a_scalar_subscription_field, "subscription { heartbeat }");

    #[test]
    fn the_primary_is_a_subscription_and_the_rest_entity_queries() {
        let document = ExecutableDocument::parse_and_validate(
            &live().api,
            "subscription { reviewAdded { product { name } } }",
            "query.graphql",
        )
        .expect("valid");
        let operation = Operation::from_document(&document, None).expect("one operation");
        let plan = federation::planner::plan(live(), &operation).expect("plannable");
        let Some(federation::plan::PlanNode::Subscription { primary, rest }) = &plan.root else {
            panic!("not a subscription plan: {plan}");
        };
        assert!(
            primary.operation.starts_with("subscription {"),
            "{}",
            primary.operation
        );
        assert_eq!(primary.service, "reviews");
        let rest = rest.as_ref().expect("a product jump");
        let fetches = rest.fetches();
        assert_eq!(fetches.len(), 1);
        assert!(fetches[0].is_entity_fetch());
        assert!(
            fetches[0].operation.starts_with("query("),
            "{}",
            fetches[0].operation
        );
    }
}

#[path = "planner/contexts.rs"]
mod contexts;
