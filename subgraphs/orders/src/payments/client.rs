//! The payment provider's HTTP API (Stripe-like): `POST /v1/charges` and `POST /v1/refunds`,
//! each with an `Idempotency-Key`, so repeating a call (a redelivered message, a retry after a
//! timeout) never charges twice. Every call is bounded by a timeout and goes through the
//! circuit breaker: while the provider is failing, calls fail at once instead of piling up.

use super::breaker::CircuitBreaker;
use crate::settings::PaymentSettings;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone, Serialize)]
pub struct ChargeRequest {
    /// In the currency's minor unit.
    pub amount: i64,
    pub currency: String,
    /// The customer's payment method (a token).
    pub source: String,
    pub description: String,
    #[serde(skip)]
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Charge {
    pub id: String,
    pub amount: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Refund {
    pub id: String,
    pub charge: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The payment method was declined: final, the order fails.
    #[error("payment declined: {0}")]
    Declined(String),
    /// The provider failed, timed out or could not be reached: worth trying again later.
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
    /// Calls are not being made for now.
    #[error("payment provider circuit open")]
    CircuitOpen,
    /// The provider refused the request itself (a bug on our side).
    #[error("payment request refused: {0}")]
    Refused(String),
}

impl PaymentError {
    /// Whether the same call may succeed later.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::CircuitOpen)
    }
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Clone)]
pub struct PaymentClient {
    http: reqwest::Client,
    base: String,
    api_key: SecretString,
    breaker: Arc<CircuitBreaker>,
}

impl PaymentClient {
    pub fn new(settings: &PaymentSettings) -> Self {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout())
            .connect_timeout(settings.timeout())
            .build()
            .unwrap_or_default();
        Self {
            http,
            base: settings.url.trim_end_matches('/').to_owned(),
            api_key: settings.api_key.clone(),
            breaker: Arc::new(CircuitBreaker::new(
                settings.failure_threshold,
                settings.open_for(),
            )),
        }
    }

    pub fn breaker(&self) -> &CircuitBreaker {
        &self.breaker
    }

    #[tracing::instrument(skip_all, fields(idempotency_key = %request.idempotency_key, amount = request.amount))]
    pub async fn charge(&self, request: &ChargeRequest) -> Result<Charge, PaymentError> {
        self.call("/v1/charges", &request.idempotency_key, request)
            .await
    }

    #[tracing::instrument(skip_all, fields(charge = %charge_id))]
    pub async fn refund(
        &self,
        charge_id: &str,
        idempotency_key: &str,
    ) -> Result<Refund, PaymentError> {
        self.call(
            "/v1/refunds",
            idempotency_key,
            &serde_json::json!({ "charge": charge_id }),
        )
        .await
    }

    async fn call<B: Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        idempotency_key: &str,
        body: &B,
    ) -> Result<T, PaymentError> {
        self.breaker
            .acquire(Instant::now())
            .map_err(|_| PaymentError::CircuitOpen)?;
        let outcome = self.send(path, idempotency_key, body).await;
        // Only the provider's own trouble counts against it; a decline is a healthy answer.
        let healthy = !matches!(outcome, Err(PaymentError::Unavailable(_)));
        self.breaker.record(healthy, Instant::now());
        outcome
    }

    async fn send<B: Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        idempotency_key: &str,
        body: &B,
    ) -> Result<T, PaymentError> {
        let unavailable = |err: reqwest::Error| PaymentError::Unavailable(err.to_string());
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(self.api_key.expose_secret())
            .header("Idempotency-Key", idempotency_key)
            .json(body)
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        if status.is_success() {
            return response.json().await.map_err(unavailable);
        }
        let detail = response
            .json::<ErrorBody>()
            .await
            .map(|body| body.error)
            .ok();
        let message = detail
            .as_ref()
            .and_then(|detail| detail.message.clone().or_else(|| detail.code.clone()))
            .unwrap_or_else(|| status.to_string());
        Err(match status {
            StatusCode::PAYMENT_REQUIRED => PaymentError::Declined(message),
            StatusCode::TOO_MANY_REQUESTS => PaymentError::Unavailable(message),
            status if status.is_server_error() => PaymentError::Unavailable(message),
            _ => PaymentError::Refused(message),
        })
    }
}
