//! Where a query can be and how it can go on, as the planner sees it: states (an object, or
//! an interface some subgraph defines as `@interfaceObject`, fetched from one subgraph with
//! what an enclosing `@provides` gives), and for each field the ways to resolve it from a
//! state, each leading to the states its value can then be in.

use crate::Supergraph;
use crate::operation::{Selection, SelectionSet};
use crate::supergraph::{GraphId, Labels};
use apollo_compiler::Name;
use apollo_compiler::schema::ExtendedType;
use std::collections::{HashMap, HashSet};

pub(super) type StateId = usize;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct State {
    pub ty: Name,
    pub graph: GraphId,
    /// What the `@provides` of the field that led here lets `graph` give besides its own.
    pub provided: Option<SelectionSet>,
}

/// Something a client can ask of a state: a field (or, for an interface object, the
/// objects' real types). Each option is one way to resolve it, with every state its value
/// can be in; no option at all comes with why.
pub(super) struct Demand {
    pub label: String,
    pub options: Vec<Vec<StateId>>,
    pub why: String,
}

/// The states met so far and the facts about them computed once.
pub(super) struct States<'s> {
    pub supergraph: &'s Supergraph,
    pub labels: Labels,
    pub all: Vec<State>,
    ids: HashMap<State, StateId>,
    pub(super) plannable: HashMap<(StateId, Vec<Selection>, bool), bool>,
    pub(super) in_progress: HashSet<(StateId, Vec<Selection>, bool)>,
    pub(super) cycle: bool,
}

/// One way to jump to another subgraph for a field, and whether it works from here.
struct Jump {
    graph: GraphId,
    entity: Name,
    key: SelectionSet,
    problem: Option<String>,
}

impl<'s> States<'s> {
    pub fn new(supergraph: &'s Supergraph, labels: Labels) -> Self {
        Self {
            supergraph,
            labels,
            all: Vec::new(),
            ids: HashMap::new(),
            plannable: HashMap::new(),
            in_progress: HashSet::new(),
            cycle: false,
        }
    }

    pub fn graph_name(&self, graph: GraphId) -> &str {
        &self.supergraph.graph(graph).name
    }

    fn id(&mut self, state: State) -> StateId {
        if let Some(id) = self.ids.get(&state) {
            return *id;
        }
        self.all.push(state.clone());
        self.ids.insert(state, self.all.len() - 1);
        self.all.len() - 1
    }

    /// The states a value of type `ty` fetched from `graph` can be in: none for a leaf, each
    /// object the subgraph may return for an abstract type.
    pub fn expand(
        &mut self,
        ty: &Name,
        graph: GraphId,
        provided: Option<SelectionSet>,
    ) -> Vec<StateId> {
        let types: Vec<Name> = match self.supergraph.schema.types.get(ty) {
            Some(ExtendedType::Object(_)) => vec![ty.clone()],
            Some(ExtendedType::Interface(_)) if self.supergraph.is_interface_object(ty, graph) => {
                vec![ty.clone()]
            }
            Some(ExtendedType::Interface(_) | ExtendedType::Union(_)) => {
                self.supergraph.possible_types_in_graph(ty, graph)
            }
            _ => Vec::new(),
        };
        types
            .into_iter()
            .map(|ty| {
                self.id(State {
                    ty,
                    graph,
                    provided: provided.clone(),
                })
            })
            .collect()
    }

    /// The type of `ty.field` in the supergraph.
    pub fn field_type(&self, ty: &str, field: &str) -> Option<Name> {
        let definition = match self.supergraph.schema.types.get(ty)? {
            ExtendedType::Object(object) => object.fields.get(field)?,
            ExtendedType::Interface(interface) => interface.fields.get(field)?,
            _ => return None,
        };
        Some(definition.ty.inner_named_type().clone())
    }

    /// The fields clients can select on `ty` (none when the type is hidden).
    pub fn visible_fields(&self, ty: &str) -> Vec<Name> {
        match self.supergraph.api.types.get(ty) {
            Some(ExtendedType::Object(object)) => object.fields.keys().cloned().collect(),
            Some(ExtendedType::Interface(interface)) => interface.fields.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// What a client can ask of state `id`.
    pub fn demands(&mut self, id: StateId) -> Vec<Demand> {
        let state = self.all[id].clone();
        let interface_object = self.supergraph.is_interface_object(&state.ty, state.graph);
        let mut demands = Vec::new();
        for field in self.visible_fields(&state.ty) {
            let label = format!("{}.{field}", state.ty);
            if let Some(option) = self.local(&state, &field) {
                demands.push(Demand {
                    label,
                    options: vec![option],
                    why: String::new(),
                });
            } else if !interface_object {
                let (options, why) = self.jumps(id, &field);
                demands.push(Demand {
                    label,
                    options,
                    why,
                });
            }
        }
        if interface_object && !self.supergraph.possible_types(&state.ty).is_empty() {
            let label = format!("{}.__typename", state.ty);
            let options: Vec<Vec<StateId>> = self.interface_target(id).into_iter().collect();
            let why = format!(
                "no subgraph where \"{}\" is an interface has a resolvable @key that subgraph \"{}\" can give",
                state.ty,
                self.graph_name(state.graph)
            );
            demands.push(Demand {
                label,
                options,
                why,
            });
        }
        demands
    }

    /// Resolving `field` in the state's own subgraph: given by a `@provides`, or resolved
    /// there without `@requires`.
    pub(super) fn local(&mut self, state: &State, field: &Name) -> Option<Vec<StateId>> {
        let ty = self.field_type(&state.ty, field)?;
        if let Some(provided) = provided_field(state.provided.as_ref(), field) {
            let child = provided.selection_set.clone();
            return Some(self.expand(&ty, state.graph, child));
        }
        let resolution =
            self.supergraph
                .field_in_graph_with(&state.ty, field, state.graph, self.labels)?;
        if resolution.requires.is_some() {
            return None;
        }
        let provides = resolution.provides.cloned();
        Some(self.expand(&ty, state.graph, provides))
    }

    /// The planner's entity jumps for `field`: to the subgraphs resolving it (its own when
    /// it has `@requires` there) by a resolvable key; keys the current subgraph gives by
    /// itself first, other keys only when there is none such.
    pub(super) fn jumps(&mut self, id: StateId, field: &Name) -> (Vec<Vec<StateId>>, String) {
        let state = self.all[id].clone();
        let here = self.graph_name(state.graph).to_owned();
        let Some(ty) = self.field_type(&state.ty, field) else {
            return (Vec::new(), "it does not exist".to_owned());
        };
        let own = self
            .supergraph
            .field_in_graph_with(&state.ty, field, state.graph, self.labels)
            .is_some();
        let mut candidates: Vec<(GraphId, Name)> = if own {
            vec![(state.graph, state.ty.clone())]
        } else {
            self.supergraph
                .graphs_resolving(&state.ty, field, self.labels)
                .into_iter()
                .filter(|graph| *graph != state.graph)
                .map(|graph| (graph, state.ty.clone()))
                .collect()
        };
        if candidates.is_empty() {
            candidates = self
                .supergraph
                .interface_object_routes(&state.ty, field)
                .into_iter()
                .filter(|(_, graph)| *graph != state.graph)
                .map(|(interface, graph)| (graph, interface))
                .collect();
        }
        if candidates.is_empty() {
            return (
                Vec::new(),
                format!("subgraph \"{here}\" does not resolve it and no other subgraph does"),
            );
        }
        let mut jumps = Vec::new();
        for direct in [true, false] {
            for (graph, entity) in &candidates {
                let keys: Vec<SelectionSet> = self
                    .supergraph
                    .resolvable_keys(entity, *graph)
                    .map(|key| key.selection.clone())
                    .collect();
                for key in keys {
                    if self.plannable(id, &key.items, false) == direct {
                        jumps.push(Jump {
                            graph: *graph,
                            entity: entity.clone(),
                            key,
                            problem: None,
                        });
                    }
                }
            }
            if !jumps.is_empty() {
                break;
            }
        }
        if jumps.is_empty() {
            let names: Vec<&str> = candidates
                .iter()
                .map(|(g, _)| self.graph_name(*g))
                .collect();
            return (
                Vec::new(),
                format!(
                    "it is resolved by subgraph{} {}, where \"{}\" has no resolvable @key",
                    if names.len() == 1 { "" } else { "s" },
                    super::super::error::quoted_list(&names),
                    state.ty
                ),
            );
        }
        let mut options = Vec::new();
        for jump in &mut jumps {
            let resolution =
                self.supergraph
                    .field_in_graph_with(&jump.entity, field, jump.graph, self.labels);
            let requires = resolution.and_then(|r| r.requires).cloned();
            let provides = resolution.and_then(|r| r.provides).cloned();
            let target = self.graph_name(jump.graph).to_owned();
            if !self.plannable(id, &jump.key.items, true) {
                jump.problem = Some(format!(
                    "subgraph \"{here}\" cannot give the fields of @key(fields: \"{}\") of subgraph \"{target}\"",
                    print_items(&jump.key.items)
                ));
            } else if let Some(requires) = requires.filter(|r| !self.plannable(id, &r.items, true))
            {
                jump.problem = Some(format!(
                    "the fields of its @requires(fields: \"{}\") in subgraph \"{target}\" cannot be fetched",
                    print_items(&requires.items)
                ));
            } else {
                options.push(self.expand(&ty, jump.graph, provides));
            }
        }
        let problems: Vec<String> = jumps.into_iter().filter_map(|j| j.problem).collect();
        (options, problems.join("; "))
    }

    /// From an interface object, the subgraph that gives the objects' real types: the first
    /// where the interface is one, by a key the interface object's subgraph gives.
    pub(super) fn interface_target(&mut self, id: StateId) -> Option<Vec<StateId>> {
        let state = self.all[id].clone();
        for graph in 0..self.supergraph.graphs.len() {
            if graph == state.graph || self.supergraph.is_interface_object(&state.ty, graph) {
                continue;
            }
            let keys: Vec<SelectionSet> = self
                .supergraph
                .resolvable_keys(&state.ty, graph)
                .map(|key| key.selection.clone())
                .collect();
            if keys.iter().any(|key| self.plannable(id, &key.items, false)) {
                return Some(self.expand(&state.ty, graph, None));
            }
        }
        None
    }
}

/// The field `name` within a `@provides` selection, when provided.
fn provided_field<'p>(
    provided: Option<&'p SelectionSet>,
    name: &str,
) -> Option<&'p crate::operation::Field> {
    provided?.items.iter().find_map(|item| match item {
        Selection::Field(field) if field.name == name => Some(field),
        _ => None,
    })
}

/// A field set as written in a directive: `id org { id }`.
fn print_items(items: &[Selection]) -> String {
    let printed: Vec<String> = items
        .iter()
        .map(|item| match item {
            Selection::Field(field) => match &field.selection_set {
                Some(selection_set) => {
                    format!("{} {{ {} }}", field.name, print_items(&selection_set.items))
                }
                None => field.name.to_string(),
            },
            Selection::Fragment(fragment) => format!(
                "... on {} {{ {} }}",
                fragment
                    .type_condition
                    .as_ref()
                    .unwrap_or(&fragment.selection_set.ty),
                print_items(&fragment.selection_set.items)
            ),
        })
        .collect();
    printed.join(" ")
}
