//! The subgraph's Postgres pool: creates the database when it is missing, then runs the
//! subgraph's migrations, so a fresh machine needs nothing but a running server.

use crate::settings::DatabaseSettings;
use secrecy::ExposeSecret;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use std::str::FromStr;
use std::time::Duration;

/// Postgres' code for "database already exists" (two services starting at once).
const DUPLICATE_DATABASE: &str = "42P04";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid database url: {0}")]
    Url(#[source] sqlx::Error),
    #[error("the database url names no database")]
    NoDatabaseName,
    #[error("cannot reach Postgres at {host}:{port}: {source}")]
    Connect {
        host: String,
        port: u16,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot create database `{name}`: {source}")]
    Create {
        name: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Connects a pool to the configured database, creating it first when allowed, and brings
/// its schema up to date with `migrator`.
pub async fn connect_and_migrate(
    settings: &DatabaseSettings,
    migrator: &Migrator,
) -> Result<PgPool, DbError> {
    let options = PgConnectOptions::from_str(settings.url.expose_secret()).map_err(DbError::Url)?;
    if settings.create_if_missing {
        create_database_if_missing(&options).await?;
    }
    let pool = PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(Duration::from_secs(settings.acquire_timeout_secs))
        .connect_with(options.clone())
        .await
        .map_err(|source| connect_error(&options, source))?;
    migrator.run(&pool).await?;
    Ok(pool)
}

async fn create_database_if_missing(options: &PgConnectOptions) -> Result<(), DbError> {
    let name = options
        .get_database()
        .ok_or(DbError::NoDatabaseName)?
        .to_owned();
    let maintenance = options.clone().database("postgres");
    let mut conn = PgConnection::connect_with(&maintenance)
        .await
        .map_err(|source| connect_error(options, source))?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await
            .map_err(|source| connect_error(options, source))?;
    if !exists {
        let statement = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        match sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(&mut conn)
            .await
        {
            Ok(_) => tracing::info!(database = %name, "created database"),
            Err(sqlx::Error::Database(err))
                if err.code().as_deref() == Some(DUPLICATE_DATABASE) => {}
            Err(source) => return Err(DbError::Create { name, source }),
        }
    }
    conn.close().await.ok();
    Ok(())
}

fn connect_error(options: &PgConnectOptions, source: sqlx::Error) -> DbError {
    DbError::Connect {
        host: options.get_host().to_owned(),
        port: options.get_port(),
        source,
    }
}

/// Whether the database answers a trivial query within `timeout` (the readiness check).
pub async fn is_reachable(pool: &PgPool, timeout: Duration) -> bool {
    let ping = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(pool);
    matches!(tokio::time::timeout(timeout, ping).await, Ok(Ok(1)))
}
