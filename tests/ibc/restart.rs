//! A restart through IBC followed through against the simulator: RESTART, the API port seen down and then
//! listening again with a healthy API layer, the steps in order; the guard refusing a second restart at
//! once without sending anything; a command that never reached IBC not counted against the guard.

use std::time::Duration;

use gateway_core::ibc::{CommandServer, IbcError, RestartGuard, RestartPlan, restart};
use gateway_proto::{IbcErrorCode, RestartOutcome, RestartPhase};

use super::BOUND;
use crate::sim::ibc::ibc_sim;
use gateway_testkit::{SimProcess, assert_contains};

fn plan(sim: &SimProcess, deadline: Duration) -> RestartPlan {
    RestartPlan {
        deadline,
        poll: Duration::from_millis(50),
        ..RestartPlan::new(
            CommandServer::loopback(sim.ibc().port()),
            "127.0.0.1",
            sim.api.port(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_is_followed_down_and_back_and_a_second_one_is_held_back() {
    let sim = ibc_sim(&[
        "--fault",
        "red_after_disconnect",
        "--ibc-restart-down-ms",
        "1500",
    ]);
    // Turn the API layer RED the way the field report did: a session closed right after it started.
    let client = ibapi::Client::builder()
        .address(sim.api.to_string())
        .client_id(1)
        .max_reconnect_attempts(0)
        .connect();
    drop(
        tokio::time::timeout(BOUND, client)
            .await
            .expect("no hang")
            .expect("connects"),
    );
    sim.wait_stats("the API layer to turn RED", BOUND, |s| s.red);

    let dir = tempfile::tempdir().expect("temp dir");
    let guard = RestartGuard::new(dir.path().join("restarts.json"));
    let plan = plan(&sim, Duration::from_secs(20));
    let mut seen = Vec::new();
    let report = restart(&plan, &guard, |step| seen.push(step.phase))
        .await
        .expect("restarted");
    eprintln!(
        "restart round trip against the sim (down 1500 ms): down_ms={:?} took_ms={} steps={:?}",
        report.down_ms, report.took_ms, report.steps
    );
    assert_eq!(report.outcome, RestartOutcome::Back, "{report:?}");
    let phases: Vec<_> = report.steps.iter().map(|s| s.phase).collect();
    assert_eq!(
        phases,
        [
            RestartPhase::Sent,
            RestartPhase::DownSeen,
            RestartPhase::ListeningAgain
        ]
    );
    assert_eq!(seen, phases, "each step was reported as it happened");
    assert!(
        report.steps.windows(2).all(|w| w[0].at_ms <= w[1].at_ms),
        "{:?}",
        report.steps
    );
    assert!(report.down_ms.is_some_and(|ms| ms > 0), "{report:?}");
    assert!(
        report.reply.starts_with("OK RESTART in progress"),
        "{}",
        report.reply
    );
    assert_contains(&report.message, "listening again");
    let stats = sim.stats();
    assert_eq!((stats.restarts, stats.ibc.restart), (1, 1));
    assert!(!stats.red, "the restart cleared the dead API layer");
    let healthy = ibapi::Client::builder()
        .address(sim.api.to_string())
        .client_id(2)
        .max_reconnect_attempts(0)
        .connect();
    tokio::time::timeout(BOUND, healthy)
        .await
        .expect("no hang")
        .expect("the API answers again");
    assert_eq!(guard.history(&plan.gateway_key).expect("read").len(), 1);

    // At once again: the guard holds it back and nothing reaches IBC.
    let err = restart(&plan, &guard, |_| {}).await.expect_err("too soon");
    assert_eq!(err.code(), IbcErrorCode::RestartTooSoon, "{err}");
    let first = guard.history(&plan.gateway_key).expect("read")[0];
    assert_eq!(err.next_allowed_ms(), Some(first + 10 * 60 * 1000));
    assert!(
        err.to_string().contains("next restart is allowed at"),
        "{err}"
    );
    assert_eq!(
        sim.stats().ibc.connections,
        1,
        "the refused restart sent nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_that_does_not_go_down_in_time_is_reported_so() {
    let sim = ibc_sim(&["--ibc-restart-after-ms", "60000"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let guard = RestartGuard::new(dir.path().join("restarts.json"));
    let report = restart(&plan(&sim, Duration::from_millis(800)), &guard, |_| {})
        .await
        .expect("sent");
    assert_eq!(report.outcome, RestartOutcome::NeverWentDown, "{report:?}");
    assert_eq!(report.steps.len(), 1);
    assert_eq!(report.down_ms, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_that_never_reached_ibc_is_not_counted() {
    let sim = ibc_sim(&["--ibc-fault", "silent"]);
    let free_port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr").port()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let guard = RestartGuard::new(dir.path().join("restarts.json"));
    let unreachable = RestartPlan {
        server: CommandServer::loopback(free_port),
        ..plan(&sim, BOUND)
    };
    let err = restart(&unreachable, &guard, |_| {})
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, IbcError::Unreachable { .. }), "{err:?}");
    assert!(
        guard
            .history(&unreachable.gateway_key)
            .expect("read")
            .is_empty()
    );
    // A command that may have reached IBC (no answer in time) stays counted.
    let mut silent = plan(&sim, BOUND);
    silent.timeouts.reply = Duration::from_millis(500);
    let err = restart(&silent, &guard, |_| {})
        .await
        .expect_err("no answer");
    assert_eq!(err.code(), IbcErrorCode::IbcTimeout);
    assert_eq!(guard.history(&silent.gateway_key).expect("read").len(), 1);
}
