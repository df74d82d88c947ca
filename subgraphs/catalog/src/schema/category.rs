//! The `Category` entity: a tree of categories (parent and children loaded in batches), the
//! tree query, and the mutations that create, rename, move and archive categories.

use super::{parse_id, require_writer, required_text, state};
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kit::ApiError;
use kit::error::is_unique_violation;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// A row of `categories`.
#[derive(Debug, Clone)]
pub struct Category {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub slug: String,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A group of products; categories form a tree.
#[Object]
impl Category {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.name
    }

    /// Unique, URL-friendly name, e.g. `desk-lamps`.
    async fn slug(&self) -> &str {
        &self.slug
    }

    /// Archived categories are out of the tree but still resolve by id.
    async fn archived(&self) -> bool {
        self.archived
    }

    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Category>, ApiError> {
        match self.parent_id {
            Some(id) => load(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The subcategories that are not archived, by name.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Category>, ApiError> {
        Ok(ctx
            .data_unchecked::<DataLoader<ChildrenLoader>>()
            .load_one(self.id)
            .await
            .map_err(|err| ApiError::internal(err.to_string()))?
            .unwrap_or_default())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// Loads categories by id: one `WHERE id = ANY($1)` per batch.
pub struct CategoryLoader {
    pool: PgPool,
}

impl CategoryLoader {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl Loader<Uuid> for CategoryLoader {
    type Value = Category;
    type Error = Arc<sqlx::Error>;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Category>, Self::Error> {
        let rows = sqlx::query_as!(
            Category,
            "SELECT id, parent_id, name, slug, archived, created_at, updated_at
             FROM categories WHERE id = ANY($1)",
            ids
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// Loads the listed children of many categories with one query.
pub struct ChildrenLoader {
    pool: PgPool,
}

impl ChildrenLoader {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl Loader<Uuid> for ChildrenLoader {
    type Value = Vec<Category>;
    type Error = Arc<sqlx::Error>;

    async fn load(&self, parents: &[Uuid]) -> Result<HashMap<Uuid, Vec<Category>>, Self::Error> {
        let rows = sqlx::query_as!(
            Category,
            "SELECT id, parent_id, name, slug, archived, created_at, updated_at
             FROM categories WHERE parent_id = ANY($1) AND NOT archived
             ORDER BY name, id",
            parents
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Arc::new)?;
        let mut children: HashMap<Uuid, Vec<Category>> = HashMap::new();
        for row in rows {
            if let Some(parent) = row.parent_id {
                children.entry(parent).or_default().push(row);
            }
        }
        Ok(children)
    }
}

/// One category through the loader.
pub(crate) async fn load(ctx: &Context<'_>, id: Uuid) -> Result<Option<Category>, ApiError> {
    ctx.data_unchecked::<DataLoader<CategoryLoader>>()
        .load_one(id)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))
}

#[derive(Default)]
pub struct CategoryQuery;

#[Object]
impl CategoryQuery {
    /// The top of the category tree (not archived), by name; walk down with `children`.
    async fn categories(&self, ctx: &Context<'_>) -> Result<Vec<Category>, ApiError> {
        Ok(sqlx::query_as!(
            Category,
            "SELECT id, parent_id, name, slug, archived, created_at, updated_at
             FROM categories WHERE parent_id IS NULL AND NOT archived
             ORDER BY name, id"
        )
        .fetch_all(&state(ctx).pool)
        .await?)
    }

    /// A category by id, archived ones included; null when there is none.
    async fn category(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Category>, ApiError> {
        load(ctx, parse_id("id", &id)?).await
    }

    /// Resolves `Category` references; an unknown id resolves to null.
    #[graphql(entity)]
    async fn find_category_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<Category>, ApiError> {
        match Uuid::parse_str(&id) {
            Ok(id) => load(ctx, id).await,
            Err(_) => Ok(None),
        }
    }
}

#[derive(InputObject)]
pub struct CreateCategoryInput {
    pub name: String,
    /// Lower-case words joined by `-`; made from the name when left out.
    pub slug: Option<String>,
    pub parent_id: Option<ID>,
}

#[derive(InputObject)]
pub struct UpdateCategoryInput {
    pub id: ID,
    pub name: Option<String>,
    pub slug: Option<String>,
    /// A new parent; `null` makes the category a top-level one.
    pub parent_id: MaybeUndefined<ID>,
}

#[derive(InputObject)]
pub struct ArchiveCategoryInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct CategoryPayload {
    pub category: Category,
}

#[derive(Default)]
pub struct CategoryMutation;

/// Serialises changes to the shape of the tree, so two moves cannot make a cycle together.
const TREE_LOCK: i64 = 0x00ca_7a10;

#[Object]
impl CategoryMutation {
    /// Adds a category, under `parentId` when given.
    async fn create_category(
        &self,
        ctx: &Context<'_>,
        input: CreateCategoryInput,
    ) -> Result<CategoryPayload, ApiError> {
        require_writer(ctx)?;
        let name = required_text("input.name", &input.name, 100)?;
        let slug = match input.slug {
            Some(slug) => parse_slug("input.slug", &slug)?,
            None => slugify(&name).ok_or_else(|| {
                ApiError::bad_input("input.slug", "cannot be made from the name; give one")
            })?,
        };
        let parent_id = input
            .parent_id
            .map(|id| parse_id("input.parentId", &id))
            .transpose()?;
        let pool = &state(ctx).pool;
        let mut tx = pool.begin().await?;
        if let Some(parent) = parent_id {
            check_parent(&mut tx, parent, "input.parentId").await?;
        }
        let inserted = sqlx::query_as!(
            Category,
            "INSERT INTO categories (name, slug, parent_id) VALUES ($1, $2, $3)
             RETURNING id, parent_id, name, slug, archived, created_at, updated_at",
            name,
            slug,
            parent_id
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(slug_conflict)?;
        tx.commit().await?;
        Ok(CategoryPayload { category: inserted })
    }

    /// Renames or moves a category. A category cannot move under itself or its descendants.
    async fn update_category(
        &self,
        ctx: &Context<'_>,
        input: UpdateCategoryInput,
    ) -> Result<CategoryPayload, ApiError> {
        require_writer(ctx)?;
        let id = parse_id("input.id", &input.id)?;
        let name = input
            .name
            .map(|name| required_text("input.name", &name, 100))
            .transpose()?;
        let slug = input
            .slug
            .map(|slug| parse_slug("input.slug", &slug))
            .transpose()?;
        let parent = match input.parent_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(parent) => Some(Some(parse_id("input.parentId", &parent)?)),
        };
        let pool = &state(ctx).pool;
        let mut tx = pool.begin().await?;
        if let Some(Some(parent)) = parent {
            sqlx::query!("SELECT pg_advisory_xact_lock($1)", TREE_LOCK)
                .execute(&mut *tx)
                .await?;
            check_parent(&mut tx, parent, "input.parentId").await?;
            let cycle = sqlx::query_scalar!(
                r#"WITH RECURSIVE below AS (
                       SELECT id FROM categories WHERE id = $1
                       UNION ALL
                       SELECT c.id FROM categories c JOIN below ON c.parent_id = below.id
                   )
                   SELECT EXISTS (SELECT 1 FROM below WHERE id = $2) AS "cycle!""#,
                id,
                parent
            )
            .fetch_one(&mut *tx)
            .await?;
            if cycle {
                return Err(ApiError::bad_input(
                    "input.parentId",
                    "a category cannot move under itself or one of its subcategories",
                ));
            }
        }
        let updated = sqlx::query_as!(
            Category,
            "UPDATE categories SET
                 name = COALESCE($2, name),
                 slug = COALESCE($3, slug),
                 parent_id = CASE WHEN $4 THEN $5 ELSE parent_id END,
                 updated_at = now()
             WHERE id = $1
             RETURNING id, parent_id, name, slug, archived, created_at, updated_at",
            id,
            name,
            slug,
            parent.is_some(),
            parent.flatten()
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(slug_conflict)?
        .ok_or_else(|| ApiError::NotFound("no such category".to_owned()))?;
        tx.commit().await?;
        Ok(CategoryPayload { category: updated })
    }

    /// Takes a category out of the tree. Refused (`CONFLICT`) while it has subcategories or
    /// listed products: move or archive those first.
    async fn archive_category(
        &self,
        ctx: &Context<'_>,
        input: ArchiveCategoryInput,
    ) -> Result<CategoryPayload, ApiError> {
        require_writer(ctx)?;
        let id = parse_id("input.id", &input.id)?;
        let pool = &state(ctx).pool;
        let mut tx = pool.begin().await?;
        sqlx::query!("SELECT pg_advisory_xact_lock($1)", TREE_LOCK)
            .execute(&mut *tx)
            .await?;
        let in_use = sqlx::query!(
            r#"SELECT
                   EXISTS (SELECT 1 FROM categories WHERE parent_id = $1 AND NOT archived) AS "children!",
                   EXISTS (SELECT 1 FROM products WHERE category_id = $1 AND active) AS "products!""#,
            id
        )
        .fetch_one(&mut *tx)
        .await?;
        if in_use.children {
            return Err(ApiError::Conflict(
                "this category still has subcategories".to_owned(),
            ));
        }
        if in_use.products {
            return Err(ApiError::Conflict(
                "this category still has listed products".to_owned(),
            ));
        }
        let archived = sqlx::query_as!(
            Category,
            "UPDATE categories SET archived = true, updated_at = now() WHERE id = $1
             RETURNING id, parent_id, name, slug, archived, created_at, updated_at",
            id
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such category".to_owned()))?;
        tx.commit().await?;
        Ok(CategoryPayload { category: archived })
    }
}

/// A category products or subcategories may be put in: it exists and is not archived.
pub(crate) async fn check_parent(
    conn: &mut sqlx::PgConnection,
    id: Uuid,
    field: &'static str,
) -> Result<(), ApiError> {
    let archived = sqlx::query_scalar!("SELECT archived FROM categories WHERE id = $1", id)
        .fetch_optional(&mut *conn)
        .await?;
    match archived {
        Some(false) => Ok(()),
        Some(true) => Err(ApiError::bad_input(field, "this category is archived")),
        None => Err(ApiError::bad_input(field, "no such category")),
    }
}

fn slug_conflict(err: sqlx::Error) -> ApiError {
    if is_unique_violation(&err, "categories_slug_key") {
        ApiError::Conflict("a category with this slug already exists".to_owned())
    } else {
        err.into()
    }
}

fn parse_slug(field: &'static str, raw: &str) -> Result<String, ApiError> {
    let slug = raw.trim();
    let valid = !slug.is_empty()
        && slug.len() <= 100
        && slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if valid {
        Ok(slug.to_owned())
    } else {
        Err(ApiError::bad_input(
            field,
            "must be lower-case letters and digits in words joined by `-`",
        ))
    }
}

/// `Desk Lamps & Shades` → `desk-lamps-shades`; `None` when nothing usable is left.
fn slugify(name: &str) -> Option<String> {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let slug = words.join("-");
    (!slug.is_empty() && slug.len() <= 100).then_some(slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_made_from_names_and_checked() {
        assert_eq!(
            slugify("Desk Lamps & Shades").as_deref(),
            Some("desk-lamps-shades")
        );
        assert_eq!(slugify("  ---  "), None);
        assert!(parse_slug("s", "desk-lamps").is_ok());
        for bad in ["", "Desk", "desk--lamps", "-desk", "desk_lamps"] {
            assert!(parse_slug("s", bad).is_err(), "{bad}");
        }
    }
}
