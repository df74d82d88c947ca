//! Keep-alive over WebSocket, both ways: the router pings its clients and closes those that
//! stop answering (4408), sends nothing when `ping_interval_ms` is 0, answers a subgraph's
//! pings, pings its subgraphs and ends a subscription whose subgraph stops answering with a
//! `SUBGRAPH_ERROR`. The subgraph here is a raw `graphql-transport-ws` server whose pings and
//! pongs the test controls.

use crate::subscriptions::{LiveGateway, Socket, receive, send, subscribe};
use axum::extract::WebSocketUpgrade;
use axum::extract::ws::{Message, WebSocket};
use axum::routing::get;
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn short_pings(interval_ms: u64, timeout_ms: u64) -> impl FnOnce(&mut router::config::Config) {
    move |config| {
        config.subscriptions.ping_interval_ms = interval_ms;
        config.subscriptions.pong_timeout_ms = timeout_ms;
    }
}

#[tokio::test]
async fn clients_are_pinged_and_closed_when_they_stop_answering() {
    let live = LiveGateway::start_with(short_pings(100, 200)).await;
    let mut socket = live.connect(None).await;
    let acknowledged = Instant::now();
    assert_eq!(receive(&mut socket).await, json!({ "type": "ping" }));
    assert!(acknowledged.elapsed() >= Duration::from_millis(100));
    send(&mut socket, json!({ "type": "pong" })).await;
    // Answered: the connection stays and the next ping comes one interval later.
    assert_eq!(receive(&mut socket).await, json!({ "type": "ping" }));
    let unanswered = Instant::now();
    // The client's own pings are still answered meanwhile.
    send(
        &mut socket,
        json!({ "type": "ping", "payload": { "n": 1 } }),
    )
    .await;
    assert_eq!(
        receive(&mut socket).await,
        json!({ "type": "pong", "payload": { "n": 1 } })
    );
    assert_eq!(
        receive(&mut socket).await,
        json!({ "closed": 4408, "reason": "Pong timeout" })
    );
    assert!(unanswered.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn no_pings_when_the_interval_is_zero() {
    let live = LiveGateway::start_with(short_pings(0, 10)).await;
    let mut socket = live.connect(None).await;
    let nothing = tokio::time::timeout(Duration::from_millis(400), socket.next()).await;
    assert!(nothing.is_err(), "the router sent {nothing:?}");
    send(&mut socket, json!({ "type": "ping" })).await;
    assert_eq!(receive(&mut socket).await, json!({ "type": "pong" }));
}

/// A `graphql-transport-ws` subgraph serving `subscription { heartbeat }`: after the
/// subscribe it pings the router and sends beat 1 once answered; it answers the router's
/// pings when `answers` is true (sending beat 2 on the third), and ignores them otherwise.
async fn raw_subgraph(answers: bool) -> String {
    let app = axum::Router::new().route(
        "/ws",
        get(move |upgrade: WebSocketUpgrade| async move {
            upgrade
                .protocols(["graphql-transport-ws"])
                .on_upgrade(move |socket| heartbeats(socket, answers))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("ws://{address}/ws")
}

async fn heartbeats(mut socket: WebSocket, answers: bool) {
    let mut id = String::new();
    let mut pings = 0;
    while let Some(Ok(Message::Text(text))) = socket.recv().await {
        let message: Value = serde_json::from_str(&text).unwrap();
        let reply = match message["type"].as_str().unwrap() {
            "connection_init" => vec![json!({ "type": "connection_ack" })],
            "subscribe" => {
                id = message["id"].as_str().unwrap().to_owned();
                vec![json!({ "type": "ping" })]
            }
            "pong" => vec![beat(&id, 1)],
            "ping" if answers => {
                pings += 1;
                let mut reply = vec![json!({ "type": "pong" })];
                if pings == 3 {
                    reply.push(beat(&id, 2));
                }
                reply
            }
            _ => vec![],
        };
        for message in reply {
            let text = message.to_string();
            if socket.send(Message::Text(text.into())).await.is_err() {
                return;
            }
        }
    }
}

fn beat(id: &str, n: i32) -> Value {
    json!({ "id": id, "type": "next", "payload": { "data": { "heartbeat": n } } })
}

/// The next message that is not a ping, answering pings on the way.
async fn receive_answering(socket: &mut Socket) -> Value {
    loop {
        let message = receive(socket).await;
        if message != json!({ "type": "ping" }) {
            return message;
        }
        send(socket, json!({ "type": "pong" })).await;
    }
}

async fn gateway_with_raw_reviews(answers: bool) -> LiveGateway {
    let url = raw_subgraph(answers).await;
    LiveGateway::start_with(move |config| {
        short_pings(100, 200)(config);
        if let Some(reviews) = config.subgraphs.get_mut("reviews") {
            reviews.subscription_url = Some(url);
        }
    })
    .await
}

#[tokio::test]
async fn subgraph_pings_are_answered_and_an_answering_subgraph_keeps_its_subscription() {
    let live = gateway_with_raw_reviews(true).await;
    let mut socket = live.connect(None).await;
    subscribe(&mut socket, "h", "subscription { heartbeat }").await;
    let started = Instant::now();
    assert_eq!(
        receive_answering(&mut socket).await,
        json!({ "id": "h", "type": "next", "payload": { "data": { "heartbeat": 1 } } })
    );
    // Beat 2 comes when the subgraph got the router's third ping: well past one timeout.
    assert_eq!(
        receive_answering(&mut socket).await,
        json!({ "id": "h", "type": "next", "payload": { "data": { "heartbeat": 2 } } })
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_subgraph_that_stops_answering_pings_ends_the_subscription_with_an_error() {
    let live = gateway_with_raw_reviews(false).await;
    let mut socket = live.connect(None).await;
    subscribe(&mut socket, "h", "subscription { heartbeat }").await;
    assert_eq!(
        receive_answering(&mut socket).await,
        json!({ "id": "h", "type": "next", "payload": { "data": { "heartbeat": 1 } } })
    );
    assert_eq!(
        receive_answering(&mut socket).await,
        json!({ "id": "h", "type": "next", "payload": {
            "data": null,
            "errors": [{
                "message": "subgraph `reviews` stopped answering pings on the subscription",
                "extensions": { "code": "SUBGRAPH_ERROR", "serviceName": "reviews" },
            }],
        } })
    );
    assert_eq!(
        receive_answering(&mut socket).await,
        json!({ "id": "h", "type": "complete" })
    );
}
