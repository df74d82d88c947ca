//! The users subgraph as a running service: state, routes, and its lifecycle.

use crate::password::Passwords;
use crate::schema::{self, UsersSchema};
use crate::settings::{MailSettings, Settings, TokenSettings};
use crate::tokens::SigningKeys;
use axum::http::header;
use axum::routing::get;
use axum::{Json, Router};
use kit::http::Service;
use kit::mail::Mailer;
use sqlx::PgPool;
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

/// Builds the subgraph: its state, its routes, bound to its port.
pub struct Application;

impl Application {
    /// Connects (creating and migrating the database), loads keys, binds the listener.
    pub async fn build(settings: Settings) -> Result<Service, StartError> {
        let pool = kit::db::connect_and_migrate(&settings.database, &crate::MIGRATOR).await?;
        Self::build_with_pool(settings, pool).await
    }

    /// Like [`build`](Self::build) with a pool whose database is already migrated (tests).
    pub async fn build_with_pool(settings: Settings, pool: PgPool) -> Result<Service, StartError> {
        let state = AppState {
            pool,
            keys: Arc::new(SigningKeys::load(&settings.tokens)?),
            passwords: Passwords::new(&settings.passwords)?,
            mailer: Mailer::new(settings.mail.smtp_url.as_ref(), &settings.mail.from)?,
            tokens: Arc::new(settings.tokens.clone()),
            mail: Arc::new(settings.mail.clone()),
        };
        let router = app(state, &settings)?;
        Ok(Service::bind(&settings.server, router).await?)
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
