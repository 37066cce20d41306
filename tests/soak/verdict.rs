//! After the supervisor's shutdown: nothing of ours may be left behind (no worker process, no descriptor, no
//! session on the Gateway), memory must have stayed flat, and one line says what the run did.

use std::time::Duration;

use gateway_sim::Stats;

use super::faults::Tally;
use super::monitor::Monitor;
use super::procfs;
use super::recorder;
use super::setup::{BUDGET, confirm_live, detect_muted, recover_within};
use gateway_testkit::wait_until;

/// Descriptors allowed above the start once everything ended (the runtime may keep a lazily made one).
const FD_TOLERANCE: usize = 2;
/// Samples needed before memory growth is judged.
const MIN_RSS_SAMPLES: usize = 8;
/// The bound on growth: last-quarter median <= first-quarter median * 1.5 + this.
const WORKER_RSS_SLACK_KIB: u64 = 2 * 1024;
/// The test process runs the supervisor but also the test's own bookkeeping.
const OWN_RSS_SLACK_KIB: u64 = 8 * 1024;

/// Checks what the shutdown left (`m.supervisor` has been shut down); returns the Gateway's final stats.
pub fn after_shutdown(m: &Monitor) -> Stats {
    let sim_pid = m.sim.pid();
    let mut left = Vec::new();
    let gone = wait_until(Duration::from_secs(5), || {
        left = procfs::children()
            .into_iter()
            .filter(|c| c.pid != sim_pid)
            .collect();
        left.is_empty()
    });
    let left: Vec<String> = left
        .iter()
        .map(|c| format!("pid {} state {} exe {:?}", c.pid, c.state, c.exe))
        .collect();
    assert!(gone, "processes of ours outlived the shutdown: {left:?}");
    let mut stats = m.sim.stats();
    let closed = wait_until(Duration::from_secs(5), || {
        stats = m.sim.stats();
        stats.live_clients.is_empty()
    });
    assert!(
        closed,
        "sessions outlived the shutdown: {:?}",
        stats.live_clients
    );
    assert!(
        stats.api_client_closes <= m.allowed_api_closes,
        "{} API sessions closed by a client, {} allowed",
        stats.api_client_closes,
        m.allowed_api_closes
    );
    let mut fds = procfs::fd_count();
    let released = wait_until(Duration::from_secs(5), || {
        fds = procfs::fd_count();
        fds <= m.fd_base + FD_TOLERANCE
    });
    assert!(
        released,
        "the test process holds {fds} descriptors after the shutdown, {} before the supervisor started",
        m.fd_base
    );
    stats
}

/// (first-quarter median, last-quarter median) of `samples`, when there are enough to judge.
fn quarters(samples: &[u64]) -> Option<(u64, u64)> {
    if samples.len() < MIN_RSS_SAMPLES {
        return None;
    }
    let quarter = samples.len() / 4;
    let median = |part: &[u64]| {
        let mut part = part.to_vec();
        part.sort_unstable();
        part[part.len() / 2]
    };
    Some((
        median(&samples[..quarter]),
        median(&samples[samples.len() - quarter..]),
    ))
}

/// Memory stays flat: the longest-lived worker's and the supervisor's (this process's).
pub fn memory(m: &Monitor) -> String {
    let mut pids: Vec<u32> = m.worker_rss.iter().map(|(pid, _)| *pid).collect();
    pids.dedup();
    let longest = pids
        .iter()
        .max_by_key(|pid| m.worker_rss.iter().filter(|(p, _)| p == *pid).count())
        .copied();
    let worker: Vec<u64> = m
        .worker_rss
        .iter()
        .filter(|(p, _)| Some(*p) == longest)
        .map(|(_, kib)| *kib)
        .collect();
    let mut out = Vec::new();
    for (what, samples, slack) in [
        ("worker", &worker, WORKER_RSS_SLACK_KIB),
        ("supervisor process", &m.own_rss, OWN_RSS_SLACK_KIB),
    ] {
        match quarters(samples) {
            Some((first, last)) => {
                assert!(
                    last * 2 <= first * 3 + 2 * slack,
                    "{what} memory grew: VmRSS median {first} KiB in the first quarter, {last} KiB in the last \
                     ({} samples)",
                    samples.len()
                );
                out.push(format!(
                    "{what} RSS {:.1} -> {:.1} MiB ({} samples)",
                    first as f64 / 1024.0,
                    last as f64 / 1024.0,
                    samples.len()
                ));
            }
            None => out.push(format!("{what} RSS: too few samples ({})", samples.len())),
        }
    }
    out.join(", ")
}

/// The one line that says what happened.
pub fn summary(m: &Monitor, tally: &Tally, seed: u64, stats: &Stats) -> String {
    let state = &m.last.1;
    let recorded = recorder::lock(&m.recorded);
    format!(
        "soak summary: seed {seed}, {:.1} s, {} faults {:?}; worker kills {}, RED trips {}, latches {}, 326 held \
         by the test {} (race lost {}), notices {}; connect attempts {}, Gateway accepted {} ({} by the test), \
         worker starts {}; {} transitions {:?}; backoff on {:?}; at most {} attempts between observations; \
         connects from us at most {} in {:?} and {} in {:?} (budget {} and {}); \
         said Connected while down at most {:.2} s (bound {:.1}), said down while up at most {:.2} s (bound {:.1}); \
         slowest detection {:.2} s, slowest recovery {:.2} s (bound {:.1}); API sessions closed by clients {} \
         (allowed {}); fds {} -> max {}; {} samples",
        m.elapsed_s(),
        tally.faults.values().sum::<u64>(),
        tally.faults,
        tally.worker_kills,
        tally.red_trips,
        tally.latches,
        tally.id_held_by_test,
        tally.id_race_lost_by_test,
        tally.notices,
        state.connect_attempts,
        stats.accepted,
        m.test_connects,
        state.worker_starts,
        recorded.transitions_total(),
        recorded.transitions,
        recorded.backoff_errors,
        recorded.max_attempts_between,
        m.max_in_budget_windows[0],
        BUDGET[0].0,
        m.max_in_budget_windows[1],
        BUDGET[1].0,
        BUDGET[0].1,
        BUDGET[1].1,
        m.max_says_up_while_down.as_secs_f64(),
        detect_muted().as_secs_f64(),
        m.max_says_down_while_up.as_secs_f64(),
        confirm_live().as_secs_f64(),
        tally.max_detect.as_secs_f64(),
        tally.max_recover.as_secs_f64(),
        recover_within().as_secs_f64(),
        stats.api_client_closes,
        m.allowed_api_closes,
        m.fd_base,
        m.fd_max,
        m.samples,
    )
}

#[test]
fn quarters_compare_the_start_with_the_end() {
    assert_eq!(quarters(&[1, 2, 3]), None);
    assert_eq!(quarters(&[10, 10, 11, 12, 13, 14, 30, 31]), Some((10, 31)));
}
