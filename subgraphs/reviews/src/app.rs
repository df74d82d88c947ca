//! The reviews subgraph as a running service: state, routes, its lifecycle, and the consumer
//! of `user.deleted` running beside the server.

use crate::events::{self, UsersHandler};
use crate::schema::{self, ReviewsSchema};
use crate::settings::Settings;
use axum::Router;
use kit::auth::TokenVerifier;
use kit::events::{Broker, Consumer};
use kit::http::{Background, Service};
use sqlx::PgPool;
use std::future::Future;
use std::time::Duration;

/// What the resolvers share.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] kit::db::DbError),
    #[error(transparent)]
    Bind(#[from] kit::http::BindError),
}

/// The subgraph bound to its port, with its consumer ready to start.
pub struct Application {
    service: Service,
    events: Option<(Broker, Consumer<UsersHandler>)>,
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
        let state = AppState { pool };
        let events = if settings.events.enabled {
            let broker = Broker::new(&settings.events, "reviews");
            let handler = UsersHandler {
                pool: state.pool.clone(),
            };
            let consumer = Consumer::new(broker.clone(), events::users_queue(), handler);
            // Declared now, so accounts deleted before the consumer runs wait in the queue.
            if let Err(err) = consumer.declare().await {
                tracing::warn!(cause = %err, "message broker unreachable; the user.deleted consumer keeps trying");
            }
            Some((broker, consumer))
        } else {
            tracing::warn!("events disabled: reviews of deleted users are kept");
            None
        };
        let router = app(state, verifier, &settings);
        Ok(Self {
            service: Service::bind(&settings.server, router).await?,
            events,
        })
    }

    pub fn port(&self) -> u16 {
        self.service.port()
    }

    /// The broker connection of the consumer (tests drop it).
    pub fn broker(&self) -> Option<&Broker> {
        self.events.as_ref().map(|(broker, _)| broker)
    }

    /// Serves until ctrl-c or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(kit::http::shutdown_signal()).await
    }

    /// Serves (and consumes) until `shutdown` completes; then finishes the requests in flight
    /// and stops the consumer.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let mut background = Background::default();
        if let Some((_, consumer)) = self.events {
            background.spawn(consumer.run(background.stopped()));
        }
        background.serve(self.service, shutdown).await
    }
}

/// Every route the subgraph serves.
pub fn app(state: AppState, verifier: TokenVerifier, settings: &Settings) -> Router {
    let pool = state.pool.clone();
    let schema: ReviewsSchema = schema::build(state);
    kit::http::with_operations(
        kit::graphql::router(schema, verifier),
        pool,
        &settings.server,
    )
}
