//! The users subgraph as a running service: state, routes, its lifecycle, and the outbox
//! relay that publishes `user.deleted` beside the server.

use crate::password::Passwords;
use crate::schema::{self, UsersSchema};
use crate::settings::{MailSettings, Settings, TokenSettings};
use crate::tokens::SigningKeys;
use axum::http::header;
use axum::routing::get;
use axum::{Json, Router};
use kit::events::{Broker, OutboxWaker, Relay};
use kit::http::{Background, Service};
use kit::mail::Mailer;
use sqlx::PgPool;
use std::future::Future;
use std::sync::Arc;

/// What the resolvers share.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub keys: Arc<SigningKeys>,
    pub passwords: Passwords,
    pub mailer: Mailer,
    pub tokens: Arc<TokenSettings>,
    pub mail: Arc<MailSettings>,
    /// Wakes the relay after a commit that wrote to the outbox.
    pub outbox: OutboxWaker,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] kit::db::DbError),
    #[error(transparent)]
    Keys(#[from] crate::tokens::KeyError),
    #[error(transparent)]
    Passwords(#[from] crate::password::PasswordError),
    #[error(transparent)]
    Mail(#[from] kit::mail::MailError),
    #[error(transparent)]
    Bind(#[from] kit::http::BindError),
}

/// The subgraph bound to its port, with its outbox relay ready to start.
pub struct Application {
    service: Service,
    events: Option<(Broker, Relay)>,
}

impl Application {
    /// Connects (creating and migrating the database), loads keys, binds the listener.
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        let pool = kit::db::connect_and_migrate(&settings.database, &crate::MIGRATOR).await?;
        Self::build_with_pool(settings, pool).await
    }

    /// Like [`build`](Self::build) with a pool whose database is already migrated (tests).
    pub async fn build_with_pool(settings: Settings, pool: PgPool) -> Result<Self, StartError> {
        let state = AppState {
            pool,
            keys: Arc::new(SigningKeys::load(&settings.tokens)?),
            passwords: Passwords::new(&settings.passwords)?,
            mailer: Mailer::new(settings.mail.smtp_url.as_ref(), &settings.mail.from)?,
            tokens: Arc::new(settings.tokens.clone()),
            mail: Arc::new(settings.mail.clone()),
            outbox: OutboxWaker::default(),
        };
        // Deletions are written to the outbox either way; without a relay they wait there.
        let events = if settings.events.enabled {
            let broker = Broker::new(&settings.events, "users");
            let relay = Relay::new(state.pool.clone(), broker.clone(), state.outbox.clone());
            Some((broker, relay))
        } else {
            tracing::warn!("events disabled: account deletions wait in the outbox");
            None
        };
        let router = app(state, &settings)?;
        Ok(Self {
            service: Service::bind(&settings.server, router).await?,
            events,
        })
    }

    pub fn port(&self) -> u16 {
        self.service.port()
    }

    /// The broker connection of the outbox relay (tests drop it).
    pub fn broker(&self) -> Option<&Broker> {
        self.events.as_ref().map(|(broker, _)| broker)
    }

    /// Serves until ctrl-c or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(kit::http::shutdown_signal()).await
    }

    /// Serves (and relays the outbox) until `shutdown` completes; then finishes the requests
    /// in flight and stops the relay.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let mut background = Background::default();
        if let Some((_, relay)) = self.events {
            background.spawn(relay.run(background.stopped()));
        }
        background.serve(self.service, shutdown).await
    }
}

/// Every route the subgraph serves.
pub fn app(state: AppState, settings: &Settings) -> Result<Router, StartError> {
    let verifier = state.keys.verifier()?;
    let jwks = state.keys.jwks().clone();
    let pool = state.pool.clone();
    let schema: UsersSchema = schema::build(state);
    // Verifiers cache the keys; five minutes bounds how long a rotation takes to be seen.
    let routes = kit::graphql::router(schema, verifier).route(
        "/.well-known/jwks.json",
        get(move || async move { ([(header::CACHE_CONTROL, "public, max-age=300")], Json(jwks)) }),
    );
    Ok(kit::http::with_operations(routes, pool, &settings.server))
}
