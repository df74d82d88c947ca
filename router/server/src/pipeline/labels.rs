//! Progressive `@override`: which labels are on for a request. A `percent(N)` label is on for
//! N % of requests, drawn for each; any other label is on when the configuration lists it.
//! The labels on are part of the plan cache key, so each combination is planned once.

use federation::Supergraph;
use federation::supergraph::Labels;
use std::cell::Cell;
use std::hash::{BuildHasher, RandomState};

/// How the labels of one supergraph are decided.
#[derive(Debug, Default)]
pub struct LabelRule {
    /// Labels on for every request.
    always: Labels,
    /// `percent(N)` labels: their index and N.
    percents: Vec<(usize, f64)>,
}

impl LabelRule {
    pub fn new(supergraph: &Supergraph, enabled: &[String]) -> Self {
        let mut rule = Self::default();
        for (index, label) in supergraph.override_labels.iter().enumerate() {
            if let Some(percent) = parse_percent(label) {
                rule.percents.push((index, percent));
            } else if enabled.contains(label) {
                rule.always = rule.always.with(index);
            } else {
                tracing::info!(label = %label, "progressive override label off (not in progressive_override.labels)");
            }
        }
        rule
    }

    /// The labels on for one request.
    pub fn draw(&self) -> Labels {
        self.percents
            .iter()
            .fold(self.always, |labels, &(index, percent)| {
                if random_percent() < percent {
                    labels.with(index)
                } else {
                    labels
                }
            })
    }
}

/// `percent(N)` with 0 ≤ N ≤ 100 (decimals allowed).
fn parse_percent(label: &str) -> Option<f64> {
    let value: f64 = label
        .strip_prefix("percent(")?
        .strip_suffix(')')?
        .trim()
        .parse()
        .ok()?;
    (0.0..=100.0).contains(&value).then_some(value)
}

/// A uniform draw in [0, 100) from a per-thread xorshift generator seeded at random.
fn random_percent() -> f64 {
    thread_local! {
        static STATE: Cell<u64> = Cell::new(RandomState::new().hash_one(std::thread::current().id()) | 1);
    }
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64 * 100.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_labels_are_read_and_others_are_not() {
        assert_eq!(parse_percent("percent(25)"), Some(25.0));
        assert_eq!(parse_percent("percent( 0.5 )"), Some(0.5));
        assert_eq!(parse_percent("percent(101)"), None);
        assert_eq!(parse_percent("percent(x)"), None);
        assert_eq!(parse_percent("beta-users"), None);
    }

    #[test]
    fn draws_are_spread_over_the_range() {
        let draws: Vec<f64> = (0..10_000).map(|_| random_percent()).collect();
        assert!(draws.iter().all(|d| (0.0..100.0).contains(d)));
        let below_half = draws.iter().filter(|d| **d < 50.0).count();
        assert!((4_500..5_500).contains(&below_half), "{below_half}");
    }
}
