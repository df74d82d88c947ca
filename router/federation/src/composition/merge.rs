//! Merging the subgraphs' types into the supergraph's: one type per name, with the join
//! directives recording which subgraph defines what (`@join__type`, `@join__implements`,
//! `@join__unionMember`, `@join__enumValue`); fields are merged in `merge_fields`, enum
//! values and input fields in `merge_inputs`.

use super::applied::merge_applied;
use super::contexts::{ContextArgument, qualified};
use super::error::{Diagnostics, ErrorCode, subgraph_list};
use super::implementations;
use super::merge_fields;
use super::merge_inputs;
use super::subgraph::{Applied, ComposedDirective, FieldDef, Kind, Subgraph, TypeDef};
use apollo_compiler::ast::Type;
use apollo_compiler::{Name, Node, ast};
use indexmap::IndexMap;
use std::collections::{HashMap, HashSet};

pub(crate) type GraphId = usize;

/// A subgraph as the supergraph names it.
pub(crate) struct Graph {
    pub name: String,
    pub url: String,
    /// Its `join__Graph` value: the name upper-cased, other characters as `_`.
    pub enum_value: String,
}

#[derive(Debug, Clone)]
pub(crate) struct JoinType {
    pub graph: GraphId,
    pub key: Option<String>,
    pub extension: bool,
    pub resolvable: bool,
    pub interface_object: bool,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct JoinField {
    pub graph: GraphId,
    pub requires: Option<String>,
    pub provides: Option<String>,
    /// The field's type in this subgraph, when subgraphs disagree.
    pub ty: Option<Type>,
    pub external: bool,
    pub override_from: Option<String>,
    pub override_label: Option<String>,
    pub used_overridden: bool,
    /// Arguments this subgraph takes from contexts.
    pub context_arguments: Vec<ContextArgument>,
}

/// Where a supergraph field is resolved.
#[derive(Debug, Clone)]
pub(crate) enum JoinFields {
    /// No `@join__field`: wherever its type is.
    Everywhere,
    /// A bare `@join__field`: through an `@interfaceObject` of an interface it implements.
    Bare,
    Graphs(Vec<JoinField>),
}

#[derive(Debug, Clone)]
pub(crate) struct MergedField {
    pub description: Option<String>,
    pub ty: Type,
    pub arguments: IndexMap<Name, MergedField>,
    pub default: Option<Node<ast::Value>>,
    pub join: JoinFields,
    pub applied: Applied,
}

#[derive(Debug, Clone)]
pub(crate) struct MergedValue {
    pub description: Option<String>,
    pub graphs: Vec<GraphId>,
    pub applied: Applied,
}

#[derive(Debug, Clone)]
pub(crate) struct MergedType {
    pub kind: Kind,
    pub description: Option<String>,
    pub join_types: Vec<JoinType>,
    pub implements: Vec<(Name, Vec<GraphId>)>,
    pub fields: IndexMap<Name, MergedField>,
    pub members: Vec<(Name, Vec<GraphId>)>,
    pub values: IndexMap<Name, MergedValue>,
    pub specified_by: Option<String>,
    /// The contexts the type sets, qualified with their subgraph's name.
    pub contexts: Vec<String>,
    pub applied: Applied,
}

/// The supergraph before printing.
pub(crate) struct Merged {
    pub graphs: Vec<Graph>,
    pub types: IndexMap<Name, MergedType>,
    pub composed: Vec<ComposedDirective>,
}

/// Interfaces each type implements and unions it is a member of, in any subgraph.
pub(crate) type Supertypes = HashMap<Name, HashSet<Name>>;

pub(crate) fn merge(subgraphs: &[Subgraph], diags: &mut Diagnostics) -> Merged {
    let graphs = graph_names(subgraphs);
    let mut by_name: IndexMap<Name, Vec<(GraphId, &TypeDef)>> = IndexMap::new();
    let mut supertypes: Supertypes = HashMap::new();
    for (graph, subgraph) in subgraphs.iter().enumerate() {
        for (name, ty) in &subgraph.types {
            by_name.entry(name.clone()).or_default().push((graph, ty));
            for interface in &ty.implements {
                supertypes
                    .entry(name.clone())
                    .or_default()
                    .insert(interface.clone());
            }
            for member in &ty.members {
                supertypes
                    .entry(member.clone())
                    .or_default()
                    .insert(name.clone());
            }
        }
    }
    let usage = merge_inputs::enum_usage(subgraphs);
    let mut types = IndexMap::new();
    for (name, sources) in &by_name {
        let Some(kind) = merged_kind(name, sources, subgraphs, diags) else {
            continue;
        };
        let mut merged = MergedType {
            kind,
            description: pick_description(sources.iter().map(|(_, t)| t.description.as_ref())),
            join_types: join_types(sources),
            implements: Vec::new(),
            fields: IndexMap::new(),
            members: Vec::new(),
            values: IndexMap::new(),
            specified_by: sources.iter().find_map(|(_, t)| t.specified_by.clone()),
            contexts: sources
                .iter()
                .flat_map(|(g, t)| t.contexts.iter().map(|c| qualified(&subgraphs[*g], c)))
                .collect(),
            applied: merge_applied(sources.iter().map(|(_, t)| &t.applied)),
        };
        match kind {
            Kind::Object | Kind::Interface => {
                merged.implements = union_with_graphs(sources, |t| &t.implements);
                merged.fields =
                    merge_fields::merge_fields(name, sources, subgraphs, &supertypes, diags);
            }
            Kind::Union => merged.members = union_with_graphs(sources, |t| &t.members),
            Kind::Enum => {
                merged.values = merge_inputs::merge_enum(name, sources, subgraphs, &usage, diags)
            }
            Kind::InputObject => {
                merged.fields = merge_inputs::merge_input(name, sources, subgraphs, diags)
            }
            Kind::Scalar => {}
        }
        if kind != Kind::Scalar && extension_only(name, sources, subgraphs) {
            diags.error(
                ErrorCode::ExtensionWithNoBase,
                format!(
                    "type \"{name}\" is only extended, never defined: in {}",
                    subgraph_list(&names_of(sources, subgraphs))
                ),
            );
        }
        types.insert(name.clone(), merged);
    }
    // Every subgraph has a query root (federation adds `_service` to it).
    if let Some(query) = types.get_mut("Query") {
        for graph in 0..subgraphs.len() {
            if !query.join_types.iter().any(|j| j.graph == graph) {
                query.join_types.push(JoinType {
                    graph,
                    key: None,
                    extension: false,
                    resolvable: true,
                    interface_object: false,
                });
            }
        }
        query.join_types.sort_by_key(|j| j.graph);
    }
    if types.get("Query").is_none_or(|q| q.fields.is_empty()) {
        diags.error(
            ErrorCode::NoQueries,
            "no subgraph defines a field of the query root type \"Query\"",
        );
    }
    implementations::add_interface_object_fields(&mut types);
    implementations::check_implementations(&types, subgraphs, &supertypes, diags);
    Merged {
        graphs,
        types,
        composed: composed_directives(subgraphs, diags),
    }
}

fn graph_names(subgraphs: &[Subgraph]) -> Vec<Graph> {
    let mut used = HashSet::new();
    subgraphs
        .iter()
        .map(|subgraph| {
            let mut value: String = subgraph
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            if value.is_empty() || value.starts_with(|c: char| c.is_ascii_digit()) {
                value.insert(0, '_');
            }
            let mut unique = value.clone();
            let mut suffix = 1;
            while !used.insert(unique.clone()) {
                unique = format!("{value}_{suffix}");
                suffix += 1;
            }
            Graph {
                name: subgraph.name.clone(),
                url: subgraph.url.clone(),
                enum_value: unique,
            }
        })
        .collect()
}

fn names_of(sources: &[(GraphId, &TypeDef)], subgraphs: &[Subgraph]) -> Vec<String> {
    sources
        .iter()
        .map(|(g, _)| subgraphs[*g].name.clone())
        .collect()
}

/// The supergraph kind of a type, or `None` after reporting subgraphs that disagree. An
/// `@interfaceObject` is the object form of an interface defined elsewhere.
fn merged_kind(
    name: &Name,
    sources: &[(GraphId, &TypeDef)],
    subgraphs: &[Subgraph],
    diags: &mut Diagnostics,
) -> Option<Kind> {
    let kind_of = |t: &TypeDef| {
        if t.interface_object {
            Kind::Interface
        } else {
            t.kind
        }
    };
    let (first_graph, first) = sources.first()?;
    let kind = kind_of(first);
    if let Some((graph, other)) = sources.iter().find(|(_, t)| kind_of(t) != kind) {
        diags.error(
            ErrorCode::TypeKindMismatch,
            format!(
                "type \"{name}\" is {} in subgraph \"{}\" but {} in subgraph \"{}\"",
                first.kind.describe(),
                subgraphs[*first_graph].name,
                other.kind.describe(),
                subgraphs[*graph].name
            ),
        );
        return None;
    }
    if kind == Kind::Interface && sources.iter().all(|(_, t)| t.interface_object) {
        diags.error(
            ErrorCode::InterfaceObjectUsageError,
            format!(
                "type \"{name}\" is an @interfaceObject in {} but no subgraph defines the interface \"{name}\"",
                subgraph_list(&names_of(sources, subgraphs))
            ),
        );
        return None;
    }
    Some(kind)
}

fn join_types(sources: &[(GraphId, &TypeDef)]) -> Vec<JoinType> {
    let mut joins = Vec::new();
    for (graph, ty) in sources {
        if ty.keys.is_empty() {
            joins.push(JoinType {
                graph: *graph,
                key: None,
                extension: false,
                resolvable: true,
                interface_object: ty.interface_object,
            });
        }
        for key in &ty.keys {
            joins.push(JoinType {
                graph: *graph,
                key: Some(key.fields.clone()),
                extension: ty.extension,
                resolvable: key.resolvable,
                interface_object: ty.interface_object,
            });
        }
    }
    joins
}

fn union_with_graphs(
    sources: &[(GraphId, &TypeDef)],
    list: impl Fn(&TypeDef) -> &Vec<Name>,
) -> Vec<(Name, Vec<GraphId>)> {
    let mut merged: IndexMap<Name, Vec<GraphId>> = IndexMap::new();
    for (graph, ty) in sources {
        for name in list(ty) {
            merged.entry(name.clone()).or_default().push(*graph);
        }
    }
    merged.into_iter().collect()
}

/// Federation 1 types must be defined (not only extended) somewhere; root types excepted.
fn extension_only(name: &Name, sources: &[(GraphId, &TypeDef)], subgraphs: &[Subgraph]) -> bool {
    !matches!(name.as_str(), "Query" | "Mutation" | "Subscription")
        && sources.iter().all(|(_, t)| t.extension)
        && sources.iter().any(|(g, _)| !subgraphs[*g].fed2)
}

/// The description most subgraphs give (the first of the most common).
pub(crate) fn pick_description<'a>(
    descriptions: impl Iterator<Item = Option<&'a String>>,
) -> Option<String> {
    let mut counts: IndexMap<&String, usize> = IndexMap::new();
    for description in descriptions.flatten() {
        if !description.trim().is_empty() {
            *counts.entry(description).or_default() += 1;
        }
    }
    let best = counts.values().copied().max()?;
    counts
        .into_iter()
        .find(|(_, count)| *count == best)
        .map(|(d, _)| d.clone())
}

/// The composed directives of all subgraphs, one per name; versions must agree.
fn composed_directives(subgraphs: &[Subgraph], diags: &mut Diagnostics) -> Vec<ComposedDirective> {
    let mut composed: Vec<(ComposedDirective, &str)> = Vec::new();
    for subgraph in subgraphs {
        for directive in &subgraph.composed {
            match composed.iter().find(|(c, _)| c.name == directive.name) {
                Some((existing, first)) if existing.link.url != directive.link.url => {
                    diags.error(
                        ErrorCode::DirectiveCompositionError,
                        format!(
                            "directive \"@{}\" comes from \"{}\" in subgraph \"{first}\" but from \"{}\" in subgraph \"{}\"",
                            directive.name, existing.link.url, directive.link.url, subgraph.name
                        ),
                    );
                }
                Some(_) => {}
                None => composed.push((directive.clone(), &subgraph.name)),
            }
        }
    }
    composed.into_iter().map(|(c, _)| c).collect()
}

/// A field's definitions in the subgraphs defining its type: (graph, field, its type there).
pub(crate) type FieldSources<'a> = Vec<(GraphId, &'a FieldDef, &'a TypeDef)>;
