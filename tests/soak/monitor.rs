//! The judge: samples the simulator's stats (the truth) and the supervisor's state (the report) every
//! [`SAMPLE_EVERY`], and fails the soak the moment a rule breaks. Every wait in the soak goes through
//! [`Monitor::run_for`] or [`Monitor::wait_for`], so the rules are checked all the time, not only at the
//! end of an episode, and no sleep is ever taken for a result.
//!
//! Rules checked at each sample:
//! - truth vs report: the supervisor says Connected only while the simulator has a live, answering session
//!   for our client id (a mismatch may last [`detect_muted`]), and says Connected within [`confirm_live`]
//!   once it has one;
//! - no more connections than attempts: the simulator's `accepted` never exceeds the supervisor's
//!   `connect_attempts` plus the test's own client connections, in all and between any two samples;
//! - no session closed by us: `api_client_closes` only counts closes the test allowed (it killed a worker,
//!   its own client let go, or the run ended);
//! - the connect budget ([`BUDGET`]): the connections the Gateway accepted from us (its `accepted` minus the
//!   test's own) in any window stay within the limit (counted between samples, so never over-counted);
//! - descriptors stay within [`FD_HEADROOM`] of the start, the supervisor never gives up (`Failed`, except
//!   while it waits for the holder of its client id), and the attempt rate the
//!   [`recorder`](super::recorder) checks holds.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gateway_core::supervisor::{Lifecycle, Supervisor, SupervisorState};
use gateway_sim::{HELD_PEER, LiveClient, Stats};

use super::procfs;
use super::recorder::{self, Recorded};
use super::setup::{BUDGET, CLIENT_ID, FD_HEADROOM, SAMPLE_EVERY, confirm_live, detect_muted};
use gateway_testkit::SimProcess;

/// Memory is sampled every this many samples.
const RSS_EVERY: u64 = 10;
/// Recent samples kept to explain a failure.
const HISTORY: usize = 40;

pub struct Monitor<'a> {
    pub sim: &'a SimProcess,
    pub supervisor: Supervisor,
    pub recorded: Arc<Mutex<Recorded>>,
    pub started: Instant,
    /// Connections the test's own API client made (they count in `accepted`).
    pub test_connects: u64,
    /// API sessions the test ended or let end: killed workers, its own client, the final shutdown.
    pub allowed_api_closes: u64,
    /// Local addresses (`ip:port`, as stats shows peers) of the test's own API clients: not our sessions.
    pub test_peers: Vec<String>,
    pub fd_base: usize,
    pub fd_max: usize,
    /// (worker pid, VmRSS KiB) samples, and the test process's own (it runs the supervisor).
    pub worker_rss: Vec<(u32, u64)>,
    pub own_rss: Vec<u64>,
    pub samples: u64,
    pub max_says_up_while_down: Duration,
    pub max_says_down_while_up: Duration,
    says_up_while_down: Option<Instant>,
    says_down_while_up: Option<Instant>,
    history: VecDeque<String>,
    /// (accepted, connect attempts, test connections) at the previous sample.
    counted: (u64, u64, u64),
    /// (when, the Gateway's accepted connections from us) at each sample within the longest budget window.
    our_connects: VecDeque<(Instant, u64)>,
    /// The most connections from us seen in each budget window.
    pub max_in_budget_windows: [usize; 2],
    pub last: (Stats, SupervisorState),
}

pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl<'a> Monitor<'a> {
    pub fn new(
        sim: &'a SimProcess,
        supervisor: Supervisor,
        recorded: Arc<Mutex<Recorded>>,
        fd_base: usize,
    ) -> Self {
        let last = (sim.stats(), supervisor.state());
        Monitor {
            sim,
            supervisor,
            recorded,
            started: Instant::now(),
            test_connects: 0,
            allowed_api_closes: 0,
            test_peers: Vec::new(),
            fd_base,
            fd_max: fd_base,
            worker_rss: Vec::new(),
            own_rss: Vec::new(),
            samples: 0,
            max_says_up_while_down: Duration::ZERO,
            max_says_down_while_up: Duration::ZERO,
            says_up_while_down: None,
            says_down_while_up: None,
            history: VecDeque::new(),
            counted: (last.0.accepted, last.1.connect_attempts, 0),
            our_connects: VecDeque::new(),
            max_in_budget_windows: [0; 2],
            last,
        }
    }

    /// The connect budget against the Gateway's own count: connections from us accepted since the oldest
    /// sample still inside each window (a lower bound of those in the window, so it never fails wrongly).
    fn check_budget(&mut self, now: Instant, ours: u64) {
        self.our_connects.push_back((now, ours));
        let longest = BUDGET.iter().map(|(w, _)| *w).max().unwrap_or_default();
        while self
            .our_connects
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > longest)
        {
            self.our_connects.pop_front();
        }
        for (i, (window, limit)) in BUDGET.into_iter().enumerate() {
            let since = self
                .our_connects
                .iter()
                .find(|(t, _)| now.duration_since(*t) <= window)
                .map_or(ours, |(_, n)| *n);
            let made = usize::try_from(ours.saturating_sub(since)).unwrap_or(usize::MAX);
            self.max_in_budget_windows[i] = self.max_in_budget_windows[i].max(made);
            if made > limit {
                self.fail(&format!(
                    "the Gateway accepted {made} connections from us within {window:?}: the budget is {limit}"
                ));
            }
        }
    }

    /// Our session as the simulator sees it: our client id, from a peer that is not the test's client.
    pub fn our_session<'s>(&self, stats: &'s Stats) -> Option<&'s LiveClient> {
        stats.live_clients.iter().find(|c| {
            c.client_id == CLIENT_ID && c.peer != HELD_PEER && !self.test_peers.contains(&c.peer)
        })
    }

    /// The truth: a live session for us on a Gateway that answers.
    fn truth_up(&self, stats: &Stats) -> bool {
        self.our_session(stats).is_some() && !stats.red && stats.fault != "silent"
    }

    /// One look at both sides, checking every rule.
    pub fn sample(&mut self) -> (Stats, SupervisorState) {
        let stats = self.sim.stats();
        let mut state = self.supervisor.state();
        let now = Instant::now();
        self.samples += 1;
        let truth_up = self.truth_up(&stats);
        let says_up = state.lifecycle == Lifecycle::Connected;
        self.remember(&stats, &state, truth_up);

        let violations = std::mem::take(&mut recorder::lock(&self.recorded).violations);
        if let Some(first) = violations.first() {
            self.fail(first);
        }
        // The report follows the truth, within the bounds.
        self.says_up_while_down =
            (says_up && !truth_up).then(|| self.says_up_while_down.unwrap_or(now));
        self.says_down_while_up =
            (!says_up && truth_up).then(|| self.says_down_while_up.unwrap_or(now));
        if let Some(since) = self.says_up_while_down {
            let lasted = now.duration_since(since);
            self.max_says_up_while_down = self.max_says_up_while_down.max(lasted);
            if lasted > detect_muted() {
                self.fail(&format!(
                    "the supervisor has said Connected for {lasted:?} while the Gateway has no answering session \
                     for client id {CLIENT_ID} (bound {:?})",
                    detect_muted()
                ));
            }
        }
        if let Some(since) = self.says_down_while_up {
            let lasted = now.duration_since(since);
            self.max_says_down_while_up = self.max_says_down_while_up.max(lasted);
            if lasted > confirm_live() {
                self.fail(&format!(
                    "the Gateway has had a live, answering session for client id {CLIENT_ID} for {lasted:?}, but the \
                     supervisor says {} (bound {:?})",
                    state.lifecycle.phase(),
                    confirm_live()
                ));
            }
        }
        // Never more connections than attempts. The state is read after the stats, but an attempt is
        // published just after its request reaches the worker: give the publication a moment to land.
        let mut tries = 0;
        while stats.accepted > state.connect_attempts + self.test_connects && tries < 20 {
            std::thread::sleep(Duration::from_millis(25));
            state = self.supervisor.state();
            tries += 1;
        }
        if stats.accepted > state.connect_attempts + self.test_connects {
            self.fail(&format!(
                "the Gateway accepted {} connections but the supervisor made {} connect attempts and the test {} \
                 connections",
                stats.accepted, state.connect_attempts, self.test_connects
            ));
        }
        // ... and not in any window either: between two samples the Gateway accepts at most one connection
        // per attempt made in between, plus the test's own, plus one attempt that was already in flight (the
        // supervisor runs one attempt at a time).
        let (accepted_then, attempts_then, test_then) = self.counted;
        let accepted_now = stats.accepted - accepted_then;
        let attempts_now = state.connect_attempts - attempts_then;
        let test_now = self.test_connects - test_then;
        if accepted_now > attempts_now + test_now + 1 {
            self.fail(&format!(
                "between two samples the Gateway accepted {accepted_now} connections, for {attempts_now} connect \
                 attempts and {test_now} connections of the test"
            ));
        }
        self.counted = (stats.accepted, state.connect_attempts, self.test_connects);
        self.check_budget(now, stats.accepted.saturating_sub(self.test_connects));
        if stats.api_client_closes > self.allowed_api_closes {
            self.fail(&format!(
                "{} API sessions were closed by a client, but the test only allowed {} (killed workers, its own \
                 client, the final shutdown): the app closed a live session",
                stats.api_client_closes, self.allowed_api_closes
            ));
        }
        let fds = procfs::fd_count();
        self.fd_max = self.fd_max.max(fds);
        if fds > self.fd_base + FD_HEADROOM {
            self.fail(&format!(
                "the test process holds {fds} descriptors, {} at the start: a leak",
                self.fd_base
            ));
        }
        if self.samples.is_multiple_of(RSS_EVERY) {
            if let Some(pid) = state.worker_pid
                && let Some(kib) = procfs::vm_rss_kib(pid)
            {
                self.worker_rss.push((pid, kib));
            }
            if let Some(kib) = procfs::vm_rss_kib(std::process::id()) {
                self.own_rss.push(kib);
            }
        }
        self.last = (stats.clone(), state.clone());
        (stats, state)
    }

    /// Keeps sampling for `lasting`.
    pub fn run_for(&mut self, lasting: Duration) {
        let until = Instant::now() + lasting;
        while Instant::now() < until {
            self.sample();
            std::thread::sleep(SAMPLE_EVERY);
        }
    }

    /// Samples until `done` holds; fails if it does not within `within`. Returns how long it took.
    pub fn wait_for(
        &mut self,
        what: &str,
        within: Duration,
        mut done: impl FnMut(&Self, &Stats, &SupervisorState) -> bool,
    ) -> Duration {
        let start = Instant::now();
        loop {
            let (stats, state) = self.sample();
            if done(self, &stats, &state) {
                return start.elapsed();
            }
            if start.elapsed() > within {
                self.fail(&format!("timed out after {within:?} waiting for {what}"));
            }
            std::thread::sleep(SAMPLE_EVERY);
        }
    }

    /// Samples while `busy` holds (a control call running on another thread).
    pub fn run_while(&mut self, mut busy: impl FnMut() -> bool) {
        while busy() {
            self.sample();
            std::thread::sleep(SAMPLE_EVERY);
        }
    }

    pub fn elapsed_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn remember(&mut self, stats: &Stats, state: &SupervisorState, truth_up: bool) {
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(format!(
            "{:7.2}s truth_up={truth_up} fault={} red={} live={:?} accepted={} | {} attempts={} worker={:?} \
             session={:?} link={:?}",
            self.elapsed_s(),
            stats.fault,
            stats.red,
            stats
                .live_clients
                .iter()
                .map(|c| format!("{}@{}", c.client_id, c.peer))
                .collect::<Vec<_>>(),
            stats.accepted,
            state.lifecycle.phase(),
            state.connect_attempts,
            state.worker_pid,
            state.worker.session,
            state.worker.link.state,
        ));
    }

    /// Fails the soak with the rule broken and the recent samples.
    pub fn fail(&self, what: &str) -> ! {
        let history: Vec<&str> = self.history.iter().map(String::as_str).collect();
        panic!(
            "soak rule broken at {:.2}s: {what}\nlast stats: {:?}\nlast state: {:?}\nrecent samples:\n{}",
            self.elapsed_s(),
            self.last.0,
            self.last.1,
            history.join("\n")
        );
    }
}
