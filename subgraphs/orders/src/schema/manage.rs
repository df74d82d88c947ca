//! Changing an order by hand: cancelling it (the customer while it is unpaid; the staff also
//! once paid, which refunds it), and marking it fulfilled and delivered (the staff).

use super::order::{self, Order};
use super::{parse_id, state};
use crate::domain::OrderStatus;
use crate::lifecycle;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use kit::graphql::caller;
use kit::{ApiError, Identity};
use uuid::Uuid;

#[derive(Debug, InputObject)]
pub struct CancelOrderInput {
    pub order_id: ID,
    /// Why; at most 500 characters.
    pub reason: Option<String>,
}

#[derive(Debug, InputObject)]
pub struct OrderIdInput {
    pub order_id: ID,
}

#[derive(SimpleObject)]
pub struct OrderPayload {
    pub order: Order,
}

#[derive(Default)]
pub struct ManageMutation;

#[Object]
impl ManageMutation {
    /// Cancels an order and releases its stock. Customers may cancel their own orders until
    /// they are paid; the staff may cancel any order until it ships, refunding a paid one.
    async fn cancel_order(
        &self,
        ctx: &Context<'_>,
        input: CancelOrderInput,
    ) -> Result<OrderPayload, ApiError> {
        let identity = caller(ctx).identity()?;
        let order_id = parse_id("input.orderId", &input.order_id)?;
        let reason = input
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|reason| !reason.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| {
                if identity.is_staff() {
                    "cancelled by the staff".to_owned()
                } else {
                    "cancelled by the customer".to_owned()
                }
            });
        if reason.chars().count() > 500 {
            return Err(ApiError::bad_input(
                "input.reason",
                "must have at most 500 characters",
            ));
        }
        let app = state(ctx);
        let order = visible(ctx, identity, order_id).await?;
        if order.status == OrderStatus::Paid && !identity.is_staff() {
            return Err(ApiError::Forbidden(
                "a paid order can only be cancelled by the staff".to_owned(),
            ));
        }
        let mut tx = app.pool.begin().await?;
        let locked = lifecycle::lock(&mut tx, order_id).await?;
        locked
            .status
            .transition(OrderStatus::Cancelled)
            .map_err(lifecycle::LifecycleError::from)?;
        if locked.status == OrderStatus::Paid {
            let charge =
                sqlx::query_scalar!("SELECT charge_id FROM orders WHERE id = $1", order_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if let Some(charge) = charge {
                app.payments
                    .refund(&charge, &format!("refund-{order_id}"))
                    .await
                    .map_err(ApiError::internal)?;
            }
        }
        let moved =
            lifecycle::apply(&mut tx, order_id, OrderStatus::Cancelled, Some(&reason)).await?;
        tx.commit().await?;
        app.effects.announce(&[moved]);
        reload(ctx, order_id).await
    }

    /// Marks a paid order as shipped (staff only).
    async fn fulfil_order(
        &self,
        ctx: &Context<'_>,
        input: OrderIdInput,
    ) -> Result<OrderPayload, ApiError> {
        advance(ctx, &input.order_id, OrderStatus::Fulfilled).await
    }

    /// Marks a shipped order as delivered (staff only).
    async fn deliver_order(
        &self,
        ctx: &Context<'_>,
        input: OrderIdInput,
    ) -> Result<OrderPayload, ApiError> {
        advance(ctx, &input.order_id, OrderStatus::Delivered).await
    }
}

async fn advance(ctx: &Context<'_>, id: &ID, to: OrderStatus) -> Result<OrderPayload, ApiError> {
    let identity = caller(ctx).identity()?;
    if !identity.is_staff() {
        return Err(ApiError::Forbidden(
            "requires the SUPPORT or ADMIN role".to_owned(),
        ));
    }
    let order_id = parse_id("input.orderId", id)?;
    let app = state(ctx);
    let mut tx = app.pool.begin().await?;
    let moved = lifecycle::apply(&mut tx, order_id, to, None).await?;
    tx.commit().await?;
    app.effects.announce(&[moved]);
    reload(ctx, order_id).await
}

/// The order when the caller may see it; `NOT_FOUND` otherwise.
async fn visible(
    ctx: &Context<'_>,
    identity: &Identity,
    order_id: Uuid,
) -> Result<Order, ApiError> {
    order::fetch(&state(ctx).pool, order_id)
        .await?
        .filter(|order| order.visible_to(identity))
        .ok_or_else(|| ApiError::NotFound("no such order".to_owned()))
}

async fn reload(ctx: &Context<'_>, order_id: Uuid) -> Result<OrderPayload, ApiError> {
    let order = order::fetch(&state(ctx).pool, order_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such order".to_owned()))?;
    Ok(OrderPayload { order })
}
