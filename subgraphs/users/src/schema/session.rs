//! Sessions: register, log in, refresh, log out.
//!
//! A session is one login. Its refresh tokens form a family: each token is used once and
//! replaced by the next (rotation). Presenting a token that was already rotated means it was
//! copied, so the whole family is revoked and every holder must log in again.

use super::user::User;
use super::{normalize_email, required_text, state};
use crate::app::AppState;
use crate::password::check_policy;
use crate::tokens::{TokenExtras, hash_secret, new_secret};
use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use kit::error::is_unique_violation;
use kit::{ApiError, Role};
use sqlx::PgConnection;
use uuid::Uuid;

pub(crate) const DISPLAY_NAME_MAX: usize = 80;

#[derive(InputObject)]
pub struct RegisterInput {
    pub email: String,
    /// At least 12 characters.
    pub password: String,
    pub display_name: String,
    pub name: Option<String>,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct RefreshTokenInput {
    pub refresh_token: String,
}

#[derive(InputObject)]
pub struct LogoutInput {
    pub refresh_token: String,
}

/// A signed-in session: a short-lived access token and the refresh token that renews it.
#[derive(SimpleObject)]
pub struct AuthPayload {
    pub user: User,
    /// Send as `Authorization: Bearer <accessToken>`.
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    /// Use once with `refreshToken`; each use returns a new one.
    pub refresh_token: String,
    pub refresh_token_expires_at: DateTime<Utc>,
}

#[derive(SimpleObject)]
pub struct LogoutPayload {
    pub success: bool,
}

#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Creates a customer account and signs it in.
    async fn register(
        &self,
        ctx: &Context<'_>,
        input: RegisterInput,
    ) -> Result<AuthPayload, ApiError> {
        let state = state(ctx);
        let email = normalize_email("input.email", &input.email)?;
        let display_name =
            required_text("input.displayName", &input.display_name, DISPLAY_NAME_MAX)?;
        let full_name = input
            .name
            .map(|name| required_text("input.name", &name, 200))
            .transpose()?;
        check_policy("input.password", &input.password, &email)?;
        let password_hash = state.passwords.hash(&input.password).await?;

        let mut tx = state.pool.begin().await?;
        let inserted = sqlx::query_scalar!(
            "INSERT INTO users (email, password_hash, display_name, full_name) VALUES ($1, $2, $3, $4) RETURNING id",
            email,
            password_hash,
            display_name,
            full_name,
        )
        .fetch_one(&mut *tx)
        .await;
        let user_id = match inserted {
            Ok(id) => id,
            Err(err) if is_unique_violation(&err, "users_email_key") => {
                return Err(ApiError::Conflict(
                    "an account with this email already exists".to_owned(),
                ));
            }
            Err(err) => return Err(err.into()),
        };
        let session = start_session(&mut tx, state, user_id).await?;
        tx.commit().await?;
        sign_in(ctx, state, user_id, vec![Role::Customer], session).await
    }

    /// Signs in with email and password.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload, ApiError> {
        let state = state(ctx);
        let rejected = || ApiError::Unauthenticated("invalid email or password".to_owned());
        // A malformed email is treated like an unknown one: same work, same answer.
        let email = normalize_email("input.email", &input.email).unwrap_or_default();
        let account = sqlx::query!(
            "SELECT id, password_hash, roles FROM users WHERE email = $1",
            email
        )
        .fetch_optional(&state.pool)
        .await?;
        let stored = account
            .as_ref()
            .map(|account| account.password_hash.as_str());
        if !state.passwords.verify(stored, &input.password).await {
            return Err(rejected());
        }
        let account = account.ok_or_else(rejected)?;
        let mut tx = state.pool.begin().await?;
        let session = start_session(&mut tx, state, account.id).await?;
        tx.commit().await?;
        sign_in(ctx, state, account.id, parse_roles(&account.roles), session).await
    }

    /// Trades a refresh token for a new access token and a new refresh token.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        input: RefreshTokenInput,
    ) -> Result<AuthPayload, ApiError> {
        let state = state(ctx);
        let hash = hash_secret(&input.refresh_token);
        let mut tx = state.pool.begin().await?;
        let token = sqlx::query!(
            r#"SELECT t.session_id, t.expires_at, t.rotated_at, s.revoked_at, s.user_id, u.roles
               FROM refresh_tokens t
               JOIN sessions s ON s.id = t.session_id
               JOIN users u ON u.id = s.user_id
               WHERE t.token_hash = $1
               FOR UPDATE OF t, s"#,
            hash
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::Unauthenticated("invalid refresh token".to_owned()))?;

        if token.revoked_at.is_some() {
            return Err(ApiError::Unauthenticated(
                "this session has ended; log in again".to_owned(),
            ));
        }
        if token.rotated_at.is_some() {
            revoke_session(&mut tx, token.session_id, "refresh_token_reuse").await?;
            tx.commit().await?;
            tracing::warn!(user_id = %token.user_id, session_id = %token.session_id, "refresh token reused; session revoked");
            return Err(ApiError::Unauthenticated(
                "refresh token already used; the session has been revoked".to_owned(),
            ));
        }
        if token.expires_at <= Utc::now() {
            return Err(ApiError::Unauthenticated(
                "refresh token expired; log in again".to_owned(),
            ));
        }
        sqlx::query!(
            "UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1",
            hash
        )
        .execute(&mut *tx)
        .await?;
        let session = issue_refresh_token(&mut tx, state, token.session_id).await?;
        tx.commit().await?;
        sign_in(
            ctx,
            state,
            token.user_id,
            parse_roles(&token.roles),
            session,
        )
        .await
    }

    /// Ends the session the refresh token belongs to, on every device that shares it.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        input: LogoutInput,
    ) -> Result<LogoutPayload, ApiError> {
        let state = state(ctx);
        let hash = hash_secret(&input.refresh_token);
        let mut tx = state.pool.begin().await?;
        let session_id = sqlx::query_scalar!(
            "SELECT session_id FROM refresh_tokens WHERE token_hash = $1",
            hash
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::Unauthenticated("invalid refresh token".to_owned()))?;
        revoke_session(&mut tx, session_id, "logout").await?;
        tx.commit().await?;
        Ok(LogoutPayload { success: true })
    }
}

/// A new session's id with its first refresh token.
pub(crate) struct NewSession {
    pub id: Uuid,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
}

pub(crate) async fn start_session(
    conn: &mut PgConnection,
    state: &AppState,
    user_id: Uuid,
) -> Result<NewSession, ApiError> {
    let session_id = sqlx::query_scalar!(
        "INSERT INTO sessions (user_id) VALUES ($1) RETURNING id",
        user_id
    )
    .fetch_one(&mut *conn)
    .await?;
    issue_refresh_token(conn, state, session_id).await
}

async fn issue_refresh_token(
    conn: &mut PgConnection,
    state: &AppState,
    session_id: Uuid,
) -> Result<NewSession, ApiError> {
    let (refresh_token, hash) = new_secret();
    let refresh_expires_at = Utc::now() + Duration::seconds(state.tokens.refresh_ttl_secs);
    sqlx::query!(
        "INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES ($1, $2, $3)",
        hash,
        session_id,
        refresh_expires_at
    )
    .execute(&mut *conn)
    .await?;
    Ok(NewSession {
        id: session_id,
        refresh_token,
        refresh_expires_at,
    })
}

pub(crate) async fn revoke_session(
    conn: &mut PgConnection,
    session_id: Uuid,
    reason: &str,
) -> Result<(), ApiError> {
    sqlx::query!(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL",
        session_id,
        reason
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Revokes every live session of a user but `keep` (the caller's own, when there is one).
pub(crate) async fn revoke_other_sessions(
    conn: &mut PgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
    reason: &str,
) -> Result<u64, ApiError> {
    let revoked = sqlx::query!(
        r#"UPDATE sessions SET revoked_at = now(), revoked_reason = $3
           WHERE user_id = $1 AND id IS DISTINCT FROM $2 AND revoked_at IS NULL"#,
        user_id,
        keep,
        reason
    )
    .execute(&mut *conn)
    .await?;
    Ok(revoked.rows_affected())
}

async fn sign_in(
    ctx: &Context<'_>,
    state: &AppState,
    user_id: Uuid,
    roles: Vec<Role>,
    session: NewSession,
) -> Result<AuthPayload, ApiError> {
    let user = User {
        for_owner: true,
        ..super::user::fetch(ctx, user_id).await?
    };
    // Read just now, so a refresh carries the current values. The display name rides along
    // so other subgraphs can show it (reviews' authors), the address so they can mail the
    // user (orders' confirmations).
    let extras = TokenExtras {
        name: Some(user.display_name.clone()),
        email: Some(user.email.clone()),
        ..TokenExtras::default()
    };
    let access = state.keys.issue_with(user_id, roles, session.id, extras)?;
    Ok(AuthPayload {
        user,
        access_token: access.token,
        access_token_expires_at: access.expires_at,
        refresh_token: session.refresh_token,
        refresh_token_expires_at: session.refresh_expires_at,
    })
}

pub(crate) fn parse_roles(roles: &[String]) -> Vec<Role> {
    roles.iter().filter_map(|role| role.parse().ok()).collect()
}
