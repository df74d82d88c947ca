//! Keep-alive for `graphql-transport-ws` connections, used both ways: towards clients (the
//! router's server side) and towards subgraphs (its client side). Every `interval` without a
//! `ping` outstanding, a `ping` is due; a `pong` must then come within `timeout`, else the
//! peer is taken as gone. The protocol leaves the timing to the implementations; it only
//! says a `pong` answers a `ping` as soon as possible.

use std::pin::Pin;
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// When to ping and how long to wait for the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepAliveSettings {
    /// `None`: the router never pings.
    pub interval: Option<Duration>,
    pub timeout: Duration,
}

impl KeepAliveSettings {
    pub const OFF: Self = Self {
        interval: None,
        timeout: Duration::ZERO,
    };
}

/// What the connection must do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Send a `ping`.
    Ping,
    /// The last `ping` got no `pong` in time: end the connection.
    TimedOut,
}

/// One connection's keep-alive clock.
pub struct KeepAlive {
    settings: KeepAliveSettings,
    timer: Pin<Box<Sleep>>,
    /// A `ping` was sent and its `pong` has not come yet.
    waiting: bool,
}

impl KeepAlive {
    /// Starts the clock: the first `ping` is due one interval from now.
    pub fn start(settings: KeepAliveSettings) -> Self {
        let first = settings.interval.unwrap_or(Duration::ZERO);
        Self {
            settings,
            timer: Box::pin(tokio::time::sleep(first)),
            waiting: false,
        }
    }

    /// A clock that never fires (keep-alive off, or not started yet).
    pub fn off() -> Self {
        Self::start(KeepAliveSettings::OFF)
    }

    /// Waits until something is due. Cancel-safe: nothing changes unless it returns.
    pub async fn due(&mut self) -> Due {
        let Some(interval) = self.settings.interval else {
            return std::future::pending().await;
        };
        (&mut self.timer).await;
        if self.waiting {
            // Fire again one interval later if the caller keeps the connection anyway.
            self.timer.as_mut().reset(Instant::now() + interval);
            return Due::TimedOut;
        }
        self.waiting = true;
        self.timer
            .as_mut()
            .reset(Instant::now() + self.settings.timeout);
        Due::Ping
    }

    /// The peer answered: the next `ping` is due one interval from now.
    pub fn pong(&mut self) {
        if let (true, Some(interval)) = (self.waiting, self.settings.interval) {
            self.waiting = false;
            self.timer.as_mut().reset(Instant::now() + interval);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(interval_ms: u64, timeout_ms: u64) -> KeepAliveSettings {
        KeepAliveSettings {
            interval: Some(Duration::from_millis(interval_ms)),
            timeout: Duration::from_millis(timeout_ms),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pings_every_interval_while_answered_and_times_out_without_a_pong() {
        let start = Instant::now();
        let mut clock = KeepAlive::start(settings(100, 30));
        assert_eq!(clock.due().await, Due::Ping);
        assert_eq!(start.elapsed(), Duration::from_millis(100));
        tokio::time::advance(Duration::from_millis(10)).await;
        clock.pong();
        assert_eq!(clock.due().await, Due::Ping);
        assert_eq!(start.elapsed(), Duration::from_millis(210));
        assert_eq!(clock.due().await, Due::TimedOut);
        assert_eq!(start.elapsed(), Duration::from_millis(240));
    }

    #[tokio::test(start_paused = true)]
    async fn an_unasked_pong_changes_nothing_and_off_never_fires() {
        let start = Instant::now();
        let mut clock = KeepAlive::start(settings(100, 30));
        clock.pong();
        assert_eq!(clock.due().await, Due::Ping);
        assert_eq!(start.elapsed(), Duration::from_millis(100));
        let mut off = KeepAlive::off();
        let waited = tokio::time::timeout(Duration::from_secs(3600), off.due()).await;
        assert!(waited.is_err());
    }
}
