//! The reviews subgraph as a running service: state, routes, and its lifecycle.

use crate::schema::{self, ReviewsSchema};
use crate::settings::Settings;
use axum::Router;
use kit::auth::TokenVerifier;
use kit::http::Service;
use sqlx::PgPool;
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

/// Builds the subgraph: its state, its routes, bound to its port.
pub struct Application;

impl Application {
    /// Connects (creating and migrating the database), binds the listener; access tokens are
    /// verified against the users subgraph's published keys.
    pub async fn build(settings: Settings) -> Result<Service, StartError> {
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
    ) -> Result<Service, StartError> {
        let state = AppState { pool };
        let router = app(state, verifier, &settings);
        Ok(Service::bind(&settings.server, router).await?)
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
