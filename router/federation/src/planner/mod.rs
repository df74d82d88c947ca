//! Query planning: from a validated operation to a [`QueryPlan`], in two stages (after
//! [`add_contexts`] gave `@fromContext` arguments their variables and ancestors' selections):
//! [`build_fetch_graph`] decides which subgraph resolves each field and where entity jumps
//! are needed; [`build_query_plan`] arranges the fetches into sequence and parallel steps.

mod add_contexts;
mod build_fetch_graph;
mod build_query_plan;

use crate::error::PlanError;
use crate::operation::Operation;
use crate::plan::QueryPlan;
use crate::supergraph::{Labels, Supergraph};
use apollo_compiler::ast::OperationType;

/// Plans an operation over a supergraph (progressive overrides with their labels off).
pub fn plan(supergraph: &Supergraph, operation: &Operation) -> Result<QueryPlan, PlanError> {
    plan_with_labels(supergraph, operation, Labels::default())
}

/// Plans an operation with the progressive override `labels` of a request switched on.
pub fn plan_with_labels(
    supergraph: &Supergraph,
    operation: &Operation,
    labels: Labels,
) -> Result<QueryPlan, PlanError> {
    let with_contexts = add_contexts::add_contexts(supergraph, operation)?;
    let (operation, contexts) = match &with_contexts {
        Some(with) => (&with.operation, with.variables.as_slice()),
        None => (operation, &[][..]),
    };
    let mut graph = build_fetch_graph::FetchGraph::new(supergraph, labels).with_contexts(contexts);
    graph.plan_root(operation.kind, &operation.selection_set)?;
    if operation.kind == OperationType::Subscription {
        // One root field (validation saw to it), so at most one root fetch.
        let roots = graph
            .nodes
            .iter()
            .filter(|node| node.root.is_some())
            .count();
        if roots != 1 {
            return Err(PlanError::Unplannable {
                path: String::new(),
                reason: "a subscription needs exactly one root field resolved by a subgraph"
                    .to_owned(),
            });
        }
    }
    Ok(build_query_plan::build_query_plan(
        supergraph,
        operation,
        &graph.nodes,
        contexts,
    ))
}
