//! Subscriptions through the router over WebSocket (`graphql-transport-ws`): events of the
//! reviews subgraph completed with fields of other subgraphs (one `_entities` fetch per
//! event), authorization forwarded, protocol errors, cancellation reaching the subgraph, and
//! queries over WebSocket.

use crate::helpers::{Gateway, closed_url};
use crate::live_subgraphs::{self, Live, NewReview, Received};
use futures::{SinkExt, StreamExt};
use router::config::Config;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The router in front of the live fixture's subgraphs.
pub struct LiveGateway {
    gateway: Gateway,
    received: HashMap<&'static str, Arc<Received>>,
    live: Live,
}

impl LiveGateway {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> Self {
        let (reviews, live) = live_subgraphs::reviews();
        let mut received = HashMap::new();
        let mut subgraphs = Vec::new();
        for name in ["accounts", "products", "reviews"] {
            let (url, record) = match name {
                "accounts" => live_subgraphs::serve(live_subgraphs::accounts()).await,
                "products" => live_subgraphs::serve(live_subgraphs::products()).await,
                _ => live_subgraphs::serve(reviews.clone()).await,
            };
            received.insert(name, record);
            subgraphs.push((name, url, None));
        }
        let gateway = Gateway::start_fixture("live", subgraphs, configure).await;
        Self {
            gateway,
            received,
            live,
        }
    }

    pub fn ws_url(&self) -> String {
        self.gateway.url.replace("http://", "ws://")
    }

    /// A connection, acknowledged, with `authorization` in the `connection_init` payload.
    pub async fn connect(&self, authorization: Option<&str>) -> Socket {
        let mut socket = open(&self.ws_url()).await;
        let payload = match authorization {
            Some(value) => json!({ "Authorization": value }),
            None => json!({}),
        };
        send(
            &mut socket,
            json!({ "type": "connection_init", "payload": payload }),
        )
        .await;
        assert_eq!(
            receive(&mut socket).await,
            json!({ "type": "connection_ack" })
        );
        socket
    }

    fn http_requests(&self, subgraph: &str) -> usize {
        self.received[subgraph].count()
    }
}

pub async fn open(url: &str) -> Socket {
    let mut request = url.into_client_request().expect("a request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connected");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    socket
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("sent");
}

/// The next message; a close frame reads as `{"closed": code, "reason": …}`.
pub async fn receive(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message in time")
            .expect("the socket is open")
            .expect("a frame");
        match message {
            Message::Text(text) => return serde_json::from_str(&text).expect("JSON"),
            Message::Close(frame) => {
                let (code, reason) = frame
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((1005, String::new()));
                return json!({ "closed": code, "reason": reason });
            }
            _ => {}
        }
    }
}

pub async fn subscribe(socket: &mut Socket, id: &str, query: &str) {
    send(
        socket,
        json!({ "id": id, "type": "subscribe", "payload": { "query": query } }),
    )
    .await;
}

const REVIEW_WITH_PRODUCT: &str =
    "subscription { reviewAdded { id body seenBy product { upc name seenBy } } }";

fn review(id: &'static str, upc: &'static str) -> NewReview {
    NewReview {
        id,
        body: "Nice",
        author: "1",
        upc,
    }
}

#[tokio::test]
async fn events_get_fields_of_other_subgraphs_with_one_entity_fetch_each() {
    let live = LiveGateway::start().await;
    let mut socket = live.connect(Some("Bearer token-1")).await;
    subscribe(&mut socket, "s1", REVIEW_WITH_PRODUCT).await;
    live.live.started(1).await;

    for (index, (id, upc)) in [("10", "1"), ("11", "22")].into_iter().enumerate() {
        live.live.publish(review(id, upc));
        assert_eq!(
            receive(&mut socket).await,
            json!({ "id": "s1", "type": "next", "payload": { "data": { "reviewAdded": {
                "id": id, "body": "Nice", "seenBy": "Bearer token-1",
                "product": { "upc": upc, "name": format!("Product {upc}"), "seenBy": "Bearer token-1" },
            } } } })
        );
        assert_eq!(live.http_requests("products"), index + 1);
    }
    // Each event: one `_entities` request to products, nothing else over HTTP.
    let bodies = live.received["products"].bodies();
    assert!(bodies.iter().all(|body| {
        body["query"].as_str().unwrap().contains("_entities")
            && body["variables"]["representations"]
                .as_array()
                .unwrap()
                .len()
                == 1
    }));
    assert_eq!(live.http_requests("reviews"), 0);
    assert_eq!(live.http_requests("accounts"), 0);

    // The client completes: the subgraph's stream is dropped.
    send(&mut socket, json!({ "id": "s1", "type": "complete" })).await;
    live.live.dropped(1).await;
    // The connection still serves.
    send(&mut socket, json!({ "type": "ping" })).await;
    assert_eq!(receive(&mut socket).await, json!({ "type": "pong" }));
}

#[tokio::test]
async fn parallel_jumps_per_event_and_variables_reach_the_subgraph() {
    let live = LiveGateway::start().await;
    let mut socket = live.connect(None).await;
    send(
        &mut socket,
        json!({ "id": "a", "type": "subscribe", "payload": {
            "query": "subscription OnReview($upc: String) { reviewAdded(upc: $upc) { id author { name } product { name } } }",
            "variables": { "upc": "2" },
        } }),
    )
    .await;
    live.live.started(1).await;
    live.live.publish(review("1", "1")); // filtered out by the subgraph
    live.live.publish(review("2", "2"));
    assert_eq!(
        receive(&mut socket).await,
        json!({ "id": "a", "type": "next", "payload": { "data": { "reviewAdded": {
            "id": "2", "author": { "name": "Ada" }, "product": { "name": "Product 2" },
        } } } })
    );
    assert_eq!(live.http_requests("products"), 1);
    assert_eq!(live.http_requests("accounts"), 1);
}

#[tokio::test]
async fn a_subgraph_completing_completes_the_client() {
    let live = LiveGateway::start().await;
    let mut socket = live.connect(None).await;
    subscribe(&mut socket, "h", "subscription { heartbeat }").await;
    for beat in [1, 2] {
        assert_eq!(
            receive(&mut socket).await,
            json!({ "id": "h", "type": "next", "payload": { "data": { "heartbeat": beat } } })
        );
    }
    assert_eq!(
        receive(&mut socket).await,
        json!({ "id": "h", "type": "complete" })
    );
    // The id is free again.
    subscribe(&mut socket, "h", "subscription { heartbeat }").await;
    assert_eq!(receive(&mut socket).await["type"], "next");
}

#[tokio::test]
async fn a_client_leaving_ends_the_subgraph_subscription() {
    let live = LiveGateway::start().await;
    let mut socket = live.connect(None).await;
    subscribe(&mut socket, "1", REVIEW_WITH_PRODUCT).await;
    subscribe(&mut socket, "2", "subscription { reviewAdded { id } }").await;
    live.live.started(2).await;
    drop(socket);
    live.live.dropped(2).await;
}

#[tokio::test]
async fn an_unreachable_subgraph_is_a_subgraph_error_then_complete() {
    let unreachable = closed_url().await.replace("http://", "ws://");
    let live = LiveGateway::start_with(|config| {
        if let Some(reviews) = config.subgraphs.get_mut("reviews") {
            reviews.subscription_url = Some(unreachable);
        }
    })
    .await;
    let mut socket = live.connect(None).await;
    subscribe(&mut socket, "1", "subscription { reviewAdded { id } }").await;
    let next = receive(&mut socket).await;
    assert_eq!(next["type"], "next", "{next}");
    assert_eq!(next["payload"]["data"], Value::Null);
    assert_eq!(
        next["payload"]["errors"][0]["extensions"],
        json!({ "code": "SUBGRAPH_ERROR", "serviceName": "reviews" })
    );
    assert_eq!(
        receive(&mut socket).await,
        json!({ "id": "1", "type": "complete" })
    );
}

#[tokio::test]
async fn queries_and_mutations_over_websocket_answer_once() {
    let live = LiveGateway::start().await;
    let mut socket = live.connect(Some("Bearer q")).await;
    subscribe(
        &mut socket,
        "q",
        "{ latestReview { body product { name seenBy } } }",
    )
    .await;
    assert_eq!(
        receive(&mut socket).await,
        json!({ "id": "q", "type": "next", "payload": { "data": { "latestReview": {
            "body": "First!", "product": { "name": "Product 9", "seenBy": "Bearer q" },
        } } } })
    );
    assert_eq!(
        receive(&mut socket).await,
        json!({ "id": "q", "type": "complete" })
    );
}

#[tokio::test]
async fn invalid_operations_are_error_messages_and_the_connection_stays() {
    let live = LiveGateway::start().await;
    let mut socket = live.connect(None).await;
    subscribe(&mut socket, "1", "subscription { nope }").await;
    let error = receive(&mut socket).await;
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["id"], "1");
    assert_eq!(
        error["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    subscribe(&mut socket, "2", "subscription {").await;
    let error = receive(&mut socket).await;
    assert_eq!(
        error["payload"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
    // Two root fields: a subscription has exactly one.
    subscribe(
        &mut socket,
        "3",
        "subscription { heartbeat reviewAdded { id } }",
    )
    .await;
    let error = receive(&mut socket).await;
    assert_eq!(
        error["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    // The same id can be used again: the failed operations are not running.
    subscribe(&mut socket, "1", "subscription { heartbeat }").await;
    assert_eq!(receive(&mut socket).await["type"], "next");
}

#[tokio::test]
async fn subscriptions_over_http_post_are_still_refused() {
    let live = LiveGateway::start().await;
    let (status, body) = live
        .gateway
        .send("subscription { heartbeat }", json!({}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
}

#[tokio::test]
async fn protocol_violations_close_the_connection_with_their_codes() {
    let live = LiveGateway::start().await;

    let mut socket = open(&live.ws_url()).await;
    subscribe(&mut socket, "1", "subscription { heartbeat }").await;
    assert_eq!(receive(&mut socket).await["closed"], 4401);

    let mut socket = live.connect(None).await;
    subscribe(&mut socket, "1", "subscription { reviewAdded { id } }").await;
    subscribe(&mut socket, "1", "subscription { reviewAdded { id } }").await;
    let closed = receive(&mut socket).await;
    assert_eq!(closed["closed"], 4409);
    assert_eq!(closed["reason"], "Subscriber for 1 already exists");

    let mut socket = live.connect(None).await;
    send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(receive(&mut socket).await["closed"], 4429);

    let mut socket = live.connect(None).await;
    socket
        .send(Message::Text("{not json".into()))
        .await
        .unwrap();
    assert_eq!(receive(&mut socket).await["closed"], 4400);

    let mut socket = live.connect(None).await;
    send(&mut socket, json!({ "type": "subscribe", "id": "1" })).await;
    assert_eq!(receive(&mut socket).await["closed"], 4400);
}

#[tokio::test]
async fn a_connection_without_init_in_time_is_closed() {
    let live = LiveGateway::start_with(|config| config.subscriptions.init_timeout_ms = 50).await;
    let mut socket = open(&live.ws_url()).await;
    assert_eq!(receive(&mut socket).await["closed"], 4408);
}

#[tokio::test]
async fn subscriptions_per_connection_are_limited() {
    let live = LiveGateway::start_with(|config| config.subscriptions.max_per_connection = 1).await;
    let mut socket = live.connect(None).await;
    subscribe(&mut socket, "1", "subscription { reviewAdded { id } }").await;
    subscribe(&mut socket, "2", "subscription { reviewAdded { id } }").await;
    let error = receive(&mut socket).await;
    assert_eq!(error["id"], "2");
    assert_eq!(error["type"], "error");
    assert_eq!(error["payload"][0]["extensions"]["code"], "RATE_LIMITED");
    // Queries are not subscriptions: they still run.
    subscribe(&mut socket, "3", "{ latestReview { id } }").await;
    assert_eq!(receive(&mut socket).await["type"], "next");
}

#[tokio::test]
async fn a_get_without_upgrade_is_not_a_websocket() {
    let live = LiveGateway::start().await;
    let response = live
        .gateway
        .client
        .get(&live.gateway.url)
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status().as_u16(), 405);
    let body: Value = response.json().await.expect("JSON");
    assert!(body["errors"][0]["message"].is_string());
}

#[tokio::test]
async fn a_subscription_keeps_the_supergraph_it_started_with() {
    let live = LiveGateway::start().await;
    let mut socket = live.connect(None).await;
    subscribe(
        &mut socket,
        "1",
        "subscription { reviewAdded { id product { name } } }",
    )
    .await;
    live.live.started(1).await;
    // A supergraph without subscriptions (nor this review's fields) replaces it.
    live.gateway
        .serving
        .reload(&crate::helpers::fixture("store"))
        .expect("reloads");
    live.live.publish(review("7", "3"));
    assert_eq!(
        receive(&mut socket).await,
        json!({ "id": "1", "type": "next", "payload": { "data": { "reviewAdded": {
            "id": "7", "product": { "name": "Product 3" },
        } } } })
    );
    // New operations get the new supergraph.
    subscribe(&mut socket, "2", "subscription { heartbeat }").await;
    assert_eq!(receive(&mut socket).await["type"], "error");
}
