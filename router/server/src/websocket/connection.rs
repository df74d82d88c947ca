//! One client's `graphql-transport-ws` connection. It must send `connection_init` within the
//! init timeout (its payload's `Authorization` is forwarded to the subgraphs); then each
//! `subscribe` starts an operation on the pipeline serving at that moment: queries and
//! mutations answer one `next` and `complete`, subscriptions a `next` per event until they
//! end (`complete`) or fail (`error`, or a `next` with a `SUBGRAPH_ERROR`). A client
//! `complete`, or the connection ending, drops the operation, which ends its subgraph
//! subscription. Once acknowledged, the router pings the client every
//! `subscriptions.ping_interval_ms` and closes the connection (4408, `Pong timeout`) when a
//! `pong` does not come within `pong_timeout_ms`. Everything runs in the connection's task.

use super::keepalive::{Due, KeepAlive};
use super::protocol::{self, ClientMessage, close};
use crate::config::Subscriptions;
use crate::pipeline::subscribe::{Event, Started};
use crate::reload::Serving;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::{HeaderName, HeaderValue, header};
use futures::stream::{self, AbortHandle, Abortable, BoxStream, SelectAll, StreamExt};
use std::collections::HashMap;
use std::sync::Arc;

/// What the upgrade request said about the client.
pub struct Client {
    /// The `Authorization` header of the upgrade request, used when `connection_init` has
    /// none.
    pub authorization: Option<HeaderValue>,
    pub request_id: Option<HeaderValue>,
}

/// A message for the client about one operation.
enum Outgoing {
    Next(Bytes),
    /// Last: an `error`.
    Error(Bytes),
    /// Last: `complete`.
    Complete,
}

struct Running {
    abort: AbortHandle,
    subscription: bool,
}

/// Closes a connection that did not offer `graphql-transport-ws`.
pub async fn refuse(mut socket: WebSocket) {
    let _ = socket
        .send(close_message(
            close::SUBPROTOCOL_NOT_ACCEPTABLE,
            "Subprotocol not acceptable",
        ))
        .await;
}

/// Serves one connection until either side ends it.
pub async fn serve(
    mut socket: WebSocket,
    serving: Arc<Serving>,
    settings: Subscriptions,
    client: Client,
) {
    let mut initialised = false;
    let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
    let mut running: HashMap<String, Running> = HashMap::new();
    let mut operations: SelectAll<Messages> = SelectAll::new();
    let init_deadline = tokio::time::sleep(settings.init_timeout());
    tokio::pin!(init_deadline);
    let mut keep_alive = KeepAlive::off();

    loop {
        tokio::select! {
            due = keep_alive.due() => {
                let message = match due {
                    Due::Ping => Message::Text(protocol::ping().into()),
                    Due::TimedOut => close_message(close::PONG_TIMEOUT, "Pong timeout"),
                };
                if socket.send(message).await.is_err() || due == Due::TimedOut {
                    return;
                }
            }
            _ = &mut init_deadline, if !initialised => {
                let _ = socket
                    .send(close_message(close::INIT_TIMEOUT, "Connection initialisation timeout"))
                    .await;
                return;
            }
            Some((id, outgoing)) = operations.next(), if !operations.is_empty() => {
                let text = match &outgoing {
                    Outgoing::Next(payload) => protocol::next(&id, payload),
                    Outgoing::Error(errors) => protocol::error(&id, errors),
                    Outgoing::Complete => protocol::complete(&id),
                };
                if !matches!(outgoing, Outgoing::Next(_))
                    && let Some(done) = running.remove(&id)
                {
                    done.abort.abort();
                }
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Binary(_))) => {
                        let _ = socket.send(close_message(close::BAD_MESSAGE, "Binary messages are not accepted")).await;
                        return;
                    }
                    // Closed or broken: dropping the operations ends their subscriptions.
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                };
                let message = match serde_json::from_str::<ClientMessage>(text.as_str()) {
                    Ok(message) => message,
                    Err(_) => {
                        let _ = socket.send(close_message(close::BAD_MESSAGE, "Invalid message received")).await;
                        return;
                    }
                };
                let reply = match message {
                    ClientMessage::ConnectionInit { payload } => {
                        if initialised {
                            let _ = socket.send(close_message(close::TOO_MANY_INITS, "Too many initialisation requests")).await;
                            return;
                        }
                        initialised = true;
                        headers = forwarded(payload.as_ref(), &client);
                        keep_alive = KeepAlive::start(settings.keep_alive());
                        Some(protocol::connection_ack())
                    }
                    ClientMessage::Ping { payload } => Some(protocol::pong(payload.as_ref())),
                    ClientMessage::Pong { .. } => {
                        keep_alive.pong();
                        None
                    }
                    ClientMessage::Complete { id } => {
                        if let Some(done) = running.remove(&id) {
                            done.abort.abort();
                        }
                        None
                    }
                    ClientMessage::Subscribe { id, payload } => {
                        if !initialised {
                            let _ = socket.send(close_message(close::UNAUTHORIZED, "Unauthorized")).await;
                            return;
                        }
                        if running.contains_key(&id) {
                            let reason = format!("Subscriber for {id} already exists");
                            let _ = socket.send(close_message(close::DUPLICATE_ID, &reason)).await;
                            return;
                        }
                        let subscriptions = running.values().filter(|r| r.subscription).count();
                        match start(&serving, &id, payload, headers.clone()) {
                            Err(reply) => Some(reply),
                            Ok((_, true)) if subscriptions >= settings.max_per_connection => {
                                Some(protocol::error(&id, &too_many(settings.max_per_connection)))
                            }
                            Ok((messages, subscription)) => {
                                let (abort, registration) = AbortHandle::new_pair();
                                operations.push(Abortable::new(messages, registration).boxed());
                                running.insert(id, Running { abort, subscription });
                                None
                            }
                        }
                    }
                };
                if let Some(reply) = reply
                    && socket.send(Message::Text(reply.into())).await.is_err()
                {
                    return;
                }
            }
        }
    }
}

type Messages = BoxStream<'static, (String, Outgoing)>;

/// Starts operation `id` on the pipeline serving now: its messages and whether it is a
/// subscription, or the one reply refusing it.
fn start(
    serving: &Serving,
    id: &str,
    request: crate::pipeline::GraphqlRequest,
    headers: Vec<(HeaderName, HeaderValue)>,
) -> Result<(Messages, bool), String> {
    let tag = id.to_owned();
    match serving.pipeline().start(request, headers) {
        Started::Refused(errors) => Err(protocol::error(id, &errors)),
        Started::Single(response) => {
            let messages = stream::once(response).flat_map(|response| {
                stream::iter(if response.status == 200 {
                    vec![Outgoing::Next(response.body.clone()), Outgoing::Complete]
                } else {
                    vec![Outgoing::Error(errors_of(&response.body))]
                })
            });
            Ok((messages.map(move |m| (tag.clone(), m)).boxed(), false))
        }
        Started::Events(events) => {
            let messages = events
                .map(|event| match event {
                    Event::Next(payload) => Outgoing::Next(payload),
                    Event::Error(errors) => Outgoing::Error(errors),
                })
                .chain(stream::once(async { Outgoing::Complete }));
            Ok((messages.map(move |m| (tag.clone(), m)).boxed(), true))
        }
    }
}

/// The headers the connection's operations forward to subgraphs: the `connection_init`
/// payload's `Authorization` (else the upgrade request's) and the request id.
fn forwarded(
    payload: Option<&serde_json::Value>,
    client: &Client,
) -> Vec<(HeaderName, HeaderValue)> {
    let mut headers = Vec::new();
    let authorization = protocol::authorization(payload)
        .and_then(|value| HeaderValue::from_str(value).ok())
        .or_else(|| client.authorization.clone());
    if let Some(value) = authorization {
        headers.push((header::AUTHORIZATION, value));
    }
    if let Some(value) = &client.request_id {
        headers.push((HeaderName::from_static("x-request-id"), value.clone()));
    }
    headers
}

/// The `errors` array of a response body (a request error's).
fn errors_of(body: &Bytes) -> Bytes {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut object)) => object
            .remove("errors")
            .and_then(|errors| serde_json::to_vec(&errors).ok())
            .map(Bytes::from)
            .unwrap_or_else(|| Bytes::from_static(b"[]")),
        _ => Bytes::from_static(b"[]"),
    }
}

fn too_many(limit: usize) -> Bytes {
    let errors = serde_json::json!([{
        "message": format!("a connection may run at most {limit} subscriptions"),
        "extensions": { "code": "RATE_LIMITED" },
    }]);
    Bytes::from(serde_json::to_vec(&errors).unwrap_or_default())
}

fn close_message(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}
