//! Review connections for many parents at once: the reviews of 50 products (or users) cost
//! one SQL query, a window function cutting each parent's page.
//!
//! Every sort order is two numbers per row (`k1`, `k2`, ascending) with the id as the last
//! tie-breaker, so one statement serves them all and a cursor is `(k1, k2, id)`, carried
//! exactly as the bits of the `f64`s.

use super::review::Review;
use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields, OpaqueCursor};
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Enum};
use chrono::{DateTime, Utc};
use kit::ApiError;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

const DEFAULT_PAGE: i32 = 20;
const MAX_PAGE: i32 = 100;

pub type ReviewConnection = Connection<String, Review, EmptyFields, EmptyFields>;

/// The order of a list of reviews.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum ReviewSort {
    #[default]
    Newest,
    Oldest,
    /// Most stars first; newest first among equals.
    HighestRating,
    /// Fewest stars first; newest first among equals.
    LowestRating,
}

impl ReviewSort {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "NEWEST",
            Self::Oldest => "OLDEST",
            Self::HighestRating => "HIGHEST_RATING",
            Self::LowestRating => "LOWEST_RATING",
        }
    }
}

/// Where a page starts: after the review with these keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReviewCursor {
    sort: ReviewSort,
    k1: u64,
    k2: u64,
    id: Uuid,
}

/// One page of one parent's reviews, as a loader key. Keys that share sort, size and cursor
/// are loaded by one query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub parent: Uuid,
    pub sort: ReviewSort,
    pub first: i64,
    pub after: Option<ReviewCursor>,
}

impl PageKey {
    /// Checks the arguments of a connection field.
    pub fn parse(
        parent: Uuid,
        sort: Option<ReviewSort>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Self, ApiError> {
        let sort = sort.unwrap_or_default();
        let first = first.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(ApiError::bad_input(
                "first",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        let after = after
            .map(|cursor| {
                OpaqueCursor::<ReviewCursor>::decode_cursor(&cursor)
                    .map(|cursor| cursor.0)
                    .map_err(|_| ApiError::bad_input("after", "not a cursor from this list"))
            })
            .transpose()?;
        if after.is_some_and(|cursor| cursor.sort != sort) {
            return Err(ApiError::bad_input(
                "after",
                "this cursor belongs to a different sort order",
            ));
        }
        Ok(Self {
            parent,
            sort,
            first: i64::from(first),
            after,
        })
    }

    fn group(&self) -> (ReviewSort, i64, Option<ReviewCursor>) {
        (self.sort, self.first, self.after)
    }
}

/// A review with its position keys.
struct PageRow {
    id: Uuid,
    product_id: Uuid,
    author_id: Uuid,
    author_name: String,
    rating: i16,
    title: String,
    body: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    k1: f64,
    k2: f64,
}

impl PageRow {
    fn split(self, sort: ReviewSort) -> (String, Review) {
        let cursor = OpaqueCursor(ReviewCursor {
            sort,
            k1: self.k1.to_bits(),
            k2: self.k2.to_bits(),
            id: self.id,
        })
        .encode_cursor();
        let review = Review {
            id: self.id,
            product_id: self.product_id,
            author_id: self.author_id,
            author_name: self.author_name,
            rating: self.rating,
            title: self.title,
            body: self.body,
            created_at: self.created_at,
            updated_at: self.updated_at,
        };
        (cursor, review)
    }
}

/// One parent's page: its reviews (one more than asked when there is a next page).
#[derive(Clone)]
pub struct Page {
    first: usize,
    has_previous: bool,
    rows: Vec<(String, Review)>,
}

impl Page {
    fn into_connection(self) -> ReviewConnection {
        let has_next = self.rows.len() > self.first;
        let mut connection = Connection::new(self.has_previous, has_next);
        connection.edges.extend(
            self.rows
                .into_iter()
                .take(self.first)
                .map(|(cursor, review)| Edge::new(cursor, review)),
        );
        connection
    }
}

/// Which column a list hangs from.
#[derive(Clone, Copy)]
enum ParentColumn {
    Product,
    Author,
}

async fn load_pages(
    pool: &PgPool,
    column: ParentColumn,
    keys: &[PageKey],
) -> Result<HashMap<PageKey, Page>, sqlx::Error> {
    let mut groups: HashMap<(ReviewSort, i64, Option<ReviewCursor>), Vec<Uuid>> = HashMap::new();
    for key in keys {
        groups.entry(key.group()).or_default().push(key.parent);
    }
    let mut pages = HashMap::with_capacity(keys.len());
    for ((sort, first, after), parents) in groups {
        let (k1, k2, after_id) = match after {
            Some(cursor) => (
                Some(f64::from_bits(cursor.k1)),
                Some(f64::from_bits(cursor.k2)),
                Some(cursor.id),
            ),
            None => (None, None, None),
        };
        let rows = match column {
            ParentColumn::Product => {
                sqlx::query_as!(
                    PageRow,
                    r#"SELECT id AS "id!", product_id AS "product_id!", author_id AS "author_id!",
                              author_name AS "author_name!", rating AS "rating!", title AS "title!",
                              body AS "body!", created_at AS "created_at!", updated_at AS "updated_at!",
                              k1 AS "k1!", k2 AS "k2!"
                       FROM (
                           SELECT r.*, keys.k1, keys.k2,
                                  row_number() OVER (PARTITION BY r.product_id
                                                     ORDER BY keys.k1, keys.k2, r.id) AS position
                           FROM reviews r
                           CROSS JOIN LATERAL (SELECT
                               CASE $2::text
                                   WHEN 'NEWEST' THEN -extract(epoch FROM r.created_at)::float8
                                   WHEN 'OLDEST' THEN extract(epoch FROM r.created_at)::float8
                                   WHEN 'HIGHEST_RATING' THEN -r.rating::float8
                                   ELSE r.rating::float8
                               END AS k1,
                               CASE WHEN $2 IN ('HIGHEST_RATING', 'LOWEST_RATING')
                                   THEN -extract(epoch FROM r.created_at)::float8
                                   ELSE 0::float8
                               END AS k2) keys
                           WHERE r.product_id = ANY($1)
                             AND ($3::float8 IS NULL OR (keys.k1, keys.k2, r.id) > ($3, $4::float8, $5::uuid))
                       ) ranked
                       WHERE position <= $6
                       ORDER BY product_id, k1, k2, id"#,
                    &parents,
                    sort.as_str(),
                    k1,
                    k2,
                    after_id,
                    first + 1
                )
                .fetch_all(pool)
                .await?
            }
            ParentColumn::Author => {
                sqlx::query_as!(
                    PageRow,
                    r#"SELECT id AS "id!", product_id AS "product_id!", author_id AS "author_id!",
                              author_name AS "author_name!", rating AS "rating!", title AS "title!",
                              body AS "body!", created_at AS "created_at!", updated_at AS "updated_at!",
                              k1 AS "k1!", k2 AS "k2!"
                       FROM (
                           SELECT r.*, keys.k1, keys.k2,
                                  row_number() OVER (PARTITION BY r.author_id
                                                     ORDER BY keys.k1, keys.k2, r.id) AS position
                           FROM reviews r
                           CROSS JOIN LATERAL (SELECT
                               CASE $2::text
                                   WHEN 'NEWEST' THEN -extract(epoch FROM r.created_at)::float8
                                   WHEN 'OLDEST' THEN extract(epoch FROM r.created_at)::float8
                                   WHEN 'HIGHEST_RATING' THEN -r.rating::float8
                                   ELSE r.rating::float8
                               END AS k1,
                               CASE WHEN $2 IN ('HIGHEST_RATING', 'LOWEST_RATING')
                                   THEN -extract(epoch FROM r.created_at)::float8
                                   ELSE 0::float8
                               END AS k2) keys
                           WHERE r.author_id = ANY($1)
                             AND ($3::float8 IS NULL OR (keys.k1, keys.k2, r.id) > ($3, $4::float8, $5::uuid))
                       ) ranked
                       WHERE position <= $6
                       ORDER BY author_id, k1, k2, id"#,
                    &parents,
                    sort.as_str(),
                    k1,
                    k2,
                    after_id,
                    first + 1
                )
                .fetch_all(pool)
                .await?
            }
        };
        let page_size = usize::try_from(first).unwrap_or(usize::MAX);
        let empty = Page {
            first: page_size,
            has_previous: after.is_some(),
            rows: Vec::new(),
        };
        let mut by_parent: HashMap<Uuid, Page> = parents
            .iter()
            .map(|parent| (*parent, empty.clone()))
            .collect();
        for row in rows {
            let parent = match column {
                ParentColumn::Product => row.product_id,
                ParentColumn::Author => row.author_id,
            };
            if let Some(page) = by_parent.get_mut(&parent) {
                page.rows.push(row.split(sort));
            }
        }
        for (parent, page) in by_parent {
            pages.insert(
                PageKey {
                    parent,
                    sort,
                    first,
                    after,
                },
                page,
            );
        }
    }
    Ok(pages)
}

/// Pages of products' reviews.
pub struct ProductReviewsLoader {
    pool: PgPool,
}

impl ProductReviewsLoader {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl Loader<PageKey> for ProductReviewsLoader {
    type Value = Page;
    type Error = Arc<sqlx::Error>;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Page>, Self::Error> {
        load_pages(&self.pool, ParentColumn::Product, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Pages of users' reviews.
pub struct AuthorReviewsLoader {
    pool: PgPool,
}

impl AuthorReviewsLoader {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl Loader<PageKey> for AuthorReviewsLoader {
    type Value = Page;
    type Error = Arc<sqlx::Error>;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Page>, Self::Error> {
        load_pages(&self.pool, ParentColumn::Author, keys)
            .await
            .map_err(Arc::new)
    }
}

/// A product's page of reviews through its loader.
pub(crate) async fn of_product(
    ctx: &Context<'_>,
    key: PageKey,
) -> Result<ReviewConnection, ApiError> {
    let page = ctx
        .data_unchecked::<DataLoader<ProductReviewsLoader>>()
        .load_one(key)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))?;
    Ok(page
        .map(Page::into_connection)
        .unwrap_or_else(|| Connection::new(key.after.is_some(), false)))
}

/// A user's page of reviews through its loader.
pub(crate) async fn of_author(
    ctx: &Context<'_>,
    key: PageKey,
) -> Result<ReviewConnection, ApiError> {
    let page = ctx
        .data_unchecked::<DataLoader<AuthorReviewsLoader>>()
        .load_one(key)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))?;
    Ok(page
        .map(Page::into_connection)
        .unwrap_or_else(|| Connection::new(key.after.is_some(), false)))
}
