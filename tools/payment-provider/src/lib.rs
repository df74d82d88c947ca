//! A stand-in for the payment provider, which is an outside party: a small Stripe-like API.
//!
//! - `POST /v1/charges` `{amount, currency, source, description}` with `Idempotency-Key`:
//!   `200 {id, amount, currency, status}`, or `402` when declined. Repeating a key returns the
//!   first answer and charges nothing more; reusing it for a different request is a `409`.
//! - `POST /v1/refunds` `{charge}` with `Idempotency-Key`: `200 {id, charge, status}`.
//! - `PUT /admin/behaviour` `{mode: normal|fail|decline, delay_ms}`: what the next calls do
//!   (`fail` answers 500; the source `tok_chargeDeclined` is always declined).
//! - `GET /admin/stats`: charges made, refunds made, charge requests received.
//!
//! Calls need `Authorization: Bearer <any key>`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use uuid::Uuid;

/// The payment method that is always declined.
pub const DECLINED_SOURCE: &str = "tok_chargeDeclined";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Normal,
    /// Every call fails with a 500.
    Fail,
    /// Every charge is declined.
    Decline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Behaviour {
    pub mode: Mode,
    /// Added before every answer.
    #[serde(default)]
    pub delay_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Stats {
    /// Charges made (a repeated idempotency key makes none).
    pub charges: u64,
    pub refunds: u64,
    /// Charge requests received, repeats and failures included.
    pub charge_requests: u64,
}

/// The provider's state; cheap to clone, shared with the test that drives it.
#[derive(Clone, Default)]
pub struct Provider {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    behaviour: Behaviour,
    stats: Stats,
    /// Answers by idempotency key, with the request they answered.
    answers: HashMap<String, (Value, u16, Value)>,
    charges: HashMap<String, Value>,
}

impl Provider {
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.lock().behaviour = behaviour;
    }

    pub fn set_mode(&self, mode: Mode) {
        self.lock().behaviour.mode = mode;
    }

    pub fn stats(&self) -> Stats {
        self.lock().stats
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The provider's routes.
pub fn app(provider: Provider) -> Router {
    Router::new()
        .route("/v1/charges", post(charge))
        .route("/v1/refunds", post(refund))
        .route("/admin/behaviour", put(set_behaviour).get(behaviour))
        .route("/admin/stats", get(stats))
        .route("/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .with_state(provider)
}

/// Serves on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    provider: Provider,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(provider))
        .with_graceful_shutdown(shutdown)
        .await
}

#[derive(Debug, Deserialize, Serialize)]
struct ChargeBody {
    amount: i64,
    currency: String,
    source: String,
    #[serde(default)]
    description: String,
}

#[derive(Debug, Deserialize, Serialize)]
struct RefundBody {
    charge: String,
}

fn error(status: StatusCode, kind: &str, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "type": kind, "code": code, "message": message } })),
    )
        .into_response()
}

/// Checks the key and the idempotency header, waits the configured delay, and answers from
/// the stored answers when the key was seen.
async fn prelude(
    provider: &Provider,
    headers: &HeaderMap,
    request: &Value,
) -> Result<(String, Behaviour), Response> {
    let authorized = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("Bearer ") && value.len() > 7);
    if !authorized {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "unauthorized",
            "no API key",
        ));
    }
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .filter(|key| !key.is_empty())
    else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "idempotency_key_missing",
            "an Idempotency-Key header is required",
        ));
    };
    let behaviour = provider.lock().behaviour;
    if behaviour.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(behaviour.delay_ms)).await;
    }
    if let Some((seen, status, answer)) = provider.lock().answers.get(key).cloned() {
        if &seen != request {
            return Err(error(
                StatusCode::CONFLICT,
                "idempotency_error",
                "idempotency_key_reused",
                "this key was used for a different request",
            ));
        }
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        return Err((status, Json(answer)).into_response());
    }
    if behaviour.mode == Mode::Fail {
        return Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "internal",
            "the provider is failing (stand-in in fail mode)",
        ));
    }
    Ok((key.to_owned(), behaviour))
}

async fn charge(
    State(provider): State<Provider>,
    headers: HeaderMap,
    Json(body): Json<ChargeBody>,
) -> Response {
    provider.lock().stats.charge_requests += 1;
    let request = serde_json::to_value(&body).unwrap_or(Value::Null);
    let (key, behaviour) = match prelude(&provider, &headers, &request).await {
        Ok(ready) => ready,
        Err(answer) => return answer,
    };
    let mut inner = provider.lock();
    let (status, answer) = if behaviour.mode == Mode::Decline || body.source == DECLINED_SOURCE {
        (
            StatusCode::PAYMENT_REQUIRED,
            json!({ "error": { "type": "card_error", "code": "card_declined", "message": "Your card was declined." } }),
        )
    } else if body.amount <= 0 {
        (
            StatusCode::BAD_REQUEST,
            json!({ "error": { "type": "invalid_request_error", "code": "amount_too_small", "message": "amount must be positive" } }),
        )
    } else {
        let id = format!("ch_{}", Uuid::new_v4().simple());
        let charge = json!({ "id": id, "amount": body.amount, "currency": body.currency, "status": "succeeded", "refunded": false });
        inner.charges.insert(id, charge.clone());
        inner.stats.charges += 1;
        (StatusCode::OK, charge)
    };
    inner
        .answers
        .insert(key, (request, status.as_u16(), answer.clone()));
    (status, Json(answer)).into_response()
}

async fn refund(
    State(provider): State<Provider>,
    headers: HeaderMap,
    Json(body): Json<RefundBody>,
) -> Response {
    let request = serde_json::to_value(&body).unwrap_or(Value::Null);
    let (key, _) = match prelude(&provider, &headers, &request).await {
        Ok(ready) => ready,
        Err(answer) => return answer,
    };
    let mut inner = provider.lock();
    let Some(charge) = inner.charges.get_mut(&body.charge) else {
        return error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "resource_missing",
            "no such charge",
        );
    };
    if charge["refunded"] == json!(true) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "charge_already_refunded",
            "the charge was refunded already",
        );
    }
    charge["refunded"] = json!(true);
    let answer = json!({ "id": format!("re_{}", Uuid::new_v4().simple()), "charge": body.charge, "status": "succeeded" });
    inner.stats.refunds += 1;
    inner.answers.insert(key, (request, 200, answer.clone()));
    Json(answer).into_response()
}

async fn set_behaviour(
    State(provider): State<Provider>,
    Json(behaviour): Json<Behaviour>,
) -> Json<Behaviour> {
    provider.set_behaviour(behaviour);
    tracing::info!(?behaviour, "behaviour changed");
    Json(behaviour)
}

async fn behaviour(State(provider): State<Provider>) -> Json<Behaviour> {
    Json(provider.lock().behaviour)
}

async fn stats(State(provider): State<Provider>) -> Json<Stats> {
    Json(provider.stats())
}
