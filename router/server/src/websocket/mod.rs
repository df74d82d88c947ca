//! GraphQL over WebSocket at `GET /graphql` (`graphql-transport-ws`):
//!
//! - [`protocol`]: the protocol's messages and close codes, both directions.
//! - [`connection`]: one client connection: init, operations, cancellation, limits.
//! - [`keepalive`]: when to `ping` a peer and when its missing `pong` ends the connection.
//!
//! `GET /graphql` is one handler: a WebSocket upgrade goes to [`connection`]; any other GET
//! goes to [`other_get`]: the GraphiQL page for browsers, a JSON error otherwise.

pub mod connection;
pub mod keepalive;
pub mod protocol;

use crate::config::Subscriptions;
use crate::reload::Serving;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// What `GET /graphql` needs: the supergraph served and the WebSocket settings.
#[derive(Clone)]
pub struct GetState {
    pub serving: Arc<Serving>,
    /// Browsers get the GraphiQL page (`graphiql.enabled`).
    pub graphiql: bool,
    pub settings: Subscriptions,
    /// The largest message a client may send (`limits.max_body_bytes`).
    pub max_message_bytes: usize,
}

/// `GET /graphql`: a WebSocket upgrade, or [`other_get`].
pub async fn graphql_get(State(state): State<GetState>, request: Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    let upgrade_asked = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"));
    if !upgrade_asked {
        return other_get(&state, &parts);
    }
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let offered = upgrade.requested_protocols().any(|protocol| {
        protocol
            .to_str()
            .is_ok_and(|p| p.split(',').any(|p| p.trim() == protocol::PROTOCOL))
    });
    let upgrade = upgrade
        .protocols([protocol::PROTOCOL])
        .max_message_size(state.max_message_bytes);
    let client = connection::Client {
        authorization: parts.headers.get(header::AUTHORIZATION).cloned(),
        request_id: parts.headers.get("x-request-id").cloned(),
    };
    upgrade.on_upgrade(move |socket| async move {
        if offered {
            connection::serve(socket, state.serving, state.settings, client).await;
        } else {
            connection::refuse(socket).await;
        }
    })
}

/// `GET /graphql` without a WebSocket upgrade. The hook for a GraphiQL page (`Accept:
/// text/html`); until then, a JSON error saying how to use the endpoint.
pub fn other_get(state: &GetState, parts: &Parts) -> Response {
    crate::graphiql::page(state.graphiql, &parts.headers)
}
