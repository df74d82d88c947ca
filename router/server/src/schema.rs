//! The public API schema as text: what `router schema --api` prints, `GET /schema.graphql`
//! serves and `schema/api.graphql` holds.

use federation::Supergraph;

/// The API schema (the supergraph without join/link machinery and `@inaccessible` elements)
/// as SDL.
pub fn api_sdl(supergraph: &Supergraph) -> String {
    supergraph.api.to_string()
}
