//! Counts the SQL statements sent while a guard is held, by listening to the events the
//! database driver emits for every statement it runs (target `sqlx::query`).
//!
//! The count covers the current thread, which with a current-thread runtime (as in
//! `#[sqlx::test]`) is every task of the test, the server under test included.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use tracing::Dispatch;
use tracing::subscriber::{DefaultGuard, NoSubscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

#[derive(Clone, Default)]
pub struct SqlCounter {
    count: Arc<AtomicUsize>,
}

impl SqlCounter {
    /// Starts counting on this thread until the returned guard is dropped.
    pub fn install() -> (Self, DefaultGuard) {
        // While exactly one dispatcher is registered, `tracing` decides whether a callsite seen
        // for the first time is enabled by asking the registering thread's default alone. The
        // driver's statement event is first reached while some counter is on, often on another
        // test's thread (no subscriber: "never"), and stays off for every thread after that, so
        // a counter running beside other tests would count nothing. A second dispatcher that
        // lives as long as the process makes `tracing` ask every live dispatcher instead.
        static ANOTHER: OnceLock<Dispatch> = OnceLock::new();
        ANOTHER.get_or_init(|| Dispatch::new(NoSubscriber::default()));
        let counter = Self::default();
        let subscriber = tracing_subscriber::registry().with(CountingLayer {
            count: counter.count.clone(),
        });
        let guard = tracing::subscriber::set_default(subscriber);
        (counter, guard)
    }

    /// Statements run since the counter was installed or last [`reset`](Self::reset).
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    pub fn reset(&self) {
        self.count.store(0, Ordering::SeqCst);
    }
}

struct CountingLayer {
    count: Arc<AtomicUsize>,
}

impl<S: tracing::Subscriber> Layer<S> for CountingLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            self.count.fetch_add(1, Ordering::SeqCst);
        }
    }
}
