//! The orders subgraph's GraphQL schema.
//!
//! - [`order`]: the `Order` entity, its lines (`OrderLine.product` is a `Product` reference),
//!   its history, `Money`, and the dataloaders behind them.
//! - [`place`]: `placeOrder`, idempotent by a key the client chooses.
//! - [`manage`]: cancelling, fulfilling and delivering orders.
//! - [`user`]: `User.orders`, a connection of the user's orders, a page of many users per
//!   SQL query.
//! - [`live`]: `orderStatusChanged`, a subscription fed by Redis pub/sub.

pub mod live;
pub mod manage;
pub mod order;
pub mod place;
pub mod user;

use crate::app::AppState;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, MergedObject, Schema};
use kit::ApiError;
use std::time::Duration;
use uuid::Uuid;

pub type OrdersSchema = Schema<Query, Mutation, live::LiveSubscription>;

#[derive(MergedObject, Default)]
pub struct Query(order::OrderQuery, user::UserQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(place::PlaceMutation, manage::ManageMutation);

/// How long a dataloader waits for more keys before it queries (see the catalog's note: a
/// list of more than 32 items arrives in two passes).
const LOADER_DELAY: Duration = Duration::from_millis(5);

pub fn build(state: AppState) -> OrdersSchema {
    let orders =
        DataLoader::new(order::OrderLoader(state.pool.clone()), tokio::spawn).delay(LOADER_DELAY);
    let lines =
        DataLoader::new(order::LinesLoader(state.pool.clone()), tokio::spawn).delay(LOADER_DELAY);
    let history =
        DataLoader::new(order::HistoryLoader(state.pool.clone()), tokio::spawn).delay(LOADER_DELAY);
    let pages = DataLoader::new(user::OrdersPageLoader(state.pool.clone()), tokio::spawn)
        .delay(LOADER_DELAY);
    kit::graphql::configure(Schema::build(
        Query::default(),
        Mutation::default(),
        live::LiveSubscription,
    ))
    .enable_subscription_in_federation()
    .data(orders)
    .data(lines)
    .data(history)
    .data(pages)
    .data(state)
    .finish()
}

/// The SDL the subgraph serves at `_service { sdl }`, as checked in under `schema/`.
/// async-graphql leaves the Subscription type out of federation SDL unless asked
/// (`enable_subscription_in_federation`, off by default for Apollo Server's sake); the router
/// needs it to plan `orderStatusChanged`.
pub fn sdl() -> String {
    Schema::build(
        Query::default(),
        Mutation::default(),
        live::LiveSubscription,
    )
    .enable_federation()
    .enable_subscription_in_federation()
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
