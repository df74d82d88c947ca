//! Merging the fields of object and interface types: `@shareable` (a field resolved by
//! several subgraphs must be shareable in all of them), `@override`, `@external`, types
//! merged to their most general form, arguments by intersection, and the `@join__field`
//! each field needs.

use super::applied::merge_applied;
use super::contexts;
use super::error::{Diagnostics, ErrorCode, quoted_list};
use super::field_set;
use super::merge::{
    FieldSources, GraphId, JoinField, JoinFields, MergedField, Supertypes, pick_description,
};
use super::merge_inputs::merge_arguments;
use super::subgraph::{Kind, Subgraph, TypeDef};
use apollo_compiler::Name;
use apollo_compiler::ast::Type;
use indexmap::IndexMap;
use std::collections::HashMap;

pub(crate) fn merge_fields(
    type_name: &Name,
    sources: &[(GraphId, &TypeDef)],
    subgraphs: &[Subgraph],
    supertypes: &Supertypes,
    diags: &mut Diagnostics,
) -> IndexMap<Name, MergedField> {
    let mut by_field: IndexMap<&Name, FieldSources<'_>> = IndexMap::new();
    for (graph, ty) in sources {
        for (name, field) in &ty.fields {
            by_field.entry(name).or_default().push((*graph, field, ty));
        }
    }
    let mut merged = IndexMap::new();
    for (field_name, field_sources) in by_field {
        let coordinate = format!("{type_name}.{field_name}");
        let context = FieldContext {
            field_name,
            coordinate: &coordinate,
            subgraphs,
        };
        if let Some(field) = context.merge(&field_sources, sources.len(), supertypes, diags) {
            merged.insert(field_name.clone(), field);
        }
    }
    merged
}

struct FieldContext<'a> {
    field_name: &'a Name,
    coordinate: &'a str,
    subgraphs: &'a [Subgraph],
}

/// How an `@override` affects the field it takes over.
struct Overridden {
    by: GraphId,
    label: Option<String>,
    used: bool,
}

impl FieldContext<'_> {
    fn graph_name(&self, graph: GraphId) -> &str {
        &self.subgraphs[graph].name
    }

    fn names(&self, graphs: impl Iterator<Item = GraphId>) -> String {
        quoted_list(&graphs.map(|g| self.graph_name(g)).collect::<Vec<_>>())
    }

    fn merge(
        &self,
        sources: &FieldSources<'_>,
        type_graphs: usize,
        supertypes: &Supertypes,
        diags: &mut Diagnostics,
    ) -> Option<MergedField> {
        let overridden = self.overrides(sources, diags);
        let is_out = |graph: &GraphId| overridden.contains_key(graph);

        // Sharing: several subgraphs resolving an object field must all agree to share it.
        let resolving: Vec<GraphId> = sources
            .iter()
            .filter(|(g, f, t)| t.kind == Kind::Object && !f.external && !is_out(g))
            .map(|(g, _, _)| *g)
            .collect();
        if resolving.len() > 1 {
            let unshared: Vec<GraphId> = sources
                .iter()
                .filter(|(g, _, _)| resolving.contains(g))
                .filter(|(g, f, t)| !self.shareable(*g, f.shareable, t))
                .map(|(g, _, _)| *g)
                .collect();
            if !unshared.is_empty() {
                let in_which = if unshared.len() == resolving.len() {
                    "all of them".to_owned()
                } else {
                    format!(
                        "subgraph{} {}",
                        plural(unshared.len()),
                        self.names(unshared.into_iter())
                    )
                };
                diags.error(
                    ErrorCode::InvalidFieldSharing,
                    format!(
                        "non-shareable field \"{}\" is resolved from several subgraphs: it is resolved from subgraphs {} and defined as non-shareable in {in_which}",
                        self.coordinate,
                        self.names(resolving.iter().copied())
                    ),
                );
            }
        }

        let defining: Vec<_> = sources.iter().filter(|(_, f, _)| !f.external).collect();
        let object_field = sources.iter().any(|(_, _, t)| t.kind == Kind::Object);
        if defining.is_empty() && object_field {
            diags.error(
                ErrorCode::ExternalMissingOnBase,
                format!(
                    "field \"{}\" is marked @external in subgraph{} {} but no subgraph defines it without @external",
                    self.coordinate,
                    plural(sources.len()),
                    self.names(sources.iter().map(|(g, _, _)| *g))
                ),
            );
            return None;
        }
        let defining: Vec<_> = if defining.is_empty() {
            sources.iter().collect()
        } else {
            defining
        };

        let candidates: Vec<&Type> = defining.iter().map(|(_, f, _)| &f.ty).collect();
        let Some(ty) = most_general(&candidates, supertypes) else {
            let described: Vec<String> = defining
                .iter()
                .map(|(g, f, _)| format!("\"{}\" in subgraph \"{}\"", f.ty, self.graph_name(*g)))
                .collect();
            diags.error(
                ErrorCode::FieldTypeMismatch,
                format!(
                    "type of field \"{}\" is incompatible across subgraphs: it has type {}",
                    self.coordinate,
                    described.join(" but type ")
                ),
            );
            return None;
        };
        for (graph, field, _) in sources.iter().filter(|(_, f, _)| f.external) {
            if field.ty.inner_named_type() != ty.inner_named_type() {
                diags.error(
                    ErrorCode::ExternalTypeMismatch,
                    format!(
                        "field \"{}\" has type \"{}\" in subgraph \"{}\" (where it is @external) but type \"{ty}\" where it is defined",
                        self.coordinate,
                        field.ty,
                        self.graph_name(*graph)
                    ),
                );
            }
        }

        let argument_sources: Vec<_> = defining
            .iter()
            .map(|(g, f, _)| (*g, &f.arguments))
            .collect();
        let client_arguments =
            contexts::client_arguments(self.coordinate, &argument_sources, self.subgraphs, diags);
        let argument_sources: Vec<_> = client_arguments.iter().map(|(g, a)| (*g, a)).collect();
        let arguments = merge_arguments(self.coordinate, &argument_sources, self.subgraphs, diags);

        let types_differ = sources.iter().any(|(_, f, _)| f.ty != ty);
        let needs_join = types_differ
            || !overridden.is_empty()
            || sources.len() != type_graphs
            || sources.iter().any(|(_, f, _)| {
                f.external
                    || f.requires.is_some()
                    || f.provides.is_some()
                    || f.arguments.values().any(|a| a.from_context.is_some())
            });
        let join = if needs_join {
            let mut joins = Vec::new();
            for (graph, field, _) in sources {
                let out = overridden.get(graph);
                if let Some(out) = out.filter(|o| o.label.is_none()) {
                    if out.used {
                        joins.push(JoinField {
                            graph: *graph,
                            used_overridden: true,
                            ..JoinField::default()
                        });
                    }
                    continue;
                }
                let taking_over = overridden.values().find(|o| o.by == *graph);
                joins.push(JoinField {
                    graph: *graph,
                    requires: field.requires.clone(),
                    provides: field.provides.clone(),
                    ty: types_differ.then(|| field.ty.clone()),
                    external: field.external,
                    override_from: taking_over
                        .and(field.override_from.as_ref())
                        .map(|(from, _)| from.clone()),
                    override_label: taking_over.and_then(|o| o.label.clone()),
                    used_overridden: out.is_some_and(|o| o.used),
                    context_arguments: contexts::join_arguments(&self.subgraphs[*graph], field),
                });
            }
            JoinFields::Graphs(joins)
        } else {
            JoinFields::Everywhere
        };
        Some(MergedField {
            description: pick_description(sources.iter().map(|(_, f, _)| f.description.as_ref())),
            ty,
            arguments,
            default: None,
            join,
            applied: merge_applied(sources.iter().map(|(_, f, _)| &f.applied)),
        })
    }

    /// Whether subgraph `graph` shares the field: `@shareable` on it or its type, a key
    /// field there, or (Federation 1) a field of a type without keys.
    fn shareable(&self, graph: GraphId, field_shareable: bool, ty: &TypeDef) -> bool {
        if field_shareable {
            return true;
        }
        let is_key_field = ty
            .keys
            .iter()
            .any(|key| field_set::top_level_names(&key.fields).contains(self.field_name));
        is_key_field || (!self.subgraphs[graph].fed2 && ty.keys.is_empty())
    }

    /// The subgraphs whose definition an `@override` elsewhere takes over.
    fn overrides(
        &self,
        sources: &FieldSources<'_>,
        diags: &mut Diagnostics,
    ) -> HashMap<GraphId, Overridden> {
        let mut overridden = HashMap::new();
        for (graph, field, _) in sources {
            let Some((from, label)) = &field.override_from else {
                continue;
            };
            let here = self.graph_name(*graph);
            if from == here {
                continue; // reported with the subgraph's own rules
            }
            let Some(from_graph) = self.subgraphs.iter().position(|s| &s.name == from) else {
                diags.hint(
                    "FROM_SUBGRAPH_DOES_NOT_EXIST",
                    format!("field \"{}\" in subgraph \"{here}\" overrides subgraph \"{from}\", which does not exist", self.coordinate),
                );
                continue;
            };
            let Some((_, source, source_type)) = sources.iter().find(|(g, _, _)| *g == from_graph)
            else {
                diags.hint(
                    "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED",
                    format!("field \"{}\" in subgraph \"{here}\" overrides subgraph \"{from}\", which does not define it", self.coordinate),
                );
                continue;
            };
            if source.override_from.is_some() {
                diags.error(
                    ErrorCode::OverrideSourceHasOverride,
                    format!(
                        "field \"{}\" in subgraph \"{here}\" overrides the field in subgraph \"{from}\", which is itself marked @override",
                        self.coordinate
                    ),
                );
            }
            overridden.insert(
                from_graph,
                Overridden {
                    by: *graph,
                    label: label.clone(),
                    used: self.used_in(source_type),
                },
            );
        }
        overridden
    }

    /// Whether a type's keys or requirements in its subgraph use this field.
    fn used_in(&self, ty: &TypeDef) -> bool {
        let selects = |fields: &str| field_set::top_level_names(fields).contains(self.field_name);
        ty.keys.iter().any(|key| selects(&key.fields))
            || ty
                .fields
                .values()
                .filter_map(|f| f.requires.as_deref())
                .any(selects)
    }
}

pub(crate) fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// The type every candidate is a subtype of (an output field's merged type), if one is.
fn most_general(candidates: &[&Type], supertypes: &Supertypes) -> Option<Type> {
    candidates
        .iter()
        .find(|candidate| {
            candidates
                .iter()
                .all(|other| is_subtype(other, candidate, Some(supertypes)))
        })
        .map(|t| (*t).clone())
}

/// The type that is a subtype of every candidate (an input's merged type), if one is.
pub(crate) fn most_specific(candidates: &[&Type]) -> Option<Type> {
    candidates
        .iter()
        .find(|candidate| {
            candidates
                .iter()
                .all(|other| is_subtype(candidate, other, None))
        })
        .map(|t| (*t).clone())
}

/// `sub` can be returned where `sup` is expected: same or non-null where `sup` is nullable,
/// lists of subtypes, an object for one of its interfaces or unions.
pub(crate) fn is_subtype(sub: &Type, sup: &Type, supertypes: Option<&Supertypes>) -> bool {
    if sup.is_non_null() {
        return sub.is_non_null()
            && is_subtype(&sub.clone().nullable(), &sup.clone().nullable(), supertypes);
    }
    match (sub.clone().nullable(), sup) {
        (Type::Named(a), Type::Named(b)) => {
            a == *b || supertypes.is_some_and(|s| s.get(&a).is_some_and(|set| set.contains(b)))
        }
        (Type::List(a), Type::List(b)) => is_subtype(&a, b, supertypes),
        _ => false,
    }
}
