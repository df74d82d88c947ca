//! `@context`/`@fromContext`: `Order.price` takes `currency` from the nearest `Customer` or
//! `Business` above it (the `pricing__locale` context). The ancestor selects the currency
//! under an internal key, from whichever subgraph resolves it; the price is an `_entities`
//! fetch after it, its argument a variable.

use super::*;

fn context() -> &'static Supergraph {
    static CONTEXT: OnceLock<Supergraph> = OnceLock::new();
    CONTEXT.get_or_init(|| Supergraph::parse(&fixture("context")).expect("valid supergraph"))
}

macro_rules! context_plan {
    ($name:ident, $query:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), plan(context(), $query), $query);
        }
    };
}

context_plan!(
    a_context_from_the_same_subgraph_as_the_ancestor,
    "{ customers { name orders { item price } } }"
);
context_plan!(
    a_context_fetched_from_another_subgraph,
    "{ businesses { orders { price } } }"
);
context_plan!(
    the_nearest_ancestor_gives_the_context,
    "{ customers { orders { price } employer { orders { price } } } }"
);

#[test]
fn the_contextual_argument_is_not_in_the_api_schema() {
    let order = &context().api.types["Order"];
    let apollo_compiler::schema::ExtendedType::Object(order) = order else {
        panic!("Order is an object");
    };
    assert!(order.fields["price"].arguments.is_empty());
    assert!(!context().api.types.contains_key("join__ContextArgument"));
    assert!(!context().api.directive_definitions.contains_key("context"));
}

#[test]
fn the_context_variables_of_a_fetch_name_the_ancestors_key() {
    let document = ExecutableDocument::parse_and_validate(
        &context().api,
        "{ customers { orders { price } } }",
        "query.graphql",
    )
    .expect("valid");
    let operation = Operation::from_document(&document, None).expect("one operation");
    let plan = federation::planner::plan(context(), &operation).expect("plannable");
    let root = plan.root.as_ref().expect("fetches");
    let fetches = root.fetches();
    let pricing = fetches
        .iter()
        .find(|fetch| fetch.service == "pricing")
        .expect("a pricing fetch");
    assert_eq!(
        pricing.contexts,
        [federation::plan::ContextVariable {
            variable: apollo_compiler::Name::new_unchecked("context_0"),
            key: apollo_compiler::Name::new_unchecked("__context_0"),
        }]
    );
    assert!(
        pricing.operation.contains("$context_0: String!"),
        "{}",
        pricing.operation
    );
}

#[test]
fn a_field_with_no_ancestor_setting_its_context_is_refused() {
    let document = ExecutableDocument::parse_and_validate(
        &context().api,
        "{ orphanOrders { price } }",
        "query.graphql",
    )
    .expect("valid");
    let operation = Operation::from_document(&document, None).expect("one operation");
    let error = federation::planner::plan(context(), &operation).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "cannot plan orphanOrders.price: Order.price takes `currency` from the context \
         `pricing__locale`, which no enclosing object sets"
    );
}

fn pricing_fetch(query: &str) -> federation::plan::FetchStep {
    let document = ExecutableDocument::parse_and_validate(&context().api, query, "query.graphql")
        .expect("valid");
    let operation = Operation::from_document(&document, None).expect("one operation");
    let plan = federation::planner::plan(context(), &operation).expect("plannable");
    let root = plan.root.as_ref().expect("fetches");
    root.fetches()
        .into_iter()
        .find(|fetch| fetch.service == "pricing")
        .cloned()
        .expect("a pricing fetch")
}

#[test]
fn a_client_alias_never_takes_the_internal_key() {
    let pricing = pricing_fetch("{ customers { __context_0: name orders { price } } }");
    assert_eq!(pricing.contexts[0].key.as_str(), "__context__0");
    let pricing =
        pricing_fetch("{ customers { __context_0: name __context__x: id orders { price } } }");
    assert_eq!(pricing.contexts[0].key.as_str(), "__context___0");
}

#[test]
fn a_context_fetch_is_written_for_any_number_of_groups() {
    let pricing = pricing_fetch("query Q { customers { orders { price } } }");
    let batch = pricing.batch.as_ref().expect("a context fetch has a batch");
    let mut text = Vec::new();
    batch.write_json(2, &mut text);
    let text: String = serde_json::from_slice(&text).expect("a JSON string");
    assert_eq!(
        text,
        "query Q__pricing__1($e0: [_Any!]!, $e0_0: String!, $e1: [_Any!]!, $e1_0: String!) { \
         e0: _entities(representations: $e0) {... on Order {price(currency: $e0_0)}} \
         e1: _entities(representations: $e1) {... on Order {price(currency: $e1_0)}} }"
    );
    assert_eq!(batch.group_of("e1"), Some(1));
    assert_eq!(batch.group_of("_entities"), None);
    assert_eq!(batch.group_of("e"), None);
}
