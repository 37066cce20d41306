//! Exponential backoff between connect attempts: one attempt per step, doubling, capped, and jittered.
//!
//! Every delay is spread by +/-25% ([`JITTER_PERCENT`]) so that several clients that lost the same Gateway
//! at the same moment do not come back in lockstep. The spread comes from [`Jitter`], a tiny xorshift
//! generator: seeded from the clock in the app, from a fixed seed in tests (so a schedule replays).

use std::time::Duration;

/// How far a delay may move either way, in percent of the step.
pub const JITTER_PERCENT: u64 = 25;

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

    /// [`Backoff::delay`] moved by up to +/-[`JITTER_PERCENT`], as `jitter` draws it, and still never more
    /// than `max` (the cap is a promise to the user: "at most every 30 s").
    pub fn jittered(&self, step: u32, jitter: &mut Jitter) -> Duration {
        let base = self.delay(step);
        let base_ms = u64::try_from(base.as_millis()).unwrap_or(u64::MAX);
        let spread = base_ms.saturating_mul(JITTER_PERCENT) / 100;
        // Uniform in [base - spread, base + spread].
        let offset = jitter.below(spread.saturating_mul(2).saturating_add(1));
        Duration::from_millis(base_ms.saturating_sub(spread).saturating_add(offset)).min(self.max)
    }
}

/// A small seeded random source for jitter (xorshift64*): not for anything secret.
#[derive(Debug, Clone)]
pub struct Jitter {
    state: u64,
}

impl Jitter {
    pub fn new(seed: u64) -> Jitter {
        // xorshift must not start at zero; mix the seed so nearby seeds give unrelated sequences.
        let mixed = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
        Jitter {
            state: if mixed == 0 { 1 } else { mixed },
        }
    }

    /// Seeded from the clock and the process id: different on each run of the app.
    pub fn from_entropy() -> Jitter {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Jitter::new(nanos ^ (u64::from(std::process::id()) << 32))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
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

    #[test]
    fn jitter_stays_within_a_quarter_of_the_step_and_actually_spreads() {
        let b = Backoff {
            first: Duration::from_millis(1000),
            max: Duration::from_secs(30),
        };
        let mut jitter = Jitter::new(7);
        let draws: Vec<u128> = (0..200)
            .map(|_| b.jittered(0, &mut jitter).as_millis())
            .collect();
        assert!(draws.iter().all(|d| (750..=1250).contains(d)), "{draws:?}");
        assert!(draws.iter().any(|d| *d < 900) && draws.iter().any(|d| *d > 1100));
        let capped = b.jittered(40, &mut jitter).as_millis();
        assert!((22_500..=30_000).contains(&capped), "{capped}");
    }

    #[test]
    fn the_same_seed_replays_the_same_delays() {
        let b = Backoff::default();
        let run = |seed| {
            let mut j = Jitter::new(seed);
            (0..10).map(|s| b.jittered(s, &mut j)).collect::<Vec<_>>()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }
}
