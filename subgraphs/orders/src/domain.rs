//! An order's status and the moves between them, as a pure type: what the checkout saga,
//! the staff and the expiry job may do to an order, and nothing else.
//!
//! ```text
//! PENDING ─▶ STOCK_RESERVED ─▶ PAID ─▶ FULFILLED ─▶ DELIVERED
//!    │             │            │
//!    ├─▶ FAILED ◀──┤            │
//!    └─▶ CANCELLED ◀┴───────────┘
//! ```
//! A pending order fails when its stock is rejected; a reserved one when its payment is
//! declined. Either can be cancelled (by the customer, the staff, the expiry job); a paid one
//! only by the staff, and it is refunded. `DELIVERED`, `CANCELLED` and `FAILED` are final.

use async_graphql::Enum;
use std::fmt;
use std::str::FromStr;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Placed; waiting for the catalog to reserve its stock.
    Pending,
    /// Its stock is held; waiting for the payment.
    StockReserved,
    Paid,
    /// Shipped.
    Fulfilled,
    Delivered,
    Cancelled,
    /// Its stock was not available or its payment was declined.
    Failed,
}

/// Why a status change was refused; the message is meant for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an order that is {from} cannot become {to}")]
pub struct IllegalTransition {
    pub from: OrderStatus,
    pub to: OrderStatus,
}

impl OrderStatus {
    pub const ALL: [Self; 7] = [
        Self::Pending,
        Self::StockReserved,
        Self::Paid,
        Self::Fulfilled,
        Self::Delivered,
        Self::Cancelled,
        Self::Failed,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::StockReserved => "STOCK_RESERVED",
            Self::Paid => "PAID",
            Self::Fulfilled => "FULFILLED",
            Self::Delivered => "DELIVERED",
            Self::Cancelled => "CANCELLED",
            Self::Failed => "FAILED",
        }
    }

    /// Whether an order may move from `self` to `to`.
    pub const fn can_become(self, to: Self) -> bool {
        use OrderStatus::{Cancelled, Delivered, Failed, Fulfilled, Paid, Pending, StockReserved};
        matches!(
            (self, to),
            (Pending, StockReserved | Failed | Cancelled)
                | (StockReserved, Paid | Failed | Cancelled)
                | (Paid, Fulfilled | Cancelled)
                | (Fulfilled, Delivered)
        )
    }

    /// The status after moving to `to`, or why it may not.
    pub fn transition(self, to: Self) -> Result<Self, IllegalTransition> {
        if self.can_become(to) {
            Ok(to)
        } else {
            Err(IllegalTransition { from: self, to })
        }
    }

    /// No move leads out of it.
    pub fn is_final(self) -> bool {
        Self::ALL.iter().all(|to| !self.can_become(*to))
    }

    /// Not yet paid, so still waiting on the saga (and subject to the payment deadline).
    pub const fn is_awaiting_payment(self) -> bool {
        matches!(self, Self::Pending | Self::StockReserved)
    }

    /// The catalog holds stock for it (or may, while the reservation is in flight).
    pub const fn may_hold_stock(self) -> bool {
        matches!(self, Self::Pending | Self::StockReserved | Self::Paid)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown order status `{0}`")]
pub struct UnknownStatus(String);

impl FromStr for OrderStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    const LEGAL: [(OrderStatus, OrderStatus); 9] = [
        (Pending, StockReserved),
        (Pending, Failed),
        (Pending, Cancelled),
        (StockReserved, Paid),
        (StockReserved, Failed),
        (StockReserved, Cancelled),
        (Paid, Fulfilled),
        (Paid, Cancelled),
        (Fulfilled, Delivered),
    ];

    #[test]
    fn every_legal_transition_is_allowed() {
        for (from, to) in LEGAL {
            assert_eq!(from.transition(to), Ok(to), "{from} -> {to}");
        }
    }

    #[test]
    fn every_other_transition_is_refused_with_both_statuses_named() {
        let mut refused = 0;
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                if LEGAL.contains(&(from, to)) {
                    continue;
                }
                let err = from.transition(to).expect_err("illegal");
                assert_eq!(err, IllegalTransition { from, to });
                assert_eq!(
                    err.to_string(),
                    format!("an order that is {from} cannot become {to}")
                );
                refused += 1;
            }
        }
        // 49 pairs, 9 legal moves.
        assert_eq!(refused, 40);
    }

    #[test]
    fn delivered_cancelled_and_failed_are_final() {
        let finals: Vec<_> = OrderStatus::ALL
            .into_iter()
            .filter(|status| status.is_final())
            .collect();
        assert_eq!(finals, vec![Delivered, Cancelled, Failed]);
        assert!(Pending.is_awaiting_payment() && StockReserved.is_awaiting_payment());
        assert!(!Paid.is_awaiting_payment());
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in OrderStatus::ALL {
            assert_eq!(status.as_str().parse::<OrderStatus>().ok(), Some(status));
        }
        assert!("SHIPPED".parse::<OrderStatus>().is_err());
    }
}
