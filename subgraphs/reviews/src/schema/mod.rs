//! The reviews subgraph's GraphQL schema.
//!
//! - [`review`]: the `Review` entity, its loader, and the `review` query.
//! - [`pages`]: review connections (sort orders, cursors) loaded for many parents at once.
//! - [`product`]: `Product` (owned by catalog) extended with `reviews` and `ratingSummary`.
//! - [`user`]: `User` (owned by users) extended with `reviews`; `displayName` is provided.
//! - [`write`]: creating, editing and deleting reviews, with the rating summary in step.

pub mod pages;
pub mod product;
pub mod review;
pub mod user;
pub mod write;

use crate::app::AppState;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, EmptySubscription, ID, MergedObject, Schema};
use kit::ApiError;
use std::time::Duration;
use uuid::Uuid;

pub type ReviewsSchema = Schema<Query, Mutation, EmptySubscription>;

#[derive(MergedObject, Default)]
pub struct Query(review::ReviewQuery, product::ProductQuery, user::UserQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(write::ReviewMutation);

/// How long a dataloader waits for more keys before it queries. Resolving a list of more than
/// 32 items yields once per 32 (`FuturesUnordered`'s fairness), so the keys of a 50-item list
/// arrive in two passes; the wait must cover both or the batch splits in two queries. The
/// default (1 ms) does not, in a debug build under load.
const LOADER_DELAY: Duration = Duration::from_millis(5);

pub fn build(state: AppState) -> ReviewsSchema {
    let pool = &state.pool;
    kit::graphql::configure(Schema::build(
        Query::default(),
        Mutation::default(),
        EmptySubscription,
    ))
    .data(
        DataLoader::new(review::ReviewLoader::new(pool.clone()), tokio::spawn).delay(LOADER_DELAY),
    )
    .data(
        DataLoader::new(pages::ProductReviewsLoader::new(pool.clone()), tokio::spawn)
            .delay(LOADER_DELAY),
    )
    .data(
        DataLoader::new(pages::AuthorReviewsLoader::new(pool.clone()), tokio::spawn)
            .delay(LOADER_DELAY),
    )
    .data(
        DataLoader::new(product::SummaryLoader::new(pool.clone()), tokio::spawn)
            .delay(LOADER_DELAY),
    )
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

/// An `ID` argument that must be a UUID.
pub(crate) fn parse_id(field: &'static str, id: &ID) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::bad_input(field, "not a valid id"))
}

/// A free-text field: trimmed, at most `max` characters, and not empty when `required`.
pub(crate) fn text(
    field: &'static str,
    raw: &str,
    max: usize,
    required: bool,
) -> Result<String, ApiError> {
    let text = raw.trim();
    if required && text.is_empty() {
        return Err(ApiError::bad_input(field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(ApiError::bad_input(
            field,
            format!("must have at most {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// A rating: 1 to 5 stars.
pub(crate) fn rating(field: &'static str, stars: i32) -> Result<i16, ApiError> {
    match i16::try_from(stars) {
        Ok(stars @ 1..=5) => Ok(stars),
        _ => Err(ApiError::bad_input(field, "must be from 1 to 5")),
    }
}
