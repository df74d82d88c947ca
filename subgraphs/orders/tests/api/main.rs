//! The orders subgraph end to end: a real catalog subgraph (its own database), the local
//! RabbitMQ (a topology of its own per test), Redis, and stand-ins for the outside parties
//! (the payment provider, the SMTP relay).

mod checkout;
mod entities;
mod events;
mod helpers;
mod live;
mod payments;
