//! The in-process stand-ins of the development mode, through the same API the services use:
//! the outbox relay publishing to the in-process bus, a consumer retrying and dead-lettering
//! there, dead letters listed and replayed, and the cache on the in-process store.
#![cfg(all(feature = "events", feature = "cache"))]

use kit::cache::Cache;
use kit::events::consumer::{HandleError, Handler};
use kit::events::{Broker, Consumer, Envelope, OutboxWaker, QueueSpec, Relay, dead_letters};
use kit::settings::{EventSettings, RedisSettings};
use secrecy::SecretString;
use serde_json::json;
use sqlx::PgPool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use uuid::Uuid;

fn in_process_events() -> EventSettings {
    EventSettings {
        url: SecretString::from(kit::in_process::URL),
        prefix: format!("test-{}.", Uuid::new_v4().simple()),
        retry_base_ms: 10,
        max_retries: 2,
        outbox_poll_ms: 50,
        ..EventSettings::default()
    }
}

/// Records what it saw; fails `failures` times per envelope first (transiently), and
/// always (permanently) for an envelope whose data says `poison`.
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<(Uuid, u32)>>>,
    failures: u32,
}

impl Handler for Recorder {
    async fn handle(&self, envelope: Envelope) -> Result<(), HandleError> {
        let mut seen = self.seen.lock().expect("not poisoned");
        let attempt = seen.iter().filter(|(id, _)| *id == envelope.id).count() as u32;
        seen.push((envelope.id, attempt));
        if envelope.data["poison"] == json!(true) {
            return Err(HandleError::Permanent("poison".to_owned()));
        }
        if attempt < self.failures {
            return Err(HandleError::transient(std::io::Error::other("not yet")));
        }
        Ok(())
    }
}

impl Recorder {
    fn attempts(&self, id: Uuid) -> u32 {
        let seen = self.seen.lock().expect("not poisoned");
        seen.iter().filter(|(seen, _)| *seen == id).count() as u32
    }
}

async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "{what} did not happen in time");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn outbox(pool: &PgPool) {
    sqlx::raw_sql(
        "CREATE TABLE outbox (
             id uuid PRIMARY KEY, routing_key text NOT NULL, envelope jsonb NOT NULL,
             created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz);",
    )
    .execute(pool)
    .await
    .expect("the outbox table");
}

#[sqlx::test]
async fn outbox_rows_reach_a_consumer_through_the_bus_after_retries(pool: PgPool) {
    outbox(&pool).await;
    let settings = in_process_events();
    let broker = Broker::new(&settings, "kit-test");
    assert!(broker.bus().is_some());
    let recorder = Recorder {
        failures: 2,
        ..Recorder::default()
    };
    let consumer = Consumer::new(
        broker.clone(),
        QueueSpec::new("kit.test", &["thing.*"]),
        recorder.clone(),
    );
    // Declared before anything is published, as the services do at start.
    consumer.declare().await.expect("declared");
    let (stop, stopped) = watch::channel(false);
    let until = |mut stopped: watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stopped| *stopped).await;
    };
    let waker = OutboxWaker::default();
    let relay = tokio::spawn(
        Relay::new(pool.clone(), broker.clone(), waker.clone()).run(until(stopped.clone())),
    );
    let consuming = tokio::spawn(consumer.run(until(stopped.clone())));

    let wanted =
        Envelope::new("thing.happened", Uuid::new_v4(), json!({ "n": 1 })).expect("an envelope");
    let ignored = Envelope::new("other.happened", Uuid::new_v4(), json!({})).expect("an envelope");
    let mut tx = pool.begin().await.expect("a transaction");
    for envelope in [&wanted, &ignored] {
        kit::events::outbox::enqueue(&mut tx, envelope)
            .await
            .expect("enqueued");
    }
    tx.commit().await.expect("committed");
    waker.wake();

    // Failed twice (transiently), handled the third time; never dead-lettered.
    eventually("the third attempt", || recorder.attempts(wanted.id) == 3).await;
    let unpublished: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            .fetch_one(&pool)
            .await
            .expect("a count");
    assert_eq!(unpublished, 0);
    assert_eq!(recorder.attempts(ignored.id), 0, "not bound to other.*");
    assert!(
        dead_letters::list(&broker, "kit.test", 10)
            .await
            .expect("listed")
            .is_empty()
    );

    let _ = stop.send(true);
    relay.await.expect("the relay stops");
    consuming.await.expect("the consumer stops");
}

#[tokio::test]
async fn poison_and_exhausted_messages_are_dead_lettered_and_can_be_replayed() {
    let settings = in_process_events();
    let broker = Broker::new(&settings, "kit-test");
    let recorder = Recorder {
        // More failures than retries: dead-lettered after 1 + max_retries attempts.
        failures: 100,
        ..Recorder::default()
    };
    let consumer = Consumer::new(
        broker.clone(),
        QueueSpec::new("kit.dead", &["thing.#"]),
        recorder.clone(),
    );
    consumer.declare().await.expect("declared");
    let (stop, stopped) = watch::channel(false);
    let consuming = tokio::spawn(consumer.run(async move {
        let mut stopped = stopped;
        let _ = stopped.wait_for(|stopped| *stopped).await;
    }));

    let poison = Envelope::new("thing.poison", Uuid::new_v4(), json!({ "poison": true }))
        .expect("an envelope");
    let failing = Envelope::new("thing.failing", Uuid::new_v4(), json!({})).expect("an envelope");
    for envelope in [&poison, &failing] {
        broker
            .publish(&envelope.kind, &serde_json::to_vec(envelope).expect("JSON"))
            .await
            .expect("published");
    }
    broker
        .publish("thing.garbage", b"not json")
        .await
        .expect("published");

    let bus = broker.bus().expect("the in-process bus");
    let queue = broker.name("kit.dead");
    eventually("three dead letters", || {
        bus.dead_letters(&queue, 10).len() == 3
    })
    .await;
    assert_eq!(
        recorder.attempts(poison.id),
        1,
        "a permanent failure is not retried"
    );
    assert_eq!(
        recorder.attempts(failing.id),
        3,
        "tried once, then retried twice"
    );
    let letters = dead_letters::list(&broker, "kit.dead", 10)
        .await
        .expect("listed");
    let reasons: Vec<(Option<Uuid>, Option<String>, u32)> = letters
        .iter()
        .map(|letter| {
            (
                letter.envelope.as_ref().map(|e| e.id),
                letter.reason.clone(),
                letter.retries,
            )
        })
        .collect();
    assert!(
        reasons.contains(&(Some(poison.id), Some("poison".to_owned()), 0)),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(id, reason, retries)| *id == Some(failing.id)
                && *retries == 2
                && reason
                    .as_deref()
                    .is_some_and(|reason| reason.starts_with("failed 3 times"))),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|(id, reason, _)| id.is_none()
            && reason
                .as_deref()
                .is_some_and(|reason| reason.starts_with("not an envelope"))),
        "{reasons:?}"
    );

    // Replayed with a fresh retry count: the failing one is tried three more times.
    assert_eq!(
        dead_letters::replay(&broker, "kit.dead", 10)
            .await
            .expect("replayed"),
        3
    );
    eventually("the replayed attempts", || {
        recorder.attempts(failing.id) == 6
    })
    .await;
    eventually("dead-lettered again", || {
        bus.dead_letters(&queue, 10).len() == 3
    })
    .await;

    let _ = stop.send(true);
    consuming.await.expect("the consumer stops");
}

#[tokio::test]
async fn the_cache_on_the_in_process_store_reads_writes_and_invalidates() {
    let settings = RedisSettings {
        url: SecretString::from(kit::in_process::URL),
        key_prefix: format!("test-{}:", Uuid::new_v4().simple()),
        ..RedisSettings::default()
    };
    let cache = Cache::new(&settings);
    let other = Cache::new(&RedisSettings {
        key_prefix: format!("test-{}:", Uuid::new_v4().simple()),
        ..settings.clone()
    });
    let keys = ["a".to_owned(), "b".to_owned()];
    assert_eq!(cache.get_many::<i32>(&keys).await, [None, None]);
    cache
        .set_many(&[("a".to_owned(), 1), ("b".to_owned(), 2)])
        .await;
    assert_eq!(cache.get_many::<i32>(&keys).await, [Some(1), Some(2)]);
    assert_eq!(
        other.get_many::<i32>(&keys).await,
        [None, None],
        "prefixes keep caches apart"
    );
    cache.delete(&keys[..1]).await;
    assert_eq!(cache.get_many::<i32>(&keys).await, [None, Some(2)]);
}
