//! The `User` entity: public fields for everyone, private ones for the user and admins;
//! loaded in batches so N references cost one SQL query.

use super::{parse_id, state};
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kit::graphql::caller;
use kit::{ApiError, Role};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// A row of `users`, as every query here selects it.
#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub full_name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<Address>,
    pub roles: Vec<Role>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when this value is handed to its owner by a payload that proves who they are
    /// (register, login, refresh), before the client holds an access token.
    pub(crate) for_owner: bool,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct Address {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

pub(crate) struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub full_name: Option<String>,
    pub phone: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub address_city: Option<String>,
    pub address_region: Option<String>,
    pub address_postal_code: Option<String>,
    pub address_country: Option<String>,
    pub roles: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        let address = match (
            row.address_line1,
            row.address_city,
            row.address_postal_code,
            row.address_country,
        ) {
            (Some(line1), Some(city), Some(postal_code), Some(country)) => Some(Address {
                line1,
                line2: row.address_line2,
                city,
                region: row.address_region,
                postal_code,
                country,
            }),
            _ => None,
        };
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            full_name: row.full_name,
            phone: row.phone,
            address,
            // The column's check constraint admits only known roles.
            roles: row
                .roles
                .iter()
                .filter_map(|role| role.parse().ok())
                .collect(),
            created_at: row.created_at,
            updated_at: row.updated_at,
            for_owner: false,
        }
    }
}

impl User {
    /// A private field's value for the user themself and admins; for anyone else, null and
    /// an error at the field's path (the rest of the object is still answered).
    fn private<'a, T>(&self, ctx: &Context<'_>, value: &'a T) -> Option<&'a T> {
        match self.may_see_private(ctx) {
            Ok(()) => Some(value),
            Err(err) => {
                let error = async_graphql::Error::from(err).into_server_error(ctx.item.pos);
                ctx.add_error(ctx.set_error_path(error));
                None
            }
        }
    }

    fn may_see_private(&self, ctx: &Context<'_>) -> Result<(), ApiError> {
        if self.for_owner || caller(ctx).identity()?.is_self_or_admin(self.id) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "only the user and admins can see this field".to_owned(),
            ))
        }
    }
}

/// A customer or staff member of the shop. Private fields are null, with a `FORBIDDEN`
/// error, for anyone but the user and admins.
#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// The name shown to others (on reviews, for example).
    async fn display_name(&self) -> &str {
        &self.display_name
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// Private: the user and admins only.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        self.private(ctx, &self.email).map(String::as_str)
    }

    /// Full name. Private: the user and admins only.
    async fn name(&self, ctx: &Context<'_>) -> Option<&str> {
        self.private(ctx, &self.full_name)?.as_deref()
    }

    /// Private: the user and admins only.
    async fn phone(&self, ctx: &Context<'_>) -> Option<&str> {
        self.private(ctx, &self.phone)?.as_deref()
    }

    /// Private: the user and admins only.
    async fn address(&self, ctx: &Context<'_>) -> Option<&Address> {
        self.private(ctx, &self.address)?.as_ref()
    }

    /// Private: the user and admins only.
    async fn roles(&self, ctx: &Context<'_>) -> Option<&[Role]> {
        self.private(ctx, &self.roles).map(Vec::as_slice)
    }

    /// Private: the user and admins only.
    async fn updated_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        self.private(ctx, &self.updated_at).copied()
    }
}

/// Loads users by id: one `WHERE id = ANY($1)` per batch.
pub struct UserLoader {
    pool: PgPool,
}

impl UserLoader {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl Loader<Uuid> for UserLoader {
    type Value = User;
    type Error = Arc<sqlx::Error>;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, User>, Self::Error> {
        let rows = sqlx::query_as!(
            UserRow,
            r#"SELECT id, email, display_name, full_name, phone, address_line1, address_line2,
                      address_city, address_region, address_postal_code,
                      address_country AS "address_country: String", roles, created_at, updated_at
               FROM users WHERE id = ANY($1)"#,
            ids
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Arc::new)?;
        Ok(rows
            .into_iter()
            .map(|row| (row.id, User::from(row)))
            .collect())
    }
}

/// One user through the loader.
pub(crate) async fn load(ctx: &Context<'_>, id: Uuid) -> Result<Option<User>, ApiError> {
    ctx.data_unchecked::<DataLoader<UserLoader>>()
        .load_one(id)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> Result<User, ApiError> {
        let identity = caller(ctx).identity()?;
        load(ctx, identity.user_id)
            .await?
            .ok_or_else(|| ApiError::NotFound("this account no longer exists".to_owned()))
    }

    /// A user by id (public fields for everyone), or null when there is none.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Result<Option<User>, ApiError> {
        load(ctx, parse_id("id", &id)?).await
    }

    /// Resolves `User` references from other subgraphs; an unknown id resolves to null.
    #[graphql(entity)]
    async fn find_user_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<User>, ApiError> {
        match Uuid::parse_str(&id) {
            Ok(id) => load(ctx, id).await,
            Err(_) => Ok(None),
        }
    }
}

/// One user read straight from the database (after a write, bypassing the loader).
pub(crate) async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<User, ApiError> {
    let row = sqlx::query_as!(
        UserRow,
        r#"SELECT id, email, display_name, full_name, phone, address_line1, address_line2,
                  address_city, address_region, address_postal_code,
                  address_country AS "address_country: String", roles, created_at, updated_at
           FROM users WHERE id = $1"#,
        id
    )
    .fetch_optional(&state(ctx).pool)
    .await?;
    row.map(User::from)
        .ok_or_else(|| ApiError::NotFound("no such user".to_owned()))
}
