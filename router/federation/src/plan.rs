//! Query plans: a tree of subgraph fetches run in sequence or in parallel, entity fetches
//! flattened into the response path they complete. A subscription's plan is its primary
//! fetch (the subscription sent to the one subgraph resolving its root field) and the rest,
//! run for each event. Plans print in a readable text form.

use crate::context_batch::ContextBatch;
use crate::operation::{SelectionSet, keyword, write_selections};
use crate::supergraph::GraphId;
use apollo_compiler::Name;
use apollo_compiler::ast::OperationType;
use std::fmt::{self, Write};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct QueryPlan {
    pub kind: OperationType,
    /// `None` when nothing needs a subgraph (e.g. only introspection or `__typename`).
    pub root: Option<PlanNode>,
}

#[derive(Debug, Clone)]
pub enum PlanNode {
    Sequence(Vec<PlanNode>),
    Parallel(Vec<PlanNode>),
    Fetch(Arc<FetchStep>),
    /// Runs the fetch for each object at `path` and merges the answers into them.
    Flatten {
        path: ResponsePath,
        node: Box<PlanNode>,
    },
    /// A subscription: `primary` is sent to its subgraph once, as a subscription; each event
    /// it yields is the root data `rest` (the entity fetches) completes. Only ever the root
    /// of a plan. Executing this node runs `rest` alone: the event is the execution's
    /// initial data.
    Subscription {
        primary: Arc<FetchStep>,
        rest: Option<Box<PlanNode>>,
    },
}

/// One element of a path into a response: a field's response key, or every item of a list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathElement {
    Key(Name),
    List,
}

pub type ResponsePath = Vec<PathElement>;

/// One request to one subgraph.
#[derive(Debug, Clone)]
pub struct FetchStep {
    pub graph: GraphId,
    /// The subgraph's name, for display and errors.
    pub service: String,
    pub kind: OperationType,
    /// The GraphQL operation sent to the subgraph.
    pub operation: String,
    /// `operation` as a JSON string, quoted and escaped once at planning.
    pub operation_json: String,
    /// Client variables the operation uses, forwarded as they are.
    pub variables: Vec<Name>,
    /// For entity fetches: the selection each representation is built from
    /// (`... on T { __typename key required }`).
    pub requires: Option<SelectionSet>,
    /// What the fetch selects (for display): root selections, or `... on T { }` per type.
    pub selections: SelectionSet,
    /// Variables whose value each entity takes from its nearest ancestor (`@fromContext`).
    pub contexts: Vec<ContextVariable>,
    /// For an entity fetch with `contexts`: its operation for several groups of entities
    /// whose context values differ, one aliased `_entities` each.
    pub batch: Option<ContextBatch>,
}

/// A variable of an entity fetch whose value comes from a context: for each entity, the
/// value at `key` on the nearest enclosing object that has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextVariable {
    pub variable: Name,
    pub key: Name,
}

impl FetchStep {
    pub fn is_entity_fetch(&self) -> bool {
        self.requires.is_some()
    }

    /// Object types whose representations this fetch takes.
    pub fn entity_types(&self) -> impl Iterator<Item = &Name> {
        self.requires.iter().flat_map(|requires| {
            requires.items.iter().filter_map(|item| match item {
                crate::operation::Selection::Fragment(fragment) => fragment.type_condition.as_ref(),
                crate::operation::Selection::Field(_) => None,
            })
        })
    }
}

impl PlanNode {
    /// Every fetch of the plan, in order.
    pub fn fetches(&self) -> Vec<&FetchStep> {
        let mut found = Vec::new();
        self.collect_fetches(&mut found);
        found
    }

    fn collect_fetches<'a>(&'a self, found: &mut Vec<&'a FetchStep>) {
        match self {
            Self::Sequence(nodes) | Self::Parallel(nodes) => {
                nodes.iter().for_each(|node| node.collect_fetches(found));
            }
            Self::Fetch(fetch) => found.push(fetch),
            Self::Flatten { node, .. } => node.collect_fetches(found),
            Self::Subscription { primary, rest } => {
                found.push(primary);
                if let Some(rest) = rest {
                    rest.collect_fetches(found);
                }
            }
        }
    }
}

pub fn path_to_string(path: &ResponsePath) -> String {
    path.iter()
        .map(|element| match element {
            PathElement::Key(key) => key.as_str(),
            PathElement::List => "@",
        })
        .collect::<Vec<_>>()
        .join(".")
}

impl fmt::Display for QueryPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::from("QueryPlan {\n");
        if let Some(root) = &self.root {
            write_node(&mut out, root, 1);
        }
        out.push('}');
        f.write_str(&out)
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_node(out: &mut String, node: &PlanNode, depth: usize) {
    indent(out, depth);
    match node {
        PlanNode::Sequence(nodes) | PlanNode::Parallel(nodes) => {
            out.push_str(if matches!(node, PlanNode::Sequence(_)) {
                "Sequence {\n"
            } else {
                "Parallel {\n"
            });
            for child in nodes {
                write_node(out, child, depth + 1);
            }
            indent(out, depth);
            out.push_str("},\n");
        }
        PlanNode::Flatten { path, node } => {
            let _ = writeln!(out, "Flatten(path: \"{}\") {{", path_to_string(path));
            write_node(out, node, depth + 1);
            indent(out, depth);
            out.push_str("},\n");
        }
        PlanNode::Subscription { primary, rest } => {
            out.push_str("Subscription {\n");
            indent(out, depth + 1);
            out.push_str("Primary {\n");
            write_node(out, &PlanNode::Fetch(primary.clone()), depth + 2);
            indent(out, depth + 1);
            out.push_str("},\n");
            if let Some(rest) = rest {
                indent(out, depth + 1);
                out.push_str("Rest {\n");
                write_node(out, rest, depth + 2);
                indent(out, depth + 1);
                out.push_str("},\n");
            }
            indent(out, depth);
            out.push_str("},\n");
        }
        PlanNode::Fetch(fetch) => {
            let _ = writeln!(out, "Fetch(service: \"{}\") {{", fetch.service);
            indent(out, depth + 1);
            if let Some(requires) = &fetch.requires {
                write_selections(out, &requires.items);
                out.push_str(" =>\n");
                indent(out, depth + 1);
            } else if fetch.kind != OperationType::Query {
                out.push_str(keyword(fetch.kind));
                out.push(' ');
            }
            write_selections(out, &fetch.selections.items);
            out.push('\n');
            indent(out, depth);
            out.push_str("},\n");
        }
    }
}
