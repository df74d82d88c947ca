//! The development mode's fallbacks: with the in-process event bus and store in place of
//! RabbitMQ and Redis, the checkout saga, the catalog's cache and live order status work
//! across the subgraphs of the process as they do with the servers.

use crate::stack::{Backends, Stack};
use crate::wait_for_status;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("sent");
}

/// The next protocol message, pings answered.
async fn receive(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("a message in time")
            .expect("the socket is open")
            .expect("a frame");
        if let Message::Text(text) = frame {
            let value: Value = serde_json::from_str(&text).expect("JSON");
            if value["type"] == "ping" {
                send(socket, json!({ "type": "pong" })).await;
                continue;
            }
            return value;
        }
    }
}

#[tokio::test]
async fn without_rabbitmq_and_redis_the_saga_the_cache_and_live_status_run_in_process() {
    let stack = Stack::start_with(Backends::InProcess).await;
    let seeded = demo::seed(&stack.api, &stack.users_db)
        .await
        .expect("the demo data is created");
    let token = seeded
        .token("linus@example.com")
        .expect("Linus is signed in");
    let pen = &seeded.products["PEN-FOUNTAIN-01"];
    let stock = "query Stock($id: ID!) { product(id: $id) { availableQuantity } }";
    // Read once, so the catalog's cache holds the figure the reservation must invalidate.
    let before = stack.graphql(stock, json!({ "id": pen }), None).await;
    let before = before["data"]["product"]["availableQuantity"]
        .as_i64()
        .unwrap_or_else(|| panic!("the pen's stock: {before}"));

    let placed = stack
        .graphql(
            "mutation Place($input: PlaceOrderInput!) {
               placeOrder(input: $input) { order { id } } }",
            json!({ "input": {
                "idempotencyKey": "e2e-in-process-1",
                "lines": [{ "productId": pen, "quantity": 2 }],
            } }),
            Some(token),
        )
        .await;
    let order = placed["data"]["placeOrder"]["order"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("the order is placed: {placed}"))
        .to_owned();
    // order.placed -> catalog -> stock.reserved -> orders -> payment: all over the bus.
    wait_for_status(&stack, &order, token, "PAID").await;
    let ada = seeded.token("ada@example.com").expect("Ada is signed in");
    wait_for_status(&stack, &seeded.orders[0], ada, "PAID").await;
    let after = stack.graphql(stock, json!({ "id": pen }), None).await;
    assert_eq!(
        after["data"]["product"]["availableQuantity"],
        json!(before - 2),
        "the cached stock was invalidated by the reservation"
    );

    // Live status through the router, fed by the in-process channels.
    let mut request = stack
        .websocket_url()
        .into_client_request()
        .expect("a request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("a header value"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the router accepts WebSocket connections");
    send(&mut socket, json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })).await;
    assert_eq!(receive(&mut socket).await["type"], "connection_ack");
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription($id: ID!) { orderStatusChanged(orderId: $id) { previousStatus status } }",
            "variables": { "id": order } } }),
    )
    .await;
    let channel = format!("{}order-status:{order}", stack.live_prefix);
    let deadline = Instant::now() + Duration::from_secs(20);
    while kit::in_process::Channels::global().subscribers(&channel) == 0 {
        assert!(Instant::now() < deadline, "nobody subscribed to {channel}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let admin = seeded
        .token(demo::data::ADMIN_EMAIL)
        .expect("the admin is signed in");
    let fulfilled = stack
        .graphql(
            "mutation($id: ID!) { fulfilOrder(input: { orderId: $id }) { order { status } } }",
            json!({ "id": order }),
            Some(admin),
        )
        .await;
    assert_eq!(
        fulfilled["data"]["fulfilOrder"]["order"]["status"], "FULFILLED",
        "{fulfilled}"
    );
    let next = receive(&mut socket).await;
    assert_eq!(
        next,
        json!({ "id": "1", "type": "next", "payload": { "data": { "orderStatusChanged": {
            "previousStatus": "PAID", "status": "FULFILLED" } } } })
    );
    stack.stop().await;
}

#[tokio::test]
async fn the_development_start_falls_back_only_where_a_server_is_unreachable() {
    use demo::supergraph::{Fallback, Settings};
    use secrecy::{ExposeSecret, SecretString};
    let defaults = || Settings {
        users: users::Settings::default(),
        catalog: catalog::Settings::default(),
        reviews: reviews::Settings::default(),
        orders: orders::Settings::default(),
        payment_port: 0,
    };
    // The local RabbitMQ and Redis answer: nothing changes.
    let mut present = defaults();
    assert_eq!(present.fall_back_where_absent().await, []);
    assert!(
        present
            .orders
            .events
            .url
            .expose_secret()
            .starts_with("amqp://")
    );
    assert!(
        present
            .catalog
            .redis
            .url
            .expose_secret()
            .starts_with("redis://")
    );

    // Nothing listens on these ports (bound, then released).
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let mut absent = defaults();
    absent.events_mut(|events| {
        events.url = SecretString::from(format!("amqp://guest:guest@127.0.0.1:{closed}/%2f"));
    });
    absent.redis_mut(|redis| {
        redis.url = SecretString::from(format!("redis://127.0.0.1:{closed}"));
    });
    assert_eq!(
        absent.fall_back_where_absent().await,
        [Fallback::Events, Fallback::Redis]
    );
    for url in [
        &absent.users.events.url,
        &absent.catalog.events.url,
        &absent.reviews.events.url,
        &absent.orders.events.url,
        &absent.catalog.redis.url,
        &absent.orders.redis.url,
    ] {
        assert_eq!(url.expose_secret(), kit::in_process::URL);
    }
}
