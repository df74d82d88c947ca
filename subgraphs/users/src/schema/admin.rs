//! What admins do: list and search users, change their roles.

use super::session::parse_roles;
use super::user::{User, UserRow, fetch};
use super::{parse_id, state};
use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields, OpaqueCursor};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kit::graphql::caller;
use kit::{ApiError, Role};
use uuid::Uuid;

pub const DEFAULT_PAGE: i32 = 20;
pub const MAX_PAGE: i32 = 100;

/// Where a page of users starts: after this (creation time, id).
type UserCursor = OpaqueCursor<(DateTime<Utc>, Uuid)>;

#[derive(InputObject)]
pub struct SetUserRolesInput {
    pub user_id: ID,
    /// The complete set of roles the user will hold.
    pub roles: Vec<Role>,
}

#[derive(SimpleObject)]
pub struct SetUserRolesPayload {
    pub user: User,
}

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// Users in order of registration, optionally filtered (admins only).
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many users, 1 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Part of an email or display name, case-insensitive.")] search: Option<
            String,
        >,
        role: Option<Role>,
    ) -> Result<Connection<String, User, EmptyFields, EmptyFields>, ApiError> {
        caller(ctx).require_role(Role::Admin)?;
        let first = first.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(ApiError::bad_input(
                "first",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        let after = after
            .map(|cursor| {
                UserCursor::decode_cursor(&cursor)
                    .map_err(|_| ApiError::bad_input("after", "not a cursor from this list"))
            })
            .transpose()?;
        let (after_time, after_id) = after.map(|cursor| cursor.0).unzip();
        let pattern = search
            .map(|search| search.trim().to_owned())
            .filter(|search| !search.is_empty())
            .map(|search| format!("%{}%", escape_like(&search)));

        let rows = sqlx::query_as!(
            UserRow,
            r#"SELECT id, email, display_name, full_name, phone, address_line1, address_line2,
                      address_city, address_region, address_postal_code,
                      address_country AS "address_country: String", roles, created_at, updated_at
               FROM users
               WHERE ($1::timestamptz IS NULL OR (created_at, id) > ($1, $2))
                 AND ($3::text IS NULL OR email ILIKE $3 OR display_name ILIKE $3)
                 AND ($4::text IS NULL OR $4 = ANY (roles))
               ORDER BY created_at, id
               LIMIT $5"#,
            after_time,
            after_id,
            pattern,
            role.map(Role::as_str),
            i64::from(first) + 1,
        )
        .fetch_all(&state(ctx).pool)
        .await?;

        let has_next = rows.len() > first as usize;
        let mut connection = Connection::new(after_time.is_some(), has_next);
        connection
            .edges
            .extend(rows.into_iter().take(first as usize).map(|row| {
                let cursor = OpaqueCursor((row.created_at, row.id)).encode_cursor();
                Edge::new(cursor, User::from(row))
            }));
        Ok(connection)
    }
}

#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Replaces a user's roles (admins only; not one's own). Takes effect at the user's
    /// next token refresh.
    async fn set_user_roles(
        &self,
        ctx: &Context<'_>,
        input: SetUserRolesInput,
    ) -> Result<SetUserRolesPayload, ApiError> {
        let admin = caller(ctx).require_role(Role::Admin)?;
        let user_id = parse_id("input.userId", &input.user_id)?;
        if user_id == admin.user_id {
            return Err(ApiError::Forbidden(
                "admins cannot change their own roles".to_owned(),
            ));
        }
        let mut roles: Vec<&str> = input.roles.iter().map(|role| role.as_str()).collect();
        roles.sort_unstable();
        roles.dedup();
        if roles.is_empty() {
            return Err(ApiError::bad_input(
                "input.roles",
                "a user needs at least one role",
            ));
        }
        let roles: Vec<String> = roles.into_iter().map(str::to_owned).collect();
        let updated = sqlx::query_scalar!(
            "UPDATE users SET roles = $2, updated_at = now() WHERE id = $1 RETURNING roles",
            user_id,
            &roles
        )
        .fetch_optional(&state(ctx).pool)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such user".to_owned()))?;
        tracing::info!(admin = %admin.user_id, user_id = %user_id, roles = ?parse_roles(&updated), "roles changed");
        Ok(SetUserRolesPayload {
            user: fetch(ctx, user_id).await?,
        })
    }
}

/// Escapes `%`, `_` and `\` so a search string matches literally inside `ILIKE`.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(super::escape_like(r"50%_off\"), r"50\%\_off\\");
    }
}
