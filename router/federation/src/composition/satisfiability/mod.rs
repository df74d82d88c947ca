//! Satisfiability: every field a client can select, on every path from a root, can be
//! planned. The check follows the planner's own rules on the loaded supergraph.
//!
//! A *state* is where a query can be: an object type (or an interface a subgraph defines as
//! `@interfaceObject`) fetched from one subgraph, with the fields an enclosing `@provides`
//! lets that subgraph give. From a state, a field is resolved in the same subgraph (its own
//! field without `@requires`, or a provided `@external` one), or else by an `_entities` jump
//! to a subgraph resolving it, through a resolvable `@key` whose fields, nested ones
//! included, can be fetched from the state (keys the subgraph gives alone first, as the
//! planner does), and whose `@requires` fields can be fetched from the state too. Each way
//! leads to the states the field's value can be in (each object of an abstract type).
//!
//! A state is *unsatisfiable* when some field has no way that leads only to satisfiable
//! states: then some query through it cannot be planned. That is a least fixpoint over the
//! states reachable from the roots, memoized per (type, subgraph, provided fields) state, so
//! the check is polynomial in the size of the supergraph. Progressive overrides are checked
//! with every label off and with every label on.

mod plannable;
mod states;

use super::error::{Diagnostics, ErrorCode};
use crate::Supergraph;
use crate::supergraph::{GraphId, Labels};
use apollo_compiler::executable::OperationType;
use states::{Demand, StateId, States};
use std::collections::{HashSet, VecDeque};

pub(crate) fn check(supergraph: &Supergraph, diags: &mut Diagnostics) {
    let mut worlds = vec![Labels::default()];
    if !supergraph.override_labels.is_empty() {
        let all_on = (0..supergraph.override_labels.len()).fold(Labels::default(), Labels::with);
        worlds.push(all_on);
    }
    let mut messages: Vec<String> = Vec::new();
    for labels in worlds {
        for message in Analysis::run(supergraph, labels) {
            if !messages.contains(&message) {
                messages.push(message);
            }
        }
    }
    for message in messages {
        diags.error(ErrorCode::SatisfiabilityError, message);
    }
}

struct Analysis<'s> {
    states: States<'s>,
    /// What can be asked of each state reachable from a root.
    demands: Vec<Option<Vec<Demand>>>,
    /// Unsatisfiable states: when they were found so, and the demand that makes them so.
    bad: Vec<Option<(usize, usize)>>,
    visited: HashSet<StateId>,
    messages: Vec<String>,
}

impl<'s> Analysis<'s> {
    fn run(supergraph: &'s Supergraph, labels: Labels) -> Vec<String> {
        let mut states = States::new(supergraph, labels);
        let roots = root_demands(&mut states);
        let mut demands: Vec<Option<Vec<Demand>>> = Vec::new();
        let mut queue: VecDeque<StateId> = roots
            .iter()
            .flat_map(|d| d.options.iter().flatten().copied())
            .collect();
        while let Some(id) = queue.pop_front() {
            if demands.get(id).is_some_and(Option::is_some) {
                continue;
            }
            let found = states.demands(id);
            queue.extend(
                found
                    .iter()
                    .flat_map(|d| d.options.iter().flatten().copied()),
            );
            demands.resize_with(states.all.len(), || None);
            demands[id] = Some(found);
        }
        demands.resize_with(states.all.len(), || None);
        let mut analysis = Self {
            bad: vec![None; states.all.len()],
            states,
            demands,
            visited: HashSet::new(),
            messages: Vec::new(),
        };
        analysis.find_unsatisfiable();
        for root in &roots {
            if analysis.fails(root) {
                analysis.describe(root, None, "");
            }
        }
        analysis.messages
    }

    fn fails(&self, demand: &Demand) -> bool {
        demand
            .options
            .iter()
            .all(|option| option.iter().any(|state| self.bad[*state].is_some()))
    }

    /// Marks unsatisfiable states until no more are found.
    fn find_unsatisfiable(&mut self) {
        let mut order = 0;
        loop {
            let mut changed = false;
            for id in 0..self.demands.len() {
                if self.bad[id].is_some() {
                    continue;
                }
                let Some(demands) = &self.demands[id] else {
                    continue;
                };
                if let Some(index) = demands.iter().position(|d| self.fails(d)) {
                    self.bad[id] = Some((order, index));
                    order += 1;
                    changed = true;
                }
            }
            if !changed {
                return;
            }
        }
    }

    /// Reports the fields that make `demand` fail, following its first way down to fields
    /// with no way at all.
    fn describe(&mut self, demand: &Demand, from: Option<GraphId>, path: &str) {
        let path = if path.is_empty() {
            demand.label.clone()
        } else {
            format!("{path} -> {}", demand.label)
        };
        if demand.options.is_empty() {
            let message = match from {
                Some(graph) => format!(
                    "field \"{}\" cannot be resolved on the path \"{path}\" from subgraph \"{}\": {}",
                    demand.label,
                    self.states.graph_name(graph),
                    demand.why
                ),
                None => format!(
                    "field \"{}\" cannot be resolved: {}",
                    demand.label, demand.why
                ),
            };
            if !self.messages.contains(&message) {
                self.messages.push(message);
            }
            return;
        }
        let Some(state) = demand.options[0]
            .iter()
            .copied()
            .filter_map(|s| self.bad[s].map(|(order, _)| (order, s)))
            .min()
            .map(|(_, s)| s)
        else {
            return;
        };
        if !self.visited.insert(state) {
            return;
        }
        let graph = self.states.all[state].graph;
        let demands = self.demands[state].take().unwrap_or_default();
        let failing: Vec<usize> = (0..demands.len())
            .filter(|i| self.fails(&demands[*i]))
            .collect();
        for index in failing {
            self.describe(&demands[index], Some(graph), &path);
        }
        self.demands[state] = Some(demands);
    }
}

/// The root fields, each resolved by any subgraph that resolves it (the planner picks one
/// whose plan works).
fn root_demands(states: &mut States<'_>) -> Vec<Demand> {
    let supergraph = states.supergraph;
    let mut roots = Vec::new();
    for kind in [
        OperationType::Query,
        OperationType::Mutation,
        OperationType::Subscription,
    ] {
        let Some(root) = supergraph.root_type(kind) else {
            continue;
        };
        for field in states.visible_fields(root) {
            let Some(ty) = states.field_type(root, &field) else {
                continue;
            };
            let mut options = Vec::new();
            for graph in supergraph.graphs_resolving(root, &field, states.labels) {
                let provides = supergraph
                    .field_in_graph_with(root, &field, graph, states.labels)
                    .and_then(|r| r.provides)
                    .cloned();
                options.push(states.expand(&ty, graph, provides));
            }
            roots.push(Demand {
                label: format!("{root}.{field}"),
                options,
                why: "no subgraph resolves it".to_owned(),
            });
        }
    }
    roots
}
