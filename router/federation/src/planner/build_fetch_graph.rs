//! First planning stage: walk the operation and decide, for every field, which subgraph
//! resolves it. Fields the current subgraph cannot resolve become entity jumps: the current
//! fetch also selects the entity's key (and any `@requires` fields), and a fetch to another
//! subgraph at the same response path resolves the field through `_entities`. The result is a
//! graph of fetches with their dependencies.

use crate::error::PlanError;
use crate::operation::{Field, Fragment, Selection, SelectionSet, merge_selection};
use crate::plan::{ContextVariable, ResponsePath, path_to_string};
use crate::supergraph::{GraphId, Labels, Supergraph};
use apollo_compiler::Name;
use apollo_compiler::ast::{self, OperationType};

mod jump;
mod selections;

use selections::{
    avoid_collisions, child_path, collect_for_type, collect_used_keys, flatten_root,
    provided_field, push_with_directives, typename,
};

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
