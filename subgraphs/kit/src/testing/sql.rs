//! Counts the SQL statements sent while a guard is held, by listening to the events the
//! database driver emits for every statement it runs (target `sqlx::query`).
//!
//! The count covers the current thread, which with a current-thread runtime (as in
//! `#[sqlx::test]`) is every task of the test, the server under test included.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

#[derive(Clone, Default)]
pub struct SqlCounter {
    count: Arc<AtomicUsize>,
}

impl SqlCounter {
    /// Starts counting on this thread until the returned guard is dropped.
    pub fn install() -> (Self, DefaultGuard) {
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
