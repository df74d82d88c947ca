//! `Product`, an entity owned by the catalog subgraph, extended here with its reviews and its
//! rating summary (kept in step with the reviews by every write).

use super::pages::{self, PageKey, ReviewConnection, ReviewSort};
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ID, Object, SimpleObject};
use kit::ApiError;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// A product, known here by its id only.
#[derive(Debug, Clone, Copy)]
pub struct Product {
    pub id: Uuid,
}

/// How a product is rated.
#[derive(Debug, Clone, PartialEq, SimpleObject)]
pub struct RatingSummary {
    /// Mean number of stars, null without reviews.
    pub average: Option<f64>,
    pub count: i32,
    /// How many reviews gave each number of stars, from 5 down to 1 (always five entries).
    pub histogram: Vec<RatingCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct RatingCount {
    pub rating: i32,
    pub count: i32,
}

/// A row of `rating_summaries`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub stars: [i32; 5],
}

impl Summary {
    fn to_graphql(self) -> RatingSummary {
        let count: i32 = self.stars.iter().sum();
        let total: i64 = self
            .stars
            .iter()
            .zip(1i64..)
            .map(|(count, stars)| i64::from(*count) * stars)
            .sum();
        RatingSummary {
            #[allow(clippy::cast_precision_loss)] // counts far below 2^52
            average: (count > 0).then(|| total as f64 / f64::from(count)),
            count,
            histogram: (1..=5)
                .rev()
                .zip(self.stars.iter().rev())
                .map(|(rating, count)| RatingCount {
                    rating,
                    count: *count,
                })
                .collect(),
        }
    }
}

#[Object]
impl Product {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// What customers wrote about it, newest first by default.
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many reviews, 1 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        sort: Option<ReviewSort>,
    ) -> Result<ReviewConnection, ApiError> {
        pages::of_product(ctx, PageKey::parse(self.id, sort, first, after)?).await
    }

    async fn rating_summary(&self, ctx: &Context<'_>) -> Result<RatingSummary, ApiError> {
        let summary = ctx
            .data_unchecked::<DataLoader<SummaryLoader>>()
            .load_one(self.id)
            .await
            .map_err(|err| ApiError::internal(err.to_string()))?
            .unwrap_or_default();
        Ok(summary.to_graphql())
    }
}

/// Loads rating summaries: one `WHERE product_id = ANY($1)` per batch.
pub struct SummaryLoader {
    pool: PgPool,
}

impl SummaryLoader {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl Loader<Uuid> for SummaryLoader {
    type Value = Summary;
    type Error = Arc<sqlx::Error>;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Summary>, Self::Error> {
        let rows = sqlx::query!(
            "SELECT product_id, stars_1, stars_2, stars_3, stars_4, stars_5
             FROM rating_summaries WHERE product_id = ANY($1)",
            ids
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Arc::new)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let stars = [
                    row.stars_1,
                    row.stars_2,
                    row.stars_3,
                    row.stars_4,
                    row.stars_5,
                ];
                (row.product_id, Summary { stars })
            })
            .collect())
    }
}

#[derive(Default)]
pub struct ProductQuery;

#[Object]
impl ProductQuery {
    /// Resolves `Product` references: any well-formed id (the catalog owns which exist).
    #[graphql(entity)]
    async fn find_product_by_id(&self, id: ID) -> Option<Product> {
        Uuid::parse_str(&id).ok().map(|id| Product { id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_average_and_list_every_rating() {
        let empty = Summary::default().to_graphql();
        assert_eq!(empty.average, None);
        assert_eq!(empty.count, 0);
        assert_eq!(empty.histogram.len(), 5);

        let summary = Summary {
            stars: [1, 0, 0, 2, 1],
        }
        .to_graphql();
        assert_eq!(summary.count, 4);
        assert_eq!(summary.average, Some(3.5));
        assert_eq!(
            summary.histogram[0],
            RatingCount {
                rating: 5,
                count: 1
            }
        );
        assert_eq!(
            summary.histogram[4],
            RatingCount {
                rating: 1,
                count: 1
            }
        );
    }
}
