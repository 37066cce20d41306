//! The soak's settings and the bounds derived from them: short worker timeouts so that a minute holds many
//! faults, and every bound the checks use written as a sum of the settings plus one slack for a loaded
//! machine, so each names what it is made of.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gateway_core::config::{Config, Key};
use gateway_core::supervisor::{Backoff, SupervisorOptions};

use gateway_testkit::bin;

/// Our session's client id.
pub const CLIENT_ID: i32 = 77;
/// IBKR_HEARTBEAT_INTERVAL, through the config (the smallest it allows).
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_millis(500);
/// IBKR_HEARTBEAT_TIMEOUT: not a config setting (the worker's default is 2 s), so the soak's worker gets it
/// through a wrapper script (see [`worker_wrapper`]).
pub const HEARTBEAT_TIMEOUT: Duration = Duration::from_millis(500);
/// IBKR_TIMEOUT: the handshake timeout.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(1);
pub const MAX_TIMEOUTS: u32 = 3;
pub const BACKOFF: Backoff = Backoff {
    first: Duration::from_millis(150),
    max: Duration::from_millis(1500),
};
pub const LISTENER_POLL: Duration = Duration::from_millis(200);
/// IBKR_STABLE_SECS, the smallest the config allows: a session that lasts this long starts the backoff over.
/// Each episode holds the session at least this long, so only the fault ends a session early.
pub const STABLE_AFTER: Duration = Duration::from_secs(1);
/// The connect budget, scaled like every other timing here (the app's is 6 in 20 s, 12 in 5 minutes). A
/// reconnect every half second (8 in 4 s) breaks it; the soak's own faults stay inside it.
pub const BUDGET: [(Duration, usize); 2] =
    [(Duration::from_secs(4), 6), (Duration::from_secs(30), 24)];
pub const COOL_DOWN: Duration = Duration::from_millis(300);
/// Scheduling delays on a loaded 2-core machine (the test's sampling period included).
pub const SLACK: Duration = Duration::from_millis(1500);
/// How often the monitor compares the simulator's truth with the supervisor's report.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(50);
/// Descriptors the test process may hold above its start while running (a worker's three pipes, a
/// control connection, the test's own API client, a netlink query).
pub const FD_HEADROOM: usize = 16;

/// A muted API is reported within two heartbeat periods after the first unanswered one: the first
/// heartbeat after the mute goes out within one interval, and two misses in a row (each a heartbeat
/// timeout) make the session unresponsive.
pub const fn detect_muted() -> Duration {
    HEARTBEAT_INTERVAL
        .saturating_add(HEARTBEAT_TIMEOUT)
        .saturating_add(HEARTBEAT_TIMEOUT)
        .saturating_add(SLACK)
}

/// A live, answering session (or a notice on it) is reported within two heartbeat intervals: an
/// unresponsive session turns back at the next answered heartbeat.
pub const fn confirm_live() -> Duration {
    HEARTBEAT_INTERVAL
        .saturating_add(HEARTBEAT_INTERVAL)
        .saturating_add(SLACK)
}

/// A muted Gateway latches the guardrail after MAX_TIMEOUTS handshake timeouts, each followed by at most
/// one capped backoff step.
pub fn latch_within() -> Duration {
    (HANDSHAKE_TIMEOUT + BACKOFF.max) * MAX_TIMEOUTS + SLACK
}

/// From a healed Gateway to our session being back: at most one capped backoff step (or a listener poll
/// and the cool-down after a restart), then one handshake.
pub fn recover_within() -> Duration {
    BACKOFF.max + LISTENER_POLL + COOL_DOWN + HANDSHAKE_TIMEOUT + SLACK
}

/// The supervisor's options for the simulator on `port`, with `worker` as the worker program; the jitter
/// replays with the soak's `seed`.
pub fn options(port: u16, worker: PathBuf, seed: u64) -> SupervisorOptions {
    let config = Config::from_explicit([
        (Key::Port, port.to_string()),
        (Key::ClientId, CLIENT_ID.to_string()),
        (Key::Timeout, HANDSHAKE_TIMEOUT.as_secs_f64().to_string()),
        (Key::MaxTimeouts, MAX_TIMEOUTS.to_string()),
        (
            Key::HeartbeatInterval,
            HEARTBEAT_INTERVAL.as_secs_f64().to_string(),
        ),
        (Key::StableAfter, STABLE_AFTER.as_secs_f64().to_string()),
    ])
    .expect("the soak's settings are valid");
    assert!(
        config.worker_env().contains(&(
            "IBKR_HEARTBEAT_INTERVAL",
            HEARTBEAT_INTERVAL.as_secs_f64().to_string()
        )),
        "the worker gets the heartbeat interval from the config"
    );
    let mut options = SupervisorOptions::new(worker, config);
    options.backoff = BACKOFF;
    options.listener_poll = LISTENER_POLL;
    options.cool_down = COOL_DOWN;
    options.jitter_seed = Some(seed);
    options.connect_budget = BUDGET;
    options
}

/// A script that sets IBKR_HEARTBEAT_TIMEOUT and `exec`s the real gateway-worker, so the process the
/// supervisor runs (same pid) is gateway-worker itself. Written before anything forks, so no child can
/// inherit the script's write descriptor (exec would then fail with ETXTBSY).
pub fn worker_wrapper(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("gateway-worker-soak");
    let script = format!(
        "#!/bin/sh\nIBKR_HEARTBEAT_TIMEOUT={} exec '{}' \"$@\"\n",
        HEARTBEAT_TIMEOUT.as_secs_f64(),
        bin("gateway-worker").display()
    );
    std::fs::write(&path, script).expect("write the worker wrapper");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
        .expect("make the wrapper executable");
    path
}
