//! A tiny seeded PRNG (SplitMix64) for the fault schedule: the same seed gives the same schedule of faults,
//! holds and choices, so a failing run can be replayed with `SOAK_SEED=<seed>`. Timing on a loaded machine
//! still varies between runs; the schedule does not.

use std::ops::Range;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// `SOAK_SEED` when set (decimal), else one taken from the clock.
    pub fn seed_from_env() -> u64 {
        match std::env::var("SOAK_SEED") {
            Ok(text) => text
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("SOAK_SEED={text:?} is not a whole number")),
            Err(_) => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64),
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `range` (which must not be empty).
    pub fn below(&mut self, range: Range<u64>) -> u64 {
        range.start + self.next_u64() % (range.end - range.start)
    }

    pub fn millis(&mut self, range: Range<u64>) -> Duration {
        Duration::from_millis(self.below(range))
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(0..100) < percent
    }

    /// An index into `weights`, chosen in proportion to them.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut pick = self.below(0..total);
        for (index, weight) in weights.iter().enumerate() {
            if pick < *weight {
                return index;
            }
            pick -= weight;
        }
        weights.len() - 1
    }
}

#[test]
fn the_same_seed_gives_the_same_schedule() {
    let mut a = Rng::new(42);
    let mut b = Rng::new(42);
    let draws: Vec<u64> = (0..100).map(|_| a.below(0..1000)).collect();
    assert_eq!(
        draws,
        (0..100).map(|_| b.below(0..1000)).collect::<Vec<_>>()
    );
    assert!(draws.iter().any(|&d| d != draws[0]), "not constant");
    let mut c = Rng::new(7);
    let picks: Vec<usize> = (0..1000).map(|_| c.weighted(&[1, 0, 3])).collect();
    assert!(!picks.contains(&1), "a zero weight is never picked");
    let threes = picks.iter().filter(|&&p| p == 2).count();
    assert!((600..900).contains(&threes), "{threes}");
}
