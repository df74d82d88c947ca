//! Demand control: an operation's estimated (static) cost from the supergraph's `@cost` and
//! `@listSize` (the IBM cost directives, `cost/v0.1`).
//!
//! [`CostPlan::compile`] walks the operation once, when it is planned, and folds everything
//! that does not depend on variables into constants. What is left — list sizes taken from
//! slicing arguments given as variables, and `requireOneSlicingArgument` checks on them — is
//! evaluated per request by [`CostPlan::estimate`], which allocates nothing.
//!
//! The rules (see `docs/router.md`, "Demand control"):
//! - a field costs its `@cost(weight:)`, else its type's, else 1 for objects, interfaces and
//!   unions and 0 for scalars and enums; plus the cost of its selections;
//! - a list field costs `size × (its cost + its selections)`; the size comes from the
//!   parent's `@listSize(sizedFields:)`, else its own `@listSize`: the largest slicing
//!   argument given, else `assumedSize`, else the configured default list size;
//! - arguments (and input object fields given in literals) with a weight add it, once;
//! - selections on an interface or union cost the most any of its object types would;
//! - a mutation adds a base cost of 10, queries and subscriptions 0.

mod compile;
#[cfg(test)]
mod tests;

use apollo_compiler::Name;
use apollo_compiler::response::{JsonMap, JsonValue};

/// The base cost of a mutation operation.
pub const MUTATION_BASE_COST: u64 = 10;

/// An operation's cost, compiled: constants where they are known, the rest to evaluate.
#[derive(Debug, Clone)]
pub struct CostPlan {
    root: Node,
    /// `requireOneSlicingArgument` checks whose answer depends on variables.
    checks: Vec<Check>,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Const(u64),
    /// The sum of the parts (at most one of them a constant).
    Sum(Vec<Node>),
    /// The largest of the parts: the object types an abstract selection may be.
    Max(Vec<Node>),
    /// `size × cost`.
    Times(Size, Box<Node>),
}

/// A list size that depends on variables: the largest of the slicing arguments given.
#[derive(Debug, Clone, PartialEq)]
struct Size {
    /// The largest slicing argument given as a literal.
    literal: Option<u64>,
    /// Slicing arguments given as variables.
    variables: Vec<Name>,
    /// When no variable has a value: the largest default value of the slicing arguments.
    default: Option<u64>,
    /// When no slicing argument has a value: `assumedSize`, else the default list size.
    fallback: u64,
}

/// A field with `requireOneSlicingArgument` whose slicing arguments include variables.
#[derive(Debug, Clone)]
struct Check {
    field: String,
    arguments: Vec<String>,
    /// Slicing arguments given as (non-null) literals.
    literals: usize,
    variables: Vec<Name>,
    /// A slicing argument has a default value, which counts when none is given.
    has_default: bool,
}

/// Why an operation's cost cannot be estimated: the client's to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CostError {
    /// `@listSize(requireOneSlicingArgument: true)` and not exactly one slicing argument.
    #[error("`{field}` needs exactly one of its slicing arguments ({}), {given} given", arguments.join(", "))]
    SlicingArguments {
        field: String,
        arguments: Vec<String>,
        given: usize,
    },
}

impl CostPlan {
    /// The cost when it does not depend on variables.
    pub fn constant(&self) -> Option<u64> {
        match self.root {
            Node::Const(cost) if self.checks.is_empty() => Some(cost),
            _ => None,
        }
    }

    /// The operation's estimated cost with these (coerced) variable values.
    pub fn estimate(&self, variables: &JsonMap) -> Result<u64, CostError> {
        for check in &self.checks {
            let given = check.literals
                + check
                    .variables
                    .iter()
                    .filter(|name| int_variable(variables, name).is_some())
                    .count();
            // An argument whose variable is absent (not null) takes its default value.
            let defaulted = given == 0
                && check.has_default
                && check
                    .variables
                    .iter()
                    .all(|name| !variables.contains_key(name.as_str()));
            if given != 1 && !defaulted {
                return Err(CostError::SlicingArguments {
                    field: check.field.clone(),
                    arguments: check.arguments.clone(),
                    given,
                });
            }
        }
        Ok(self.root.evaluate(variables))
    }
}

impl Node {
    fn evaluate(&self, variables: &JsonMap) -> u64 {
        match self {
            Self::Const(cost) => *cost,
            Self::Sum(parts) => parts
                .iter()
                .fold(0, |sum, part| sum.saturating_add(part.evaluate(variables))),
            Self::Max(parts) => parts
                .iter()
                .map(|part| part.evaluate(variables))
                .max()
                .unwrap_or(0),
            Self::Times(size, cost) => size
                .evaluate(variables)
                .saturating_mul(cost.evaluate(variables)),
        }
    }
}

impl Size {
    fn fixed(size: u64) -> Self {
        Self {
            literal: None,
            variables: Vec::new(),
            default: None,
            fallback: size,
        }
    }

    /// The size when it does not depend on variables.
    fn constant(&self) -> Option<u64> {
        self.variables
            .is_empty()
            .then(|| self.literal.unwrap_or(self.fallback))
    }

    fn evaluate(&self, variables: &JsonMap) -> u64 {
        let from_variables = self
            .variables
            .iter()
            .filter_map(|name| int_variable(variables, name))
            .max();
        match (self.literal, from_variables) {
            (Some(a), Some(b)) => a.max(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => self.default.unwrap_or(self.fallback),
        }
    }
}

/// A variable's value as a list size: negative numbers count as 0, null as not given.
fn int_variable(variables: &JsonMap, name: &str) -> Option<u64> {
    match variables.get(name)? {
        JsonValue::Number(number) => Some(
            number
                .as_u64()
                .or_else(|| number.as_i64().map(|_| 0))
                .unwrap_or(0),
        ),
        _ => None,
    }
}
