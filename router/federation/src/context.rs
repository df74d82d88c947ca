//! `@context` / `@fromContext` (Federation 2.8) as a supergraph records them (join v0.5):
//! types that set a context carry `@context(name: "<subgraph>__<name>")` (the `context/v0.1`
//! spec, possibly renamed by its `@link(as:)`), and a field whose argument comes from a
//! context carries `@join__field(contextArguments: [{context, name, type, selection}])` in
//! the subgraph resolving it. Such an argument is not part of the supergraph's field: the
//! router supplies it, evaluating `selection` on the nearest ancestor that sets the context.

use crate::error::SupergraphError;
use apollo_compiler::ast::Value;
use apollo_compiler::schema::Directive;
use apollo_compiler::{Name, Schema};

/// One argument a subgraph's field takes from a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextArgument {
    /// The argument's name in the subgraph.
    pub name: Name,
    /// Its type in the subgraph, as GraphQL text (`String!`).
    pub ty: String,
    /// The context, as the supergraph names it (`pricing__locale`).
    pub context: String,
    /// What to select on the ancestor setting the context: one field (`{ currency }`,
    /// `{ prefs { currency } }`), possibly per type (`... on A { x } ... on B { x }`).
    pub selection: String,
}

/// The name `@context` has in `schema`: `@link(url: ".../context/v0.1", as: …)`, else
/// `context`.
pub(crate) fn directive_name(schema: &Schema) -> String {
    schema
        .schema_definition
        .directives
        .get_all("link")
        .find(|link| {
            link.specified_argument_by_name("url")
                .and_then(|url| url.as_str())
                .is_some_and(|url| url.contains("specs.apollo.dev/context/"))
        })
        .and_then(|link| link.specified_argument_by_name("as"))
        .and_then(|name| name.as_str())
        .unwrap_or("context")
        .to_owned()
}

/// The contexts a type sets (`@context(name:)`, repeatable).
pub(crate) fn contexts_set<'a>(
    directives: impl Iterator<Item = &'a apollo_compiler::schema::Component<Directive>>,
) -> Vec<String> {
    directives
        .filter_map(|directive| directive.specified_argument_by_name("name"))
        .filter_map(|name| name.as_str().map(str::to_owned))
        .collect()
}

/// The `contextArguments` of one `@join__field`.
pub(crate) fn context_arguments(
    directive: &Directive,
    owner: &str,
) -> Result<Vec<ContextArgument>, SupergraphError> {
    let Some(value) = directive.specified_argument_by_name("contextArguments") else {
        return Ok(Vec::new());
    };
    let malformed =
        |why: &str| SupergraphError::Malformed(format!("bad contextArguments on {owner}: {why}"));
    let items: Vec<&Value> = match value.as_ref() {
        Value::List(items) => items.iter().map(|item| item.as_ref()).collect(),
        single @ Value::Object(_) => vec![single],
        _ => return Err(malformed("not a list")),
    };
    items
        .into_iter()
        .map(|item| {
            let Value::Object(fields) = item else {
                return Err(malformed("an item is not an object"));
            };
            let get = |key: &str| {
                fields
                    .iter()
                    .find(|(name, _)| name == key)
                    .and_then(|(_, value)| value.as_str())
                    .map(str::to_owned)
                    .ok_or_else(|| malformed(&format!("no `{key}`")))
            };
            let name = get("name")?;
            Ok(ContextArgument {
                name: Name::new(&name).map_err(|_| malformed("bad argument name"))?,
                ty: get("type")?,
                context: get("context")?,
                selection: get("selection")?,
            })
        })
        .collect()
}

/// A context selection without its outer braces, as a field set parses it.
pub(crate) fn selection_body(selection: &str) -> &str {
    let trimmed = selection.trim();
    trimmed
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
        .unwrap_or(trimmed)
}
