//! The `Order` entity: its lines with the prices paid, its total as `Money`, its history, and
//! the dataloaders that fetch orders, lines and histories in batches (one
//! `WHERE ... = ANY($1)` each).
//! Customers see their own orders; the staff (SUPPORT, ADMIN) see all. To anyone else an
//! order does not exist.

use super::parse_id;
use super::user::User;
use crate::domain::OrderStatus;
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kit::graphql::caller;
use kit::{ApiError, Identity};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// An order as every query here selects it.
#[derive(Debug, Clone)]
pub struct Order {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub status: OrderStatus,
    pub total_amount: i64,
    pub currency: String,
    pub reason: Option<String>,
    pub pay_by: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A row of `orders` before its status is parsed.
pub(crate) struct OrderRow {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub status: String,
    pub total_amount: i64,
    pub currency: String,
    pub reason: Option<String>,
    pub pay_by: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrderRow {
    pub(crate) fn into_order(self) -> Result<Order, sqlx::Error> {
        let status = self
            .status
            .parse()
            .map_err(|err| sqlx::Error::Decode(Box::new(err)))?;
        Ok(Order {
            id: self.id,
            customer_id: self.customer_id,
            status,
            total_amount: self.total_amount,
            currency: self.currency,
            reason: self.reason,
            pay_by: self.pay_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

impl Order {
    /// Whether `identity` may see this order.
    pub fn visible_to(&self, identity: &Identity) -> bool {
        identity.user_id == self.customer_id || identity.is_staff()
    }
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

/// A product of the catalog subgraph, referred to by id.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(unresolvable = "id")]
pub struct Product {
    pub id: ID,
}

/// One product of an order, at the price it had when the order was placed.
#[derive(Debug, Clone)]
pub struct OrderLine {
    pub product_id: Uuid,
    pub quantity: i32,
    pub unit_amount: i32,
    pub currency: String,
}

#[Object]
impl OrderLine {
    async fn product(&self) -> Product {
        Product {
            id: ID(self.product_id.to_string()),
        }
    }

    async fn quantity(&self) -> i32 {
        self.quantity
    }

    /// The price of one, when the order was placed.
    async fn unit_price(&self) -> Money {
        Money {
            amount: self.unit_amount,
            currency: self.currency.clone(),
        }
    }

    async fn subtotal(&self) -> Money {
        Money {
            // Bounded when the order is placed: the total fits an Int.
            amount: self.unit_amount.saturating_mul(self.quantity),
            currency: self.currency.clone(),
        }
    }
}

/// One status change of an order.
#[derive(Debug, Clone, SimpleObject)]
pub struct OrderEvent {
    /// Null for the order being placed.
    pub from: Option<OrderStatus>,
    pub to: OrderStatus,
    pub reason: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

/// Something a customer bought.
#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Who placed it.
    async fn customer(&self) -> User {
        User {
            id: self.customer_id,
        }
    }

    async fn status(&self) -> OrderStatus {
        self.status
    }

    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<OrderLine>, ApiError> {
        Ok(ctx
            .data_unchecked::<DataLoader<LinesLoader>>()
            .load_one(self.id)
            .await
            .map_err(|err| ApiError::internal(err.to_string()))?
            .unwrap_or_default())
    }

    async fn total(&self) -> Money {
        Money {
            amount: i32::try_from(self.total_amount).unwrap_or(i32::MAX),
            currency: self.currency.clone(),
        }
    }

    /// Why it was cancelled or failed.
    async fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// Unless paid by then, the order is cancelled and its stock released.
    async fn pay_by(&self) -> DateTime<Utc> {
        self.pay_by
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    /// Every status change, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<OrderEvent>, ApiError> {
        Ok(ctx
            .data_unchecked::<DataLoader<HistoryLoader>>()
            .load_one(self.id)
            .await
            .map_err(|err| ApiError::internal(err.to_string()))?
            .unwrap_or_default())
    }
}

#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// One order: the caller's own, or any for the staff; null otherwise.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Order>, ApiError> {
        let identity = caller(ctx).identity()?;
        let id = parse_id("id", &id)?;
        Ok(load(ctx, id)
            .await?
            .filter(|order| order.visible_to(identity)))
    }

    /// Resolves `Order` references for the caller: null for orders they may not see.
    #[graphql(entity)]
    async fn find_order_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Order>, ApiError> {
        let Some(identity) = caller(ctx).as_identity() else {
            return Ok(None);
        };
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        Ok(load(ctx, id)
            .await?
            .filter(|order| order.visible_to(identity)))
    }
}

/// An order by id through the request's dataloader.
pub async fn load(ctx: &Context<'_>, id: Uuid) -> Result<Option<Order>, ApiError> {
    ctx.data_unchecked::<DataLoader<OrderLoader>>()
        .load_one(id)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))
}

pub struct OrderLoader(pub PgPool);

impl Loader<Uuid> for OrderLoader {
    type Value = Order;
    type Error = Arc<sqlx::Error>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Order>, Self::Error> {
        let rows = sqlx::query_as!(
            OrderRow,
            "SELECT id, customer_id, status, total_amount, currency, reason, pay_by, created_at,
                    updated_at
             FROM orders WHERE id = ANY($1)",
            keys
        )
        .fetch_all(&self.0)
        .await?;
        rows.into_iter()
            .map(|row| row.into_order().map(|order| (order.id, order)))
            .collect::<Result<_, _>>()
            .map_err(Arc::new)
    }
}

pub struct LinesLoader(pub PgPool);

impl Loader<Uuid> for LinesLoader {
    type Value = Vec<OrderLine>;
    type Error = Arc<sqlx::Error>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<OrderLine>>, Self::Error> {
        let rows = sqlx::query!(
            "SELECT l.order_id, l.product_id, l.quantity, l.unit_amount, o.currency
             FROM order_lines l JOIN orders o ON o.id = l.order_id
             WHERE l.order_id = ANY($1)
             ORDER BY l.order_id, l.position",
            keys
        )
        .fetch_all(&self.0)
        .await?;
        let mut lines: HashMap<Uuid, Vec<OrderLine>> = HashMap::new();
        for row in rows {
            lines.entry(row.order_id).or_default().push(OrderLine {
                product_id: row.product_id,
                quantity: row.quantity,
                unit_amount: row.unit_amount,
                currency: row.currency,
            });
        }
        Ok(lines)
    }
}

/// The status changes of many orders, oldest first, in one query.
pub struct HistoryLoader(pub PgPool);

impl Loader<Uuid> for HistoryLoader {
    type Value = Vec<OrderEvent>;
    type Error = Arc<sqlx::Error>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<OrderEvent>>, Self::Error> {
        let rows = sqlx::query!(
            "SELECT order_id, from_status, to_status, reason, occurred_at FROM order_events
             WHERE order_id = ANY($1)
             ORDER BY order_id, id",
            keys
        )
        .fetch_all(&self.0)
        .await?;
        let decode =
            |err: crate::domain::UnknownStatus| Arc::new(sqlx::Error::Decode(Box::new(err)));
        let mut history: HashMap<Uuid, Vec<OrderEvent>> = HashMap::new();
        for row in rows {
            let event = OrderEvent {
                from: row
                    .from_status
                    .map(|status| status.parse())
                    .transpose()
                    .map_err(decode)?,
                to: row.to_status.parse().map_err(decode)?,
                reason: row.reason,
                occurred_at: row.occurred_at,
            };
            history.entry(row.order_id).or_default().push(event);
        }
        Ok(history)
    }
}

/// An order by id straight from the database (after a change, when the request's dataloader
/// may hold the order as it was).
pub async fn fetch(pool: &PgPool, id: Uuid) -> Result<Option<Order>, ApiError> {
    let row = sqlx::query_as!(
        OrderRow,
        "SELECT id, customer_id, status, total_amount, currency, reason, pay_by, created_at,
                updated_at
         FROM orders WHERE id = $1",
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(OrderRow::into_order).transpose()?)
}
