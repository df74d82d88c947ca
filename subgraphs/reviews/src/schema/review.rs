//! The `Review` entity: one user's rating and words about one product. Its author and product
//! are references to entities of other subgraphs, which the router joins.

use super::parse_id;
use super::product::Product;
use super::user::User;
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use kit::ApiError;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// A row of `reviews`.
#[derive(Debug, Clone)]
pub struct Review {
    pub id: Uuid,
    pub product_id: Uuid,
    pub author_id: Uuid,
    pub author_name: String,
    pub rating: i16,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a customer thinks of a product.
#[Object]
impl Review {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// 1 to 5 stars.
    async fn rating(&self) -> i32 {
        i32::from(self.rating)
    }

    async fn title(&self) -> &str {
        &self.title
    }

    async fn body(&self) -> &str {
        &self.body
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    /// Who wrote it. Their display name (as of their last edit) comes with the review, so
    /// the router does not have to ask the users subgraph for it.
    #[graphql(provides = "displayName")]
    async fn author(&self) -> User {
        User::with_name(self.author_id, self.author_name.clone())
    }

    /// The product reviewed (resolved by the catalog subgraph).
    async fn product(&self) -> Product {
        Product {
            id: self.product_id,
        }
    }
}

/// Loads reviews by id: one `WHERE id = ANY($1)` per batch.
pub struct ReviewLoader {
    pool: PgPool,
}

impl ReviewLoader {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl Loader<Uuid> for ReviewLoader {
    type Value = Review;
    type Error = Arc<sqlx::Error>;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Review>, Self::Error> {
        let rows = sqlx::query_as!(
            Review,
            "SELECT id, product_id, author_id, author_name, rating, title, body, created_at, updated_at
             FROM reviews WHERE id = ANY($1)",
            ids
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

async fn load(ctx: &Context<'_>, id: Uuid) -> Result<Option<Review>, ApiError> {
    ctx.data_unchecked::<DataLoader<ReviewLoader>>()
        .load_one(id)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))
}

#[derive(Default)]
pub struct ReviewQuery;

#[Object]
impl ReviewQuery {
    /// A review by id, or null when there is none.
    async fn review(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Review>, ApiError> {
        load(ctx, parse_id("id", &id)?).await
    }

    /// Resolves `Review` references; an unknown id resolves to null.
    #[graphql(entity)]
    async fn find_review_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<Review>, ApiError> {
        match Uuid::parse_str(&id) {
            Ok(id) => load(ctx, id).await,
            Err(_) => Ok(None),
        }
    }
}
