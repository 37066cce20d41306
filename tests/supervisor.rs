//! The supervisor with the real gateway-worker binary against a real gateway-sim: it keeps one session,
//! restarts a killed worker with the same client id, stops at the guardrail, and comes back exactly once
//! when the Gateway restarts. The simulator's stats are the judge of what really reached the Gateway.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use gateway_core::config::{Config, Inputs, Key};
use gateway_core::supervisor::{
    Backoff, LatchFile, Lifecycle, Supervisor, SupervisorOptions, SupervisorState,
};
use gateway_proto::ErrorCode;

use crate::util::{SimProcess, bin, wait_until};

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
    let config = Config::resolve(&Inputs {
        explicit,
        ..Inputs::default()
    })
    .expect("valid test config");
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
    assert!(
        error.message.contains("Gateway API layer is unresponsive"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("File -> Exit"),
        "restart steps: {}",
        error.message
    );
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
    assert!(
        error.message.contains("/nonexistent/gateway-worker"),
        "{}",
        error.message
    );
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

/// A supervisor over `sim` that keeps its guardrail in `dir`/guardrail.json.
fn options_with_latch_file(
    sim: &SimProcess,
    client_id: i32,
    max_timeouts: &str,
    dir: &tempfile::TempDir,
) -> SupervisorOptions {
    let mut opts = options(sim, client_id, "0.5", max_timeouts);
    opts.latch_path = Some(dir.path().join("guardrail.json"));
    opts
}

fn latched(state: &SupervisorState) -> bool {
    matches!(state.lifecycle, Lifecycle::Latched { .. })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_stops_answering_is_replaced_and_the_request_returns_within_its_deadline() {
    let sim = SimProcess::start(&[]);
    let mut opts = options(&sim, 51, "5", "3");
    opts.request_timeout = Duration::from_secs(1);
    let supervisor = Supervisor::start(opts);
    supervisor.connect().await.expect("running");
    let first = wait_for(&supervisor, "the first session", BOUND, connected).await;
    let pid = first.worker_pid.expect("a worker runs");

    // A stopped process reads nothing and answers nothing: the worker hung, as far as anyone can tell.
    let stopped = std::process::Command::new("kill")
        .args(["-STOP", &pid.to_string()])
        .status()
        .expect("kill -STOP");
    assert!(stopped.success());
    let answer = tokio::time::timeout(BOUND, supervisor.request("status"))
        .await
        .expect("the request must come back, not wait for the stopped worker");
    let err = answer.expect_err("a stopped worker cannot answer");
    assert_eq!(err.code(), ErrorCode::WorkerUnresponsive, "{err}");

    let again = wait_for(&supervisor, "a new worker's session", BOUND, |s| {
        connected(s) && s.worker_pid.is_some_and(|p| p != pid)
    })
    .await;
    assert_eq!(again.workers_replaced, 1);
    assert_eq!(again.worker_starts, 2);
    assert!(
        wait_until(BOUND, || !std::path::Path::new(&format!("/proc/{pid}"))
            .exists()),
        "the stopped worker was killed and reaped"
    );
    supervisor
        .request("status")
        .await
        .expect("the new worker answers");
    supervisor.shutdown().await;
}

/// The one test with a stand-in for the worker: no real worker prints a line that is not UTF-8, and a
/// shell script that answers `connect` and `status` and prints such a line is the smallest thing that does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_line_that_is_not_utf8_is_skipped_and_the_session_stays() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("fake-worker.sh");
    std::fs::write(
        &script,
        r#"#!/bin/sh
while IFS= read -r line; do
  id=$(printf '%s' "$line" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
  case "$line" in
    *'"connect"'*)
      printf '\377\376 not utf-8\n'
      printf '{"id":%s,"status":"success","data":{}}\n' "$id" ;;
    *)
      printf '{"id":%s,"status":"success","data":{"answered_after_the_bad_line":true}}\n' "$id" ;;
  esac
done
"#,
    )
    .expect("write the script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("make it executable");

    let sim = SimProcess::start(&[]);
    let mut opts = options(&sim, 53, "5", "3");
    opts.worker_bin = script;
    opts.request_timeout = Duration::from_secs(2);
    let supervisor = Supervisor::start(opts);
    let mut log = supervisor.log().subscribe();
    supervisor.connect().await.expect("running");
    // The connect answer comes after the bad line: reaching Connected means reading went on past it.
    let state = wait_for(&supervisor, "the session", BOUND, connected).await;
    let data = tokio::time::timeout(BOUND, supervisor.request("status"))
        .await
        .expect("an answer")
        .expect("the same worker answers");
    assert_eq!(data["answered_after_the_bad_line"], true);
    let now = supervisor.state();
    assert_eq!(now.worker_starts, 1, "the worker was not taken for exited");
    assert_eq!(now.worker_pid, state.worker_pid);
    assert_eq!(now.lifecycle, Lifecycle::Connected);
    let mut seen = Vec::new();
    while let Ok(line) = log.try_recv() {
        seen.push(line.message);
    }
    assert!(
        seen.iter().any(|m| m.contains("not UTF-8")),
        "the bad line is logged: {seen:?}"
    );
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guardrail_survives_a_supervisor_restart_and_spends_no_handshake() {
    let sim = SimProcess::start(&["--fault", "silent"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let first = Supervisor::start(options_with_latch_file(&sim, 54, "2", &dir));
    first.connect().await.expect("running");
    wait_for(&first, "the guardrail", BOUND, latched).await;
    first.shutdown().await;
    assert_eq!(sim.stats().accepted, 2);
    assert!(dir.path().join("guardrail.json").is_file());

    // Gateway Doctor starts again: the same Gateway, the same dead API layer.
    let second = Supervisor::start(options_with_latch_file(&sim, 54, "2", &dir));
    let state = wait_for(&second, "the kept guardrail", BOUND, latched).await;
    let Lifecycle::Latched { error } = &state.lifecycle else {
        unreachable!()
    };
    assert_eq!(error.code, ErrorCode::GatewayUnresponsive);
    assert!(error.message.contains("File -> Exit"), "{}", error.message);
    second.connect().await.expect("running");
    // Several backoff periods: nothing may reach the Gateway.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(latched(&second.state()));
    assert_eq!(second.state().connect_attempts, 0);
    assert_eq!(
        sim.stats().accepted,
        2,
        "the second supervisor spent no handshake"
    );

    // "I restarted it": the guardrail is lifted, on disk too, for one attempt.
    second.reset().await.expect("running");
    wait_for(&second, "the one attempt after the reset", BOUND, |s| {
        s.connect_attempts == 1 && latched(s)
    })
    .await;
    assert_eq!(sim.stats().accepted, 3, "exactly one attempt after a reset");
    second.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_restart_yields_exactly_one_attempt_even_when_more_timeouts_are_allowed() {
    let sim = SimProcess::start(&["--fault", "silent"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let supervisor = Supervisor::start(options_with_latch_file(&sim, 55, "2", &dir));
    supervisor.connect().await.expect("running");
    wait_for(&supervisor, "the guardrail", BOUND, latched).await;
    let accepted = sim.stats().accepted;
    assert_eq!(accepted, 2);

    // The Gateway restarts but its API layer is still dead (it comes back silent).
    sim.control
        .restart(Duration::from_millis(300))
        .expect("restart");
    let state = wait_for(&supervisor, "the guardrail again", BOUND, |s| {
        latched(s) && s.gateway_restarts_seen == 1
    })
    .await;
    let Lifecycle::Latched { error } = &state.lifecycle else {
        unreachable!()
    };
    assert!(
        error
            .message
            .contains("the one attempt after the Gateway restarted"),
        "{}",
        error.message
    );
    // Several backoff periods later: still exactly one.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        sim.stats().accepted,
        accepted + 1,
        "exactly one attempt after the restart"
    );
    assert_eq!(supervisor.state().connect_attempts, 3);
    // The file now names the new listener.
    let record = LatchFile::new(dir.path().join("guardrail.json"))
        .get(&LatchFile::key("127.0.0.1", sim.port()))
        .expect("readable")
        .expect("an entry");
    let listener = gateway_core::sockets::scan_quick(sim.port())
        .expect("scan")
        .listener_inode;
    assert_eq!(record.listener_inode, listener);
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_hangs_in_connect_is_replaced_after_the_connect_deadline() {
    // A silent Gateway: the connect stays unanswered for its 2 s timeout, time enough to stop the worker.
    let sim = SimProcess::start(&["--fault", "silent"]);
    let mut opts = options(&sim, 56, "2", "3");
    opts.request_timeout = Duration::from_millis(500);
    let supervisor = Supervisor::start(opts);
    supervisor.connect().await.expect("running");
    let connecting = wait_for(&supervisor, "the connect", BOUND, |s| {
        matches!(s.lifecycle, Lifecycle::Connecting { .. }) && s.worker_pid.is_some()
    })
    .await;
    let pid = connecting.worker_pid.expect("pid");
    std::process::Command::new("kill")
        .args(["-STOP", &pid.to_string()])
        .status()
        .expect("kill -STOP");
    let replaced = wait_for(&supervisor, "the hung worker's replacement", BOUND, |s| {
        s.workers_replaced == 1
    })
    .await;
    assert_ne!(replaced.worker_pid, Some(pid));
    assert!(
        wait_until(BOUND, || !std::path::Path::new(&format!("/proc/{pid}"))
            .exists()),
        "the stopped worker was killed and reaped"
    );
    supervisor.shutdown().await;
}
mod discipline;

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
