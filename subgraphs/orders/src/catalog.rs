//! Prices from the catalog subgraph, asked for over its GraphQL API at the moment an order is
//! placed (one `_entities` call for all the order's products), and stored on the order lines.

use crate::settings::CatalogSettings;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

const PRICES: &str = "query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Product { id active price { amount currency } }
  }
}";

/// What an order needs to know about a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    pub active: bool,
    pub amount: i32,
    pub currency: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("the catalog cannot be reached: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("the catalog answered with errors: {0}")]
    Errors(String),
}

#[derive(Clone)]
pub struct CatalogClient {
    http: reqwest::Client,
    url: String,
}

#[derive(Deserialize)]
struct Answer {
    data: Option<Data>,
    #[serde(default)]
    errors: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "_entities")]
    entities: Vec<Option<Entity>>,
}

#[derive(Deserialize)]
struct Entity {
    id: Uuid,
    active: bool,
    price: Price,
}

#[derive(Deserialize)]
struct Price {
    amount: i32,
    currency: String,
}

impl CatalogClient {
    pub fn new(settings: &CatalogSettings) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.timeout_ms))
            .build()
            .unwrap_or_default();
        Self {
            http,
            url: settings.url.clone(),
        }
    }

    /// The current price of each product the catalog knows; unknown ones are missing.
    #[tracing::instrument(skip_all, fields(products = ids.len()))]
    pub async fn prices(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Priced>, CatalogError> {
        let representations: Vec<_> = ids
            .iter()
            .map(|id| json!({ "__typename": "Product", "id": id }))
            .collect();
        let answer: Answer = self
            .http
            .post(&self.url)
            .json(&json!({ "query": PRICES, "variables": { "representations": representations } }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let Some(data) = answer.data else {
            return Err(CatalogError::Errors(
                serde_json::to_string(&answer.errors).unwrap_or_default(),
            ));
        };
        Ok(data
            .entities
            .into_iter()
            .flatten()
            .map(|entity| {
                (
                    entity.id,
                    Priced {
                        active: entity.active,
                        amount: entity.price.amount,
                        currency: entity.price.currency,
                    },
                )
            })
            .collect())
    }
}
