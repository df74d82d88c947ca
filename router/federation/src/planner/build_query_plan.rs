//! Second planning stage: turn the fetch graph into a plan tree. Each fetch starts as soon as
//! what it depends on is done: a fetch with one dependency runs right after it (so unrelated
//! branches do not wait for each other); when a fetch depends on several, the plan falls back
//! to steps, each step running in parallel everything whose dependencies are met. A
//! subscription's one root fetch becomes the plan's primary; the rest is arranged the same
//! way, without it.

use super::build_fetch_graph::{FetchNode, NodeId};
use crate::context_batch::ContextBatch;
use crate::operation::{Operation, SelectionSet, collect_variables, keyword, write_selections};
use crate::plan::{ContextVariable, FetchStep, PlanNode, QueryPlan};
use crate::supergraph::Supergraph;
use apollo_compiler::Name;
use apollo_compiler::ast::{self, OperationType};
use std::fmt::Write;
use std::sync::Arc;

pub(crate) fn build_query_plan(
    supergraph: &Supergraph,
    operation: &Operation,
    nodes: &[FetchNode],
    contexts: &[ContextVariable],
) -> QueryPlan {
    let steps: Vec<PlanNode> = nodes
        .iter()
        .enumerate()
        .map(|(index, node)| fetch_node(supergraph, operation, node, index, contexts))
        .collect();
    // A subscription's root fetch (the planner made exactly one) is left out of the tree.
    let primary = (operation.kind == OperationType::Subscription)
        .then(|| nodes.iter().position(|node| node.root.is_some()))
        .flatten();
    let root = if nodes.is_empty() {
        None
    } else if nodes.iter().all(|node| node.deps.len() <= 1) {
        Some(tree(operation.kind, nodes, &steps, primary))
    } else {
        Some(levels(nodes, &steps, primary))
    };
    let root = match (primary, root) {
        (Some(primary), rest) => Some(PlanNode::Subscription {
            primary: Arc::new(fetch_step(
                supergraph,
                operation,
                &nodes[primary],
                primary,
                contexts,
            )),
            rest: rest
                .filter(|rest| {
                    !matches!(rest, PlanNode::Parallel(nodes) | PlanNode::Sequence(nodes)
                        if nodes.is_empty())
                })
                .map(Box::new),
        }),
        (None, root) => root,
    };
    QueryPlan {
        kind: operation.kind,
        root,
    }
}

/// Each fetch followed by what depends on it alone, in parallel; `skip` (a subscription's
/// primary) is left out, what depends on it kept.
fn tree(
    kind: OperationType,
    nodes: &[FetchNode],
    steps: &[PlanNode],
    skip: Option<NodeId>,
) -> PlanNode {
    fn children(id: NodeId, nodes: &[FetchNode], steps: &[PlanNode]) -> PlanNode {
        parallel(
            (0..nodes.len())
                .filter(|&child| nodes[child].deps == [id])
                .map(|child| subtree(child, nodes, steps))
                .collect(),
        )
    }
    fn subtree(id: NodeId, nodes: &[FetchNode], steps: &[PlanNode]) -> PlanNode {
        sequence(vec![steps[id].clone(), children(id, nodes, steps)])
    }
    let roots: Vec<PlanNode> = (0..nodes.len())
        .filter(|&id| nodes[id].deps.is_empty())
        .map(|id| {
            if Some(id) == skip {
                children(id, nodes, steps)
            } else {
                subtree(id, nodes, steps)
            }
        })
        .collect();
    if kind == OperationType::Mutation {
        sequence(roots)
    } else {
        parallel(roots)
    }
}

/// Steps: everything whose dependencies are done runs together; `skip` left out.
fn levels(nodes: &[FetchNode], steps: &[PlanNode], skip: Option<NodeId>) -> PlanNode {
    let mut level = vec![0usize; nodes.len()];
    // Dependencies always have smaller ids than their dependents.
    for id in 0..nodes.len() {
        level[id] = nodes[id]
            .deps
            .iter()
            .map(|&dep| level[dep] + 1)
            .max()
            .unwrap_or(0);
    }
    let depth = level.iter().copied().max().unwrap_or(0);
    sequence(
        (0..=depth)
            .map(|current| {
                parallel(
                    (0..nodes.len())
                        .filter(|&id| level[id] == current && Some(id) != skip)
                        .map(|id| steps[id].clone())
                        .collect(),
                )
            })
            .collect(),
    )
}

fn sequence(nodes: Vec<PlanNode>) -> PlanNode {
    let mut flat = Vec::new();
    for node in nodes {
        match node {
            PlanNode::Sequence(inner) => flat.extend(inner),
            PlanNode::Parallel(inner) if inner.is_empty() => {}
            other => flat.push(other),
        }
    }
    if flat.len() == 1 {
        flat.remove(0)
    } else {
        PlanNode::Sequence(flat)
    }
}

fn parallel(nodes: Vec<PlanNode>) -> PlanNode {
    let mut flat = Vec::new();
    for node in nodes {
        match node {
            PlanNode::Parallel(inner) => flat.extend(inner),
            other => flat.push(other),
        }
    }
    if flat.len() == 1 {
        flat.remove(0)
    } else {
        PlanNode::Parallel(flat)
    }
}

fn fetch_node(
    supergraph: &Supergraph,
    operation: &Operation,
    node: &FetchNode,
    index: usize,
    contexts: &[ContextVariable],
) -> PlanNode {
    let fetch = PlanNode::Fetch(Arc::new(fetch_step(
        supergraph, operation, node, index, contexts,
    )));
    if node.path.is_empty() {
        fetch
    } else {
        PlanNode::Flatten {
            path: node.path.clone(),
            node: Box::new(fetch),
        }
    }
}

fn fetch_step(
    supergraph: &Supergraph,
    operation: &Operation,
    node: &FetchNode,
    index: usize,
    contexts: &[ContextVariable],
) -> FetchStep {
    let graph = supergraph.graph(node.graph);
    let mut variables = Vec::new();
    collect_variables(&node.body, &mut variables);
    let contexts: Vec<ContextVariable> = contexts
        .iter()
        .filter(|context| variables.contains(&context.variable))
        .cloned()
        .collect();
    let defined: Vec<&ast::VariableDefinition> = variables
        .iter()
        .filter_map(|name| operation.variables.iter().find(|v| v.name == *name))
        .map(|definition| definition.as_ref())
        .collect();
    let definitions: Vec<String> = defined.iter().map(ToString::to_string).collect();
    let kind = node.root.unwrap_or(OperationType::Query);
    let name = operation
        .name
        .as_ref()
        .map(|name| {
            format!(
                " {name}__{}__{index}",
                graph
                    .name
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            )
        })
        .unwrap_or_default();

    let mut text = String::new();
    let _ = write!(text, "{}{name}", keyword(kind));
    let head = format!("{text}(");
    if node.root.is_some() {
        if !definitions.is_empty() {
            let _ = write!(text, "({})", definitions.join(", "));
        }
        text.push(' ');
        write_selections(&mut text, &node.body);
        FetchStep {
            graph: node.graph,
            service: graph.name.clone(),
            kind,
            operation_json: serde_json::to_string(&text).unwrap_or_default(),
            operation: text,
            variables,
            requires: None,
            contexts,
            batch: None,
            selections: SelectionSet {
                ty: supergraph
                    .root_type(kind)
                    .cloned()
                    .unwrap_or_else(|| Name::new_unchecked("Query")),
                items: node.body.clone(),
            },
        }
    } else {
        let mut all = vec!["$representations: [_Any!]!".to_owned()];
        all.extend(definitions);
        let _ = write!(
            text,
            "({}) {{ _entities(representations: $representations) ",
            all.join(", ")
        );
        write_selections(&mut text, &node.body);
        text.push_str(" }");
        let any = Name::new_unchecked("_Entity");
        let batch = (!contexts.is_empty())
            .then(|| ContextBatch::new(&head, &node.body, &variables, &defined, &contexts));
        FetchStep {
            graph: node.graph,
            service: graph.name.clone(),
            kind,
            operation_json: serde_json::to_string(&text).unwrap_or_default(),
            operation: text,
            variables,
            requires: Some(SelectionSet {
                ty: any.clone(),
                items: node.requires.clone(),
            }),
            contexts,
            batch,
            selections: SelectionSet {
                ty: any,
                items: node.body.clone(),
            },
        }
    }
}
