//! First planning stage: walk the operation and decide, for every field, which subgraph
//! resolves it. Fields the current subgraph cannot resolve become entity jumps: the current
//! fetch also selects the entity's key (and any `@requires` fields), and a fetch to another
//! subgraph at the same response path resolves the field through `_entities`. The result is a
//! graph of fetches with their dependencies.

use crate::error::PlanError;
use crate::operation::{Field, Fragment, Selection, SelectionSet, merge_selection};
use crate::plan::{ContextVariable, PathElement, ResponsePath, path_to_string};
use crate::supergraph::{GraphId, Labels, Supergraph};
use apollo_compiler::Name;
use apollo_compiler::ast::{self, OperationType};

pub(crate) type NodeId = usize;

/// One future subgraph request.
#[derive(Debug, Clone)]
pub(crate) struct FetchNode {
    pub graph: GraphId,
    /// `Some` for a root fetch (query or mutation fields), `None` for an `_entities` fetch.
    pub root: Option<OperationType>,
    /// Where the answers merge: empty for root fetches.
    pub path: ResponsePath,
    /// Entity fetches: `... on T { __typename key required }` per entity type.
    pub requires: Vec<Selection>,
    /// Root fetches: root selections. Entity fetches: `... on T { ... }` per entity type.
    pub body: Vec<Selection>,
    pub deps: Vec<NodeId>,
    /// Made for fields with `@requires`; kept apart from plain jumps to the same subgraph.
    pub for_requires: bool,
}

impl FetchNode {
    /// A fetch of root fields from `graph`.
    fn root(graph: GraphId, kind: OperationType) -> Self {
        Self {
            graph,
            root: Some(kind),
            path: Vec::new(),
            requires: Vec::new(),
            body: Vec::new(),
            deps: Vec::new(),
            for_requires: false,
        }
    }
}

#[derive(Clone)]
pub(crate) struct FetchGraph<'a> {
    supergraph: &'a Supergraph,
    /// The progressive override labels switched on for this plan.
    labels: Labels,
    pub nodes: Vec<FetchNode>,
    /// Nodes in the order selections were planned into them, to find a requirement's producers.
    touched: Vec<NodeId>,
    depth: usize,
    /// For each object being planned, the (response key, field name) pairs its selections
    /// use: internal fields must not take a key the client gave another field.
    used_keys: Vec<Vec<(Name, Name)>>,
    /// The fetches that give each context selection (`__context_N`): a field taking that
    /// context's value runs after them.
    context_producers: Vec<(Name, Vec<NodeId>)>,
    /// The operation's context variables.
    contexts: Vec<ContextVariable>,
}

/// Guards against supergraphs whose keys lead in circles.
const MAX_JUMP_DEPTH: usize = 64;
/// How many ways to make one jump are tried before the cheapest is kept.
const MAX_TRIALS: usize = 4;

impl<'a> FetchGraph<'a> {
    pub fn new(supergraph: &'a Supergraph, labels: Labels) -> Self {
        Self {
            supergraph,
            labels,
            nodes: Vec::new(),
            touched: Vec::new(),
            depth: 0,
            used_keys: Vec::new(),
            context_producers: Vec::new(),
            contexts: Vec::new(),
        }
    }

    /// The same graph for an operation whose `contexts` variables come from ancestors.
    pub fn with_contexts(mut self, contexts: &[ContextVariable]) -> Self {
        self.contexts = contexts.to_vec();
        self
    }

    /// Plans the root selections of an operation.
    pub fn plan_root(
        &mut self,
        kind: OperationType,
        selection_set: &SelectionSet,
    ) -> Result<(), PlanError> {
        let root_type = &selection_set.ty;
        let mut fields = Vec::new();
        flatten_root(
            &selection_set.items,
            &ast::DirectiveList::new(),
            &mut fields,
        );
        let mut previous_root: Option<NodeId> = None;
        for field in fields {
            if matches!(field.name.as_str(), "__schema" | "__type" | "__typename") {
                // Answered by the router itself.
                continue;
            }
            let graph = self.choose_root_graph(kind, root_type, &field, previous_root)?;
            let node = match kind {
                // Mutation fields run in order: only consecutive ones share a fetch.
                OperationType::Mutation => match previous_root {
                    Some(node) if self.nodes[node].graph == graph => node,
                    _ => self.push_node(FetchNode::root(graph, kind)),
                },
                _ => match self
                    .nodes
                    .iter()
                    .position(|node| node.root.is_some() && node.graph == graph)
                {
                    Some(node) => node,
                    None => self.push_node(FetchNode::root(graph, kind)),
                },
            };
            previous_root = Some(node);
            let mut body = std::mem::take(&mut self.nodes[node].body);
            let result = self.plan_field(node, root_type, &field, &Vec::new(), &mut body, None);
            self.nodes[node].body = body;
            result?;
        }
        Ok(())
    }

    fn push_node(&mut self, node: FetchNode) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// The subgraph for a root field: when several resolve it, the one whose plan takes the
    /// fewest sequential steps, then the fewest fetches (each tried on a copy of the graph).
    fn choose_root_graph(
        &self,
        kind: OperationType,
        root_type: &Name,
        field: &Field,
        previous: Option<NodeId>,
    ) -> Result<GraphId, PlanError> {
        let candidates = self
            .supergraph
            .graphs_resolving(root_type, &field.name, self.labels);
        let unplannable = || PlanError::Unplannable {
            path: field.response_key().to_string(),
            reason: format!("no subgraph resolves {root_type}.{}", field.name),
        };
        if candidates.len() <= 1 {
            return candidates.first().copied().ok_or_else(unplannable);
        }
        let mut best: Option<((usize, usize, GraphId), GraphId)> = None;
        for graph in candidates {
            let mut trial = self.clone();
            let node = trial.push_node(FetchNode::root(graph, kind));
            let mut body = Vec::new();
            if trial
                .plan_field(node, root_type, field, &Vec::new(), &mut body, None)
                .is_err()
            {
                continue;
            }
            // Sharing an existing root fetch saves a request.
            let shares = self
                .nodes
                .iter()
                .any(|n| n.root.is_some() && n.graph == graph)
                || previous.is_some_and(|p| self.nodes[p].graph == graph);
            let (steps, fetches) = trial.cost();
            let cost = (steps, fetches - usize::from(shares), graph);
            if best.is_none_or(|(current, _)| cost < current) {
                best = Some((cost, graph));
            }
        }
        best.map(|(_, graph)| graph).ok_or_else(unplannable)
    }

    /// The longest chain of dependent fetches, and the number of fetches.
    fn cost(&self) -> (usize, usize) {
        let mut level = vec![0usize; self.nodes.len()];
        for id in 0..self.nodes.len() {
            level[id] = self.nodes[id]
                .deps
                .iter()
                .map(|&dep| level[dep] + 1)
                .max()
                .unwrap_or(0);
        }
        (level.iter().max().map_or(0, |l| l + 1), self.nodes.len())
    }

    /// Whether `graph` resolves all of `items` on `ty` by itself, for every type the object
    /// can have there.
    fn resolves_locally(
        &self,
        graph: GraphId,
        ty: &Name,
        items: &[Selection],
        provided: Option<&SelectionSet>,
    ) -> bool {
        let runtime_types = if self.supergraph.is_abstract(ty) {
            self.supergraph.possible_types_in_graph(ty, graph)
        } else {
            vec![ty.clone()]
        };
        items.iter().all(|item| match item {
            Selection::Field(field) => {
                if field.name == "__typename" {
                    return true;
                }
                let provided_here = provided_field(provided, &field.name);
                let mut owners = runtime_types.iter().collect::<Vec<_>>();
                if self.supergraph.is_abstract(ty) {
                    owners.push(ty);
                }
                let resolvable = provided_here.is_some()
                    || owners.iter().all(|owner| {
                        self.supergraph
                            .field_in_graph_with(owner, &field.name, graph, self.labels)
                            .is_some_and(|r| r.requires.is_none())
                    });
                resolvable
                    && field.selection_set.as_ref().is_none_or(|selection_set| {
                        let child_provided = provided_here
                            .and_then(|f| f.selection_set.as_ref())
                            .or_else(|| {
                                self.supergraph
                                    .field_in_graph_with(ty, &field.name, graph, self.labels)
                                    .and_then(|r| r.provides)
                            });
                        self.resolves_locally(
                            graph,
                            &selection_set.ty,
                            &selection_set.items,
                            child_provided,
                        )
                    })
            }
            Selection::Fragment(fragment) => {
                let condition = fragment.type_condition.as_ref().unwrap_or(ty);
                if !self.supergraph.is_abstract(condition) && !runtime_types.contains(condition) {
                    // No object of that type comes from this subgraph here.
                    return true;
                }
                self.resolves_locally(graph, condition, &fragment.selection_set.items, provided)
            }
        })
    }

    /// Plans `items` selected on an object of type `ty` at `path`, fetched by `node`.
    fn plan_object(
        &mut self,
        node: NodeId,
        ty: &Name,
        items: &[Selection],
        path: &ResponsePath,
        out: &mut Vec<Selection>,
        provided: Option<&SelectionSet>,
    ) -> Result<(), PlanError> {
        let graph = self.nodes[node].graph;
        if self.supergraph.is_interface_object(ty, graph) {
            return self.plan_interface_object(node, ty, items, path, out, provided);
        }
        if self.supergraph.is_abstract(ty) {
            merge_selection(out, typename());
            if self.resolves_locally(graph, ty, items, provided) {
                return self.plan_items(node, ty, items, path, out, provided);
            }
            // Some runtime type needs another subgraph: plan each type on its own.
            for object in self.supergraph.possible_types_in_graph(ty, graph) {
                let mut for_object = Vec::new();
                collect_for_type(self.supergraph, &object, items, &mut for_object);
                if for_object.is_empty() {
                    continue;
                }
                let mut fragment_out = Vec::new();
                self.plan_items(
                    node,
                    &object,
                    &for_object,
                    path,
                    &mut fragment_out,
                    provided,
                )?;
                merge_selection(
                    out,
                    Selection::Fragment(Fragment {
                        type_condition: Some(object.clone()),
                        directives: ast::DirectiveList::new(),
                        selection_set: SelectionSet {
                            ty: object,
                            items: fragment_out,
                        },
                    }),
                );
            }
            return Ok(());
        }
        self.plan_items(node, ty, items, path, out, provided)
    }

    /// An interface at a position fetched from a subgraph that defines it as an
    /// `@interfaceObject`: that subgraph knows neither the object's real type nor the
    /// implementations. It gives the interface's own fields it resolves; the real type, the
    /// type conditions and the rest come from a subgraph where the interface is a real one,
    /// through an `_entities` fetch naming the interface.
    fn plan_interface_object(
        &mut self,
        node: NodeId,
        ty: &Name,
        items: &[Selection],
        path: &ResponsePath,
        out: &mut Vec<Selection>,
        provided: Option<&SelectionSet>,
    ) -> Result<(), PlanError> {
        let graph = self.nodes[node].graph;
        let (local, rest): (Vec<Selection>, Vec<Selection>) =
            items.iter().cloned().partition(|item| {
                matches!(item, Selection::Field(field)
                if field.name != "__typename"
                    && (provided_field(provided, &field.name).is_some()
                        || self
                            .supergraph
                            .field_in_graph_with(ty, &field.name, graph, self.labels)
                            .is_some_and(|r| r.requires.is_none())))
            });
        merge_selection(out, typename());
        self.plan_items(node, ty, &local, path, out, provided)?;
        if rest.is_empty() {
            return Ok(());
        }
        let target = (0..self.supergraph.graphs.len())
            .filter(|&other| other != graph && !self.supergraph.is_interface_object(ty, other))
            .find_map(|other| {
                self.supergraph
                    .resolvable_keys(ty, other)
                    .find(|key| self.resolves_locally(graph, ty, &key.selection.items, provided))
                    .map(|key| (other, key.selection.clone()))
            });
        let Some((target_graph, key)) = target else {
            return Err(PlanError::Unplannable {
                path: path_to_string(path),
                reason: format!(
                    "no subgraph defines the interface {ty} with a key to resolve its objects"
                ),
            });
        };
        let mark = self.touched.len();
        let mut used = Vec::new();
        collect_used_keys(items, &mut used);
        let key_items = avoid_collisions(out, &used, &key.items);
        self.plan_items(node, ty, &key_items, path, out, provided)?;
        let target = self.jump_target(node, mark, target_graph, path, ty, key_items, false);
        self.plan_in_fragment(target, ty, |this, items| {
            this.plan_object(target, ty, &rest, path, items, None)
        })
    }

    fn plan_items(
        &mut self,
        node: NodeId,
        ty: &Name,
        items: &[Selection],
        path: &ResponsePath,
        out: &mut Vec<Selection>,
        provided: Option<&SelectionSet>,
    ) -> Result<(), PlanError> {
        let mut used = Vec::new();
        collect_used_keys(items, &mut used);
        self.used_keys.push(used);
        let result = self.plan_items_inner(node, ty, items, path, out, provided);
        self.used_keys.pop();
        result
    }

    fn plan_items_inner(
        &mut self,
        node: NodeId,
        ty: &Name,
        items: &[Selection],
        path: &ResponsePath,
        out: &mut Vec<Selection>,
        provided: Option<&SelectionSet>,
    ) -> Result<(), PlanError> {
        for item in items {
            match item {
                Selection::Field(field) => self.plan_field(node, ty, field, path, out, provided)?,
                Selection::Fragment(fragment) => {
                    let condition = fragment.type_condition.as_ref().unwrap_or(ty);
                    let items = &fragment.selection_set.items;
                    if self.supergraph.is_abstract(ty) && condition != ty {
                        // Inside an abstract position this subgraph resolves entirely: the
                        // fragment stays, planned for its own type.
                        let mut inner = Vec::new();
                        self.plan_object(node, condition, items, path, &mut inner, provided)?;
                        merge_selection(
                            out,
                            Selection::Fragment(Fragment {
                                type_condition: Some(condition.clone()),
                                directives: fragment.directives.clone(),
                                selection_set: SelectionSet {
                                    ty: condition.clone(),
                                    items: inner,
                                },
                            }),
                        );
                    } else if condition == ty || self.supergraph.type_matches(ty, condition) {
                        // Applies to this object whatever its type: flattened into it.
                        let mut inner = Vec::new();
                        self.plan_items(node, ty, items, path, &mut inner, provided)?;
                        push_with_directives(out, &fragment.directives, inner);
                    }
                }
            }
        }
        Ok(())
    }

    fn plan_field(
        &mut self,
        node: NodeId,
        ty: &Name,
        field: &Field,
        path: &ResponsePath,
        out: &mut Vec<Selection>,
        provided: Option<&SelectionSet>,
    ) -> Result<(), PlanError> {
        if field.name == "__typename" {
            merge_selection(out, Selection::Field(field.clone()));
            return Ok(());
        }
        if let Some(key) = field
            .alias
            .as_ref()
            .filter(|alias| self.contexts.iter().any(|context| context.key == **alias))
        {
            // A context selection: remember which fetches give it.
            let mark = self.touched.len();
            let result = self.plan_field_inner(node, ty, field, path, out, provided);
            let mut producers = vec![node];
            producers.extend_from_slice(&self.touched[mark..]);
            self.context_producers.push((key.clone(), producers));
            return result;
        }
        if let Some(graph) = self.context_graph(ty, field) {
            // Its context arguments are the router's to give, per entity: always through
            // `_entities`, after the fetches that give the contexts.
            return self.jump(node, ty, field, path, out, provided, Some(graph));
        }
        self.plan_field_inner(node, ty, field, path, out, provided)
    }

    /// The subgraph resolving `ty.field` with arguments from contexts, when the operation
    /// gave the field its context variables.
    fn context_graph(&self, ty: &Name, field: &Field) -> Option<GraphId> {
        let bound = field.arguments.iter().any(|argument| {
            matches!(argument.value.as_ref(), ast::Value::Variable(_))
                && self.context_variable_of(argument).is_some()
        });
        if !bound {
            return None;
        }
        (0..self.supergraph.graphs.len()).find(|&graph| {
            !self
                .supergraph
                .context_arguments(ty, &field.name, graph)
                .is_empty()
        })
    }

    /// The context key (`__context_N`) whose value the argument takes, if it is one.
    fn context_variable_of(&self, argument: &ast::Argument) -> Option<Name> {
        let ast::Value::Variable(variable) = argument.value.as_ref() else {
            return None;
        };
        self.contexts
            .iter()
            .find(|context| context.variable == *variable)
            .map(|context| context.key.clone())
    }

    fn plan_field_inner(
        &mut self,
        node: NodeId,
        ty: &Name,
        field: &Field,
        path: &ResponsePath,
        out: &mut Vec<Selection>,
        provided: Option<&SelectionSet>,
    ) -> Result<(), PlanError> {
        let graph = self.nodes[node].graph;
        if let Some(provided_here) = provided_field(provided, &field.name) {
            let child_provided = provided_here.selection_set.clone();
            return self.emit_local(node, field, path, out, child_provided.as_ref());
        }
        match self
            .supergraph
            .field_in_graph_with(ty, &field.name, graph, self.labels)
        {
            Some(resolution) if resolution.requires.is_none() => {
                let provides = resolution.provides.cloned();
                self.emit_local(node, field, path, out, provides.as_ref())
            }
            Some(_) => self.jump(node, ty, field, path, out, provided, Some(graph)),
            None => self.jump(node, ty, field, path, out, provided, None),
        }
    }

    /// Adds `field` to the current fetch, planning its selection from the same subgraph.
    fn emit_local(
        &mut self,
        node: NodeId,
        field: &Field,
        path: &ResponsePath,
        out: &mut Vec<Selection>,
        provided: Option<&SelectionSet>,
    ) -> Result<(), PlanError> {
        let mut emitted = field.without_selection();
        if let Some(selection_set) = &field.selection_set {
            let child_path = child_path(path, field);
            let mut child_out = Vec::new();
            self.plan_object(
                node,
                &selection_set.ty,
                &selection_set.items,
                &child_path,
                &mut child_out,
                provided,
            )?;
            emitted.selection_set = Some(SelectionSet {
                ty: selection_set.ty.clone(),
                items: child_out,
            });
        }
        merge_selection(out, Selection::Field(emitted));
        Ok(())
    }

    /// Resolves `field` of the entity at `path` in another fetch: the current fetch selects
    /// the key (and requirements), an `_entities` fetch selects the field.
    #[allow(clippy::too_many_arguments)]
    fn jump(
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
    fn jump_to(
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
    fn jump_target(
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
    fn plan_in_fragment(
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
    fn entity_node(
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

    /// Whether `node` runs after `other` (directly or not).
    fn depends_on(&self, node: NodeId, other: NodeId) -> bool {
        let mut pending = vec![node];
        let mut seen = vec![false; self.nodes.len()];
        while let Some(current) = pending.pop() {
            for &dep in &self.nodes[current].deps {
                if dep == other {
                    return true;
                }
                if !seen[dep] {
                    seen[dep] = true;
                    pending.push(dep);
                }
            }
        }
        false
    }
}

/// Key or required fields to add next to `out`: a field whose response key a different
/// field of the client's already uses there (`upc: name`) gets an alias of its own
/// (`__upc: upc`), so the subgraph is not asked two things under one key. Representations are
/// written with the field's name, read from its alias.
fn avoid_collisions(
    out: &[Selection],
    used: &[(Name, Name)],
    items: &[Selection],
) -> Vec<Selection> {
    items
        .iter()
        .map(|item| match item {
            Selection::Field(field) => {
                let collides = out.iter().any(|existing| {
                    matches!(existing, Selection::Field(other)
                        if other.response_key() == field.response_key()
                            && (other.name != field.name || other.arguments != field.arguments))
                }) || used
                    .iter()
                    .any(|(key, name)| key == field.response_key() && *name != field.name);
                if collides {
                    let mut aliased = field.clone();
                    aliased.alias = Some(Name::new_unchecked(&format!("__{}", field.name)));
                    Selection::Field(aliased)
                } else {
                    item.clone()
                }
            }
            Selection::Fragment(_) => item.clone(),
        })
        .collect()
}

/// The response keys `items` use, with their fields' names, through fragments.
fn collect_used_keys(items: &[Selection], used: &mut Vec<(Name, Name)>) {
    for item in items {
        match item {
            Selection::Field(field) => {
                used.push((field.response_key().clone(), field.name.clone()))
            }
            Selection::Fragment(fragment) => collect_used_keys(&fragment.selection_set.items, used),
        }
    }
}

fn typename() -> Selection {
    Selection::Field(Field {
        alias: None,
        name: Name::new_unchecked("__typename"),
        arguments: Vec::new(),
        directives: ast::DirectiveList::new(),
        ty: ast::Type::NonNullNamed(Name::new_unchecked("String")),
        selection_set: None,
    })
}

fn on_type(ty: &Name, items: Vec<Selection>) -> Selection {
    Selection::Fragment(Fragment {
        type_condition: Some(ty.clone()),
        directives: ast::DirectiveList::new(),
        selection_set: SelectionSet {
            ty: ty.clone(),
            items,
        },
    })
}

/// Removes and returns the items of `... on ty` in `body`.
fn take_fragment_items(body: &mut Vec<Selection>, ty: &Name) -> Vec<Selection> {
    match body.iter().position(|item| {
        matches!(item, Selection::Fragment(fragment) if fragment.type_condition.as_ref() == Some(ty))
    }) {
        Some(index) => match body.remove(index) {
            Selection::Fragment(fragment) => fragment.selection_set.items,
            Selection::Field(_) => Vec::new(),
        },
        None => Vec::new(),
    }
}

fn push_with_directives(
    out: &mut Vec<Selection>,
    directives: &ast::DirectiveList,
    items: Vec<Selection>,
) {
    if directives.is_empty() {
        for item in items {
            merge_selection(out, item);
        }
    } else if !items.is_empty() {
        let ty = Name::new_unchecked("_");
        merge_selection(
            out,
            Selection::Fragment(Fragment {
                type_condition: None,
                directives: directives.clone(),
                selection_set: SelectionSet { ty, items },
            }),
        );
    }
}

/// The field `name` within a `@provides` selection, when provided.
fn provided_field<'s>(provided: Option<&'s SelectionSet>, name: &str) -> Option<&'s Field> {
    provided?.items.iter().find_map(|item| match item {
        Selection::Field(field) if field.name == name => Some(field),
        _ => None,
    })
}

/// The response path of a field's value: its key, and `@` for each list level.
fn child_path(path: &ResponsePath, field: &Field) -> ResponsePath {
    let mut child = path.clone();
    child.push(PathElement::Key(field.response_key().clone()));
    let mut ty = &field.ty;
    while let ast::Type::List(inner) | ast::Type::NonNullList(inner) = ty {
        child.push(PathElement::List);
        ty = inner;
    }
    child
}

/// The selections of `items` that apply to an object of type `object`, with fragments on
/// other types dropped and matching ones flattened.
fn collect_for_type(
    supergraph: &Supergraph,
    object: &Name,
    items: &[Selection],
    out: &mut Vec<Selection>,
) {
    for item in items {
        match item {
            Selection::Field(_) => merge_selection(out, item.clone()),
            Selection::Fragment(fragment) => {
                let matches = fragment
                    .type_condition
                    .as_ref()
                    .is_none_or(|condition| supergraph.type_matches(object, condition));
                if !matches {
                    continue;
                }
                if fragment.directives.is_empty() {
                    collect_for_type(supergraph, object, &fragment.selection_set.items, out);
                } else {
                    let mut inner = Vec::new();
                    collect_for_type(
                        supergraph,
                        object,
                        &fragment.selection_set.items,
                        &mut inner,
                    );
                    push_with_directives(out, &fragment.directives, inner);
                }
            }
        }
    }
}

/// Root selections as a list of fields; fragments on the root type are flattened, their
/// directives carried onto the fields they held.
fn flatten_root(items: &[Selection], inherited: &ast::DirectiveList, out: &mut Vec<Field>) {
    for item in items {
        match item {
            Selection::Field(field) => {
                let mut field = field.clone();
                for directive in inherited.iter() {
                    field.directives.push(directive.clone());
                }
                out.push(field);
            }
            Selection::Fragment(fragment) => {
                let mut directives = inherited.clone();
                for directive in fragment.directives.iter() {
                    directives.push(directive.clone());
                }
                flatten_root(&fragment.selection_set.items, &directives, out);
            }
        }
    }
}
