//! The orders side of the checkout saga, and what orders does when a user is deleted.
//!
//! Queue `orders.saga` (`stock.reserved`, `stock.rejected`):
//! - `stock.rejected`: a pending order fails.
//! - `stock.reserved`: a pending order becomes `STOCK_RESERVED` (committed at once), then is
//!   charged with the order's id in the idempotency key, then becomes `PAID` (and the
//!   confirmation is mailed) or `FAILED` when the payment is declined (which releases its
//!   stock). When the provider is unavailable the message is retried later: a redelivery finds
//!   the order reserved already and charges again with the same key, which the provider
//!   answers with the first charge, so nothing is charged twice. Stock reserved for an order
//!   that was cancelled meanwhile is released at once.
//!
//! Queue `orders.users` (`user.deleted`): the user's open orders are cancelled (releasing
//! their stock) and all their orders lose the contact address.
//!
//! Every handler records the envelope's id in `processed_messages` in the transaction of its
//! last change, so a redelivered message does nothing.

use crate::domain::OrderStatus;
use crate::lifecycle::{self, Effects, LifecycleError, Moved};
use crate::payments::{ChargeRequest, PaymentClient, PaymentError};
use kit::events::consumer::claim;
use kit::events::{Envelope, HandleError, Handler, QueueSpec, outbox};
use kit::mail::{Mail, Mailer};
use serde::Deserialize;
use sqlx::PgPool;
use std::fmt::Write;
use uuid::Uuid;

pub const SAGA_QUEUE: &str = "orders.saga";
pub const USERS_QUEUE: &str = "orders.users";

pub fn saga_queue() -> QueueSpec {
    QueueSpec::new(SAGA_QUEUE, &["stock.reserved", "stock.rejected"])
}

pub fn users_queue() -> QueueSpec {
    QueueSpec::new(USERS_QUEUE, &["user.deleted"])
}

#[derive(Deserialize)]
struct OrderRef {
    order_id: Uuid,
}

#[derive(Deserialize)]
struct UserDeleted {
    user_id: Uuid,
}

#[derive(Clone)]
pub struct Saga {
    pub pool: PgPool,
    pub payments: PaymentClient,
    pub effects: Effects,
    pub mailer: Mailer,
}

impl Handler for Saga {
    async fn handle(&self, envelope: Envelope) -> Result<(), HandleError> {
        match envelope.kind.as_str() {
            "stock.reserved" => self.stock_reserved(&envelope).await,
            "stock.rejected" => self.stock_rejected(&envelope).await,
            "user.deleted" => self.user_deleted(&envelope).await,
            other => Err(HandleError::Permanent(format!(
                "unexpected event type `{other}`"
            ))),
        }
    }
}

fn lifecycle_error(err: LifecycleError) -> HandleError {
    match err {
        LifecycleError::NotFound(id) => HandleError::Permanent(format!("no order {id}")),
        LifecycleError::Corrupt(id) => HandleError::Permanent(format!("order {id} is corrupt")),
        other => HandleError::transient(other),
    }
}

impl Saga {
    async fn stock_rejected(&self, envelope: &Envelope) -> Result<(), HandleError> {
        let OrderRef { order_id } = envelope.data()?;
        let mut tx = self.pool.begin().await?;
        if !claim(&mut tx, SAGA_QUEUE, envelope.id).await? {
            return Ok(());
        }
        let locked = lifecycle::lock(&mut tx, order_id)
            .await
            .map_err(lifecycle_error)?;
        let mut moves = Vec::new();
        if locked.status == OrderStatus::Pending {
            moves.push(
                lifecycle::apply(&mut tx, order_id, OrderStatus::Failed, Some("out of stock"))
                    .await
                    .map_err(lifecycle_error)?,
            );
        }
        tx.commit().await?;
        self.effects.announce(&moves);
        Ok(())
    }

    async fn stock_reserved(&self, envelope: &Envelope) -> Result<(), HandleError> {
        let OrderRef { order_id } = envelope.data()?;
        if processed(&self.pool, envelope.id).await? {
            return Ok(());
        }

        // The reservation, committed on its own: the order shows it while it is being paid.
        let mut tx = self.pool.begin().await?;
        let locked = lifecycle::lock(&mut tx, order_id)
            .await
            .map_err(lifecycle_error)?;
        match locked.status {
            OrderStatus::Pending => {
                let moved = lifecycle::apply(&mut tx, order_id, OrderStatus::StockReserved, None)
                    .await
                    .map_err(lifecycle_error)?;
                tx.commit().await?;
                self.effects.announce(&[moved]);
            }
            OrderStatus::StockReserved => drop(tx),
            OrderStatus::Cancelled | OrderStatus::Failed => {
                // Reserved after the order was given up: give the stock back.
                lifecycle::release_stock(&mut tx, order_id, Some("order no longer open"))
                    .await
                    .map_err(lifecycle_error)?;
                claim(&mut tx, SAGA_QUEUE, envelope.id).await?;
                tx.commit().await?;
                self.effects.announce(&[]);
                return Ok(());
            }
            OrderStatus::Paid | OrderStatus::Fulfilled | OrderStatus::Delivered => {
                claim(&mut tx, SAGA_QUEUE, envelope.id).await?;
                tx.commit().await?;
                return Ok(());
            }
        }

        // The charge, outside any transaction; the key makes a repeat return the first charge.
        let order = sqlx::query!(
            "SELECT total_amount, currency, payment_method, contact_email FROM orders WHERE id = $1",
            order_id
        )
        .fetch_one(&self.pool)
        .await?;
        let outcome = self
            .payments
            .charge(&ChargeRequest {
                amount: order.total_amount,
                currency: order.currency.clone(),
                source: order.payment_method,
                description: format!("order {order_id}"),
                idempotency_key: format!("charge-{order_id}"),
            })
            .await;
        if let Err(err) = &outcome
            && err.is_transient()
        {
            return Err(HandleError::transient(format!("{err}")));
        }

        // The outcome.
        let mut tx = self.pool.begin().await?;
        if !claim(&mut tx, SAGA_QUEUE, envelope.id).await? {
            return Ok(());
        }
        let locked = lifecycle::lock(&mut tx, order_id)
            .await
            .map_err(lifecycle_error)?;
        let mut moves = Vec::new();
        let mut paid = None;
        match outcome {
            Ok(charge) if locked.status == OrderStatus::StockReserved => {
                sqlx::query!(
                    "UPDATE orders SET charge_id = $2 WHERE id = $1",
                    order_id,
                    charge.id
                )
                .execute(&mut *tx)
                .await?;
                moves.push(
                    lifecycle::apply(&mut tx, order_id, OrderStatus::Paid, None)
                        .await
                        .map_err(lifecycle_error)?,
                );
                let event = Envelope::new(
                    "payment.succeeded",
                    order_id,
                    serde_json::json!({ "order_id": order_id, "charge_id": charge.id,
                                        "amount": charge.amount, "currency": charge.currency }),
                )?;
                outbox::enqueue(&mut tx, &event).await?;
                paid = Some(charge);
            }
            Ok(charge) if matches!(locked.status, OrderStatus::Cancelled | OrderStatus::Failed) => {
                // Cancelled while it was being charged (the payment deadline): refund it.
                tracing::warn!(order_id = %order_id, status = %locked.status, "charged an order no longer open; refunding");
                self.payments
                    .refund(&charge.id, &format!("refund-{order_id}"))
                    .await
                    .map_err(|err| HandleError::transient(format!("{err}")))?;
            }
            // Paid already, by a copy of this message handled at the same time.
            Ok(_) => {}
            Err(PaymentError::Declined(reason)) => {
                if locked.status == OrderStatus::StockReserved {
                    let reason = format!("payment declined: {reason}");
                    moves.push(
                        lifecycle::apply(&mut tx, order_id, OrderStatus::Failed, Some(&reason))
                            .await
                            .map_err(lifecycle_error)?,
                    );
                    let event = Envelope::new(
                        "payment.failed",
                        order_id,
                        serde_json::json!({ "order_id": order_id, "reason": reason }),
                    )?;
                    outbox::enqueue(&mut tx, &event).await?;
                }
            }
            Err(err) => return Err(HandleError::Permanent(err.to_string())),
        }
        tx.commit().await?;
        self.effects.announce(&moves);
        if let (Some(charge), Some(email)) = (paid, order.contact_email) {
            self.confirm(order_id, &email, charge.amount, &charge.currency)
                .await;
        }
        Ok(())
    }

    async fn user_deleted(&self, envelope: &Envelope) -> Result<(), HandleError> {
        let UserDeleted { user_id } = envelope.data()?;
        let mut tx = self.pool.begin().await?;
        if !claim(&mut tx, USERS_QUEUE, envelope.id).await? {
            return Ok(());
        }
        let open = sqlx::query_scalar!(
            "SELECT id FROM orders
             WHERE customer_id = $1 AND status IN ('PENDING', 'STOCK_RESERVED')
             ORDER BY id",
            user_id
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut moves: Vec<Moved> = Vec::with_capacity(open.len());
        for order_id in open {
            moves.push(
                lifecycle::apply(
                    &mut tx,
                    order_id,
                    OrderStatus::Cancelled,
                    Some("account deleted"),
                )
                .await
                .map_err(lifecycle_error)?,
            );
        }
        let anonymised = sqlx::query!(
            "UPDATE orders SET contact_email = NULL, anonymised_at = now()
             WHERE customer_id = $1 AND anonymised_at IS NULL",
            user_id
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        tracing::info!(user_id = %user_id, cancelled = moves.len(), anonymised, "orders of a deleted user handled");
        self.effects.announce(&moves);
        Ok(())
    }

    /// Mails the order's confirmation; a failure is logged, the order stays paid.
    async fn confirm(&self, order_id: Uuid, email: &str, amount: i64, currency: &str) {
        let mut body = format!("Thank you for your order {order_id}.\n\n");
        let lines = sqlx::query!(
            "SELECT product_id, quantity, unit_amount FROM order_lines WHERE order_id = $1 ORDER BY position",
            order_id
        )
        .fetch_all(&self.pool)
        .await
        .unwrap_or_default();
        for line in lines {
            let _ = writeln!(
                body,
                "  {} x product {} at {} {currency}",
                line.quantity,
                line.product_id,
                format_amount(i64::from(line.unit_amount))
            );
        }
        let _ = writeln!(body, "\nPaid: {} {currency}", format_amount(amount));
        let subject = format!("Your order {order_id} is confirmed");
        let mail = Mail {
            to: email.to_owned(),
            subject,
            body,
        };
        if let Err(err) = self.mailer.send(mail).await {
            tracing::error!(order_id = %order_id, cause = %err, "order confirmation not sent");
        }
    }
}

/// Whether the saga already handled this message.
async fn processed(pool: &PgPool, message_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM processed_messages WHERE consumer = $1 AND message_id = $2) AS "exists!""#,
        SAGA_QUEUE,
        message_id
    )
    .fetch_one(pool)
    .await
}

/// Minor units as a decimal amount with two places (`1999` → `19.99`).
fn format_amount(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}
