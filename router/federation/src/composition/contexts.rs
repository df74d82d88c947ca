//! Contexts (`@context`, `@fromContext`, Federation 2.8): the rules each subgraph's uses
//! must follow, and what the supergraph records of them. A type sets a context by a name
//! local to its subgraph (`locale`), which the supergraph qualifies with the subgraph's name
//! (`pricing__locale`); an argument taking its value from a context
//! (`@fromContext(field: "$locale { currency }")`) leaves the supergraph's field and becomes a
//! `contextArguments` entry of the field's `@join__field` for its subgraph.

use super::error::{Diagnostics, ErrorCode};
use super::field_set::{self, Selected};
use super::merge::GraphId;
use super::print::quote;
use super::subgraph::{FieldDef, Kind, Subgraph};
use apollo_compiler::Name;
use apollo_compiler::ast::{self, Definition, Selection, Type};
use indexmap::IndexMap;
use std::collections::{HashMap, HashSet};

/// One argument a subgraph's field takes from a context, as `@join__field` records it.
#[derive(Debug, Clone)]
pub(crate) struct ContextArgument {
    /// The context, qualified with the subgraph's name (`pricing__locale`).
    pub context: String,
    pub name: Name,
    /// The argument's type in the subgraph.
    pub ty: Type,
    /// What to select on the type setting the context, in braces (`{ currency }`).
    pub selection: String,
}

/// `$locale { currency }` read: the context's name and the selection, in braces.
fn parse_reference(value: &str) -> Result<(String, String), (ErrorCode, String)> {
    let Some(rest) = value.trim().strip_prefix('$') else {
        return Err((
            ErrorCode::NoContextReferenced,
            "it does not start with a context (\"$name { field }\")".to_owned(),
        ));
    };
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let (name, selection) = rest.split_at(end);
    if name.is_empty() {
        return Err((
            ErrorCode::NoContextReferenced,
            "\"$\" is not followed by a context name".to_owned(),
        ));
    }
    let selection = selection.trim();
    if crate::context::selection_body(selection).trim().is_empty() {
        return Err((
            ErrorCode::NoSelectionForContext,
            format!("it selects nothing from the context \"{name}\""),
        ));
    }
    let selection = if selection.starts_with('{') {
        selection.to_owned()
    } else {
        format!("{{ {selection} }}")
    };
    Ok((name.to_owned(), selection))
}

/// Checks one subgraph's contexts; marks the fields context selections use (so an
/// `@external` field only a context selects counts as used).
pub(crate) fn check(
    subgraph: &Subgraph,
    used: &mut HashSet<(Name, Name)>,
    diags: &mut Diagnostics,
) {
    let name = &subgraph.name;
    let mut setters: HashMap<&str, Vec<&Name>> = HashMap::new();
    for (type_name, ty) in &subgraph.types {
        for context in &ty.contexts {
            let invalid = |why: &str| {
                format!(
                    "subgraph \"{name}\": @context(name: \"{context}\") on type \"{type_name}\" is invalid: {why}"
                )
            };
            if context.contains('_') {
                diags.error(
                    ErrorCode::ContextNameContainsUnderscore,
                    invalid("a context name cannot contain \"_\""),
                );
            } else if !is_context_name(context) {
                diags.error(
                    ErrorCode::ContextNameInvalid,
                    invalid("a context name starts with a letter and has only letters and digits"),
                );
            }
            setters.entry(context).or_default().push(type_name);
        }
    }
    for (type_name, ty) in &subgraph.types {
        for (field_name, field) in &ty.fields {
            for (argument, def) in &field.arguments {
                let Some(value) = &def.from_context else {
                    continue;
                };
                let coordinate = format!("{type_name}.{field_name}({argument}:)");
                let directive = format!("@fromContext(field: \"{value}\")");
                if ty.kind != Kind::Object || ty.interface_object {
                    diags.error(
                        ErrorCode::UnsupportedFeature,
                        format!("subgraph \"{name}\": {directive} on argument \"{coordinate}\": @fromContext is only supported on fields of object types"),
                    );
                    continue;
                }
                if !ty.keys.iter().any(|key| key.resolvable) {
                    diags.error(
                        ErrorCode::ContextNoResolvableKey,
                        format!("subgraph \"{name}\": type \"{type_name}\" has no resolvable @key, but its field \"{type_name}.{field_name}\" takes argument \"{argument}\" from a context (the router fetches such fields as entities)"),
                    );
                }
                let (context, selection) = match parse_reference(value) {
                    Ok(parsed) => parsed,
                    Err((code, why)) => {
                        diags.error(
                            code,
                            format!("subgraph \"{name}\": {directive} on argument \"{coordinate}\" is invalid: {why}"),
                        );
                        continue;
                    }
                };
                let Some(types) = setters.get(context.as_str()) else {
                    diags.error(
                        ErrorCode::ContextNotSet,
                        format!("subgraph \"{name}\": {directive} on argument \"{coordinate}\" uses the context \"{context}\", which no type of the subgraph sets"),
                    );
                    continue;
                };
                for setter in types {
                    match check_selection(subgraph, setter, &selection, &def.ty) {
                        Ok(selected) => {
                            for field in selected {
                                used.insert((field.parent, field.name));
                            }
                        }
                        Err(why) => diags.error(
                            ErrorCode::ContextSelectionInvalid,
                            format!("subgraph \"{name}\": {directive} on argument \"{coordinate}\" selects \"{selection}\" from type \"{setter}\", which sets the context \"{context}\": {why}"),
                        ),
                    }
                }
            }
        }
    }
}

/// A letter, then letters and digits.
fn is_context_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric())
}

/// The fields a context selection picks on `setter`, which must be exactly one field (with
/// its subselection) of a type the argument accepts.
fn check_selection<'a>(
    subgraph: &'a Subgraph,
    setter: &Name,
    selection: &str,
    argument: &Type,
) -> Result<Vec<Selected<'a>>, String> {
    let invalid = || "it is not a valid selection".to_owned();
    let document = ast::Document::parse(selection, "context.graphql").map_err(|_| invalid())?;
    let items = match document.definitions.as_slice() {
        [Definition::OperationDefinition(operation)] => &operation.selection_set,
        _ => return Err(invalid()),
    };
    let mut fields = Vec::new();
    collect_fields(subgraph, setter, items, &mut fields)?;
    let [field] = fields.as_slice() else {
        return Err(format!(
            "it selects {} fields of that type, where exactly one is needed",
            fields.len()
        ));
    };
    let selected = field_set::select(subgraph, setter, &field.to_string())?;
    let Some(top) = selected.iter().find(|s| s.top_level) else {
        return Err("it selects no field of that type".to_owned());
    };
    let value = &top.def.ty;
    let composite = subgraph
        .types
        .get(value.inner_named_type())
        .is_some_and(|t| matches!(t.kind, Kind::Object | Kind::Interface | Kind::Union));
    let fits = if composite {
        subgraph
            .types
            .get(argument.inner_named_type())
            .is_some_and(|t| t.kind == Kind::InputObject)
    } else {
        fits(value, argument)
    };
    if !fits {
        return Err(format!(
            "field \"{setter}.{}\" is of type \"{value}\", which cannot be passed as \"{argument}\"",
            top.name
        ));
    }
    Ok(selected)
}

/// The top-level fields of a selection that apply to `setter` (directly, or in fragments
/// without a type condition or on `setter` itself).
fn collect_fields<'s>(
    subgraph: &Subgraph,
    setter: &Name,
    items: &'s [Selection],
    fields: &mut Vec<&'s ast::Field>,
) -> Result<(), String> {
    for item in items {
        match item {
            Selection::Field(field) => fields.push(field),
            Selection::InlineFragment(fragment) => {
                let applies = fragment
                    .type_condition
                    .as_ref()
                    .is_none_or(|condition| subgraph.normalized(condition) == setter);
                if applies {
                    collect_fields(subgraph, setter, &fragment.selection_set, fields)?;
                }
            }
            Selection::FragmentSpread(spread) => {
                return Err(format!(
                    "named fragments (...{}) are not allowed",
                    spread.fragment_name
                ));
            }
        }
    }
    Ok(())
}

/// Whether a value of type `value` can be passed to an argument of type `argument`.
fn fits(value: &Type, argument: &Type) -> bool {
    match (argument, value) {
        (Type::NonNullNamed(a), Type::NonNullNamed(v)) => a == v,
        (Type::Named(a), Type::Named(v) | Type::NonNullNamed(v)) => a == v,
        (Type::NonNullList(a), Type::NonNullList(v)) => fits(v, a),
        (Type::List(a), Type::List(v) | Type::NonNullList(v)) => fits(v, a),
        _ => false,
    }
}

/// The arguments of a field's definitions without those taken from contexts, which the
/// supergraph's field does not have; an argument taken from a context in one subgraph must
/// be in every subgraph defining it.
pub(crate) fn client_arguments(
    coordinate: &str,
    sources: &[(GraphId, &IndexMap<Name, FieldDef>)],
    subgraphs: &[Subgraph],
    diags: &mut Diagnostics,
) -> Vec<(GraphId, IndexMap<Name, FieldDef>)> {
    let contextual: HashSet<&Name> = sources
        .iter()
        .flat_map(|(_, arguments)| arguments.iter())
        .filter(|(_, def)| def.from_context.is_some())
        .map(|(name, _)| name)
        .collect();
    let mut reported = HashSet::new();
    for (graph, arguments) in sources {
        for (name, def) in arguments.iter() {
            if contextual.contains(name) && def.from_context.is_none() && reported.insert(name) {
                let from: Vec<&str> = sources
                    .iter()
                    .filter(|(_, a)| a.get(name).is_some_and(|d| d.from_context.is_some()))
                    .map(|(g, _)| subgraphs[*g].name.as_str())
                    .collect();
                diags.error(
                    ErrorCode::ContextualArgumentNotContextualInAllSubgraphs,
                    format!(
                        "argument \"{coordinate}({name}:)\" takes its value from a context in {} but is a client argument in subgraph \"{}\"",
                        super::error::subgraph_list(&from),
                        subgraphs[*graph].name
                    ),
                );
            }
        }
    }
    sources
        .iter()
        .map(|(graph, arguments)| {
            let kept = arguments
                .iter()
                .filter(|(name, _)| !contextual.contains(name))
                .map(|(name, def)| (name.clone(), def.clone()))
                .collect();
            (*graph, kept)
        })
        .collect()
}

/// The `contextArguments` of a field in one subgraph.
pub(crate) fn join_arguments(subgraph: &Subgraph, field: &FieldDef) -> Vec<ContextArgument> {
    field
        .arguments
        .iter()
        .filter_map(|(name, def)| {
            let (context, selection) = parse_reference(def.from_context.as_deref()?).ok()?;
            Some(ContextArgument {
                context: qualified(subgraph, &context),
                name: name.clone(),
                ty: def.ty.clone(),
                selection,
            })
        })
        .collect()
}

/// A subgraph's context as the supergraph names it.
pub(crate) fn qualified(subgraph: &Subgraph, context: &str) -> String {
    format!("{}__{context}", subgraph.name)
}

/// `contextArguments` as `@join__field` prints them.
pub(crate) fn print_arguments(arguments: &[ContextArgument]) -> String {
    let printed: Vec<String> = arguments
        .iter()
        .map(|argument| {
            format!(
                "{{context: {}, name: {}, type: {}, selection: {}}}",
                quote(&argument.context),
                quote(&argument.name),
                quote(&argument.ty.to_string()),
                quote(&argument.selection)
            )
        })
        .collect();
    format!("[{}]", printed.join(", "))
}
