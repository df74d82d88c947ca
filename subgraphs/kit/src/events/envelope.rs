//! The JSON envelope every event travels in: `{id, type, occurred_at, correlation_id, data}`.
//! `type` is also the routing key (`order.placed`); `id` is what consumers deduplicate on;
//! `correlation_id` ties the events of one flow together (an order's id in the checkout saga).

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub id: Uuid,
    /// `<aggregate>.<event>`, e.g. `stock.reserved`; the routing key too.
    #[serde(rename = "type")]
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub correlation_id: Uuid,
    pub data: serde_json::Value,
}

impl Envelope {
    /// A new event of `kind` with a fresh id, happening now.
    pub fn new(
        kind: &str,
        correlation_id: Uuid,
        data: impl Serialize,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            id: Uuid::new_v4(),
            kind: kind.to_owned(),
            occurred_at: Utc::now(),
            correlation_id,
            data: serde_json::to_value(data)?,
        })
    }

    /// The payload as `T`.
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_format_names_the_type_field_type() {
        let envelope = Envelope::new(
            "order.placed",
            Uuid::nil(),
            serde_json::json!({ "order_id": 1 }),
        )
        .expect("encodes");
        let wire = serde_json::to_value(&envelope).expect("serializes");
        assert_eq!(wire["type"], "order.placed");
        assert_eq!(wire["data"]["order_id"], 1);
        let back: Envelope = serde_json::from_value(wire).expect("parses");
        assert_eq!(back, envelope);
    }
}
