//! The faults the soak injects, one episode at a time. Each episode starts from a healthy session, injects
//! one fault, checks the reaction specific to it (on top of the rules the [`Monitor`] checks at every
//! sample), heals the Gateway the way a user would (a muted Gateway needs a restart), waits for our
//! session to be back, and holds it healthy for a moment.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use gateway_core::supervisor::Lifecycle;
use gateway_proto::{ErrorCode, LinkState};

use super::api_client::{self, Outcome};
use super::monitor::{Monitor, unix_ms};
use super::rng::Rng;
use super::setup::{
    CLIENT_ID, STABLE_AFTER, confirm_live, detect_muted, latch_within, recover_within,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fault {
    /// The Gateway restarts: every connection drops, the port is closed for a while.
    Restart,
    /// The Gateway drops every session (drop_all).
    DropAll,
    /// The API layer goes silent under a live session; only a restart brings it back.
    Silent,
    /// red_after_disconnect: harmless while nobody closes a session; a crashed worker (killed by the test)
    /// trips it, the Gateway goes RED, the supervisor latches, a restart brings it back.
    RedAfterDisconnect,
    /// A second client takes our client id while our session is down: our attempts get 326.
    ClientIdInUse,
    /// The Gateway loses its link to IB (1100) and gets it back (1101 or 1102).
    Notices,
    /// The worker process dies (SIGKILL).
    KillWorker,
}

impl Fault {
    pub const ALL: [Fault; 7] = [
        Fault::Restart,
        Fault::DropAll,
        Fault::Silent,
        Fault::RedAfterDisconnect,
        Fault::ClientIdInUse,
        Fault::Notices,
        Fault::KillWorker,
    ];
    const WEIGHTS: [u64; 7] = [3, 3, 2, 2, 2, 3, 1];

    /// The first `ALL.len()` picks cover every fault once (in a seeded order), so even a short run sees
    /// them all; then they come at random by weight.
    pub fn schedule(rng: &mut Rng) -> impl FnMut(&mut Rng) -> Fault + use<> {
        let mut first = Fault::ALL;
        for i in (1..first.len()).rev() {
            first.swap(i, rng.below(0..i as u64 + 1) as usize);
        }
        let mut first = first.into_iter();
        move |rng| {
            first
                .next()
                .unwrap_or_else(|| Fault::ALL[rng.weighted(&Fault::WEIGHTS)])
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Fault::Restart => "restart",
            Fault::DropAll => "drop_all",
            Fault::Silent => "silent",
            Fault::RedAfterDisconnect => "red_after_disconnect",
            Fault::ClientIdInUse => "client_id_in_use",
            Fault::Notices => "notices",
            Fault::KillWorker => "kill_worker",
        }
    }
}

/// What the episodes saw, for the summary.
#[derive(Debug, Default)]
pub struct Tally {
    pub faults: BTreeMap<&'static str, u64>,
    pub worker_kills: u64,
    pub red_trips: u64,
    pub latches: u64,
    pub id_held_by_test: u64,
    pub id_race_lost_by_test: u64,
    pub notices: u64,
    pub max_detect: Duration,
    pub max_recover: Duration,
}

/// Runs one episode of `fault`; returns a line describing it.
pub fn episode(m: &mut Monitor, rng: &mut Rng, tally: &mut Tally, fault: Fault) -> String {
    *tally.faults.entry(fault.name()).or_default() += 1;
    let since = unix_ms();
    let red_trips = tally.red_trips;
    let detail = match fault {
        Fault::Restart => {
            let down = rng.millis(100..1500);
            restart(m, down);
            format!("down {down:?}")
        }
        Fault::DropAll => {
            m.sim.control.drop_all().expect("drop_all");
            String::new()
        }
        Fault::Silent => silent(m, rng, tally),
        Fault::RedAfterDisconnect => red_after_disconnect(m, rng, tally),
        Fault::ClientIdInUse => client_id_in_use(m, rng, tally),
        Fault::Notices => notices(m, rng, tally),
        Fault::KillWorker => format!("pid {} killed", kill_worker(m, tally)),
    };
    // Every fault ends our session except notices and a red_after_disconnect nobody tripped.
    let new_session = match fault {
        Fault::Notices => false,
        Fault::RedAfterDisconnect => tally.red_trips > red_trips,
        _ => true,
    };
    let took = recover(m, since, new_session);
    tally.max_recover = tally.max_recover.max(took);
    // At least the stable period: the next fault then ends a stable session, as in the field.
    let hold = STABLE_AFTER + rng.millis(0..1000);
    m.run_for(hold);
    let back = format!("back in {:.2}s", took.as_secs_f64());
    if detail.is_empty() {
        back
    } else {
        format!("{detail}; {back}")
    }
}

/// Waits for our session to be live and reported Connected (a new one, started after `since`, if asked).
fn recover(m: &mut Monitor, since: i64, new_session: bool) -> Duration {
    m.wait_for(
        "our session to be back",
        recover_within(),
        |m, stats, state| {
            state.lifecycle == Lifecycle::Connected
                && m.our_session(stats)
                    .is_some_and(|s| !new_session || s.since >= since)
        },
    )
}

/// Restarts the Gateway (it comes back healthy), sampling all the while.
fn restart(m: &mut Monitor, down: Duration) {
    let control = m.sim.control;
    let restart = std::thread::spawn(move || control.restart(down));
    m.run_while(|| !restart.is_finished());
    restart
        .join()
        .expect("the restart thread")
        .expect("gateway-sim restart");
}

fn silent(m: &mut Monitor, rng: &mut Rng, tally: &mut Tally) -> String {
    let attempts = m.supervisor.state().connect_attempts;
    m.sim.set_fault("silent");
    let detected = m.wait_for(
        "a muted API to be reported",
        detect_muted(),
        |_, _, state| state.lifecycle != Lifecycle::Connected,
    );
    tally.max_detect = tally.max_detect.max(detected);
    let seen_as = m.supervisor.state().lifecycle.phase();
    m.run_for(rng.millis(500..3000));
    let (_, state) = m.sample();
    if state.connect_attempts != attempts {
        m.fail("the supervisor opened a new connection while its session was only unresponsive");
    }
    let down = rng.millis(100..800);
    restart(m, down);
    format!(
        "reported {seen_as} after {:.2}s, restart down {down:?}",
        detected.as_secs_f64()
    )
}

fn red_after_disconnect(m: &mut Monitor, rng: &mut Rng, tally: &mut Tally) -> String {
    // Any client close within 10 minutes of its START_API trips it; cycles never do.
    m.sim.set_fault("red_after_disconnect:600000:1000");
    m.run_for(rng.millis(500..2000));
    let (stats, _) = m.sample();
    if stats.red {
        m.fail("the Gateway went RED although nobody closed a session: the app closed one");
    }
    if !rng.chance(70) {
        m.sim.set_fault("normal");
        return "never tripped (no session closed)".into();
    }
    kill_worker(m, tally);
    m.wait_for("the Gateway to go RED", confirm_live(), |_, stats, _| {
        stats.red
    });
    tally.red_trips += 1;
    let latched_in = m.wait_for("the guardrail to latch", latch_within(), |_, _, state| {
        matches!(state.lifecycle, Lifecycle::Latched { .. })
    });
    tally.latches += 1;
    let (stats, state) = m.sample();
    let accepted = stats.accepted;
    let restarts_seen = state.gateway_restarts_seen;
    m.run_for(rng.millis(1000..2500));
    let (stats, _) = m.sample();
    if stats.accepted != accepted {
        m.fail("the latched supervisor kept connecting to a RED Gateway");
    }
    let down = rng.millis(100..600);
    restart(m, down);
    m.wait_for(
        "the session after the restart",
        super::setup::recover_within(),
        |_, _, state| state.lifecycle == Lifecycle::Connected,
    );
    let (stats, state) = m.sample();
    if stats.accepted != accepted + 1 || state.gateway_restarts_seen != restarts_seen + 1 {
        m.fail(&format!(
            "after the restart the latched supervisor should make exactly one connection: accepted {} -> {}, \
             restarts seen {restarts_seen} -> {}",
            accepted, stats.accepted, state.gateway_restarts_seen
        ));
    }
    format!(
        "worker killed, RED, latched after {:.2}s, restart down {down:?}",
        latched_in.as_secs_f64()
    )
}

fn client_id_in_use(m: &mut Monitor, rng: &mut Rng, tally: &mut Tally) -> String {
    let (stats, _) = m.sample();
    let dropped = m.our_session(&stats).map(|s| s.peer.clone());
    m.sim.control.drop_all().expect("drop_all");
    // Gone, or already replaced by a new session (then the test's client gets the 326).
    m.wait_for(
        "our session to be dropped",
        confirm_live(),
        |m, stats, _| m.our_session(stats).map(|s| &s.peer) != dropped.as_ref(),
    );
    m.test_connects += 1;
    let outcome = api_client::take_client_id(m.sim.api, CLIENT_ID, Duration::from_secs(5))
        .expect("the test's API client");
    match outcome {
        Outcome::Holding(holder) => {
            m.test_peers.push(holder.local.to_string());
            tally.id_held_by_test += 1;
            m.wait_for(
                "our attempts to be refused with 326",
                super::setup::recover_within(),
                |_, _, state| {
                    state
                        .worker
                        .last_error
                        .as_ref()
                        .is_some_and(|e| e.code == ErrorCode::ClientIdInUse)
                },
            );
            let hold = rng.millis(500..2500);
            m.run_for(hold);
            m.allowed_api_closes += 1;
            holder.close();
            format!("the test held id {CLIENT_ID} for {hold:?}; our attempts got 326")
        }
        Outcome::InUse { local } => {
            m.test_peers.push(local.to_string());
            tally.id_race_lost_by_test += 1;
            "our session came back first; the test's client got 326".into()
        }
    }
}

fn notices(m: &mut Monitor, rng: &mut Rng, tally: &mut Tally) -> String {
    let started = Instant::now();
    m.sim.control.notice(1100, None).expect("notice 1100");
    let lost = m.wait_for("link Lost after 1100", confirm_live(), |_, _, state| {
        state.worker.link.state == LinkState::Lost && state.lifecycle == Lifecycle::Connected
    });
    m.run_for(rng.millis(300..1500));
    let (code, want) = if rng.chance(50) {
        (1101, LinkState::RestoredDataLost)
    } else {
        (1102, LinkState::Restored)
    };
    m.sim.control.notice(code, None).expect("notice");
    let back = m.wait_for("the link restored", confirm_live(), |_, _, state| {
        state.worker.link.state == want && state.lifecycle == Lifecycle::Connected
    });
    tally.notices += 2;
    tally.max_detect = tally.max_detect.max(lost).max(back);
    format!(
        "1100 seen in {:.2}s, {code} in {:.2}s ({:.1}s in all)",
        lost.as_secs_f64(),
        back.as_secs_f64(),
        started.elapsed().as_secs_f64()
    )
}

/// Kills the worker with SIGKILL (a crash) and waits for its replacement; returns the killed pid.
fn kill_worker(m: &mut Monitor, tally: &mut Tally) -> u32 {
    let pid = m
        .supervisor
        .state()
        .worker_pid
        .unwrap_or_else(|| m.fail("no worker to kill"));
    m.allowed_api_closes += 1;
    tally.worker_kills += 1;
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success(), "kill -9 {pid}");
    m.wait_for(
        "the killed worker to be replaced",
        recover_within(),
        |_, _, state| state.worker_pid.is_some_and(|p| p != pid),
    );
    pid
}
