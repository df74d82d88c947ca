//! Supergraph composition (Federation 2 rules): subgraph SDLs in, the supergraph SDL in the
//! join-spec format out, or every error found.
//!
//! - [`error`]: error codes, errors and hints.
//! - `spec`: federation directive names per subgraph (`@link` imports, Federation 1);
//!   `supergraph_specs`: the specs the supergraph links and their definitions.
//! - `subgraph`: one subgraph's SDL read into types and fields with their federation facts;
//!   `definitions` reads its type definitions.
//! - `field_set`: `@key`/`@requires`/`@provides` field sets, parsed and checked.
//! - `validate`: rules each subgraph must satisfy on its own; `contexts`: `@context` and
//!   `@fromContext` checked, and recorded as the supergraph's `contextArguments`.
//! - `merge`, `merge_fields`, `merge_inputs`: types, fields, arguments, inputs and enums
//!   merged across subgraphs, with the join directives that record where each lives;
//!   `applied`: the directives that pass into the supergraph, merged.
//! - `implementations`: interfaces and their implementations after merging.
//! - `inaccessible`: `@inaccessible` consistency; `demand_control`: `@cost` and
//!   `@listSize` merged.
//! - `satisfiability`: every field a client can select plannable on every path from a root.
//! - `print`: the supergraph SDL.

mod applied;
mod contexts;
mod definitions;
mod demand_control;
pub mod error;
mod field_set;
mod implementations;
mod inaccessible;
mod merge;
mod merge_fields;
mod merge_inputs;
mod print;
mod satisfiability;
mod spec;
mod subgraph;
mod supergraph_specs;
mod validate;

pub use error::{CompositionError, CompositionErrors, CompositionHint, ErrorCode};

use error::Diagnostics;

/// A subgraph to compose: its name (as the supergraph and plans will call it), where the
/// router reaches it, and its SDL (as `_service { sdl }` returns it).
#[derive(Debug, Clone)]
pub struct SubgraphSdl {
    pub name: String,
    pub url: String,
    pub sdl: String,
}

impl SubgraphSdl {
    pub fn new(name: impl Into<String>, url: impl Into<String>, sdl: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            url: url.into(),
            sdl: sdl.into(),
        }
    }
}

/// A successful composition.
#[derive(Debug, Clone)]
pub struct Composed {
    /// The supergraph, ready for [`crate::Supergraph::parse`] and other Federation 2 routers.
    pub supergraph_sdl: String,
    /// Things accepted that may not be what was meant (e.g. an optional argument left out
    /// because one subgraph lacks it).
    pub hints: Vec<CompositionHint>,
}

/// Composes subgraphs into a supergraph. Subgraphs are ordered by name (the `join__Graph`
/// enum and every list of subgraphs follow that order), so the output does not depend on
/// the order given. On failure, returns every error found: first those of the subgraphs on
/// their own, then (when every subgraph parses) those of merging them; satisfiability is
/// checked, on the supergraph as the planner loads it, only when nothing else is wrong.
pub fn compose(subgraphs: &[SubgraphSdl]) -> Result<Composed, CompositionErrors> {
    let mut diags = Diagnostics::default();
    let mut sorted: Vec<&SubgraphSdl> = subgraphs.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    for pair in sorted.windows(2) {
        if pair[0].name == pair[1].name {
            diags.error(
                ErrorCode::InvalidSubgraphName,
                format!("several subgraphs are named \"{}\"", pair[0].name),
            );
        }
    }
    for subgraph in &sorted {
        if subgraph.name.trim().is_empty() {
            diags.error(
                ErrorCode::InvalidSubgraphName,
                "a subgraph has an empty name",
            );
        }
    }
    let mut read = Vec::new();
    for input in &sorted {
        if let Some(mut subgraph) = subgraph::read(&input.name, &input.url, &input.sdl, &mut diags)
        {
            validate::upgrade_federation1(&mut subgraph);
            validate::validate(&subgraph, &mut diags);
            demand_control::validate(&subgraph, &mut diags);
            read.push(subgraph);
        }
    }
    // Subgraphs that do not even parse leave nothing sound to merge; those that break a
    // federation rule are still merged, to report the merging errors too.
    if read.len() != sorted.len() {
        return Err(CompositionErrors {
            errors: diags.errors,
        });
    }
    let merged = merge::merge(&read, &mut diags);
    inaccessible::check(&merged, &mut diags);
    if !diags.errors.is_empty() {
        return Err(CompositionErrors {
            errors: diags.errors,
        });
    }
    let supergraph_sdl = print::print(&merged);
    let supergraph = load(&supergraph_sdl).map_err(|error| CompositionErrors {
        errors: vec![error],
    })?;
    satisfiability::check(&supergraph, &mut diags);
    if !diags.errors.is_empty() {
        return Err(CompositionErrors {
            errors: diags.errors,
        });
    }
    Ok(Composed {
        supergraph_sdl,
        hints: diags.hints,
    })
}

/// The composed supergraph, loaded as the router will load it. Failing here is a bug of
/// composition: every rule that keeps a supergraph valid is checked before printing.
fn load(supergraph_sdl: &str) -> Result<crate::Supergraph, CompositionError> {
    crate::Supergraph::parse(supergraph_sdl).map_err(|err| {
        CompositionError::new(
            ErrorCode::InvalidSupergraph,
            format!("the composed supergraph does not load: {err}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_supergraph_that_does_not_load_is_an_invalid_supergraph_error() {
        let error = load("schema { query: Query } type Query { a: Int }").err();
        assert_eq!(
            error.map(|e| e.to_string()).as_deref(),
            Some(
                "[INVALID_SUPERGRAPH] the composed supergraph does not load: not a supergraph: no @link to the join spec (https://specs.apollo.dev/join/v0.3)"
            )
        );
    }
}
