//! The `graphql-transport-ws` protocol: the messages both sides send and the close codes.
//! The router speaks it as a server to its clients and as a client to subgraphs.

use crate::pipeline::GraphqlRequest;
use serde::Deserialize;
use serde_json::Value;

/// The subprotocol name, as negotiated in `Sec-WebSocket-Protocol`.
pub const PROTOCOL: &str = "graphql-transport-ws";

/// Close codes the protocol defines.
pub mod close {
    /// A message that is not one of the protocol's, or not valid JSON.
    pub const BAD_MESSAGE: u16 = 4400;
    /// `subscribe` before the connection was acknowledged.
    pub const UNAUTHORIZED: u16 = 4401;
    /// The client did not offer the protocol.
    pub const SUBPROTOCOL_NOT_ACCEPTABLE: u16 = 4406;
    /// No `connection_init` in time.
    pub const INIT_TIMEOUT: u16 = 4408;
    /// The router's `ping` got no `pong` in time: the protocol's timeout code (HTTP 408's
    /// counterpart), with the reason `Pong timeout`.
    pub const PONG_TIMEOUT: u16 = 4408;
    /// `subscribe` with the id of an operation still running.
    pub const DUPLICATE_ID: u16 = 4409;
    /// A second `connection_init`.
    pub const TOO_MANY_INITS: u16 = 4429;
}

/// What a client sends (what the router receives from its clients).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {
        #[serde(default)]
        payload: Option<Value>,
    },
    Pong {
        #[serde(default)]
        #[allow(dead_code)]
        payload: Option<Value>,
    },
    Subscribe {
        id: String,
        payload: GraphqlRequest,
    },
    Complete {
        id: String,
    },
}

/// What a server sends (what the router receives from subgraphs).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    ConnectionAck,
    Ping,
    Pong,
    Next { id: String, payload: Value },
    Error { id: String, payload: Value },
    Complete { id: String },
}

pub fn connection_init(payload: &Value) -> String {
    format!(r#"{{"type":"connection_init","payload":{payload}}}"#)
}

pub fn connection_ack() -> String {
    r#"{"type":"connection_ack"}"#.to_owned()
}

pub fn ping() -> String {
    r#"{"type":"ping"}"#.to_owned()
}

pub fn pong(payload: Option<&Value>) -> String {
    match payload {
        Some(payload) => format!(r#"{{"type":"pong","payload":{payload}}}"#),
        None => r#"{"type":"pong"}"#.to_owned(),
    }
}

/// `subscribe`, its payload (`{"query":…,"variables":…}`) already JSON.
pub fn subscribe(id: &str, payload: &[u8]) -> String {
    message(id, "subscribe", Some(payload))
}

/// `next`, its payload (an execution result) already JSON.
pub fn next(id: &str, payload: &[u8]) -> String {
    message(id, "next", Some(payload))
}

/// `error`, its payload (a JSON array of GraphQL errors) already JSON.
pub fn error(id: &str, errors: &[u8]) -> String {
    message(id, "error", Some(errors))
}

pub fn complete(id: &str) -> String {
    message(id, "complete", None)
}

fn message(id: &str, kind: &str, payload: Option<&[u8]>) -> String {
    let id = serde_json::to_string(id).unwrap_or_else(|_| "\"\"".to_owned());
    let mut text = format!(r#"{{"id":{id},"type":"{kind}""#);
    if let Some(payload) = payload {
        text.push_str(r#","payload":"#);
        // Payloads are JSON the router wrote or read as JSON.
        text.push_str(&String::from_utf8_lossy(payload));
    }
    text.push('}');
    text
}

/// The `Authorization` value of a `connection_init` payload (either spelling).
pub fn authorization(payload: Option<&Value>) -> Option<&str> {
    let payload = payload?;
    ["Authorization", "authorization"]
        .iter()
        .find_map(|name| payload.get(*name).and_then(Value::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_read_and_write_as_the_protocol_says() {
        let subscribe: ClientMessage = serde_json::from_value(json!({
            "id": "a", "type": "subscribe",
            "payload": { "query": "{ x }", "variables": { "v": 1 } }
        }))
        .expect("a subscribe");
        assert!(matches!(subscribe, ClientMessage::Subscribe { id, .. } if id == "a"));
        assert!(serde_json::from_value::<ClientMessage>(json!({ "type": "subscribe" })).is_err());
        assert!(serde_json::from_value::<ClientMessage>(json!({ "type": "nope" })).is_err());
        let next: Value =
            serde_json::from_str(&next("a\"b", br#"{"data":{"x":1}}"#)).expect("JSON");
        assert_eq!(
            next,
            json!({ "id": "a\"b", "type": "next", "payload": { "data": { "x": 1 } } })
        );
        let done: Value = serde_json::from_str(&complete("1")).expect("JSON");
        assert_eq!(done, json!({ "id": "1", "type": "complete" }));
        assert_eq!(
            authorization(Some(&json!({ "authorization": "Bearer t" }))),
            Some("Bearer t")
        );
        assert_eq!(authorization(Some(&json!({ "token": "t" }))), None);
    }
}
