//! Charging and refunding through the payment provider.
//!
//! - [`breaker`]: a circuit breaker (closed, open, half-open), pure and clock-driven.
//! - [`client`]: the provider's HTTP API with timeouts, idempotency keys and the breaker.

pub mod breaker;
pub mod client;

pub use breaker::{BreakerState, CircuitBreaker};
pub use client::{Charge, ChargeRequest, PaymentClient, PaymentError};
