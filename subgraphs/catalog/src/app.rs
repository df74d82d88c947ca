//! The catalog subgraph as a running service: state, routes, and its lifecycle.

use crate::schema::{self, CatalogSchema};
use crate::settings::Settings;
use axum::Router;
use kit::auth::TokenVerifier;
use kit::cache::Cache;
use sqlx::PgPool;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

/// What the resolvers share.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    /// Products by id and SKU; an optimisation only.
    pub cache: Cache,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] kit::db::DbError),
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
        let state = AppState {
            pool,
            cache: Cache::new(&settings.redis),
        };
        let address = settings.server.address();
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| StartError::Bind { address, source })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartError::Bind { address, source })?
            .port();
        let router = app(state, verifier, &settings);
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
pub fn app(state: AppState, verifier: TokenVerifier, settings: &Settings) -> Router {
    let pool = state.pool.clone();
    let schema: CatalogSchema = schema::build(state);
    kit::http::with_operations(
        kit::graphql::router(schema, verifier),
        pool,
        &settings.server,
    )
}
