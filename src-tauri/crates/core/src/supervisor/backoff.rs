//! Exponential backoff between connect attempts: one attempt per step, doubling, capped.

use std::time::Duration;

/// The delays between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_millis(250),
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The delay before attempt number `step` (0-based): first, 2x, 4x, ... never more than `max`.
    pub fn delay(&self, step: u32) -> Duration {
        let factor = 1u32.checked_shl(step.min(20)).unwrap_or(u32::MAX);
        self.first.saturating_mul(factor).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_then_caps_and_never_overflows() {
        let b = Backoff {
            first: Duration::from_millis(250),
            max: Duration::from_secs(5),
        };
        let delays: Vec<u128> = (0..8).map(|s| b.delay(s).as_millis()).collect();
        assert_eq!(delays, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(5));
    }
}
