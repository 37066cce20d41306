//! Soak: the supervisor, running the real gateway-worker, against a real gateway-sim under a random but
//! seeded schedule of faults: Gateway restarts, dropped sessions, silent periods, red_after_disconnect,
//! a second client holding our client id (326), 1100/1101/1102 notices and killed workers.
//!
//! How it works. The test re-runs itself in a process of its own (the env var [`ISOLATED`] marks the
//! inner run), so the descriptor count and the child processes it checks are the soak's alone, not those of
//! other tests in this binary. There it starts gateway-sim, the supervisor with short timeouts
//! ([`setup`]), and a [`monitor::Monitor`] that compares the simulator's truth with the supervisor's report
//! every 50 ms; [`faults`] then runs one episode after another (each from a healthy session: inject, check
//! the reaction, heal, wait for our session, hold) until the time is up, and [`verdict`] checks what the
//! shutdown left behind and prints one summary line.
//!
//! `SOAK_SECS` sets the length (default 60; `SOAK_SECS=14400` soaks for four hours), `SOAK_SEED` replays a
//! schedule (the seed is printed first, and again on failure):
//! `SOAK_SECS=14400 SOAK_SEED=42 cargo test --test integration soak:: -- --nocapture`.

// Linux only: the checks read /proc, and the supervisor sees Gateway restarts through netlink.
#![cfg(target_os = "linux")]

pub(crate) mod api_client;
mod faults;
mod monitor;
mod procfs;
mod recorder;
mod rng;
mod setup;
mod verdict;

use std::process::Command;
use std::time::Duration;

use gateway_core::supervisor::{Lifecycle, Supervisor};

use faults::{Fault, Tally};
use gateway_testkit::SimProcess;
use monitor::Monitor;
use rng::Rng;

/// Set in the soak's own process.
const ISOLATED: &str = "GATEWAY_DOCTOR_SOAK_ISOLATED";
const DEFAULT_SECS: u64 = 60;

#[test]
fn the_supervisor_keeps_its_promises_under_a_seeded_schedule_of_gateway_faults() {
    if std::env::var_os(ISOLATED).is_some() {
        soak();
        return;
    }
    // This test's path inside the test binary, without the crate name.
    let path = module_path!().split_once("::").map_or("soak", |(_, p)| p);
    let name = format!(
        "{path}::the_supervisor_keeps_its_promises_under_a_seeded_schedule_of_gateway_faults"
    );
    let mut inner = Command::new(std::env::current_exe().expect("the test binary"));
    inner
        .args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(ISOLATED, "1");
    if std::env::var_os("RUST_LOG").is_none() {
        // gateway-sim logs every connection at info; the soak prints its own account.
        inner.env("RUST_LOG", "error");
    }
    let status = inner.status().expect("run the soak in its own process");
    assert!(
        status.success(),
        "the soak failed: see its output above ({status})"
    );
}

/// Prints the seed again if the soak fails, next to the failure.
struct SeedOnFailure(u64);

impl Drop for SeedOnFailure {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "soak failed with seed {0}: replay with SOAK_SEED={0}",
                self.0
            );
        }
    }
}

fn soak() {
    let seed = Rng::seed_from_env();
    let secs = match std::env::var("SOAK_SECS") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("SOAK_SECS={text:?} is not a whole number of seconds")),
        Err(_) => DEFAULT_SECS,
    };
    eprintln!("soak: seed {seed} (replay with SOAK_SEED={seed}), {secs} s of faults (SOAK_SECS)");
    let _seed = SeedOnFailure(seed);
    let dir = tempfile::tempdir().expect("temp dir");
    let worker = setup::worker_wrapper(dir.path());
    let sim = SimProcess::start(&[]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    // The runtime's child-process machinery opens its descriptors on first use: before the baseline.
    runtime.block_on(async {
        tokio::process::Command::new("true")
            .status()
            .await
            .expect("run true")
    });
    let fd_base = procfs::fd_count();
    let _context = runtime.enter();
    let supervisor = Supervisor::start(setup::options(sim.port(), worker, seed));
    let min_gap = setup::BACKOFF.first.min(setup::COOL_DOWN);
    let recorded = recorder::start(&supervisor, min_gap);
    let mut m = Monitor::new(&sim, supervisor.clone(), recorded, fd_base);
    runtime
        .block_on(supervisor.connect())
        .expect("the supervisor runs");
    m.wait_for(
        "the first session",
        setup::recover_within(),
        |m, stats, state| state.lifecycle == Lifecycle::Connected && m.our_session(stats).is_some(),
    );

    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    let mut next_fault = Fault::schedule(&mut rng);
    let mut index = 0;
    while m.started.elapsed() < Duration::from_secs(secs) {
        let fault = next_fault(&mut rng);
        let at = m.elapsed_s();
        let line = faults::episode(&mut m, &mut rng, &mut tally, fault);
        eprintln!("soak {at:7.2}s #{index:<3} {:<20} {line}", fault.name());
        index += 1;
    }

    // The end of the app: the worker ends with the process, and with it the session.
    m.allowed_api_closes += 1;
    runtime.block_on(supervisor.shutdown());
    drop(supervisor);
    let final_stats = verdict::after_shutdown(&m);
    let memory = verdict::memory(&m);
    eprintln!(
        "{}; {memory}",
        verdict::summary(&m, &tally, seed, &final_stats)
    );
}
