//! The catalog subgraph's GraphQL schema.
//!
//! - [`product`]: the `Product` entity (by id and by SKU), `Money`, its cached dataloaders.
//! - [`search`]: the product search: full text, filters, sorting, cursor pagination.
//! - [`category`]: the `Category` entity, the category tree and its mutations.
//! - [`manage`]: creating, updating and archiving products; adjusting stock.

pub mod category;
pub mod manage;
pub mod product;
pub mod search;

use crate::app::AppState;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, EmptySubscription, ID, MergedObject, Schema};
use kit::graphql::caller;
use kit::{ApiError, Identity};
use std::time::Duration;
use uuid::Uuid;

pub type CatalogSchema = Schema<Query, Mutation, EmptySubscription>;

/// The scope that lets a token manage the catalog without the `ADMIN` role.
pub const WRITE_SCOPE: &str = "catalog:write";

#[derive(MergedObject, Default)]
pub struct Query(
    product::ProductQuery,
    search::SearchQuery,
    category::CategoryQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(manage::ProductMutation, category::CategoryMutation);

/// How long a dataloader waits for more keys before it queries. Resolving a list of more than
/// 32 items yields once per 32 (`FuturesUnordered`'s fairness), so the keys of a 50-item list
/// arrive in two passes; the wait must cover both or the batch splits in two queries. The
/// default (1 ms) does not, in a debug build under load.
const LOADER_DELAY: Duration = Duration::from_millis(5);

pub fn build(state: AppState) -> CatalogSchema {
    let products = DataLoader::new(
        product::ProductLoader::new(state.pool.clone(), state.cache.clone()),
        tokio::spawn,
    )
    .delay(LOADER_DELAY);
    let by_sku = DataLoader::new(
        product::ProductSkuLoader::new(state.pool.clone(), state.cache.clone()),
        tokio::spawn,
    )
    .delay(LOADER_DELAY);
    let categories = DataLoader::new(
        category::CategoryLoader::new(state.pool.clone()),
        tokio::spawn,
    )
    .delay(LOADER_DELAY);
    let children = DataLoader::new(
        category::ChildrenLoader::new(state.pool.clone()),
        tokio::spawn,
    )
    .delay(LOADER_DELAY);
    kit::graphql::configure(Schema::build(
        Query::default(),
        Mutation::default(),
        EmptySubscription,
    ))
    .data(products)
    .data(by_sku)
    .data(categories)
    .data(children)
    .data(state)
    .finish()
}

/// The SDL the subgraph serves at `_service { sdl }`, as checked in under `schema/`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .enable_federation()
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new().federation())
}

pub(crate) fn state<'a>(ctx: &'a Context<'_>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

/// The caller when they may change the catalog: the `ADMIN` role or the `catalog:write`
/// scope; `UNAUTHENTICATED` or `FORBIDDEN` otherwise.
pub(crate) fn require_writer<'a>(ctx: &'a Context<'_>) -> Result<&'a Identity, ApiError> {
    let identity = caller(ctx).identity()?;
    if identity.is_admin() || identity.has_scope(WRITE_SCOPE) {
        Ok(identity)
    } else {
        Err(ApiError::Forbidden(format!(
            "requires the ADMIN role or the {WRITE_SCOPE} scope"
        )))
    }
}

/// An `ID` argument that must be a UUID.
pub(crate) fn parse_id(field: &'static str, id: &ID) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::bad_input(field, "not a valid id"))
}

/// A required free-text field: trimmed, non-empty, at most `max` characters.
pub(crate) fn required_text(
    field: &'static str,
    raw: &str,
    max: usize,
) -> Result<String, ApiError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ApiError::bad_input(field, "must not be empty"));
    }
    bounded_text(field, text, max)
}

/// An optional free-text field: trimmed, at most `max` characters.
pub(crate) fn bounded_text(field: &'static str, raw: &str, max: usize) -> Result<String, ApiError> {
    let text = raw.trim();
    if text.chars().count() > max {
        return Err(ApiError::bad_input(
            field,
            format!("must have at most {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// The page size of a connection: `first` (default 20) between 1 and 100.
pub(crate) fn page_size(first: Option<i32>) -> Result<usize, ApiError> {
    const DEFAULT_PAGE: i32 = 20;
    const MAX_PAGE: i32 = 100;
    let first = first.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&first) {
        return Err(ApiError::bad_input(
            "first",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    // In 1..=100, so the conversion cannot fail.
    Ok(usize::try_from(first).unwrap_or(20))
}
