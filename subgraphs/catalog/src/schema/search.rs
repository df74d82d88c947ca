//! The product search: full-text relevance (a weighted `tsvector` with a GIN index), filters
//! (category and its subcategories, price range, currency, in stock, attributes), four sort
//! orders, and keyset pagination behind opaque cursors.
//!
//! Every sort order is expressed as one number per row (`sort_key`, ascending) with the id as
//! tie-breaker, so one statement serves them all and a cursor is `(sort_key, id)`. The key of
//! the row a page ended on is carried exactly, as the bits of the `f64`. Each execution is
//! planned with its own values (`plan_cache_mode = force_custom_plan`, set by the migration),
//! so filters that are off fold away and the sort key folds to one expression; stock is
//! joined only to the page's rows. The plans are in `docs/catalog-indexes.md`.

use super::product::Product;
use super::{bounded_text, page_size, parse_id, state};
use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields, OpaqueCursor};
use async_graphql::{Context, Enum, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};
use kit::ApiError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The order of search results.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductSort {
    /// Best matches first (the default with a search text; without one, `NEWEST`).
    Relevance,
    PriceLowToHigh,
    PriceHighToLow,
    Newest,
}

impl ProductSort {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Relevance => "RELEVANCE",
            Self::PriceLowToHigh => "PRICE_LOW_TO_HIGH",
            Self::PriceHighToLow => "PRICE_HIGH_TO_LOW",
            Self::Newest => "NEWEST",
        }
    }
}

/// Narrows a product search; every filter given must hold.
#[derive(InputObject, Default)]
pub struct ProductFilter {
    /// This category or any of its subcategories.
    pub category_id: Option<ID>,
    /// Lowest price, in minor units, inclusive.
    pub min_price: Option<i32>,
    /// Highest price, in minor units, inclusive.
    pub max_price: Option<i32>,
    /// Only prices in this ISO 4217 currency.
    pub currency: Option<String>,
    /// Only products that can be ordered now.
    #[graphql(default)]
    pub in_stock: bool,
    /// Attributes the product must have, e.g. `{"color": "red"}` (a JSON object).
    pub attributes: Option<Json<serde_json::Value>>,
}

/// Where a page of results starts: after the row with this sort key and id.
#[derive(Serialize, Deserialize)]
struct SearchCursor {
    sort: ProductSort,
    key: u64,
    id: Uuid,
}

struct SearchRow {
    id: Uuid,
    sku: String,
    name: String,
    description: String,
    price_amount: i32,
    price_currency: String,
    image_urls: Vec<String>,
    category_id: Option<Uuid>,
    attributes: serde_json::Value,
    active: bool,
    on_hand: i32,
    reserved: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    sort_key: f64,
}

impl SearchRow {
    fn into_edge(self, sort: ProductSort) -> Edge<String, Product, EmptyFields> {
        let cursor = OpaqueCursor(SearchCursor {
            sort,
            key: self.sort_key.to_bits(),
            id: self.id,
        })
        .encode_cursor();
        let product = Product {
            id: self.id,
            sku: self.sku,
            name: self.name,
            description: self.description,
            price_amount: self.price_amount,
            price_currency: self.price_currency,
            image_urls: self.image_urls,
            category_id: self.category_id,
            attributes: self.attributes,
            active: self.active,
            on_hand: self.on_hand,
            reserved: self.reserved,
            created_at: self.created_at,
            updated_at: self.updated_at,
        };
        Edge::new(cursor, product)
    }
}

/// A search, checked and normalized.
struct Search {
    text: Option<String>,
    category_id: Option<Uuid>,
    min_price: Option<i32>,
    max_price: Option<i32>,
    currency: Option<String>,
    in_stock: bool,
    attributes: Option<serde_json::Value>,
    sort: ProductSort,
}

impl Search {
    fn parse(
        text: Option<String>,
        filter: ProductFilter,
        sort: Option<ProductSort>,
    ) -> Result<Self, ApiError> {
        let text = text
            .map(|text| bounded_text("search", &text, 200))
            .transpose()?
            .filter(|text| !text.is_empty());
        let category_id = filter
            .category_id
            .map(|id| parse_id("filter.categoryId", &id))
            .transpose()?;
        for (field, price) in [
            ("filter.minPrice", filter.min_price),
            ("filter.maxPrice", filter.max_price),
        ] {
            if price.is_some_and(|price| price < 0) {
                return Err(ApiError::bad_input(field, "must not be negative"));
            }
        }
        if let (Some(min), Some(max)) = (filter.min_price, filter.max_price)
            && min > max
        {
            return Err(ApiError::bad_input(
                "filter.maxPrice",
                "must not be lower than minPrice",
            ));
        }
        let currency = filter
            .currency
            .map(|code| parse_currency("filter.currency", &code))
            .transpose()?;
        let attributes = match filter.attributes {
            Some(Json(value)) if value.is_object() => Some(value),
            Some(_) => {
                return Err(ApiError::bad_input(
                    "filter.attributes",
                    "must be a JSON object",
                ));
            }
            None => None,
        };
        let sort = match (sort, &text) {
            (Some(ProductSort::Relevance) | None, None) => ProductSort::Newest,
            (Some(sort), _) => sort,
            (None, Some(_)) => ProductSort::Relevance,
        };
        Ok(Self {
            text,
            category_id,
            min_price: filter.min_price,
            max_price: filter.max_price,
            currency,
            in_stock: filter.in_stock,
            attributes,
            sort,
        })
    }
}

/// An ISO 4217 code: three letters, stored upper case.
pub(crate) fn parse_currency(field: &'static str, raw: &str) -> Result<String, ApiError> {
    let code = raw.trim().to_uppercase();
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(ApiError::bad_input(
            field,
            "must be an ISO 4217 currency code, e.g. EUR",
        ))
    }
}

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Listed products matching a search text and filters, best matches first by default.
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Words to find in names, SKUs and descriptions (web-search syntax: \"a phrase\", -word, or)."
        )]
        search: Option<String>,
        filter: Option<ProductFilter>,
        sort: Option<ProductSort>,
        #[graphql(desc = "How many products, 1 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Product, EmptyFields, EmptyFields>, ApiError> {
        let search = Search::parse(search, filter.unwrap_or_default(), sort)?;
        let first = page_size(first)?;
        let after = after
            .map(|cursor| {
                OpaqueCursor::<SearchCursor>::decode_cursor(&cursor)
                    .map_err(|_| ApiError::bad_input("after", "not a cursor from this list"))
            })
            .transpose()?
            .map(|cursor| cursor.0);
        if after
            .as_ref()
            .is_some_and(|cursor| cursor.sort != search.sort)
        {
            return Err(ApiError::bad_input(
                "after",
                "this cursor belongs to a different sort order",
            ));
        }
        let (after_key, after_id) = after
            .map(|cursor| (f64::from_bits(cursor.key), cursor.id))
            .unzip();

        let rows = sqlx::query_as!(
            SearchRow,
            r#"WITH RECURSIVE scope AS (
                   SELECT id FROM categories WHERE id = $1
                   UNION ALL
                   SELECT c.id FROM categories c JOIN scope ON c.parent_id = scope.id
               )
               SELECT page.id AS "id!", page.sku AS "sku!", page.name AS "name!",
                      page.description AS "description!", page.price_amount AS "price_amount!",
                      page.price_currency AS "price_currency!", page.image_urls AS "image_urls!",
                      page.category_id, page.attributes AS "attributes!", page.active AS "active!",
                      i.on_hand, i.reserved, page.created_at AS "created_at!",
                      page.updated_at AS "updated_at!", page.sort_key AS "sort_key!"
               FROM (
                   SELECT * FROM (
                       SELECT p.id, p.sku, p.name, p.description, p.price_amount, p.price_currency,
                              p.image_urls, p.category_id, p.attributes, p.active,
                              p.created_at, p.updated_at,
                              CASE $8::text
                                  WHEN 'RELEVANCE'
                                      THEN -ts_rank(p.search, websearch_to_tsquery('english', $2))::float8
                                  WHEN 'PRICE_LOW_TO_HIGH' THEN p.price_amount::float8
                                  WHEN 'PRICE_HIGH_TO_LOW' THEN -p.price_amount::float8
                                  ELSE -extract(epoch FROM p.created_at - 'epoch'::timestamptz)::float8
                              END AS sort_key
                       FROM products p
                       WHERE p.active
                         AND ($1::uuid IS NULL OR p.category_id = ANY (ARRAY(SELECT id FROM scope)))
                         AND ($2::text IS NULL OR p.search @@ websearch_to_tsquery('english', $2))
                         AND ($3::int IS NULL OR p.price_amount >= $3)
                         AND ($4::int IS NULL OR p.price_amount <= $4)
                         AND ($5::text IS NULL OR p.price_currency = $5)
                         AND (NOT $6::bool OR (
                             SELECT s.on_hand > s.reserved FROM inventory s
                             WHERE s.product_id = p.id))
                         AND ($7::jsonb IS NULL OR p.attributes @> $7)
                   ) found
                   WHERE $9::float8 IS NULL OR (sort_key, id) > ($9, $10::uuid)
                   ORDER BY sort_key, id
                   LIMIT $11
               ) page
               JOIN inventory i ON i.product_id = page.id
               ORDER BY page.sort_key, page.id"#,
            search.category_id,
            search.text,
            search.min_price,
            search.max_price,
            search.currency,
            search.in_stock,
            search.attributes,
            search.sort.as_str(),
            after_key,
            after_id,
            i64::try_from(first + 1).unwrap_or(i64::MAX),
        )
        .fetch_all(&state(ctx).pool)
        .await?;

        let has_next = rows.len() > first;
        let mut connection = Connection::new(after_key.is_some(), has_next);
        connection.edges.extend(
            rows.into_iter()
                .take(first)
                .map(|row| row.into_edge(search.sort)),
        );
        Ok(connection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sort_defaults_to_relevance_only_with_a_search_text() {
        let parse = |text: Option<&str>, sort| {
            Search::parse(text.map(str::to_owned), ProductFilter::default(), sort)
                .map(|search| search.sort)
                .ok()
        };
        assert_eq!(parse(Some("lamp"), None), Some(ProductSort::Relevance));
        assert_eq!(parse(None, None), Some(ProductSort::Newest));
        assert_eq!(parse(Some("  "), None), Some(ProductSort::Newest));
        assert_eq!(
            parse(None, Some(ProductSort::Relevance)),
            Some(ProductSort::Newest)
        );
        assert_eq!(
            parse(Some("lamp"), Some(ProductSort::PriceHighToLow)),
            Some(ProductSort::PriceHighToLow)
        );
    }

    #[test]
    fn currencies_are_three_letters() {
        assert_eq!(parse_currency("c", " eur ").ok().as_deref(), Some("EUR"));
        for bad in ["", "EU", "EURO", "E1R", "€"] {
            assert!(parse_currency("c", bad).is_err(), "{bad}");
        }
    }
}
