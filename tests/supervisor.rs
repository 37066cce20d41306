//! The supervisor with the real gateway-worker binary against a real gateway-sim: it keeps one session,
//! restarts a killed worker with the same client id, stops at the guardrail, and comes back exactly once
//! when the Gateway restarts. The simulator's stats are the judge of what really reached the Gateway.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use gateway_core::config::{Config, Key};
use gateway_core::supervisor::{
    Backoff, Lifecycle, Supervisor, SupervisorOptions, SupervisorState,
};

use gateway_testkit::{SimProcess, assert_contains, bin, wait_until};

const BOUND: Duration = Duration::from_secs(10);

fn options(
    sim: &SimProcess,
    client_id: i32,
    timeout_s: &str,
    max_timeouts: &str,
) -> SupervisorOptions {
    options_with(sim, client_id, timeout_s, max_timeouts, &[])
}

/// [`options`] with more settings.
fn options_with(
    sim: &SimProcess,
    client_id: i32,
    timeout_s: &str,
    max_timeouts: &str,
    more: &[(Key, &str)],
) -> SupervisorOptions {
    let explicit: BTreeMap<Key, String> = [
        (Key::Port, sim.port().to_string()),
        (Key::ClientId, client_id.to_string()),
        (Key::Timeout, timeout_s.to_string()),
        (Key::MaxTimeouts, max_timeouts.to_string()),
    ]
    .into_iter()
    .chain(more.iter().map(|(k, v)| (*k, v.to_string())))
    .collect();
    let config = Config::from_explicit(explicit).expect("valid test config");
    let mut options = SupervisorOptions::new(bin("gateway-worker"), config);
    options.backoff = Backoff {
        first: Duration::from_millis(200),
        max: Duration::from_secs(1),
    };
    options.listener_poll = Duration::from_millis(200);
    options.cool_down = Duration::from_millis(300);
    options
}

async fn wait_for(
    supervisor: &Supervisor,
    what: &str,
    within: Duration,
    pred: impl Fn(&SupervisorState) -> bool,
) -> SupervisorState {
    let mut watch = supervisor.watch();
    let found = tokio::time::timeout(within, async {
        loop {
            let state = watch.borrow_and_update().clone();
            if pred(&state) {
                return state;
            }
            if watch.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    })
    .await;
    found.unwrap_or_else(|_| {
        panic!(
            "timed out after {within:?} waiting for {what}; state: {:?}",
            supervisor.state()
        )
    })
}

fn connected(state: &SupervisorState) -> bool {
    state.lifecycle == Lifecycle::Connected
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_is_replaced_and_reconnects_with_the_same_client_id() {
    let sim = SimProcess::start(&[]);
    let supervisor = Supervisor::start(options(&sim, 31, "5", "3"));
    supervisor.connect().await.expect("running");
    let first = wait_for(&supervisor, "the first session", BOUND, connected).await;
    let pid = first.worker_pid.expect("a worker runs");
    assert_eq!(sim.stats().client_ids(), [31]);
    let accepted_before = sim.stats().accepted;

    let killed = Instant::now();
    std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill");
    let again = wait_for(&supervisor, "a new worker's session", BOUND, |s| {
        connected(s) && s.worker_pid.is_some_and(|p| p != pid)
    })
    .await;
    let back_in = killed.elapsed();
    assert!(back_in < Duration::from_secs(2), "took {back_in:?}");
    assert_eq!(again.worker_starts, 2);
    let stats = sim.stats();
    assert_eq!(
        stats.accepted,
        accepted_before + 1,
        "exactly one new connection: {stats:?}"
    );
    assert_eq!(stats.client_ids(), [31], "same client id");
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_gateway_trips_the_guardrail_and_then_sees_no_more_connections() {
    let sim = SimProcess::start(&["--fault", "silent"]);
    let supervisor = Supervisor::start(options(&sim, 32, "0.5", "2"));
    supervisor.connect().await.expect("running");
    let latched = wait_for(&supervisor, "the guardrail", BOUND, |s| {
        matches!(s.lifecycle, Lifecycle::Latched { .. })
    })
    .await;
    let Lifecycle::Latched { error } = &latched.lifecycle else {
        unreachable!()
    };
    assert_contains(&error.message, "Gateway API layer is unresponsive");
    assert_contains(&error.message, gateway_proto::words::RESTART_BY_HAND);
    assert_eq!(latched.connect_attempts, 2);
    let accepted = sim.stats().accepted;
    assert_eq!(accepted, 2, "one connection per attempt");
    // Several backoff periods later, still nothing new reached the Gateway.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        sim.stats().accepted,
        accepted,
        "the latched supervisor must not hammer the Gateway"
    );
    assert_eq!(supervisor.state().connect_attempts, 2);
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_restart_clears_the_latch_and_yields_exactly_one_attempt() {
    let sim = SimProcess::start(&["--fault", "silent"]);
    let supervisor = Supervisor::start(options(&sim, 33, "0.5", "1"));
    supervisor.connect().await.expect("running");
    wait_for(&supervisor, "the guardrail", BOUND, |s| {
        matches!(s.lifecycle, Lifecycle::Latched { .. })
    })
    .await;
    let accepted = sim.stats().accepted;

    // The user restarts the Gateway; it comes back healthy.
    sim.control
        .restart(Duration::from_millis(300))
        .expect("restart");
    sim.set_fault("normal");
    let up = Instant::now();
    let state = wait_for(
        &supervisor,
        "the session after the restart",
        BOUND,
        connected,
    )
    .await;
    assert!(
        up.elapsed() < Duration::from_secs(5),
        "back in {:?}",
        up.elapsed()
    );
    assert_eq!(state.gateway_restarts_seen, 1);
    assert_eq!(
        sim.stats().accepted,
        accepted + 1,
        "exactly one new attempt"
    );
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_session_is_reconnected_once() {
    let sim = SimProcess::start(&[]);
    let supervisor = Supervisor::start(options(&sim, 34, "5", "3"));
    supervisor.connect().await.expect("running");
    wait_for(&supervisor, "the first session", BOUND, connected).await;
    sim.control.drop_all().expect("drop_all");
    wait_for(&supervisor, "the loss to be noticed", BOUND, |s| {
        !connected(s)
    })
    .await;
    wait_for(&supervisor, "the session to come back", BOUND, connected).await;
    let stats = sim.stats();
    assert_eq!(stats.accepted, 2, "one reconnect: {stats:?}");
    assert_eq!(stats.client_closes, 0, "we never closed a session");
    assert_eq!(
        supervisor.state().worker_starts,
        1,
        "the same worker reconnected"
    );
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_and_reaps_the_worker() {
    let sim = SimProcess::start(&[]);
    let supervisor = Supervisor::start(options(&sim, 35, "5", "3"));
    supervisor.connect().await.expect("running");
    let pid = wait_for(&supervisor, "the session", BOUND, connected)
        .await
        .worker_pid
        .expect("pid");
    supervisor.shutdown().await;
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the worker was reaped"
    );
    assert!(
        wait_until(BOUND, || sim.stats().live_clients.is_empty()),
        "the socket closed with the process"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_worker_binary_is_a_clear_failure_not_a_retry_loop() {
    let sim = SimProcess::start(&[]);
    let mut opts = options(&sim, 36, "5", "3");
    opts.worker_bin = "/nonexistent/gateway-worker".into();
    let supervisor = Supervisor::start(opts);
    supervisor.connect().await.expect("running");
    let state = wait_for(&supervisor, "the failure", BOUND, |s| {
        matches!(s.lifecycle, Lifecycle::Failed { .. })
    })
    .await;
    let Lifecycle::Failed { error } = &state.lifecycle else {
        unreachable!()
    };
    assert_contains(&error.message, "/nonexistent/gateway-worker");
    assert_eq!(state.worker_starts, 0);
    assert_eq!(sim.stats().accepted, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconfigure_moves_the_session_to_another_gateway_without_a_disconnect_and_stays_idle() {
    let first = SimProcess::start(&[]);
    let second = SimProcess::start(&[]);
    let supervisor = Supervisor::start(options(&first, 41, "5", "3"));
    supervisor.connect().await.expect("running");
    wait_for(&supervisor, "the first session", BOUND, connected).await;

    let moved = options(&second, 42, "5", "2").config;
    supervisor.reconfigure(moved).await.expect("running");
    let idle = supervisor.state();
    assert_eq!(idle.lifecycle, Lifecycle::Idle, "no attempt until asked");
    assert_eq!(idle.max_timeouts, 2);
    assert!(idle.worker_pid.is_none(), "the old worker ended");
    first.wait_stats("the old session's close", BOUND, |s| {
        s.live_clients.is_empty() && s.client_closes == 1
    });
    assert_eq!(second.stats().accepted, 0);

    supervisor.connect().await.expect("running");
    let state = wait_for(&supervisor, "the session on the new port", BOUND, connected).await;
    assert_eq!(
        state.worker.target.as_ref().map(|t| (t.port, t.client_id)),
        Some((second.port(), 42))
    );
    assert_eq!(second.stats().client_ids(), [42]);
    assert_eq!(
        first.stats().accepted,
        1,
        "nothing more went to the old port"
    );
    supervisor.shutdown().await;
}

mod bounded;
mod controls;
mod discipline;
mod guardrail;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_whose_port_stays_closed_for_a_while_costs_one_connect_not_one_per_wait() {
    let sim = SimProcess::start(&[]);
    let supervisor = Supervisor::start(options(&sim, 56, "5", "3"));
    supervisor.connect().await.expect("running");
    wait_for(&supervisor, "the first session", BOUND, connected).await;
    assert_eq!(supervisor.state().connect_attempts, 1);

    // Down for 3 s: backoff steps of 0.2 s doubling to 1 s would each have sent a connect into a closed port.
    sim.control
        .restart(Duration::from_millis(3000))
        .expect("restart");
    let state = wait_for(&supervisor, "the session to come back", BOUND, connected).await;
    assert_eq!(
        state.connect_attempts, 2,
        "nothing listened while the Gateway was down, so only the connect after it was back was sent: {state:?}"
    );
    assert_eq!(sim.stats().accepted, 2);
    supervisor.shutdown().await;
}
