//! Field sets (`@key`, `@requires`, `@provides` `fields:` arguments): parsed as a selection
//! set and checked against one subgraph, listing every field they select.

use super::subgraph::{FieldDef, Kind, Subgraph};
use apollo_compiler::Name;
use apollo_compiler::ast::{self, Definition, Selection};

/// A field a field set selects, with the type it is selected on.
pub(crate) struct Selected<'a> {
    pub parent: Name,
    pub name: Name,
    pub def: &'a FieldDef,
    /// Selected directly on the type the field set applies to (not in a subselection).
    pub top_level: bool,
}

/// Every field `source` selects on `parent`, or why it is not a valid field set there.
pub(crate) fn select<'a>(
    subgraph: &'a Subgraph,
    parent: &Name,
    source: &str,
) -> Result<Vec<Selected<'a>>, String> {
    let document = ast::Document::parse(format!("{{ {source} }}"), "field_set.graphql")
        .map_err(|_| format!("\"{source}\" is not a valid selection"))?;
    let selections = document
        .definitions
        .iter()
        .find_map(|definition| match definition {
            Definition::OperationDefinition(operation) if document.definitions.len() == 1 => {
                Some(&operation.selection_set)
            }
            _ => None,
        })
        .ok_or_else(|| format!("\"{source}\" is not a valid selection"))?;
    if selections.is_empty() {
        return Err("it selects no field".to_owned());
    }
    let mut selected = Vec::new();
    walk(subgraph, parent, selections, true, &mut selected)?;
    Ok(selected)
}

fn walk<'a>(
    subgraph: &'a Subgraph,
    parent: &Name,
    selections: &[Selection],
    top_level: bool,
    selected: &mut Vec<Selected<'a>>,
) -> Result<(), String> {
    let Some(parent_def) = subgraph.types.get(parent) else {
        return Err(format!("type \"{parent}\" does not exist"));
    };
    for selection in selections {
        match selection {
            Selection::Field(field) => {
                if !field.directives.is_empty() {
                    return Err(format!("field \"{parent}.{}\" has directives", field.name));
                }
                if field.alias.is_some() {
                    return Err(format!("field \"{parent}.{}\" has an alias", field.name));
                }
                if field.name == "__typename" {
                    continue;
                }
                let Some(def) = parent_def
                    .fields
                    .get(&field.name)
                    .filter(|_| matches!(parent_def.kind, Kind::Object | Kind::Interface))
                else {
                    return Err(format!(
                        "field \"{parent}.{}\" does not exist in the subgraph",
                        field.name
                    ));
                };
                let base = def.ty.inner_named_type();
                let composite = subgraph.types.get(base).is_some_and(|t| {
                    matches!(t.kind, Kind::Object | Kind::Interface | Kind::Union)
                });
                if composite && field.selection_set.is_empty() {
                    return Err(format!(
                        "field \"{parent}.{}\" is of type \"{base}\" and needs a selection of its fields",
                        field.name
                    ));
                }
                if !composite && !field.selection_set.is_empty() {
                    return Err(format!(
                        "field \"{parent}.{}\" is a leaf and cannot have a selection",
                        field.name
                    ));
                }
                selected.push(Selected {
                    parent: parent.clone(),
                    name: field.name.clone(),
                    def,
                    top_level,
                });
                if composite {
                    walk(subgraph, base, &field.selection_set, false, selected)?;
                }
            }
            Selection::InlineFragment(fragment) => {
                let condition = match &fragment.type_condition {
                    Some(condition) => subgraph.normalized(condition).clone(),
                    None => parent.clone(),
                };
                walk(
                    subgraph,
                    &condition,
                    &fragment.selection_set,
                    top_level,
                    selected,
                )?;
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

/// The field names a field set selects at its top level, without parsing errors.
pub(crate) fn top_level_names(source: &str) -> Vec<Name> {
    let Ok(document) = ast::Document::parse(format!("{{ {source} }}"), "field_set.graphql") else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for definition in &document.definitions {
        if let Definition::OperationDefinition(operation) = definition {
            collect_top_level(&operation.selection_set, &mut names);
        }
    }
    names
}

fn collect_top_level(selections: &[Selection], names: &mut Vec<Name>) {
    for selection in selections {
        match selection {
            Selection::Field(field) => names.push(field.name.clone()),
            Selection::InlineFragment(fragment) => {
                collect_top_level(&fragment.selection_set, names)
            }
            Selection::FragmentSpread(_) => {}
        }
    }
}
