//! Merging what clients send and enums: arguments and input object fields by intersection
//! (what every subgraph accepts), required ones present everywhere; enums by union when
//! only returned, by intersection when only accepted, identical when both.

use super::applied::merge_applied;
use super::error::{Diagnostics, ErrorCode, subgraph_list};
use super::merge::{GraphId, JoinField, JoinFields, MergedField, MergedValue, pick_description};
use super::merge_fields::most_specific;
use super::subgraph::{FieldDef, Kind, Subgraph, TypeDef};
use apollo_compiler::Name;
use apollo_compiler::ast::Type;
use indexmap::IndexMap;
use std::collections::HashMap;

/// Where an enum appears: (returned by some field, accepted by some argument or input).
pub(crate) type EnumUsage = HashMap<Name, (bool, bool)>;

pub(crate) fn enum_usage(subgraphs: &[Subgraph]) -> EnumUsage {
    let mut usage: EnumUsage = HashMap::new();
    for subgraph in subgraphs {
        for ty in subgraph.types.values() {
            for field in ty.fields.values() {
                let base = field.ty.inner_named_type().clone();
                if ty.kind == Kind::InputObject {
                    usage.entry(base).or_default().1 = true;
                } else {
                    usage.entry(base).or_default().0 = true;
                }
                for argument in field.arguments.values() {
                    usage
                        .entry(argument.ty.inner_named_type().clone())
                        .or_default()
                        .1 = true;
                }
            }
        }
    }
    usage
}

pub(crate) fn merge_enum(
    name: &Name,
    sources: &[(GraphId, &TypeDef)],
    subgraphs: &[Subgraph],
    usage: &EnumUsage,
    diags: &mut Diagnostics,
) -> IndexMap<Name, MergedValue> {
    let (output, input) = usage.get(name).copied().unwrap_or_default();
    let mut values: IndexMap<Name, MergedValue> = IndexMap::new();
    for (graph, ty) in sources {
        for (value_name, value) in &ty.values {
            let entry = values
                .entry(value_name.clone())
                .or_insert_with(|| MergedValue {
                    description: None,
                    graphs: Vec::new(),
                    applied: Default::default(),
                });
            entry.graphs.push(*graph);
            entry.applied = merge_applied([&entry.applied, &value.applied].into_iter());
            if entry.description.is_none() {
                entry.description = value.description.clone();
            }
        }
    }
    let missing_from = |graphs: &[GraphId]| -> Vec<&str> {
        sources
            .iter()
            .filter(|(g, _)| !graphs.contains(g))
            .map(|(g, _)| subgraphs[*g].name.as_str())
            .collect()
    };
    if input {
        let partial: Vec<(Name, Vec<&str>)> = values
            .iter()
            .map(|(v, m)| (v.clone(), missing_from(&m.graphs)))
            .filter(|(_, missing)| !missing.is_empty())
            .collect();
        for (value, missing) in &partial {
            let defined: Vec<&str> = values[value]
                .graphs
                .iter()
                .map(|g| subgraphs[*g].name.as_str())
                .collect();
            if output {
                diags.error(
                    ErrorCode::EnumValueMismatch,
                    format!(
                        "enum \"{name}\" is used as both input and output, so its values must be the same in every subgraph: value \"{value}\" is defined in {} but not in {}",
                        subgraph_list(&defined),
                        subgraph_list(missing)
                    ),
                );
            } else {
                diags.hint(
                    "INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM",
                    format!("value \"{name}.{value}\" of an input-only enum is left out: it is not defined in {}", subgraph_list(missing)),
                );
            }
        }
        if !output {
            values.retain(|v, _| !partial.iter().any(|(p, _)| p == v));
            if values.is_empty() {
                diags.error(
                    ErrorCode::EmptyMergedEnumType,
                    format!("enum \"{name}\" is only used as input and no value is defined in every subgraph defining it"),
                );
            }
        }
    }
    values
}

pub(crate) fn merge_input(
    name: &Name,
    sources: &[(GraphId, &TypeDef)],
    subgraphs: &[Subgraph],
    diags: &mut Diagnostics,
) -> IndexMap<Name, MergedField> {
    let field_sources: Vec<(GraphId, &IndexMap<Name, FieldDef>)> =
        sources.iter().map(|(g, t)| (*g, &t.fields)).collect();
    let merged = merge_input_values(name, "input field", &field_sources, subgraphs, diags);
    if merged.is_empty() && sources.iter().any(|(_, t)| !t.fields.is_empty()) {
        diags.error(
            ErrorCode::EmptyMergedInputType,
            format!(
                "input type \"{name}\" has no field defined in every subgraph defining it ({})",
                subgraph_list(
                    &sources
                        .iter()
                        .map(|(g, _)| subgraphs[*g].name.as_str())
                        .collect::<Vec<_>>()
                )
            ),
        );
    }
    merged
}

pub(crate) fn merge_arguments(
    coordinate: &str,
    sources: &[(GraphId, &IndexMap<Name, FieldDef>)],
    subgraphs: &[Subgraph],
    diags: &mut Diagnostics,
) -> IndexMap<Name, MergedField> {
    merge_input_values(coordinate, "argument", sources, subgraphs, diags)
}

/// Arguments of one field or fields of one input type, across subgraphs.
fn merge_input_values(
    parent: &str,
    what: &str,
    sources: &[(GraphId, &IndexMap<Name, FieldDef>)],
    subgraphs: &[Subgraph],
    diags: &mut Diagnostics,
) -> IndexMap<Name, MergedField> {
    let mut by_name: IndexMap<&Name, Vec<(GraphId, &FieldDef)>> = IndexMap::new();
    for (graph, values) in sources {
        for (name, value) in values.iter() {
            by_name.entry(name).or_default().push((*graph, value));
        }
    }
    let coordinate = |name: &Name| {
        if what == "argument" {
            format!("{parent}({name}:)")
        } else {
            format!("{parent}.{name}")
        }
    };
    let mut merged = IndexMap::new();
    for (name, defs) in by_name {
        let coordinate = coordinate(name);
        if defs.len() < sources.len() {
            let missing: Vec<&str> = sources
                .iter()
                .filter(|(g, _)| !defs.iter().any(|(d, _)| d == g))
                .map(|(g, _)| subgraphs[*g].name.as_str())
                .collect();
            let required: Vec<&str> = defs
                .iter()
                .filter(|(_, d)| d.ty.is_non_null() && d.default.is_none())
                .map(|(g, _)| subgraphs[*g].name.as_str())
                .collect();
            if required.is_empty() {
                let code = if what == "argument" {
                    "INCONSISTENT_ARGUMENT_PRESENCE"
                } else {
                    "INCONSISTENT_INPUT_OBJECT_FIELD"
                };
                diags.hint(
                    code,
                    format!("optional {what} \"{coordinate}\" is left out of the supergraph: it is not defined in {}", subgraph_list(&missing)),
                );
            } else {
                let code = if what == "argument" {
                    ErrorCode::RequiredArgumentMissingInSomeSubgraph
                } else {
                    ErrorCode::RequiredInputFieldMissingInSomeSubgraph
                };
                diags.error(
                    code,
                    format!(
                        "{what} \"{coordinate}\" is required in {} but missing in {}",
                        subgraph_list(&required),
                        subgraph_list(&missing)
                    ),
                );
            }
            continue;
        }
        let types: Vec<&Type> = defs.iter().map(|(_, d)| &d.ty).collect();
        let Some(ty) = most_specific(&types) else {
            let described: Vec<String> = defs
                .iter()
                .map(|(g, d)| format!("\"{}\" in subgraph \"{}\"", d.ty, subgraphs[*g].name))
                .collect();
            let code = if what == "argument" {
                ErrorCode::FieldArgumentTypeMismatch
            } else {
                ErrorCode::FieldTypeMismatch
            };
            diags.error(
                code,
                format!(
                    "type of {what} \"{coordinate}\" is incompatible across subgraphs: it has type {}",
                    described.join(" but type ")
                ),
            );
            continue;
        };
        let defaults: Vec<(GraphId, String)> = defs
            .iter()
            .filter_map(|(g, d)| d.default.as_ref().map(|v| (*g, v.to_string())))
            .collect();
        if let Some((first_graph, first)) = defaults.first()
            && let Some((other_graph, other)) = defaults.iter().find(|(_, v)| v != first)
        {
            let code = if what == "argument" {
                ErrorCode::FieldArgumentDefaultMismatch
            } else {
                ErrorCode::InputFieldDefaultMismatch
            };
            diags.error(
                code,
                format!(
                    "{what} \"{coordinate}\" has default value {first} in subgraph \"{}\" but {other} in subgraph \"{}\"",
                    subgraphs[*first_graph].name, subgraphs[*other_graph].name
                ),
            );
        }
        let types_differ = defs.iter().any(|(_, d)| d.ty != ty);
        let join = if types_differ && what != "argument" {
            JoinFields::Graphs(
                defs.iter()
                    .map(|(g, d)| JoinField {
                        graph: *g,
                        ty: Some(d.ty.clone()),
                        ..JoinField::default()
                    })
                    .collect(),
            )
        } else {
            JoinFields::Everywhere
        };
        merged.insert(
            name.clone(),
            MergedField {
                description: pick_description(defs.iter().map(|(_, d)| d.description.as_ref())),
                ty,
                arguments: IndexMap::new(),
                default: defs.iter().find_map(|(_, d)| d.default.clone()),
                join,
                applied: merge_applied(defs.iter().map(|(_, d)| &d.applied)),
            },
        );
    }
    merged
}
