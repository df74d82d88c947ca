//! Federation 2 for the router, as a pure library (no I/O):
//!
//! - [`composition`]: composes subgraph SDLs into a supergraph SDL (Federation 2 rules).
//! - [`supergraph`]: reads a supergraph SDL (join spec) into what the planner needs.
//! - [`context`]: `@context`/`@fromContext` as the supergraph records them.
//! - [`cost`]: demand control, an operation's estimated cost from `@cost`/`@listSize`.
//! - [`context_batch`]: one entity fetch for several groups of `@fromContext` values.
//! - [`api_schema`]: the public API schema clients see and are validated against.
//! - [`operation`]: operations as selection sets of fields and inline fragments.
//! - [`planner`]: plans an operation into fetches across subgraphs.
//! - [`plan`]: the query plan tree, printable.
//! - [`json`]: the JSON tree subgraph data is merged in, spans into the answers' texts.
//! - [`response`]: builds the client's response from the merged subgraph data.
//! - [`error`]: supergraph and planning errors.

pub mod api_schema;
pub mod composition;
pub mod context;
pub mod context_batch;
pub mod cost;
pub mod error;
pub mod json;
pub mod operation;
pub mod plan;
pub mod planner;
pub mod response;
pub mod supergraph;

pub use composition::{Composed, CompositionErrors, SubgraphSdl, compose};
pub use error::{PlanError, SupergraphError};
pub use plan::QueryPlan;
pub use supergraph::Supergraph;
