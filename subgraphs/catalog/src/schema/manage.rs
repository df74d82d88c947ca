//! Managing products (the `ADMIN` role or the `catalog:write` scope): create, update,
//! archive, and adjust stock. Each mutation is one transaction, and drops the product from
//! the cache once committed.

use super::category::check_parent;
use super::product::{self, Product};
use super::search::parse_currency;
use super::{bounded_text, parse_id, require_writer, required_text, state};
use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, SimpleObject};
use kit::ApiError;
use kit::error::is_unique_violation;

const MAX_IMAGES: usize = 20;

#[derive(InputObject)]
pub struct MoneyInput {
    /// In minor units (cents for `EUR`); not negative.
    pub amount: i32,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
}

#[derive(InputObject)]
pub struct CreateProductInput {
    /// Letters, digits, `.`, `_` and `-`, at most 64; stored upper case, unique.
    pub sku: String,
    pub name: String,
    pub description: Option<String>,
    pub price: MoneyInput,
    /// `https://` (or `http://`) URLs, at most 20.
    pub image_urls: Option<Vec<String>>,
    pub category_id: Option<ID>,
    /// A JSON object, e.g. `{"color": "red"}`.
    pub attributes: Option<Json<serde_json::Value>>,
    /// Stock on hand to start with (default 0).
    pub initial_stock: Option<i32>,
}

#[derive(InputObject)]
pub struct UpdateProductInput {
    pub id: ID,
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<MoneyInput>,
    /// Replaces the image list.
    pub image_urls: Option<Vec<String>>,
    /// A new category; `null` takes the product out of any category.
    pub category_id: MaybeUndefined<ID>,
    /// Replaces the attributes.
    pub attributes: Option<Json<serde_json::Value>>,
    /// `true` lists an archived product again.
    pub active: Option<bool>,
}

#[derive(InputObject)]
pub struct ArchiveProductInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct AdjustStockInput {
    pub product_id: ID,
    /// Added to the stock on hand (negative to take away, e.g. after a stock count).
    pub delta: i32,
}

#[derive(SimpleObject)]
pub struct ProductPayload {
    pub product: Product,
}

#[derive(Default)]
pub struct ProductMutation;

#[Object]
impl ProductMutation {
    /// Adds a product, with its initial stock.
    async fn create_product(
        &self,
        ctx: &Context<'_>,
        input: CreateProductInput,
    ) -> Result<ProductPayload, ApiError> {
        require_writer(ctx)?;
        let sku = parse_sku(&input.sku)?;
        let name = required_text("input.name", &input.name, 200)?;
        let description = input
            .description
            .map(|text| bounded_text("input.description", &text, 10_000))
            .transpose()?
            .unwrap_or_default();
        let (amount, currency) = parse_money("input.price", &input.price)?;
        let images = parse_images(input.image_urls.unwrap_or_default())?;
        let category_id = input
            .category_id
            .map(|id| parse_id("input.categoryId", &id))
            .transpose()?;
        let attributes =
            parse_attributes(input.attributes)?.unwrap_or_else(|| serde_json::json!({}));
        let stock = input.initial_stock.unwrap_or(0);
        if stock < 0 {
            return Err(ApiError::bad_input(
                "input.initialStock",
                "must not be negative",
            ));
        }

        let state = state(ctx);
        let mut tx = state.pool.begin().await?;
        if let Some(category) = category_id {
            check_parent(&mut tx, category, "input.categoryId").await?;
        }
        let id = sqlx::query_scalar!(
            "INSERT INTO products
                 (sku, name, description, price_amount, price_currency, image_urls, category_id, attributes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             RETURNING id",
            sku,
            name,
            description,
            amount,
            currency,
            &images,
            category_id,
            attributes
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(|err| {
            if is_unique_violation(&err, "products_sku_key") {
                ApiError::Conflict("a product with this SKU already exists".to_owned())
            } else {
                err.into()
            }
        })?;
        sqlx::query!(
            "INSERT INTO inventory (product_id, on_hand) VALUES ($1, $2)",
            id,
            stock
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        // Misses are never cached, so a new product has nothing to invalidate.
        Ok(ProductPayload {
            product: product::fetch(&state.pool, id).await?,
        })
    }

    /// Changes the fields given; the SKU never changes.
    async fn update_product(
        &self,
        ctx: &Context<'_>,
        input: UpdateProductInput,
    ) -> Result<ProductPayload, ApiError> {
        require_writer(ctx)?;
        let id = parse_id("input.id", &input.id)?;
        let name = input
            .name
            .map(|name| required_text("input.name", &name, 200))
            .transpose()?;
        let description = input
            .description
            .map(|text| bounded_text("input.description", &text, 10_000))
            .transpose()?;
        let (amount, currency) = input
            .price
            .map(|price| parse_money("input.price", &price))
            .transpose()?
            .unzip();
        let images = input.image_urls.map(parse_images).transpose()?;
        let category = match input.category_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => Some(Some(parse_id("input.categoryId", &id)?)),
        };
        let attributes = parse_attributes(input.attributes)?;

        let state = state(ctx);
        let mut tx = state.pool.begin().await?;
        if let Some(Some(category)) = category {
            check_parent(&mut tx, category, "input.categoryId").await?;
        }
        let sku = sqlx::query_scalar!(
            "UPDATE products SET
                 name = COALESCE($2, name),
                 description = COALESCE($3, description),
                 price_amount = COALESCE($4, price_amount),
                 price_currency = COALESCE($5, price_currency),
                 image_urls = COALESCE($6, image_urls),
                 category_id = CASE WHEN $7 THEN $8 ELSE category_id END,
                 attributes = COALESCE($9, attributes),
                 active = COALESCE($10, active),
                 updated_at = now()
             WHERE id = $1
             RETURNING sku",
            id,
            name,
            description,
            amount,
            currency,
            images.as_deref(),
            category.is_some(),
            category.flatten(),
            attributes,
            input.active
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such product".to_owned()))?;
        tx.commit().await?;
        product::invalidate(&state.cache, &[(id, sku)]).await;
        Ok(ProductPayload {
            product: product::fetch(&state.pool, id).await?,
        })
    }

    /// Stops listing and selling a product; it still resolves by id and SKU.
    async fn archive_product(
        &self,
        ctx: &Context<'_>,
        input: ArchiveProductInput,
    ) -> Result<ProductPayload, ApiError> {
        require_writer(ctx)?;
        let id = parse_id("input.id", &input.id)?;
        let state = state(ctx);
        let sku = sqlx::query_scalar!(
            "UPDATE products SET active = false, updated_at = now() WHERE id = $1 RETURNING sku",
            id
        )
        .fetch_optional(&state.pool)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such product".to_owned()))?;
        product::invalidate(&state.cache, &[(id, sku)]).await;
        Ok(ProductPayload {
            product: product::fetch(&state.pool, id).await?,
        })
    }

    /// Adds to or takes from the stock on hand. Stock never goes below zero nor below what
    /// is reserved for orders.
    async fn adjust_stock(
        &self,
        ctx: &Context<'_>,
        input: AdjustStockInput,
    ) -> Result<ProductPayload, ApiError> {
        require_writer(ctx)?;
        let id = parse_id("input.productId", &input.product_id)?;
        if input.delta == 0 {
            return Err(ApiError::bad_input("input.delta", "must not be zero"));
        }
        let state = state(ctx);
        let mut tx = state.pool.begin().await?;
        let current = sqlx::query!(
            "SELECT i.on_hand, i.reserved, p.sku
             FROM inventory i JOIN products p ON p.id = i.product_id
             WHERE i.product_id = $1
             FOR UPDATE OF i",
            id
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such product".to_owned()))?;
        let on_hand = i64::from(current.on_hand) + i64::from(input.delta);
        if on_hand < i64::from(current.reserved) {
            return Err(ApiError::bad_input(
                "input.delta",
                format!(
                    "would leave {on_hand} on hand, less than the {} reserved for orders",
                    current.reserved
                ),
            ));
        }
        let on_hand = i32::try_from(on_hand)
            .map_err(|_| ApiError::bad_input("input.delta", "stock would be too large"))?;
        sqlx::query!(
            "UPDATE inventory SET on_hand = $2, updated_at = now() WHERE product_id = $1",
            id,
            on_hand
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(product_id = %id, delta = input.delta, on_hand, "stock adjusted");
        product::invalidate(&state.cache, &[(id, current.sku)]).await;
        Ok(ProductPayload {
            product: product::fetch(&state.pool, id).await?,
        })
    }
}

fn parse_sku(raw: &str) -> Result<String, ApiError> {
    let sku = product::normalize_sku(raw);
    let valid = (1..=64).contains(&sku.len())
        && sku.starts_with(|c: char| c.is_ascii_alphanumeric())
        && sku
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(sku)
    } else {
        Err(ApiError::bad_input(
            "input.sku",
            "must be 1 to 64 letters, digits, `.`, `_` or `-`, starting with a letter or digit",
        ))
    }
}

fn parse_money(field: &'static str, money: &MoneyInput) -> Result<(i32, String), ApiError> {
    if money.amount < 0 {
        return Err(ApiError::bad_input(
            field,
            "the amount must not be negative",
        ));
    }
    let currency = parse_currency(field, &money.currency)?;
    Ok((money.amount, currency))
}

fn parse_images(urls: Vec<String>) -> Result<Vec<String>, ApiError> {
    if urls.len() > MAX_IMAGES {
        return Err(ApiError::bad_input(
            "input.imageUrls",
            format!("at most {MAX_IMAGES} images"),
        ));
    }
    urls.into_iter()
        .map(|url| {
            let url = url.trim().to_owned();
            let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
            let host_ok = url
                .split_once("://")
                .is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with('/'));
            if scheme_ok && host_ok && url.len() <= 2048 && !url.chars().any(char::is_whitespace) {
                Ok(url)
            } else {
                Err(ApiError::bad_input(
                    "input.imageUrls",
                    "each must be an http(s) URL",
                ))
            }
        })
        .collect()
}

fn parse_attributes(
    attributes: Option<Json<serde_json::Value>>,
) -> Result<Option<serde_json::Value>, ApiError> {
    match attributes {
        Some(Json(value)) if value.is_object() => Ok(Some(value)),
        Some(_) => Err(ApiError::bad_input(
            "input.attributes",
            "must be a JSON object",
        )),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skus_are_upper_cased_and_checked() {
        assert_eq!(parse_sku(" lamp-01 ").ok().as_deref(), Some("LAMP-01"));
        for bad in ["", "-LAMP", "LAMP 01", "LAMP/01", &"X".repeat(65)] {
            assert!(parse_sku(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn image_urls_must_be_http() {
        assert!(parse_images(vec!["https://cdn.example.com/a.jpg".to_owned()]).is_ok());
        for bad in [
            "ftp://x/a.jpg",
            "https://",
            "https:///a.jpg",
            "https://x/a b.jpg",
            "a.jpg",
        ] {
            assert!(parse_images(vec![bad.to_owned()]).is_err(), "{bad}");
        }
        assert!(parse_images(vec!["https://x/a.jpg".to_owned(); 21]).is_err());
    }
}
