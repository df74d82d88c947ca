//! The live fixture's subgraphs (accounts, products, reviews; `federation/tests/fixtures/
//! live.graphql`): reviews serves `reviewAdded` and `heartbeat` subscriptions over
//! `graphql-transport-ws`, fed by the test. `seenBy` echoes the authorization each
//! subgraph received: from the `connection_init` payload (reviews, subscriptions) or the
//! HTTP header (products, entity fetches). The reviews subgraph counts the subscription
//! streams it started and dropped.

use async_graphql::{
    Context, Data, EmptyMutation, EmptySubscription, ID, Object, Schema, SimpleObject, Subscription,
};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::routing::post;
use futures::Stream;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch};

/// The authorization a subgraph request carried.
#[derive(Clone)]
struct Seen(Option<String>);

fn seen(ctx: &Context<'_>) -> Option<String> {
    ctx.data_opt::<Seen>().and_then(|seen| seen.0.clone())
}

// ---------------------------------------------------------------- accounts

#[derive(SimpleObject, Clone)]
struct User {
    id: ID,
    name: String,
}

pub struct AccountsQuery;

#[Object(name = "Query")]
impl AccountsQuery {
    async fn me(&self) -> User {
        User {
            id: ID("1".to_owned()),
            name: "Ada".to_owned(),
        }
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        let name = match id.as_str() {
            "1" => "Ada",
            "2" => "Alan",
            _ => return None,
        };
        Some(User {
            id,
            name: name.to_owned(),
        })
    }
}

pub type Accounts = Schema<AccountsQuery, EmptyMutation, EmptySubscription>;

pub fn accounts() -> Accounts {
    Schema::build(AccountsQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

// ---------------------------------------------------------------- products

struct Product {
    upc: String,
}

#[Object]
impl Product {
    async fn upc(&self) -> &str {
        &self.upc
    }

    async fn name(&self) -> String {
        format!("Product {}", self.upc)
    }

    async fn price(&self) -> i32 {
        self.upc.len() as i32 * 100
    }

    async fn seen_by(&self, ctx: &Context<'_>) -> Option<String> {
        seen(ctx)
    }
}

pub struct ProductsQuery;

#[Object(name = "Query")]
impl ProductsQuery {
    async fn product(&self, upc: String) -> Product {
        Product { upc }
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Product {
        Product { upc }
    }
}

pub type Products = Schema<ProductsQuery, EmptyMutation, EmptySubscription>;

pub fn products() -> Products {
    Schema::build(ProductsQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

// ---------------------------------------------------------------- reviews

/// A review as the test publishes it.
#[derive(Clone, Debug)]
pub struct NewReview {
    pub id: &'static str,
    pub body: &'static str,
    pub author: &'static str,
    pub upc: &'static str,
}

struct Review(NewReview);

#[Object]
impl Review {
    async fn id(&self) -> ID {
        ID(self.0.id.to_owned())
    }

    async fn body(&self) -> &str {
        self.0.body
    }

    async fn seen_by(&self, ctx: &Context<'_>) -> Option<String> {
        seen(ctx)
    }

    async fn author(&self) -> ReviewUser {
        ReviewUser {
            id: self.0.author.to_owned(),
        }
    }

    async fn product(&self) -> ReviewProduct {
        ReviewProduct {
            upc: self.0.upc.to_owned(),
        }
    }
}

struct ReviewUser {
    id: String,
}

#[Object(name = "User")]
impl ReviewUser {
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }

    async fn reviews(&self) -> Vec<Review> {
        Vec::new()
    }
}

struct ReviewProduct {
    upc: String,
}

#[Object(name = "Product")]
impl ReviewProduct {
    async fn upc(&self) -> &str {
        &self.upc
    }

    async fn reviews(&self) -> Vec<Review> {
        Vec::new()
    }
}

pub struct ReviewsQuery;

#[Object(name = "Query")]
impl ReviewsQuery {
    async fn latest_review(&self) -> Review {
        Review(NewReview {
            id: "0",
            body: "First!",
            author: "2",
            upc: "9",
        })
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> ReviewUser {
        ReviewUser { id: id.0 }
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> ReviewProduct {
        ReviewProduct { upc }
    }
}

/// What the test controls and observes of the reviews subgraph's subscriptions.
#[derive(Clone)]
pub struct Live {
    reviews: broadcast::Sender<NewReview>,
    /// Streams started, and dropped (completed, cancelled, or their connection closed).
    pub started: watch::Sender<usize>,
    pub dropped: watch::Sender<usize>,
}

impl Live {
    fn new() -> Self {
        Self {
            reviews: broadcast::channel(16).0,
            started: watch::channel(0).0,
            dropped: watch::channel(0).0,
        }
    }

    pub fn publish(&self, review: NewReview) {
        let _ = self.reviews.send(review);
    }

    /// Waits until `count` streams have started.
    pub async fn started(&self, count: usize) {
        let mut started = self.started.subscribe();
        let _ = started.wait_for(|n| *n >= count).await;
    }

    /// Waits until `count` streams have been dropped.
    pub async fn dropped(&self, count: usize) {
        let mut dropped = self.dropped.subscribe();
        let _ = dropped.wait_for(|n| *n >= count).await;
    }
}

/// Counts a stream as dropped when it goes.
struct DropGuard(watch::Sender<usize>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n += 1);
    }
}

pub struct ReviewsSubscription;

#[Subscription(name = "Subscription")]
impl ReviewsSubscription {
    async fn review_added(
        &self,
        ctx: &Context<'_>,
        upc: Option<String>,
    ) -> impl Stream<Item = Review> + use<> {
        let live = ctx.data_unchecked::<Live>().clone();
        let receiver = live.reviews.subscribe();
        live.started.send_modify(|n| *n += 1);
        let guard = DropGuard(live.dropped.clone());
        futures::stream::unfold(
            (receiver, guard, upc),
            |(mut receiver, guard, upc)| async move {
                loop {
                    match receiver.recv().await {
                        Ok(review) if upc.as_deref().is_none_or(|upc| upc == review.upc) => {
                            return Some((Review(review), (receiver, guard, upc)));
                        }
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            },
        )
    }

    /// Two beats, then the stream ends.
    async fn heartbeat(&self) -> impl Stream<Item = i32> + use<> {
        futures::stream::iter([1, 2])
    }
}

pub type Reviews = Schema<ReviewsQuery, EmptyMutation, ReviewsSubscription>;

pub fn reviews() -> (Reviews, Live) {
    let live = Live::new();
    let schema = Schema::build(ReviewsQuery, EmptyMutation, ReviewsSubscription)
        .enable_federation()
        .enable_subscription_in_federation()
        .data(live.clone())
        .finish();
    (schema, live)
}

// ---------------------------------------------------------------- serving

/// Requests a subgraph received over HTTP.
#[derive(Default)]
pub struct Received {
    bodies: Mutex<Vec<Value>>,
}

impl Received {
    pub fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.bodies.lock().unwrap().len()
    }
}

/// Serves `schema` at `http://127.0.0.1:<port>/graphql`: POST (the `authorization` header
/// seen) and WebSocket subscriptions (the `connection_init` payload's `Authorization` seen).
pub async fn serve<Q, M, S>(schema: Schema<Q, M, S>) -> (String, Arc<Received>)
where
    Q: async_graphql::ObjectType + 'static,
    M: async_graphql::ObjectType + 'static,
    S: async_graphql::SubscriptionType + 'static,
{
    let (app, received) = app(schema);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/graphql"), received)
}

/// The app [`serve`] serves at `/graphql`.
pub fn app<Q, M, S>(schema: Schema<Q, M, S>) -> (axum::Router, Arc<Received>)
where
    Q: async_graphql::ObjectType + 'static,
    M: async_graphql::ObjectType + 'static,
    S: async_graphql::SubscriptionType + 'static,
{
    let received = Arc::new(Received::default());
    let app = axum::Router::new()
        .route(
            "/graphql",
            post(
                |State((schema, received)): State<(Schema<Q, M, S>, Arc<Received>)>,
                 headers: HeaderMap,
                 body: axum::body::Bytes| async move {
                    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    received.bodies.lock().unwrap().push(value.clone());
                    let request: async_graphql::Request =
                        serde_json::from_value(value).expect("a GraphQL request");
                    let authorization = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let response = schema.execute(request.data(Seen(authorization))).await;
                    axum::Json(serde_json::to_value(response).unwrap())
                },
            )
            .get(
                |State((schema, _)): State<(Schema<Q, M, S>, Arc<Received>)>,
                 protocol: GraphQLProtocol,
                 upgrade: WebSocketUpgrade| async move {
                    upgrade
                        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
                        .on_upgrade(move |socket| {
                            GraphQLWebSocket::new(socket, schema, protocol)
                                .on_connection_init(|payload: Value| async move {
                                    let authorization = payload
                                        .get("Authorization")
                                        .and_then(Value::as_str)
                                        .map(str::to_owned);
                                    let mut data = Data::default();
                                    data.insert(Seen(authorization));
                                    Ok(data)
                                })
                                .serve()
                        })
                },
            ),
        )
        .with_state((schema, received.clone()));
    (app, received)
}
