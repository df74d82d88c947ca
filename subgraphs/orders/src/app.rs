//! The orders subgraph as a running service: its state, its routes (`/graphql` for queries
//! and mutations over HTTP and subscriptions over WebSocket), and the background work that
//! runs beside it: the outbox relay, the saga's consumers and the expiry job.

use crate::catalog::CatalogClient;
use crate::lifecycle::Effects;
use crate::live::Live;
use crate::payments::PaymentClient;
use crate::saga::{self, Saga};
use crate::schema::{self, OrdersSchema};
use crate::settings::Settings;
use async_graphql::Data;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Router;
use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use kit::auth::TokenVerifier;
use kit::events::{Broker, Consumer, OutboxWaker, Relay};
use kit::http::{Background, Service};
use kit::mail::{MailError, Mailer};
use sqlx::PgPool;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// What the resolvers and the background work share.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    pub catalog: CatalogClient,
    pub payments: PaymentClient,
    pub live: Live,
    pub effects: Effects,
    pub mailer: Mailer,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] kit::db::DbError),
    #[error(transparent)]
    Bind(#[from] kit::http::BindError),
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// The subgraph bound to its port, with its background work ready to start.
pub struct Application {
    service: Service,
    state: AppState,
    broker: Option<Broker>,
    consumers: Vec<Consumer<Saga>>,
}

impl Application {
    /// Connects (creating and migrating the database), binds the listener; access tokens are
    /// verified against the users subgraph's published keys.
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        let pool = kit::db::connect_and_migrate(&settings.database, &crate::MIGRATOR).await?;
        let auth = &settings.auth;
        let verifier = TokenVerifier::remote(
            auth.jwks_url.clone(),
            &auth.issuer,
            &auth.audience,
            Duration::from_secs(auth.jwks_refresh_secs),
        );
        Self::build_with_pool(settings, pool, verifier).await
    }

    /// Like [`build`](Self::build) with a migrated pool and a given verifier (tests).
    pub async fn build_with_pool(
        settings: Settings,
        pool: PgPool,
        verifier: TokenVerifier,
    ) -> Result<Self, StartError> {
        let live = Live::start(&settings.redis);
        let effects = Effects {
            outbox: OutboxWaker::default(),
            live: live.clone(),
        };
        let state = AppState {
            pool,
            settings: Arc::new(settings.clone()),
            catalog: CatalogClient::new(&settings.catalog),
            payments: PaymentClient::new(&settings.payments),
            live,
            effects,
            mailer: Mailer::new(settings.mail.smtp_url.as_ref(), &settings.mail.from)?,
        };
        let mut consumers = Vec::new();
        let broker = if settings.events.enabled {
            let broker = Broker::new(&settings.events, "orders");
            let saga = Saga {
                pool: state.pool.clone(),
                payments: state.payments.clone(),
                effects: state.effects.clone(),
                mailer: state.mailer.clone(),
            };
            consumers.push(Consumer::new(
                broker.clone(),
                saga::saga_queue(),
                saga.clone(),
            ));
            consumers.push(Consumer::new(broker.clone(), saga::users_queue(), saga));
            // Declared now, so the replies to the first orders have somewhere to go.
            for consumer in &consumers {
                if let Err(err) = consumer.declare().await {
                    tracing::warn!(cause = %err, "message broker unreachable; events wait in the outbox until it is back");
                    break;
                }
            }
            Some(broker)
        } else {
            tracing::warn!("events disabled: orders are placed but the checkout saga does not run");
            None
        };
        let router = app(state.clone(), verifier, &settings);
        let service = Service::bind(&settings.server, router).await?;
        Ok(Self {
            service,
            state,
            broker,
            consumers,
        })
    }

    pub fn port(&self) -> u16 {
        self.service.port()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The broker connection the relay and consumers use (tests drop it to simulate failure).
    pub fn broker(&self) -> Option<&Broker> {
        self.broker.as_ref()
    }

    /// Serves and works until ctrl-c or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(kit::http::shutdown_signal()).await
    }

    /// Serves and works until `shutdown` completes; then finishes the requests in flight and
    /// stops the background work.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let mut background = Background::default();
        let state = self.state;
        if let Some(broker) = self.broker {
            let relay = Relay::new(state.pool.clone(), broker, state.effects.outbox.clone());
            background.spawn(relay.run(background.stopped()));
            for consumer in self.consumers {
                background.spawn(consumer.run(background.stopped()));
            }
        }
        background.spawn(crate::expiry::run(
            state.pool.clone(),
            state.effects.clone(),
            state.settings.checkout.expiry_interval(),
            background.stopped(),
        ));
        background.serve(self.service, shutdown).await
    }
}

/// Every route the subgraph serves.
pub fn app(state: AppState, verifier: TokenVerifier, settings: &Settings) -> Router {
    let pool = state.pool.clone();
    let schema: OrdersSchema = schema::build(state);
    let subscriptions = Router::new()
        .route("/graphql", get(subscribe))
        .with_state(Arc::new(Subscriptions {
            schema: schema.clone(),
            verifier: verifier.clone(),
        }));
    kit::http::with_operations(
        kit::graphql::router(schema, verifier).merge(subscriptions),
        pool,
        &settings.server,
    )
}

struct Subscriptions {
    schema: OrdersSchema,
    verifier: TokenVerifier,
}

/// `GET /graphql` upgraded to a WebSocket; the caller is the bearer token of the
/// `connection_init` payload (`{"Authorization": "Bearer ..."}` or `{"token": "..."}`).
async fn subscribe(
    State(endpoint): State<Arc<Subscriptions>>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let schema = endpoint.schema.clone();
    let verifier = endpoint.verifier.clone();
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let authorization = ["Authorization", "authorization"]
                        .iter()
                        .find_map(|name| payload.get(*name).and_then(|value| value.as_str()))
                        .map(str::to_owned)
                        .or_else(|| {
                            payload
                                .get("token")
                                .and_then(|value| value.as_str())
                                .map(|token| format!("Bearer {token}"))
                        });
                    let caller = verifier.caller(authorization.as_deref()).await;
                    let mut data = Data::default();
                    data.insert(caller);
                    Ok(data)
                })
                .serve()
        })
}
