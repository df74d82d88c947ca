//! Reserving and releasing stock for orders: an internal operation (a queue consumer of
//! `order.placed` and `order.cancelled` will call it), safe under concurrency.
//!
//! A reservation is all or nothing. It locks the inventory rows of its products in one order
//! (by product id, so two reservations never deadlock), checks what is available while
//! holding the locks, and only then adds to `reserved`: two buyers of the last item are
//! serialised by the row lock and the second one sees nothing left. The table's `CHECK
//! (reserved <= on_hand)` backs this up. Both operations are idempotent per order, so a
//! redelivered message does nothing twice.

use crate::schema::product;
use kit::cache::Cache;
use kit::error::is_unique_violation;
use sqlx::PgPool;
use std::collections::BTreeMap;
use uuid::Uuid;

/// One product of an order and how many of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockLine {
    pub product_id: Uuid,
    pub quantity: i32,
}

/// The outcome of a reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The stock is now held for the order.
    Reserved,
    /// The order already holds (or held) a reservation: nothing was changed.
    AlreadyReserved,
    /// Not enough stock for at least one line: nothing was reserved.
    Rejected(Vec<Shortage>),
}

/// A line that cannot be served: what was asked and what is left (0 for a product that does
/// not exist or is archived).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortage {
    pub product_id: Uuid,
    pub requested: i32,
    pub available: i32,
}

#[derive(Debug, thiserror::Error)]
pub enum StockError {
    #[error("invalid reservation: {0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Reserves every line for `order_id`, or nothing.
#[tracing::instrument(skip_all, fields(order_id = %order_id, lines = lines.len()))]
pub async fn reserve(
    pool: &PgPool,
    cache: &Cache,
    order_id: Uuid,
    lines: &[StockLine],
) -> Result<Reservation, StockError> {
    if lines.is_empty() {
        return Err(StockError::Invalid("an order needs at least one line"));
    }
    // One line per product, in product-id order (the lock order).
    let mut wanted: BTreeMap<Uuid, i32> = BTreeMap::new();
    for line in lines {
        if line.quantity <= 0 {
            return Err(StockError::Invalid("quantities must be positive"));
        }
        let total = wanted.entry(line.product_id).or_insert(0);
        *total = total
            .checked_add(line.quantity)
            .ok_or(StockError::Invalid("quantity too large"))?;
    }
    let ids: Vec<Uuid> = wanted.keys().copied().collect();
    let quantities: Vec<i32> = wanted.values().copied().collect();

    let mut tx = pool.begin().await?;
    let held = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM stock_reservations WHERE order_id = $1) AS "held!""#,
        order_id
    )
    .fetch_one(&mut *tx)
    .await?;
    if held {
        return Ok(Reservation::AlreadyReserved);
    }
    let stock = sqlx::query!(
        "SELECT i.product_id, i.on_hand - i.reserved AS available, p.active, p.sku
         FROM inventory i JOIN products p ON p.id = i.product_id
         WHERE i.product_id = ANY($1)
         ORDER BY i.product_id
         FOR UPDATE OF i",
        &ids
    )
    .fetch_all(&mut *tx)
    .await?;
    let shortages: Vec<Shortage> = wanted
        .iter()
        .filter_map(|(&product_id, &requested)| {
            let available = stock
                .iter()
                .find(|row| row.product_id == product_id && row.active)
                .and_then(|row| row.available)
                .unwrap_or(0);
            (available < requested).then_some(Shortage {
                product_id,
                requested,
                available: available.max(0),
            })
        })
        .collect();
    if !shortages.is_empty() {
        tracing::info!(?shortages, "stock reservation rejected");
        return Ok(Reservation::Rejected(shortages));
    }
    sqlx::query!(
        "UPDATE inventory i SET reserved = i.reserved + l.quantity, updated_at = now()
         FROM unnest($1::uuid[], $2::int[]) AS l (product_id, quantity)
         WHERE i.product_id = l.product_id",
        &ids,
        &quantities
    )
    .execute(&mut *tx)
    .await?;
    let recorded = sqlx::query!(
        "INSERT INTO stock_reservations (order_id, product_id, quantity)
         SELECT $1, l.product_id, l.quantity FROM unnest($2::uuid[], $3::int[]) AS l (product_id, quantity)",
        order_id,
        &ids,
        &quantities
    )
    .execute(&mut *tx)
    .await;
    match recorded {
        Ok(_) => {}
        // The same order reserved concurrently and got there first.
        Err(err) if is_unique_violation(&err, "stock_reservations_pkey") => {
            return Ok(Reservation::AlreadyReserved);
        }
        Err(err) => return Err(err.into()),
    }
    tx.commit().await?;
    let changed: Vec<(Uuid, String)> = stock
        .into_iter()
        .map(|row| (row.product_id, row.sku))
        .collect();
    product::invalidate(cache, &changed).await;
    tracing::info!("stock reserved");
    Ok(Reservation::Reserved)
}

/// Gives back the stock held for `order_id`; returns how many lines were released (0 when
/// there was nothing held, or it was released already).
#[tracing::instrument(skip_all, fields(order_id = %order_id))]
pub async fn release(pool: &PgPool, cache: &Cache, order_id: Uuid) -> Result<usize, StockError> {
    let mut tx = pool.begin().await?;
    // Lock in the same order as `reserve`, then mark the lines released.
    let locked = sqlx::query!(
        "SELECT i.product_id, p.sku
         FROM inventory i
         JOIN products p ON p.id = i.product_id
         JOIN stock_reservations r ON r.product_id = i.product_id
         WHERE r.order_id = $1 AND r.released_at IS NULL
         ORDER BY i.product_id
         FOR UPDATE OF i, r",
        order_id
    )
    .fetch_all(&mut *tx)
    .await?;
    if locked.is_empty() {
        return Ok(0);
    }
    let released = sqlx::query!(
        "UPDATE stock_reservations SET released_at = now()
         WHERE order_id = $1 AND released_at IS NULL
         RETURNING product_id, quantity",
        order_id
    )
    .fetch_all(&mut *tx)
    .await?;
    let ids: Vec<Uuid> = released.iter().map(|line| line.product_id).collect();
    let quantities: Vec<i32> = released.iter().map(|line| line.quantity).collect();
    sqlx::query!(
        "UPDATE inventory i SET reserved = i.reserved - l.quantity, updated_at = now()
         FROM unnest($1::uuid[], $2::int[]) AS l (product_id, quantity)
         WHERE i.product_id = l.product_id",
        &ids,
        &quantities
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let changed: Vec<(Uuid, String)> = locked
        .into_iter()
        .map(|row| (row.product_id, row.sku))
        .collect();
    product::invalidate(cache, &changed).await;
    tracing::info!(lines = released.len(), "stock released");
    Ok(released.len())
}
