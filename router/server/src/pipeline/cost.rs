//! Demand control: each request's estimated cost (compiled with its plan, evaluated with its
//! variables) against `limits.max_cost`, before any subgraph is called.

use super::{Pipeline, Prepared, Refused, plain};
use apollo_compiler::response::{JsonMap, JsonValue};
use std::io::Write;

/// The router's demand-control settings.
#[derive(Debug, Clone, Copy)]
pub(super) struct CostControl {
    /// `limits.max_cost`.
    pub max: Option<u64>,
    /// Refuse operations over the limit (`mode: enforce`), or only log them (`measure`).
    pub enforce: bool,
    /// Report the cost in the response's `extensions`.
    pub expose: bool,
}

impl CostControl {
    /// `,"extensions":{"cost":{"estimated":N,"max":M}}`, after a response's other members.
    pub fn write_extensions(&self, cost: u64, out: &mut Vec<u8>) {
        let _ = write!(out, ",\"extensions\":{{\"cost\":{{\"estimated\":{cost}");
        if let Some(max) = self.max {
            let _ = write!(out, ",\"max\":{max}");
        }
        out.extend_from_slice(b"}}");
    }
}

impl Pipeline {
    /// The operation's estimated cost when demand control is on; refuses it when it is over
    /// the limit (in `enforce` mode) or breaks `@listSize(requireOneSlicingArgument:)`.
    pub(super) fn estimate_cost(
        &self,
        prepared: &Prepared,
        variables: Option<&JsonMap>,
    ) -> Result<Option<u64>, Refused> {
        let (Some(control), Some(plan)) = (&self.cost, &prepared.cost) else {
            return Ok(None);
        };
        let estimated = match plan.constant() {
            Some(cost) => cost,
            None => {
                let empty = JsonMap::new();
                plan.estimate(variables.unwrap_or(&empty)).map_err(|err| {
                    Refused::new(
                        400,
                        "GRAPHQL_VALIDATION_FAILED",
                        vec![plain(&err.to_string())],
                    )
                })?
            }
        };
        if let Some(max) = control.max
            && estimated > max
        {
            if control.enforce {
                let mut error = plain(&format!(
                    "the operation's estimated cost {estimated} is over the limit of {max}"
                ));
                error
                    .extensions
                    .insert("estimatedCost", JsonValue::from(estimated));
                error.extensions.insert("maxCost", JsonValue::from(max));
                return Err(Refused::new(
                    400,
                    "COST_ESTIMATED_TOO_EXPENSIVE",
                    vec![error],
                ));
            }
            tracing::info!(
                estimated_cost = estimated,
                max_cost = max,
                "an operation over the cost limit runs (demand control measures)"
            );
        }
        Ok(Some(estimated))
    }
}
