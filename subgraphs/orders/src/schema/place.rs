//! `placeOrder`: an order for the signed-in customer from lines of product and quantity, at
//! the catalog's prices of the moment, confirmed to the email address in their access token.
//! The client sends an idempotency key of its choosing: placing an order again with the same
//! key (a retry after a lost answer) returns the first order, and nothing is placed twice,
//! even when the two attempts race.

use super::order::{self, Order};
use super::{parse_id, state};
use crate::lifecycle::Moved;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use kit::error::is_unique_violation;
use kit::events::{Envelope, outbox};
use kit::graphql::caller;
use kit::{ApiError, Identity};
use serde::Serialize;
use std::collections::BTreeSet;
use uuid::Uuid;

const MAX_LINES: usize = 50;
const MAX_QUANTITY: i32 = 1000;
/// What the payment provider gets when the client names no payment method.
const DEFAULT_PAYMENT_METHOD: &str = "tok_visa";

#[derive(Debug, InputObject)]
pub struct PlaceOrderInput {
    /// Chosen by the client, one per order (a UUID is a good choice): placing again with the
    /// same key returns the order placed first.
    pub idempotency_key: String,
    /// One to 50 lines.
    pub lines: Vec<OrderLineInput>,
    /// The payment method (a token from the payment provider); a test card by default.
    pub payment_method: Option<String>,
}

#[derive(Debug, InputObject)]
pub struct OrderLineInput {
    pub product_id: ID,
    /// 1 to 1000.
    pub quantity: i32,
}

#[derive(SimpleObject)]
pub struct PlaceOrderPayload {
    pub order: Order,
    /// False when this idempotency key had placed the order already.
    pub created: bool,
}

/// The `order.placed` event: what the catalog needs to reserve stock.
#[derive(Debug, Serialize)]
struct Placed {
    order_id: Uuid,
    customer_id: Uuid,
    lines: Vec<PlacedLine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
struct PlacedLine {
    product_id: Uuid,
    quantity: i32,
}

#[derive(Default)]
pub struct PlaceMutation;

#[Object]
impl PlaceMutation {
    /// Places an order; its stock is reserved and its payment taken in the background
    /// (follow `Order.status`, or subscribe to `orderStatusChanged`).
    async fn place_order(
        &self,
        ctx: &Context<'_>,
        input: PlaceOrderInput,
    ) -> Result<PlaceOrderPayload, ApiError> {
        let identity = caller(ctx).identity()?;
        let email = contact_email(identity)?;
        let app = state(ctx);
        let key = input.idempotency_key.trim().to_owned();
        if key.is_empty() || key.chars().count() > 100 {
            return Err(ApiError::bad_input(
                "input.idempotencyKey",
                "must have 1 to 100 characters",
            ));
        }
        let lines = parse_lines(&input.lines)?;
        let payment_method = input
            .payment_method
            .as_deref()
            .map(str::trim)
            .filter(|method| !method.is_empty())
            .unwrap_or(DEFAULT_PAYMENT_METHOD)
            .to_owned();
        if payment_method.chars().count() > 100 {
            return Err(ApiError::bad_input(
                "input.paymentMethod",
                "must have at most 100 characters",
            ));
        }

        if let Some(order) = existing(ctx, identity.user_id, &key, &lines).await? {
            return Ok(PlaceOrderPayload {
                order,
                created: false,
            });
        }

        let ids: Vec<Uuid> = lines
            .iter()
            .map(|line| line.product_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let prices = app.catalog.prices(&ids).await.map_err(ApiError::internal)?;
        let mut unit_amounts = Vec::with_capacity(lines.len());
        let mut currency: Option<&str> = None;
        let mut total: i64 = 0;
        for line in &lines {
            let Some(price) = prices.get(&line.product_id).filter(|price| price.active) else {
                return Err(ApiError::bad_input(
                    "input.lines",
                    format!("product {} is not for sale", line.product_id),
                ));
            };
            if currency.is_some_and(|currency| currency != price.currency) {
                return Err(ApiError::bad_input(
                    "input.lines",
                    "the products of one order must be priced in one currency",
                ));
            }
            currency = Some(&price.currency);
            unit_amounts.push(price.amount);
            total += i64::from(price.amount) * i64::from(line.quantity);
        }
        if total > i64::from(i32::MAX) {
            return Err(ApiError::bad_input(
                "input.lines",
                "the order total is too large",
            ));
        }
        let currency = currency.unwrap_or("EUR").to_owned();

        let order_id = Uuid::new_v4();
        let deadline_secs = i64::try_from(app.settings.checkout.payment_deadline_secs)
            .map_err(ApiError::internal)?;
        let mut tx = app.pool.begin().await?;
        let inserted = sqlx::query!(
            "INSERT INTO orders (id, customer_id, idempotency_key, status, contact_email,
                                 payment_method, total_amount, currency, pay_by)
             VALUES ($1, $2, $3, 'PENDING', $4, $5, $6, $7, now() + $8::bigint * interval '1 second')
             RETURNING created_at",
            order_id,
            identity.user_id,
            key,
            email,
            payment_method,
            total,
            currency,
            deadline_secs
        )
        .fetch_one(&mut *tx)
        .await;
        let created_at = match inserted {
            Ok(row) => row.created_at,
            Err(err) if is_unique_violation(&err, "orders_customer_idempotency_key") => {
                // The same key placed the order concurrently and got there first.
                drop(tx);
                return match existing(ctx, identity.user_id, &key, &lines).await? {
                    Some(order) => Ok(PlaceOrderPayload {
                        order,
                        created: false,
                    }),
                    None => Err(ApiError::Conflict(
                        "this idempotency key is in use; try again".to_owned(),
                    )),
                };
            }
            Err(err) => return Err(err.into()),
        };
        let positions: Vec<i32> = (0..).take(lines.len()).collect();
        let products: Vec<Uuid> = lines.iter().map(|line| line.product_id).collect();
        let quantities: Vec<i32> = lines.iter().map(|line| line.quantity).collect();
        sqlx::query!(
            "INSERT INTO order_lines (order_id, position, product_id, quantity, unit_amount)
             SELECT $1, l.position, l.product_id, l.quantity, l.unit_amount
             FROM unnest($2::int[], $3::uuid[], $4::int[], $5::int[])
                  AS l (position, product_id, quantity, unit_amount)",
            order_id,
            &positions,
            &products,
            &quantities,
            &unit_amounts
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO order_events (order_id, from_status, to_status, occurred_at)
             VALUES ($1, NULL, 'PENDING', $2)",
            order_id,
            created_at
        )
        .execute(&mut *tx)
        .await?;
        let placed = Placed {
            order_id,
            customer_id: identity.user_id,
            lines: lines.clone(),
        };
        let envelope =
            Envelope::new("order.placed", order_id, &placed).map_err(ApiError::internal)?;
        outbox::enqueue(&mut tx, &envelope)
            .await
            .map_err(ApiError::internal)?;
        tx.commit().await?;
        tracing::info!(order_id = %order_id, total, "order placed");
        app.effects.announce(&[Moved {
            order_id,
            customer_id: identity.user_id,
            from: None,
            to: "PENDING".to_owned(),
            reason: None,
            at: created_at,
        }]);
        let order = order::load(ctx, order_id)
            .await?
            .ok_or_else(|| ApiError::internal("a placed order is missing"))?;
        Ok(PlaceOrderPayload {
            order,
            created: true,
        })
    }
}

/// Where the confirmation goes: the address in the caller's access token. Tokens issued
/// before the token carried one must be renewed first.
fn contact_email(identity: &Identity) -> Result<String, ApiError> {
    let Some(email) = identity.email.as_deref().map(str::trim) else {
        return Err(ApiError::Unauthenticated(
            "this access token carries no email address for the confirmation; \
             refresh it or sign in again"
                .to_owned(),
        ));
    };
    if email.chars().count() > 254 || !kit::mail::is_address(email) {
        tracing::warn!(user_id = %identity.user_id, "an access token's email cannot receive mail");
        return Err(ApiError::BadUserInput {
            message: "the account's email address cannot receive the confirmation".to_owned(),
            field: None,
        });
    }
    Ok(email.to_owned())
}

fn parse_lines(input: &[OrderLineInput]) -> Result<Vec<PlacedLine>, ApiError> {
    if input.is_empty() || input.len() > MAX_LINES {
        return Err(ApiError::bad_input(
            "input.lines",
            format!("an order has 1 to {MAX_LINES} lines"),
        ));
    }
    input
        .iter()
        .map(|line| {
            if !(1..=MAX_QUANTITY).contains(&line.quantity) {
                return Err(ApiError::bad_input(
                    "input.lines",
                    format!("quantities are 1 to {MAX_QUANTITY}"),
                ));
            }
            Ok(PlacedLine {
                product_id: parse_id("input.lines", &line.product_id)?,
                quantity: line.quantity,
            })
        })
        .collect()
}

/// The order this customer placed with `key`, when there is one; `CONFLICT` when it has
/// other lines (the key was reused for a different order).
async fn existing(
    ctx: &Context<'_>,
    customer_id: Uuid,
    key: &str,
    lines: &[PlacedLine],
) -> Result<Option<Order>, ApiError> {
    let pool = &state(ctx).pool;
    let Some(order_id) = sqlx::query_scalar!(
        "SELECT id FROM orders WHERE customer_id = $1 AND idempotency_key = $2",
        customer_id,
        key
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let placed: Vec<PlacedLine> = sqlx::query!(
        "SELECT product_id, quantity FROM order_lines WHERE order_id = $1 ORDER BY position",
        order_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|row| PlacedLine {
        product_id: row.product_id,
        quantity: row.quantity,
    })
    .collect();
    if placed != lines {
        return Err(ApiError::Conflict(
            "this idempotency key was used for a different order".to_owned(),
        ));
    }
    order::load(ctx, order_id).await
}
