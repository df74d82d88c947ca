//! Entity jumps: a field the current subgraph cannot resolve is resolved by another through
//! `_entities`. The current fetch selects the entity's key (and any `@requires` fields), and
//! the cheapest of a few ways to make the jump is kept.

use crate::error::PlanError;
use crate::operation::{Field, Selection, SelectionSet, merge_selection};
use crate::plan::{ResponsePath, path_to_string};
use crate::supergraph::GraphId;
use apollo_compiler::Name;

use super::selections::{avoid_collisions, on_type, take_fragment_items, typename};
use super::{FetchGraph, FetchNode, MAX_JUMP_DEPTH, MAX_TRIALS, NodeId};

impl FetchGraph<'_> {
    /// Resolves `field` of the entity at `path` in another fetch: the current fetch selects
    /// the key (and requirements), an `_entities` fetch selects the field.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn jump(
        &mut self,
        from: NodeId,
        ty: &Name,
        field: &Field,
        path: &ResponsePath,
        out: &mut Vec<Selection>,
        provided: Option<&SelectionSet>,
        target_graph: Option<GraphId>,
    ) -> Result<(), PlanError> {
        let unplannable = |reason: String| PlanError::Unplannable {
            path: format!("{}.{}", path_to_string(path), field.response_key())
                .trim_start_matches('.')
                .to_owned(),
            reason,
        };
        self.depth += 1;
        if self.depth > MAX_JUMP_DEPTH {
            self.depth -= 1;
            return Err(unplannable("entity jumps go in circles".to_owned()));
        }
        let from_graph = self.nodes[from].graph;
        // Each candidate: a subgraph, and the type its entity fetch names (the object type
        // itself, or an interface the subgraph defines as `@interfaceObject`).
        let mut candidates: Vec<(GraphId, Name)> = match target_graph {
            Some(graph) => vec![(graph, ty.clone())],
            None => self
                .supergraph
                .graphs_resolving(ty, &field.name, self.labels)
                .into_iter()
                .filter(|graph| *graph != from_graph)
                .map(|graph| (graph, ty.clone()))
                .collect(),
        };
        if candidates.is_empty() && target_graph.is_none() {
            candidates = self
                .supergraph
                .interface_object_routes(ty, &field.name)
                .into_iter()
                .filter(|(_, graph)| *graph != from_graph)
                .map(|(interface, graph)| (graph, interface))
                .collect();
        }
        // Keys the current subgraph gives directly come first; any resolvable key will do
        // when its fields can be fetched first. With several options, each is tried on a
        // copy of the graph and the cheapest plan wins.
        let mut choices: Vec<(GraphId, SelectionSet, Name)> = Vec::new();
        for direct in [true, false] {
            for (graph, entity) in &candidates {
                for key in self.supergraph.resolvable_keys(entity, *graph) {
                    let local =
                        self.resolves_locally(from_graph, ty, &key.selection.items, provided);
                    if local == direct {
                        choices.push((*graph, key.selection.clone(), entity.clone()));
                    }
                }
            }
            if !choices.is_empty() {
                break;
            }
        }
        if choices.is_empty() {
            self.depth -= 1;
            return Err(unplannable(if candidates.is_empty() {
                format!("no subgraph resolves {ty}.{}", field.name)
            } else {
                format!(
                    "no subgraph that resolves {ty}.{} can be reached by a key",
                    field.name
                )
            }));
        }
        let mut choice = 0;
        if choices.len() > 1 {
            let mut best: Option<(usize, usize)> = None;
            for (index, (graph, key, entity)) in choices.iter().enumerate().take(MAX_TRIALS) {
                let mut trial = self.clone();
                let mut trial_out = out.clone();
                let tried = trial.jump_to(
                    from,
                    ty,
                    field,
                    path,
                    &mut trial_out,
                    provided,
                    *graph,
                    key,
                    entity,
                );
                if tried.is_ok() && best.is_none_or(|current| trial.cost() < (current.0, current.1))
                {
                    best = Some(trial.cost());
                    choice = index;
                }
            }
        }
        let (graph, key, entity) = choices.swap_remove(choice);
        let result = self.jump_to(from, ty, field, path, out, provided, graph, &key, &entity);
        self.depth -= 1;
        result
    }

    /// [`jump`](Self::jump) to `graph` by `key`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn jump_to(
        &mut self,
        from: NodeId,
        ty: &Name,
        field: &Field,
        path: &ResponsePath,
        out: &mut Vec<Selection>,
        provided: Option<&SelectionSet>,
        graph: GraphId,
        key: &SelectionSet,
        entity: &Name,
    ) -> Result<(), PlanError> {
        let resolution =
            self.supergraph
                .field_in_graph_with(entity, &field.name, graph, self.labels);
        let requires = resolution.and_then(|r| r.requires).cloned();
        let provides = resolution.and_then(|r| r.provides).cloned();

        // The current fetch (and, for what it cannot give, earlier jumps) supplies the key
        // and the required fields.
        let mark = self.touched.len();
        let used = self.used_keys.last().cloned().unwrap_or_default();
        let key_items = avoid_collisions(out, &used, &key.items);
        self.plan_items(from, ty, &key_items, path, out, provided)?;
        let required_items = requires
            .as_ref()
            .map(|requires| avoid_collisions(out, &used, &requires.items));
        if let Some(required_items) = &required_items {
            self.plan_items(from, ty, required_items, path, out, provided)?;
        }
        merge_selection(out, typename());
        // Fields with context arguments wait for the fetches giving those contexts.
        let mut for_requires = requires.is_some();
        for argument in &field.arguments {
            if let Some(key) = self.context_variable_of(argument) {
                let producers: Vec<NodeId> = self
                    .context_producers
                    .iter()
                    .filter(|(produced, _)| *produced == key)
                    .flat_map(|(_, nodes)| nodes.iter().copied())
                    .collect();
                self.touched.extend(producers);
                for_requires = true;
            }
        }
        let mut representation = key_items;
        representation.extend(required_items.into_iter().flatten());
        let target = self.jump_target(
            from,
            mark,
            graph,
            path,
            entity,
            representation,
            for_requires,
        );
        self.plan_in_fragment(target, entity, |this, items| {
            this.emit_local(target, field, path, items, provides.as_ref())
        })
    }

    /// The entity fetch a jump from `from` lands in: it runs after `from` and after every
    /// fetch touched since `mark` (they give the key and the requirements), and takes
    /// `__typename` plus `representation` of each `entity` object.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn jump_target(
        &mut self,
        from: NodeId,
        mark: usize,
        graph: GraphId,
        path: &ResponsePath,
        entity: &Name,
        representation: Vec<Selection>,
        for_requires: bool,
    ) -> NodeId {
        let mut deps = vec![from];
        for producer in self.touched[mark..].iter().copied() {
            if !deps.contains(&producer) {
                deps.push(producer);
            }
        }
        let target = self.entity_node(graph, path, deps, for_requires);
        let mut merged = Vec::new();
        for item in std::iter::once(typename()).chain(representation) {
            merge_selection(&mut merged, item);
        }
        merge_selection(&mut self.nodes[target].requires, on_type(entity, merged));
        target
    }

    /// Runs `plan` on the selections of `... on entity` in `target`'s body.
    pub(super) fn plan_in_fragment(
        &mut self,
        target: NodeId,
        entity: &Name,
        plan: impl FnOnce(&mut Self, &mut Vec<Selection>) -> Result<(), PlanError>,
    ) -> Result<(), PlanError> {
        let mut body = std::mem::take(&mut self.nodes[target].body);
        let mut items = take_fragment_items(&mut body, entity);
        let result = plan(self, &mut items);
        merge_selection(&mut body, on_type(entity, items));
        self.nodes[target].body = body;
        result
    }

    /// An entity fetch to `graph` at `path`, shared with earlier jumps when that creates no
    /// cycle.
    pub(super) fn entity_node(
        &mut self,
        graph: GraphId,
        path: &ResponsePath,
        deps: Vec<NodeId>,
        for_requires: bool,
    ) -> NodeId {
        let reusable = (0..self.nodes.len()).find(|&id| {
            let node = &self.nodes[id];
            node.root.is_none()
                && node.graph == graph
                && node.path == *path
                && node.for_requires == for_requires
                && deps
                    .iter()
                    .all(|&dep| dep != id && !self.depends_on(dep, id))
        });
        let id = match reusable {
            Some(id) => {
                for dep in deps {
                    if !self.nodes[id].deps.contains(&dep) {
                        self.nodes[id].deps.push(dep);
                    }
                }
                id
            }
            None => self.push_node(FetchNode {
                graph,
                root: None,
                path: path.clone(),
                requires: Vec::new(),
                body: Vec::new(),
                deps,
                for_requires,
            }),
        };
        self.touched.push(id);
        id
    }
}
