//! A simplified satisfiability check: every field of the supergraph must be resolvable by
//! some subgraph that a query can actually reach with an object of its type.
//!
//! What it covers: starting from the root types in every subgraph, an object type is
//! *reached in subgraph S* when a field S resolves returns it (abstract types reach their
//! possible types in S), or when it is reached in another subgraph that can produce the
//! top-level fields of one of its resolvable `@key`s in S (an `_entities` jump), or through
//! an `@interfaceObject` (an implementation reached anywhere reaches the interface object's
//! subgraph, and back). A field of a reached type that only subgraphs where its type is
//! never reached can resolve is an error.
//!
//! What it does not cover (unlike Apollo's full query-graph analysis): whether nested key
//! fields and `@requires` selections can be produced along the path, `@provides`-only
//! paths, and the cost of paths. It accepts no supergraph the planner cannot plan a field of
//! for those reasons it does check; it may accept some that fail at planning time.

use super::error::{Diagnostics, ErrorCode, quoted_list};
use super::field_set;
use super::merge::{GraphId, JoinFields, Merged, MergedType};
use super::subgraph::Kind;
use apollo_compiler::Name;
use std::collections::{HashSet, VecDeque};

pub(crate) fn check(merged: &Merged, diags: &mut Diagnostics) {
    let reached = reach(merged);
    for (type_name, ty) in &merged.types {
        if ty.kind != Kind::Object {
            continue;
        }
        let reached_in: Vec<GraphId> = (0..merged.graphs.len())
            .filter(|g| reached.contains(&(type_name.clone(), *g)))
            .collect();
        if reached_in.is_empty() {
            continue;
        }
        for (field_name, field) in &ty.fields {
            let ok = match &field.join {
                JoinFields::Bare => ty.implements.iter().any(|(interface, _)| {
                    reached_in_graphs(&reached, interface, merged)
                        .any(|g| resolves(merged, interface, field_name, g))
                }),
                _ => reached_in
                    .iter()
                    .any(|g| resolves(merged, type_name, field_name, *g)),
            };
            if ok {
                continue;
            }
            let resolving: Vec<&str> = (0..merged.graphs.len())
                .filter(|g| resolves(merged, type_name, field_name, *g))
                .map(|g| merged.graphs[g].name.as_str())
                .collect();
            let reached_names: Vec<&str> = reached_in
                .iter()
                .map(|g| merged.graphs[*g].name.as_str())
                .collect();
            diags.error(
                ErrorCode::SatisfiabilityError,
                format!(
                    "field \"{type_name}.{field_name}\" cannot be resolved: only subgraph{} {} can resolve it, where type \"{type_name}\" is never reached (no resolvable @key there that another subgraph can jump through, and no field there returns it); \"{type_name}\" is reached in subgraph{} {}",
                    if resolving.len() == 1 { "" } else { "s" },
                    quoted_list(&resolving),
                    if reached_names.len() == 1 { "" } else { "s" },
                    quoted_list(&reached_names)
                ),
            );
        }
    }
}

fn reached_in_graphs<'a>(
    reached: &'a HashSet<(Name, GraphId)>,
    ty: &'a Name,
    merged: &'a Merged,
) -> impl Iterator<Item = GraphId> + 'a {
    (0..merged.graphs.len()).filter(move |g| reached.contains(&(ty.clone(), *g)))
}

/// Every (type, subgraph) a query can be in.
fn reach(merged: &Merged) -> HashSet<(Name, GraphId)> {
    let mut reached = HashSet::new();
    let mut queue = VecDeque::new();
    for root in ["Query", "Mutation", "Subscription"] {
        if let Some(ty) = merged.types.get(root) {
            for join in &ty.join_types {
                queue.push_back((Name::new_unchecked(root), join.graph));
            }
        }
    }
    while let Some((type_name, graph)) = queue.pop_front() {
        if !reached.insert((type_name.clone(), graph)) {
            continue;
        }
        let Some(ty) = merged.types.get(&type_name) else {
            continue;
        };
        let interface_object_here = is_interface_object(ty, graph);
        match ty.kind {
            Kind::Union => {
                for (member, graphs) in &ty.members {
                    if graphs.contains(&graph) {
                        queue.push_back((member.clone(), graph));
                    }
                }
            }
            Kind::Interface if !interface_object_here => {
                for (name, other) in &merged.types {
                    let implements_here = other
                        .implements
                        .iter()
                        .any(|(i, graphs)| *i == type_name && graphs.contains(&graph));
                    if implements_here {
                        queue.push_back((name.clone(), graph));
                    }
                }
            }
            _ => {}
        }
        // Entity jumps, by keys the target resolves and this subgraph can produce.
        for join in &ty.join_types {
            if join.graph == graph || !join.resolvable {
                continue;
            }
            let Some(key) = &join.key else { continue };
            let available = field_set::top_level_names(key)
                .iter()
                .all(|f| resolves(merged, &type_name, f, graph) || is_key_field(ty, f, graph));
            if available {
                queue.push_back((type_name.clone(), join.graph));
            }
        }
        // Interface objects: an implementation reaches the interface object's subgraphs,
        // and an interface object reaches the subgraphs defining the interface.
        let interfaces: Vec<&Name> = match ty.kind {
            Kind::Object => ty.implements.iter().map(|(i, _)| i).collect(),
            Kind::Interface => vec![&type_name],
            _ => Vec::new(),
        };
        for interface in interfaces {
            if let Some(interface_type) = merged.types.get(interface) {
                for join in &interface_type.join_types {
                    if join.key.is_some() && join.resolvable && join.graph != graph {
                        queue.push_back((interface.clone(), join.graph));
                    }
                }
            }
        }
        // Fields this subgraph resolves lead to their types here.
        for (field_name, field) in &ty.fields {
            if resolves(merged, &type_name, field_name, graph) {
                let base = field.ty.inner_named_type();
                if merged
                    .types
                    .get(base)
                    .is_some_and(|t| matches!(t.kind, Kind::Object | Kind::Interface | Kind::Union))
                {
                    queue.push_back((base.clone(), graph));
                }
            }
        }
    }
    reached
}

fn is_interface_object(ty: &MergedType, graph: GraphId) -> bool {
    ty.join_types
        .iter()
        .any(|j| j.graph == graph && j.interface_object)
}

fn is_key_field(ty: &MergedType, field: &Name, graph: GraphId) -> bool {
    ty.join_types
        .iter()
        .filter(|j| j.graph == graph)
        .filter_map(|j| j.key.as_deref())
        .any(|key| field_set::top_level_names(key).contains(field))
}

/// Whether `graph` resolves `type_name.field` (defines it, not `@external`, not overridden).
fn resolves(merged: &Merged, type_name: &Name, field: &Name, graph: GraphId) -> bool {
    let Some(ty) = merged.types.get(type_name) else {
        return false;
    };
    let Some(merged_field) = ty.fields.get(field) else {
        return false;
    };
    match &merged_field.join {
        JoinFields::Everywhere => ty.join_types.iter().any(|j| j.graph == graph),
        JoinFields::Bare => false,
        JoinFields::Graphs(joins) => joins
            .iter()
            .any(|j| j.graph == graph && !j.external && !j.used_overridden),
    }
}
