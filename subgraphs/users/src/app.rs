//! The users subgraph as a running service: state, routes, and its lifecycle.

use crate::mailer::Mailer;
use crate::password::Passwords;
use crate::schema::{self, UsersSchema};
use crate::settings::{MailSettings, Settings, TokenSettings};
use crate::tokens::SigningKeys;
use axum::http::header;
use axum::routing::get;
use axum::{Json, Router};
use sqlx::PgPool;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// What the resolvers share.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub keys: Arc<SigningKeys>,
    pub passwords: Passwords,
    pub mailer: Mailer,
    pub tokens: Arc<TokenSettings>,
    pub mail: Arc<MailSettings>,
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
    Mail(#[from] crate::mailer::MailError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    port: u16,
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
            mailer: Mailer::new(&settings.mail)?,
            tokens: Arc::new(settings.tokens.clone()),
            mail: Arc::new(settings.mail.clone()),
        };
        let address = settings.server.address();
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| StartError::Bind { address, source })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartError::Bind { address, source })?
            .port();
        let router = app(state, &settings)?;
        Ok(Self {
            listener,
            router,
            port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until ctrl-c or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(kit::http::shutdown_signal()).await
    }

    /// Serves until `shutdown` completes (tests drive this).
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        kit::http::serve(self.listener, self.router, shutdown).await
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
