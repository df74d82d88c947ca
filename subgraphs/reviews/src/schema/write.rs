//! Writing reviews: signed-in users create one review per product and edit or delete their
//! own; `ADMIN` and `SUPPORT` may remove any. Each write changes the product's rating summary
//! in the same transaction, so the summary always matches the reviews.

use super::product::Product;
use super::review::Review;
use super::{parse_id, rating, state, text};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use kit::error::is_unique_violation;
use kit::graphql::caller;
use kit::{ApiError, Identity};
use sqlx::PgConnection;
use uuid::Uuid;

const TITLE_MAX: usize = 120;
const BODY_MAX: usize = 5000;

#[derive(InputObject)]
pub struct CreateReviewInput {
    pub product_id: ID,
    /// 1 to 5 stars.
    pub rating: i32,
    pub title: String,
    pub body: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateReviewInput {
    pub id: ID,
    pub rating: Option<i32>,
    pub title: Option<String>,
    pub body: Option<String>,
}

#[derive(InputObject)]
pub struct DeleteReviewInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct ReviewPayload {
    pub review: Review,
}

#[derive(SimpleObject)]
pub struct DeleteReviewPayload {
    pub deleted_review_id: ID,
    /// The product the review was about, for its updated `ratingSummary`.
    pub product: Product,
}

#[derive(Default)]
pub struct ReviewMutation;

#[Object]
impl ReviewMutation {
    /// Reviews a product; one review per user and product (`CONFLICT` for a second one).
    async fn create_review(
        &self,
        ctx: &Context<'_>,
        input: CreateReviewInput,
    ) -> Result<ReviewPayload, ApiError> {
        let identity = caller(ctx).identity()?;
        let author_name = author_name(identity)?;
        let product_id = parse_id("input.productId", &input.product_id)?;
        let stars = rating("input.rating", input.rating)?;
        let title = text("input.title", &input.title, TITLE_MAX, true)?;
        let body = text(
            "input.body",
            input.body.as_deref().unwrap_or_default(),
            BODY_MAX,
            false,
        )?;

        let mut tx = state(ctx).pool.begin().await?;
        let review = sqlx::query_as!(
            Review,
            "INSERT INTO reviews (product_id, author_id, author_name, rating, title, body)
             VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING id, product_id, author_id, author_name, rating, title, body, created_at, updated_at",
            product_id,
            identity.user_id,
            author_name,
            stars,
            title,
            body
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(|err| {
            if is_unique_violation(&err, "reviews_product_author_key") {
                ApiError::Conflict("you have already reviewed this product".to_owned())
            } else {
                err.into()
            }
        })?;
        adjust_summary(&mut tx, product_id, None, Some(stars)).await?;
        tx.commit().await?;
        Ok(ReviewPayload { review })
    }

    /// Edits one's own review.
    async fn update_review(
        &self,
        ctx: &Context<'_>,
        input: UpdateReviewInput,
    ) -> Result<ReviewPayload, ApiError> {
        let identity = caller(ctx).identity()?;
        let id = parse_id("input.id", &input.id)?;
        let stars = input
            .rating
            .map(|stars| rating("input.rating", stars))
            .transpose()?;
        let title = input
            .title
            .map(|title| text("input.title", &title, TITLE_MAX, true))
            .transpose()?;
        let body = input
            .body
            .map(|body| text("input.body", &body, BODY_MAX, false))
            .transpose()?;

        let mut tx = state(ctx).pool.begin().await?;
        let existing = lock(&mut tx, id).await?;
        if existing.author_id != identity.user_id {
            return Err(ApiError::Forbidden(
                "only its author can edit a review".to_owned(),
            ));
        }
        // The author's current name (from their token) replaces the stored one.
        let review = sqlx::query_as!(
            Review,
            "UPDATE reviews SET
                 rating = COALESCE($2, rating),
                 title = COALESCE($3, title),
                 body = COALESCE($4, body),
                 author_name = COALESCE($5, author_name),
                 updated_at = now()
             WHERE id = $1
             RETURNING id, product_id, author_id, author_name, rating, title, body, created_at, updated_at",
            id,
            stars,
            title,
            body,
            author_name(identity).ok()
        )
        .fetch_one(&mut *tx)
        .await?;
        if review.rating != existing.rating {
            adjust_summary(
                &mut tx,
                existing.product_id,
                Some(existing.rating),
                Some(review.rating),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ReviewPayload { review })
    }

    /// Deletes a review: its author, or `ADMIN` and `SUPPORT` staff.
    async fn delete_review(
        &self,
        ctx: &Context<'_>,
        input: DeleteReviewInput,
    ) -> Result<DeleteReviewPayload, ApiError> {
        let identity = caller(ctx).identity()?;
        let id = parse_id("input.id", &input.id)?;
        let mut tx = state(ctx).pool.begin().await?;
        let existing = lock(&mut tx, id).await?;
        if existing.author_id != identity.user_id && !identity.is_staff() {
            return Err(ApiError::Forbidden(
                "only its author or staff can delete a review".to_owned(),
            ));
        }
        sqlx::query!("DELETE FROM reviews WHERE id = $1", id)
            .execute(&mut *tx)
            .await?;
        adjust_summary(&mut tx, existing.product_id, Some(existing.rating), None).await?;
        tx.commit().await?;
        if existing.author_id != identity.user_id {
            tracing::info!(review_id = %id, by = %identity.user_id, "review removed by staff");
        }
        Ok(DeleteReviewPayload {
            deleted_review_id: ID(id.to_string()),
            product: Product {
                id: existing.product_id,
            },
        })
    }
}

/// The display name a review is signed with: the `name` claim of the author's token.
fn author_name(identity: &Identity) -> Result<String, ApiError> {
    identity
        .name
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::Unauthenticated(
                "this access token carries no display name; sign in again".to_owned(),
            )
        })
}

struct Locked {
    author_id: Uuid,
    product_id: Uuid,
    rating: i16,
}

/// The review, locked until the transaction ends; `NOT_FOUND` when there is none.
async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<Locked, ApiError> {
    sqlx::query_as!(
        Locked,
        "SELECT author_id, product_id, rating FROM reviews WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| ApiError::NotFound("no such review".to_owned()))
}

/// Moves one review's stars out of (`removed`) and into (`added`) a product's summary.
async fn adjust_summary(
    conn: &mut PgConnection,
    product_id: Uuid,
    removed: Option<i16>,
    added: Option<i16>,
) -> Result<(), ApiError> {
    // The inserted row only ever counts the added review (never negative); an existing row
    // gets the added one and loses the removed one.
    sqlx::query!(
        "INSERT INTO rating_summaries AS s (product_id, stars_1, stars_2, stars_3, stars_4, stars_5)
         VALUES ($1,
                 ($2::smallint IS NOT DISTINCT FROM 1)::int,
                 ($2::smallint IS NOT DISTINCT FROM 2)::int,
                 ($2::smallint IS NOT DISTINCT FROM 3)::int,
                 ($2::smallint IS NOT DISTINCT FROM 4)::int,
                 ($2::smallint IS NOT DISTINCT FROM 5)::int)
         ON CONFLICT (product_id) DO UPDATE SET
             stars_1 = s.stars_1 + EXCLUDED.stars_1 - ($3::smallint IS NOT DISTINCT FROM 1)::int,
             stars_2 = s.stars_2 + EXCLUDED.stars_2 - ($3::smallint IS NOT DISTINCT FROM 2)::int,
             stars_3 = s.stars_3 + EXCLUDED.stars_3 - ($3::smallint IS NOT DISTINCT FROM 3)::int,
             stars_4 = s.stars_4 + EXCLUDED.stars_4 - ($3::smallint IS NOT DISTINCT FROM 4)::int,
             stars_5 = s.stars_5 + EXCLUDED.stars_5 - ($3::smallint IS NOT DISTINCT FROM 5)::int",
        product_id,
        added,
        removed
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
