//! Subscriptions to subgraphs: a WebSocket (`graphql-transport-ws`) to the subgraph's
//! subscription URL per client subscription (`ws://`, or `wss://` with the TLS setting of
//! `https://` fetches: public roots and `tls.ca_file`), `connection_init` carrying the client's
//! authorization, one `subscribe`. A task relays what the subgraph sends into a channel; when
//! the receiving side is dropped (the client completed or left), the task sends `complete`
//! and closes the socket, so the subgraph's stream ends too. The router answers the
//! subgraph's `ping`s and pings it every `subscriptions.ping_interval_ms`; a subgraph that
//! does not `pong` within `pong_timeout_ms` ends the subscription (a `SUBGRAPH_ERROR`).

use super::fetch::{FetchError, Subgraph};
use super::tls::Tls;
use crate::websocket::keepalive::{Due, KeepAlive};
use crate::websocket::protocol::{self, ServerMessage};
use axum::body::Bytes;
use axum::http::HeaderValue;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The one operation id the router uses on a subgraph connection.
const ID: &str = "1";

/// What a subgraph's subscription produced. The channel closing after `Next`s means the
/// subgraph completed it.
#[derive(Debug)]
pub enum FromSubgraph {
    /// An event: the payload of a `next` message (an execution result), as JSON.
    Next(Bytes),
    /// The subgraph refused or ended the operation with errors (its `error` message).
    Error(Vec<Value>),
    /// The connection failed or closed before the subgraph completed the operation.
    Failed(FetchError),
}

/// Subscribes to `subgraph` with `body` (`{"query":…,"variables":…}`); `authorization` goes
/// into the `connection_init` payload. Returns once the subgraph acknowledged the connection
/// and the subscription is sent; events then come through the receiver.
pub async fn subscribe(
    subgraph: &Subgraph,
    tls: &Tls,
    authorization: Option<&HeaderValue>,
    body: &[u8],
) -> Result<mpsc::Receiver<FromSubgraph>, FetchError> {
    let unreachable = || FetchError::Unreachable(subgraph.name.clone());
    let mut init = serde_json::Map::new();
    if let Some(value) = authorization.and_then(|value| value.to_str().ok()) {
        init.insert("Authorization".to_owned(), Value::String(value.to_owned()));
    }
    let exchange = async {
        let mut request = subgraph
            .subscription_url
            .as_str()
            .into_client_request()
            .map_err(|_| unreachable())?;
        request.headers_mut().insert(
            axum::http::header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(protocol::PROTOCOL),
        );
        let connector = tokio_tungstenite::Connector::Rustls(tls.config.clone());
        let (mut socket, _) =
            tokio_tungstenite::connect_async_tls_with_config(request, None, true, Some(connector))
                .await
            .map_err(|err| {
                tracing::warn!(subgraph = %subgraph.name, cause = %err, "cannot open a subscription to the subgraph");
                unreachable()
            })?;
        send(&mut socket, protocol::connection_init(&Value::Object(init)))
            .await
            .map_err(|_| unreachable())?;
        loop {
            match receive(&mut socket).await {
                Some(ServerMessage::ConnectionAck) => break,
                Some(ServerMessage::Ping) => {
                    send(&mut socket, protocol::pong(None))
                        .await
                        .map_err(|_| unreachable())?;
                }
                Some(ServerMessage::Pong) => {}
                _ => return Err(FetchError::Invalid(subgraph.name.clone())),
            }
        }
        send(&mut socket, protocol::subscribe(ID, body))
            .await
            .map_err(|_| unreachable())?;
        Ok::<_, FetchError>(socket)
    };
    let socket = tokio::time::timeout(subgraph.timeout, exchange)
        .await
        .map_err(|_| FetchError::Timeout(subgraph.name.clone()))??;
    let (sender, receiver) = mpsc::channel(16);
    let keep_alive = KeepAlive::start(subgraph.keep_alive);
    tokio::spawn(relay(socket, sender, subgraph.name.clone(), keep_alive));
    Ok(receiver)
}

async fn send(socket: &mut Socket, text: String) -> Result<(), ()> {
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(|_| ())
}

/// The next protocol message; `None` when the socket ended or sent something else.
async fn receive(socket: &mut Socket) -> Option<ServerMessage> {
    loop {
        match socket.next().await? {
            Ok(Message::Text(text)) => return serde_json::from_str(text.as_str()).ok(),
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
            Ok(Message::Binary(_) | Message::Close(_)) | Err(_) => return None,
        }
    }
}

/// Passes the subgraph's messages on until it completes, fails or the receiver is dropped.
async fn relay(
    mut socket: Socket,
    events: mpsc::Sender<FromSubgraph>,
    subgraph: String,
    mut keep_alive: KeepAlive,
) {
    let closed = || FetchError::Closed(subgraph.clone());
    loop {
        let message = tokio::select! {
            _ = events.closed() => break,
            due = keep_alive.due() => {
                if due == Due::TimedOut {
                    tracing::warn!(subgraph = %subgraph, "a subgraph stopped answering pings; ending its subscription");
                    let _ = events.send(FromSubgraph::Failed(FetchError::NoPong(subgraph.clone()))).await;
                    break;
                }
                if send(&mut socket, protocol::ping()).await.is_err() {
                    let _ = events.send(FromSubgraph::Failed(closed())).await;
                    return;
                }
                continue;
            }
            message = socket.next() => message,
        };
        let message = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
            Some(Ok(Message::Binary(_))) => {
                let _ = events
                    .send(FromSubgraph::Failed(FetchError::Invalid(subgraph.clone())))
                    .await;
                break;
            }
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                let _ = events.send(FromSubgraph::Failed(closed())).await;
                return;
            }
        };
        match serde_json::from_str::<ServerMessage>(message.as_str()) {
            Ok(ServerMessage::Next { id, payload }) if id == ID => {
                let payload = serde_json::to_vec(&payload).unwrap_or_default();
                if events
                    .send(FromSubgraph::Next(Bytes::from(payload)))
                    .await
                    .is_err()
                {
                    break;
                }
            }
            Ok(ServerMessage::Error { id, payload }) if id == ID => {
                let errors = match payload {
                    Value::Array(errors) => errors,
                    other => vec![other],
                };
                let _ = events.send(FromSubgraph::Error(errors)).await;
                let _ = socket.close(None).await;
                return;
            }
            Ok(ServerMessage::Complete { id }) if id == ID => {
                let _ = socket.close(None).await;
                return;
            }
            Ok(ServerMessage::Ping) => {
                if send(&mut socket, protocol::pong(None)).await.is_err() {
                    let _ = events.send(FromSubgraph::Failed(closed())).await;
                    return;
                }
            }
            Ok(ServerMessage::Pong) => keep_alive.pong(),
            Ok(_) => {}
            Err(_) => {
                tracing::warn!(subgraph = %subgraph, "a subgraph sent a message outside the protocol");
                let _ = events
                    .send(FromSubgraph::Failed(FetchError::Invalid(subgraph.clone())))
                    .await;
                break;
            }
        }
    }
    // The client is gone (or the subgraph misbehaved): end the subgraph's operation.
    let _ = send(&mut socket, protocol::complete(ID)).await;
    let _ = socket.close(None).await;
}
