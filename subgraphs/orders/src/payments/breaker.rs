//! A circuit breaker: after `threshold` consecutive failures the circuit opens and calls fail
//! at once, without reaching the provider; after `open_for` one trial call is let through
//! (half-open): its success closes the circuit, its failure opens it again. Time is passed in,
//! so the transitions are tested without waiting.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

#[derive(Debug)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// A trial call is in flight; others are refused until it reports.
    HalfOpen,
}

/// The circuit is open: the call was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the circuit is open")]
pub struct Open;

#[derive(Debug)]
pub struct CircuitBreaker {
    state: Mutex<State>,
    threshold: u32,
    open_for: Duration,
}

impl CircuitBreaker {
    pub fn new(threshold: u32, open_for: Duration) -> Self {
        Self {
            state: Mutex::new(State::Closed { failures: 0 }),
            threshold: threshold.max(1),
            open_for,
        }
    }

    /// Whether a call may be made at `now`; a call that may must be followed by
    /// [`record`](Self::record).
    pub fn acquire(&self, now: Instant) -> Result<(), Open> {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Ok(()),
            State::Open { until } if now >= until => {
                *state = State::HalfOpen;
                tracing::info!("payment circuit half-open: trying one call");
                Ok(())
            }
            State::Open { .. } | State::HalfOpen => Err(Open),
        }
    }

    /// Records the outcome of a call made at `now`.
    pub fn record(&self, success: bool, now: Instant) {
        let mut state = self.lock();
        *state = match (&*state, success) {
            (_, true) => {
                if !matches!(*state, State::Closed { .. }) {
                    tracing::info!("payment circuit closed");
                }
                State::Closed { failures: 0 }
            }
            (State::Closed { failures }, false) if failures + 1 < self.threshold => State::Closed {
                failures: failures + 1,
            },
            (_, false) => {
                tracing::warn!(open_for = ?self.open_for, "payment circuit open");
                State::Open {
                    until: now + self.open_for,
                }
            }
        };
    }

    pub fn state(&self) -> BreakerState {
        match *self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen => BreakerState::HalfOpen,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves a valid state behind; keep using it.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN_FOR: Duration = Duration::from_secs(10);

    #[test]
    fn it_opens_after_the_threshold_of_consecutive_failures() {
        let breaker = CircuitBreaker::new(3, OPEN_FOR);
        let now = Instant::now();
        for _ in 0..2 {
            assert_eq!(breaker.acquire(now), Ok(()));
            breaker.record(false, now);
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
        // A success in between starts the count again.
        breaker.record(true, now);
        for _ in 0..2 {
            breaker.record(false, now);
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
        breaker.record(false, now);
        assert_eq!(breaker.state(), BreakerState::Open);
        assert_eq!(breaker.acquire(now + OPEN_FOR / 2), Err(Open));
    }

    #[test]
    fn after_the_open_period_one_trial_decides() {
        let breaker = CircuitBreaker::new(1, OPEN_FOR);
        let start = Instant::now();
        breaker.record(false, start);
        let later = start + OPEN_FOR;
        assert_eq!(breaker.acquire(later), Ok(()));
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        // Only the one trial goes through.
        assert_eq!(breaker.acquire(later), Err(Open));
        breaker.record(true, later);
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert_eq!(breaker.acquire(later), Ok(()));
    }

    #[test]
    fn a_failed_trial_opens_it_again_for_a_full_period() {
        let breaker = CircuitBreaker::new(1, OPEN_FOR);
        let start = Instant::now();
        breaker.record(false, start);
        let trial = start + OPEN_FOR;
        assert_eq!(breaker.acquire(trial), Ok(()));
        breaker.record(false, trial);
        assert_eq!(breaker.state(), BreakerState::Open);
        assert_eq!(breaker.acquire(trial + OPEN_FOR / 2), Err(Open));
        assert_eq!(breaker.acquire(trial + OPEN_FOR), Ok(()));
    }
}
