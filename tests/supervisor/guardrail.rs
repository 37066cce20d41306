//! The guardrail kept on disk (guardrail.json): it survives a restart of the supervisor without spending a
//! handshake, and a Gateway restart lifts it for exactly one attempt.

use std::time::Duration;

use gateway_core::supervisor::{
    LatchFile, Lifecycle, Supervisor, SupervisorOptions, SupervisorState,
};
use gateway_proto::ErrorCode;

use super::{BOUND, options, wait_for};
use gateway_testkit::{SimProcess, assert_contains};

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
    assert_contains(&error.message, gateway_proto::words::RESTART_BY_HAND);
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
    assert_contains(
        &error.message,
        "the one attempt after the Gateway restarted",
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
