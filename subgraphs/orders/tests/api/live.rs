use crate::helpers::{TestApp, eventually};
use futures::{SinkExt, StreamExt};
use payment_provider::Mode;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a `graphql-transport-ws` connection with `token` in the `connection_init` payload.
async fn connect(app: &TestApp, token: &str) -> Socket {
    let url = app.address.replace("http://", "ws://") + "/graphql";
    let mut request = url.into_client_request().expect("a request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connected");
    send(&mut socket, json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })).await;
    assert_eq!(receive(&mut socket).await["type"], "connection_ack");
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("sent");
}

/// The next protocol message (pings answered, others skipped).
async fn receive(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("a message in time")
            .expect("the socket is open")
            .expect("a frame");
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).expect("JSON");
            if value["type"] == "ping" {
                send(socket, json!({ "type": "pong" })).await;
                continue;
            }
            return value;
        }
    }
}

async fn subscribe(socket: &mut Socket, order: Uuid) {
    send(
        socket,
        json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription($id: ID!) { orderStatusChanged(orderId: $id) { orderId previousStatus status reason } }",
            "variables": { "id": order } } }),
    )
    .await;
}

/// Waits until `subscribers` listen on the order's channel (the subscriptions are in place).
async fn listening(app: &TestApp, order: Uuid, subscribers: i64) {
    let client = redis::Client::open("redis://127.0.0.1:6379").expect("redis");
    let channel = orders::live::channel(&app.settings.redis.key_prefix, order);
    let ready = eventually(|| async {
        let Ok(mut connection) = client.get_multiplexed_async_connection().await else {
            return false;
        };
        let counts: Vec<(String, i64)> = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(&channel)
            .query_async(&mut connection)
            .await
            .unwrap_or_default();
        counts.first().is_some_and(|(_, n)| *n == subscribers)
    })
    .await;
    assert!(ready, "nobody subscribed to {channel}");
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn the_customer_and_the_staff_see_status_changes_live(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |settings| settings.events.max_retries = 1000).await;
    let mug = app.product(100, 5).await;
    let buyer = app.customer();
    app.provider.set_mode(Mode::Fail);
    let order = app.order(&buyer, &[(mug, 1)]).await;
    app.wait_for_status(order, "STOCK_RESERVED").await;

    let mut customer = connect(&app, &buyer.token).await;
    subscribe(&mut customer, order).await;
    let staff = app.staff();
    let mut support = connect(&app, &staff.token).await;
    subscribe(&mut support, order).await;
    listening(&app, order, 2).await;

    app.provider.set_mode(Mode::Normal);
    for socket in [&mut customer, &mut support] {
        let next = receive(socket).await;
        assert_eq!(next["type"], "next", "{next}");
        assert_eq!(
            next["payload"]["data"]["orderStatusChanged"],
            json!({ "orderId": order.to_string(), "previousStatus": "STOCK_RESERVED", "status": "PAID", "reason": null })
        );
    }
    app.graphql(
        "mutation($id: ID!) { fulfilOrder(input: { orderId: $id }) { order { status } } }",
        json!({ "id": order }),
        Some(&staff.token),
    )
    .await;
    let shipped = receive(&mut customer).await;
    assert_eq!(
        shipped["payload"]["data"]["orderStatusChanged"]["status"],
        "FULFILLED"
    );
}

#[sqlx::test(migrator = "orders::MIGRATOR")]
async fn others_may_not_follow_an_order(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mug = app.product(100, 5).await;
    let order = app.order(&app.customer(), &[(mug, 1)]).await;
    let stranger = app.customer();
    let mut socket = connect(&app, &stranger.token).await;
    subscribe(&mut socket, order).await;
    let refused = receive(&mut socket).await;
    let errors = if refused["type"] == "error" {
        refused["payload"].clone()
    } else {
        refused["payload"]["errors"].clone()
    };
    assert_eq!(errors[0]["extensions"]["code"], "FORBIDDEN", "{refused}");
}
