//! `orderStatusChanged(orderId)`: the status changes of one order as they happen, for its
//! customer and the staff. Served over WebSocket (`graphql-transport-ws`, the bearer token in
//! the `connection_init` payload) and fed by Redis pub/sub, so any replica can serve it.

use super::{parse_id, state};
use crate::domain::OrderStatus;
use crate::lifecycle::Moved;
use async_graphql::{Context, ErrorExtensions, ID, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use kit::ApiError;
use kit::graphql::caller;

/// One status change of an order.
#[derive(Debug, Clone, SimpleObject)]
pub struct OrderStatusChange {
    pub order_id: ID,
    /// Null when the order was just placed.
    pub previous_status: Option<OrderStatus>,
    pub status: OrderStatus,
    pub reason: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

impl OrderStatusChange {
    fn from_moved(moved: Moved) -> Option<Self> {
        Some(Self {
            order_id: ID(moved.order_id.to_string()),
            previous_status: moved.from.as_deref().and_then(|from| from.parse().ok()),
            status: moved.to.parse().ok()?,
            reason: moved.reason,
            occurred_at: moved.at,
        })
    }
}

pub struct LiveSubscription;

// Named `Subscription`: federation SDL has no schema definition, so composition finds the
// root by its name.
#[Subscription(name = "Subscription")]
impl LiveSubscription {
    /// The order's status changes from now on: for its customer and the staff only.
    async fn order_status_changed(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = OrderStatusChange> + use<>> {
        let identity = caller(ctx).identity().map_err(coded)?;
        let id = parse_id("orderId", &order_id).map_err(coded)?;
        let app = state(ctx);
        let order = super::order::fetch(&app.pool, id)
            .await
            .map_err(coded)?
            .ok_or_else(|| coded(ApiError::NotFound("no such order".to_owned())))?;
        if !order.visible_to(identity) {
            return Err(coded(ApiError::Forbidden(
                "only the customer and the staff may follow an order".to_owned(),
            )));
        }
        let changes = app
            .live
            .subscribe(id)
            .await
            .map_err(|err| coded(ApiError::internal(err)))?;
        Ok(changes.filter_map(|moved| async move { OrderStatusChange::from_moved(moved) }))
    }
}

/// A subscription's error with its code set here: subscriptions do not pass through the
/// request hook that codes (and masks) the errors of queries and mutations.
fn coded(err: ApiError) -> async_graphql::Error {
    let code = err.code();
    let message = match &err {
        ApiError::Internal(cause) => {
            tracing::error!(cause = %cause, "internal error in a subscription");
            "internal server error".to_owned()
        }
        other => other.to_string(),
    };
    async_graphql::Error::new(message)
        .extend_with(|_, extensions| extensions.set("code", code.as_str()))
}
