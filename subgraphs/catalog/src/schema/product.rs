//! The `Product` entity (keys `id` and `sku`), its price as `Money`, and the dataloaders
//! that resolve products in batches: one `WHERE id = ANY($1)` per batch, behind a Redis
//! read-through cache that writes invalidate.

use super::category::{self, Category};
use super::{parse_id, require_writer};
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kit::ApiError;
use kit::cache::Cache;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// A product with its stock, as every query here selects it (and as the cache stores it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Product {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    pub description: String,
    pub price_amount: i32,
    pub price_currency: String,
    pub image_urls: Vec<String>,
    pub category_id: Option<Uuid>,
    pub attributes: serde_json::Value,
    pub active: bool,
    pub on_hand: i32,
    pub reserved: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An amount of money: an integer number of the currency's minor unit (cents for `EUR`).
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
#[graphql(shareable)]
pub struct Money {
    /// In minor units: `1999` with `EUR` is €19.99.
    pub amount: i32,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
}

/// Stock figures, for those who manage the catalog.
#[derive(Debug, Clone, SimpleObject)]
pub struct Stock {
    pub on_hand: i32,
    /// Held for orders not yet shipped.
    pub reserved: i32,
    pub available: i32,
}

/// Something the shop sells.
#[Object]
impl Product {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Stock-keeping unit: unique, upper case.
    async fn sku(&self) -> &str {
        &self.sku
    }

    async fn name(&self) -> &str {
        &self.name
    }

    async fn description(&self) -> &str {
        &self.description
    }

    async fn price(&self) -> Money {
        Money {
            amount: self.price_amount,
            currency: self.price_currency.clone(),
        }
    }

    async fn image_urls(&self) -> &[String] {
        &self.image_urls
    }

    async fn category(&self, ctx: &Context<'_>) -> Result<Option<Category>, ApiError> {
        match self.category_id {
            Some(id) => category::load(ctx, id).await,
            None => Ok(None),
        }
    }

    /// Free-form attributes, e.g. `{"color": "red", "size": "M"}`.
    async fn attributes(&self) -> Json<serde_json::Value> {
        Json(self.attributes.clone())
    }

    /// False once archived: no longer listed or sold.
    async fn active(&self) -> bool {
        self.active
    }

    async fn in_stock(&self) -> bool {
        self.available() > 0
    }

    /// How many can still be ordered.
    async fn available_quantity(&self) -> i32 {
        self.available()
    }

    /// Stock on hand and reserved: for admins and `catalog:write` tokens only (others get
    /// null and a `FORBIDDEN` error at this field).
    async fn stock(&self, ctx: &Context<'_>) -> Option<Stock> {
        match require_writer(ctx) {
            Ok(_) => Some(Stock {
                on_hand: self.on_hand,
                reserved: self.reserved,
                available: self.available(),
            }),
            Err(err) => {
                let error = async_graphql::Error::from(err).into_server_error(ctx.item.pos);
                ctx.add_error(ctx.set_error_path(error));
                None
            }
        }
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

impl Product {
    pub fn available(&self) -> i32 {
        self.on_hand - self.reserved
    }
}

/// The cache keys under which a product is stored.
pub(crate) fn cache_keys(id: Uuid, sku: &str) -> [String; 2] {
    [id_key(id), sku_key(sku)]
}

fn id_key(id: Uuid) -> String {
    format!("product:{id}")
}

fn sku_key(sku: &str) -> String {
    format!("product-sku:{sku}")
}

/// Drops a product from the cache after a write changed it.
pub(crate) async fn invalidate(cache: &Cache, products: &[(Uuid, String)]) {
    let keys: Vec<String> = products
        .iter()
        .flat_map(|(id, sku)| cache_keys(*id, sku))
        .collect();
    cache.delete(&keys).await;
}

/// Loads products by id: the cache first, then one `WHERE id = ANY($1)` for the misses.
pub struct ProductLoader {
    pool: PgPool,
    cache: Cache,
}

impl ProductLoader {
    pub fn new(pool: PgPool, cache: Cache) -> Self {
        Self { pool, cache }
    }
}

impl Loader<Uuid> for ProductLoader {
    type Value = Product;
    type Error = Arc<sqlx::Error>;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Product>, Self::Error> {
        let keys: Vec<String> = ids.iter().map(|id| id_key(*id)).collect();
        let cached: Vec<Option<Product>> = self.cache.get_many(&keys).await;
        let mut found = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        for (id, hit) in ids.iter().zip(cached) {
            match hit {
                Some(product) => {
                    found.insert(*id, product);
                }
                None => missing.push(*id),
            }
        }
        if !missing.is_empty() {
            let rows = fetch_by_ids(&self.pool, &missing).await.map_err(Arc::new)?;
            store(&self.cache, &rows).await;
            found.extend(rows.into_iter().map(|product| (product.id, product)));
        }
        Ok(found)
    }
}

/// Loads products by SKU, cached like [`ProductLoader`].
pub struct ProductSkuLoader {
    pool: PgPool,
    cache: Cache,
}

impl ProductSkuLoader {
    pub fn new(pool: PgPool, cache: Cache) -> Self {
        Self { pool, cache }
    }
}

impl Loader<String> for ProductSkuLoader {
    type Value = Product;
    type Error = Arc<sqlx::Error>;

    async fn load(&self, skus: &[String]) -> Result<HashMap<String, Product>, Self::Error> {
        let keys: Vec<String> = skus.iter().map(|sku| sku_key(sku)).collect();
        let cached: Vec<Option<Product>> = self.cache.get_many(&keys).await;
        let mut found = HashMap::with_capacity(skus.len());
        let mut missing = Vec::new();
        for (sku, hit) in skus.iter().zip(cached) {
            match hit {
                Some(product) => {
                    found.insert(sku.clone(), product);
                }
                None => missing.push(sku.clone()),
            }
        }
        if !missing.is_empty() {
            let rows = sqlx::query_as!(
                Product,
                r#"SELECT p.id, p.sku, p.name, p.description, p.price_amount, p.price_currency,
                          p.image_urls, p.category_id, p.attributes, p.active,
                          i.on_hand, i.reserved, p.created_at, p.updated_at
                   FROM products p JOIN inventory i ON i.product_id = p.id
                   WHERE p.sku = ANY($1)"#,
                &missing
            )
            .fetch_all(&self.pool)
            .await
            .map_err(Arc::new)?;
            store(&self.cache, &rows).await;
            found.extend(
                rows.into_iter()
                    .map(|product| (product.sku.clone(), product)),
            );
        }
        Ok(found)
    }
}

/// Products by id, straight from the database.
pub(crate) async fn fetch_by_ids(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<Product>, sqlx::Error> {
    sqlx::query_as!(
        Product,
        r#"SELECT p.id, p.sku, p.name, p.description, p.price_amount, p.price_currency,
                  p.image_urls, p.category_id, p.attributes, p.active,
                  i.on_hand, i.reserved, p.created_at, p.updated_at
           FROM products p JOIN inventory i ON i.product_id = p.id
           WHERE p.id = ANY($1)"#,
        ids
    )
    .fetch_all(pool)
    .await
}

/// One product straight from the database (after a write, bypassing loaders and cache).
pub(crate) async fn fetch(pool: &PgPool, id: Uuid) -> Result<Product, ApiError> {
    fetch_by_ids(pool, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::NotFound("no such product".to_owned()))
}

async fn store(cache: &Cache, products: &[Product]) {
    let entries: Vec<(String, &Product)> = products
        .iter()
        .flat_map(|product| {
            cache_keys(product.id, &product.sku)
                .into_iter()
                .map(move |key| (key, product))
        })
        .collect();
    cache.set_many(&entries).await;
}

/// One product by id through the loader.
pub(crate) async fn load(ctx: &Context<'_>, id: Uuid) -> Result<Option<Product>, ApiError> {
    ctx.data_unchecked::<DataLoader<ProductLoader>>()
        .load_one(id)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))
}

async fn load_by_sku(ctx: &Context<'_>, sku: &str) -> Result<Option<Product>, ApiError> {
    ctx.data_unchecked::<DataLoader<ProductSkuLoader>>()
        .load_one(normalize_sku(sku))
        .await
        .map_err(|err| ApiError::internal(err.to_string()))
}

/// SKUs are stored upper case; lookups ignore case and surrounding blanks.
pub(crate) fn normalize_sku(sku: &str) -> String {
    sku.trim().to_uppercase()
}

#[derive(Default)]
pub struct ProductQuery;

#[Object]
impl ProductQuery {
    /// A product by id or by SKU (exactly one of them), archived ones included; null when
    /// there is none.
    async fn product(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        sku: Option<String>,
    ) -> Result<Option<Product>, ApiError> {
        match (id, sku) {
            (Some(id), None) => load(ctx, parse_id("id", &id)?).await,
            (None, Some(sku)) => load_by_sku(ctx, &sku).await,
            _ => Err(ApiError::BadUserInput {
                message: "give exactly one of `id` and `sku`".to_owned(),
                field: None,
            }),
        }
    }

    /// Resolves `Product` references by id; an unknown id resolves to null.
    #[graphql(entity)]
    async fn find_product_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<Product>, ApiError> {
        match Uuid::parse_str(&id) {
            Ok(id) => load(ctx, id).await,
            Err(_) => Ok(None),
        }
    }

    /// Resolves `Product` references by SKU; an unknown SKU resolves to null.
    #[graphql(entity)]
    async fn find_product_by_sku(
        &self,
        ctx: &Context<'_>,
        sku: String,
    ) -> Result<Option<Product>, ApiError> {
        load_by_sku(ctx, &sku).await
    }
}
