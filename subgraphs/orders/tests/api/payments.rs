use orders::payments::{BreakerState, ChargeRequest, PaymentClient, PaymentError};
use orders::settings::PaymentSettings;
use payment_provider::{Behaviour, Mode, Provider};
use std::time::{Duration, Instant};

async fn stand_in() -> (Provider, String) {
    let provider = Provider::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(payment_provider::serve(
        listener,
        provider.clone(),
        std::future::pending(),
    ));
    (provider, url)
}

fn client(url: String) -> PaymentClient {
    PaymentClient::new(&PaymentSettings {
        url,
        timeout_ms: 300,
        failure_threshold: 3,
        open_ms: 300,
        ..PaymentSettings::default()
    })
}

fn charge(key: &str) -> ChargeRequest {
    ChargeRequest {
        amount: 1999,
        currency: "EUR".to_owned(),
        source: "tok_visa".to_owned(),
        description: "test".to_owned(),
        idempotency_key: key.to_owned(),
    }
}

#[tokio::test]
async fn a_repeated_idempotency_key_charges_once() {
    let (provider, url) = stand_in().await;
    let payments = client(url);
    let first = payments.charge(&charge("order-1")).await.expect("charged");
    let again = payments.charge(&charge("order-1")).await.expect("charged");
    assert_eq!(first, again);
    let stats = provider.stats();
    assert_eq!((stats.charges, stats.charge_requests), (1, 2));
    let mut different = charge("order-1");
    different.amount = 1;
    assert!(matches!(
        payments.charge(&different).await,
        Err(PaymentError::Refused(_))
    ));
    let refund = payments
        .refund(&first.id, "refund-1")
        .await
        .expect("refunded");
    assert_eq!(refund.charge, first.id);
    assert_eq!(provider.stats().refunds, 1);
}

#[tokio::test]
async fn the_circuit_opens_on_failures_and_closes_when_the_provider_recovers() {
    let (provider, url) = stand_in().await;
    let payments = client(url);
    provider.set_mode(Mode::Fail);
    for n in 0..3 {
        let failed = payments.charge(&charge(&format!("k{n}"))).await;
        assert!(
            matches!(failed, Err(PaymentError::Unavailable(_))),
            "{failed:?}"
        );
    }
    assert_eq!(payments.breaker().state(), BreakerState::Open);
    // Open: the provider is not called at all.
    assert!(matches!(
        payments.charge(&charge("k3")).await,
        Err(PaymentError::CircuitOpen)
    ));
    assert_eq!(provider.stats().charge_requests, 3);

    // Still failing when the trial goes through: open again.
    let reopened = crate::helpers::eventually(|| async {
        matches!(
            payments.charge(&charge("k4")).await,
            Err(PaymentError::Unavailable(_))
        )
    })
    .await;
    assert!(reopened);
    assert_eq!(payments.breaker().state(), BreakerState::Open);

    // Recovered: the next trial closes the circuit.
    provider.set_mode(Mode::Normal);
    let started = Instant::now();
    let recovered =
        crate::helpers::eventually(|| async { payments.charge(&charge("k5")).await.is_ok() }).await;
    assert!(recovered);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(payments.breaker().state(), BreakerState::Closed);
    assert_eq!(provider.stats().charges, 1);
}

#[tokio::test]
async fn a_slow_provider_times_out_and_a_decline_is_not_a_failure() {
    let (provider, url) = stand_in().await;
    let payments = client(url);
    provider.set_behaviour(Behaviour {
        mode: Mode::Normal,
        delay_ms: 1000,
    });
    assert!(matches!(
        payments.charge(&charge("slow")).await,
        Err(PaymentError::Unavailable(_))
    ));
    provider.set_behaviour(Behaviour {
        mode: Mode::Decline,
        delay_ms: 0,
    });
    for n in 0..5 {
        let declined = payments.charge(&charge(&format!("d{n}"))).await;
        assert!(
            matches!(declined, Err(PaymentError::Declined(_))),
            "{declined:?}"
        );
    }
    assert_eq!(payments.breaker().state(), BreakerState::Closed);
}
