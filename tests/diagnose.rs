//! Diagnose against real Gateways (gateway-sim processes), a real supervisor and worker for the one session,
//! real zombie-holding processes: each situation the issue lists gets its verdict. The API is only ever
//! tested through a session the caller owns (and keeps); without one the verdict is "not tested". The
//! local link (the CLI asking the open app) runs its real server here around a real supervisor, with the
//! real gateway-doctor binary as the client.

use std::time::Duration;

use gateway_core::config::{Config, Inputs, Key};
use gateway_core::diagnostics::{DiagnoseOptions, Progress, Stage, diagnose};
use gateway_core::supervisor::{Lifecycle, Supervisor, SupervisorOptions};
use gateway_proto::{CheckId, CheckStatus, LinkState, Remedy, Report, Verdict};

use crate::cli::doctor::Doctor;
use crate::zombies::kids::{Kids, api_connection};
use gateway_testkit::{SimProcess, assert_contains, bin, free_port, wait_until};

fn config(
    port: u16,
    client_id: i32,
    timeout_s: &str,
) -> Result<Config, Vec<gateway_core::config::InvalidValue>> {
    Config::from_explicit([
        (Key::Port, port.to_string()),
        (Key::ClientId, client_id.to_string()),
        (Key::Timeout, timeout_s.to_string()),
    ])
}

/// Outside every reset window: a Wednesday at noon in New York.
fn options(handshake: bool) -> DiagnoseOptions {
    DiagnoseOptions {
        handshake,
        now: "2026-11-25T12:00:00-05:00".parse().expect("timestamp"),
        local_tz: jiff::tz::db().get("America/New_York").expect("tzdb"),
        ..DiagnoseOptions::default()
    }
}

/// The one session a caller (the app, or the CLI's `--handshake`) owns; idle until diagnose connects it.
fn session(config: &Result<Config, Vec<gateway_core::config::InvalidValue>>) -> Supervisor {
    Supervisor::start(SupervisorOptions::new(
        bin("gateway-worker"),
        config.clone().expect("valid settings"),
    ))
}

/// Asks `supervisor` for its session and waits (10 s at most) until it is connected.
async fn connect_and_wait(supervisor: &Supervisor) {
    supervisor.connect().await.expect("running");
    let mut watch = supervisor.watch();
    tokio::time::timeout(
        Duration::from_secs(10),
        watch.wait_for(|s| s.lifecycle == Lifecycle::Connected),
    )
    .await
    .expect("connects")
    .expect("running");
}

/// Diagnose that tests the API through a fresh session of its own, as `diagnose --handshake` does.
async fn diagnose_with_a_session(
    config: &Result<Config, Vec<gateway_core::config::InvalidValue>>,
) -> Report {
    let supervisor = session(config);
    let report = diagnose(config, Some(&supervisor), &options(true)).await;
    supervisor.shutdown().await;
    report
}

fn check(report: &Report, id: CheckId) -> CheckStatus {
    report
        .checks
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.status)
        .unwrap_or_else(|| panic!("no {id:?} check"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_is_gateway_not_running() {
    let report = diagnose(&config(free_port(), 1, "2"), None, &options(false)).await;
    assert_eq!(report.verdict, Verdict::GatewayNotRunning, "{report:#?}");
    assert_eq!(check(&report, CheckId::PortListening), CheckStatus::Fail);
    assert_contains(&report.summary, "not running");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_gateway_with_a_handshake() {
    let sim = SimProcess::start(&[]);
    let report = diagnose_with_a_session(&config(sim.port(), 41, "5")).await;
    assert_eq!(report.verdict, Verdict::Healthy, "{report:#?}");
    for id in [
        CheckId::PortListening,
        CheckId::GatewayProcess,
        CheckId::Handshake,
        CheckId::ApiStart,
        CheckId::AcceptQueue,
    ] {
        assert_eq!(check(&report, id), CheckStatus::Pass, "{id:?}: {report:#?}");
    }
    assert_eq!(report.account_mode, Some(gateway_proto::AccountMode::Paper));
    let stats = sim.stats();
    assert_eq!(stats.accepted, 1, "exactly one handshake, no probe sockets");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passive_diagnose_opens_no_connection_and_says_not_tested() {
    let sim = SimProcess::start(&[]);
    let report = diagnose(&config(sim.port(), 42, "5"), None, &options(false)).await;
    assert_eq!(report.verdict, Verdict::ListeningNotTested, "{report:#?}");
    assert_contains(&report.summary, "listening");
    assert_contains(&report.summary, "not tested");
    assert_contains(&report.next_step, "--handshake");
    let handshake = report
        .checks
        .iter()
        .find(|c| c.id == CheckId::Handshake)
        .expect("a handshake check");
    assert_eq!(handshake.status, CheckStatus::Skip);
    assert!(
        handshake.detail.starts_with("Not tested"),
        "{}",
        handshake.detail
    );
    assert_eq!(
        sim.stats().accepted,
        0,
        "diagnose must not create the problems it looks for"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passive_diagnose_of_a_silent_gateway_is_not_healthy() {
    // The field report's "TCP up, API dead": the port listens and accepts, the API never answers.
    let sim = SimProcess::start(&["--fault", "silent"]);
    let report = diagnose(&config(sim.port(), 48, "1"), None, &options(false)).await;
    assert_ne!(report.verdict, Verdict::Healthy, "{report:#?}");
    assert_eq!(report.verdict, Verdict::ListeningNotTested, "{report:#?}");
    assert_ne!(check(&report, CheckId::Handshake), CheckStatus::Pass);
    assert_eq!(sim.stats().accepted, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diagnose_connects_an_idle_session_and_keeps_it() {
    let sim = SimProcess::start(&["--fault", "red_after_disconnect"]);
    let config = config(sim.port(), 49, "5");
    let supervisor = session(&config);
    let report = diagnose(&config, Some(&supervisor), &options(true)).await;
    assert_eq!(report.verdict, Verdict::Healthy, "{report:#?}");
    assert_eq!(supervisor.state().lifecycle, Lifecycle::Connected);
    let stats = sim.stats();
    assert_eq!(stats.client_ids(), vec![49], "the session is still open");
    assert_eq!(stats.accepted, 1, "one connection: the session, no probe");
    assert_eq!(stats.client_closes, 0, "nothing was closed after the test");
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_session_is_tested_by_one_ping_through_it() {
    let sim = SimProcess::start(&[]);
    let config = config(sim.port(), 50, "5");
    let supervisor = session(&config);
    connect_and_wait(&supervisor).await;
    let before = sim.stats().heartbeat_requests;
    let report = diagnose(&config, Some(&supervisor), &options(false)).await;
    assert_eq!(report.verdict, Verdict::Healthy, "{report:#?}");
    let heartbeat = report
        .checks
        .iter()
        .find(|c| c.id == CheckId::Heartbeat)
        .expect("a heartbeat check");
    assert!(
        heartbeat
            .detail
            .starts_with("Answered a test request just now"),
        "{}",
        heartbeat.detail
    );
    let stats = sim.stats();
    assert!(
        stats.heartbeat_requests > before,
        "the ping reached the Gateway"
    );
    assert_eq!(
        stats.accepted, 1,
        "through the live session, no new connection"
    );
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_no_accept_and_no_next_valid_id_are_an_unresponsive_api() {
    for fault in ["silent", "no_accept", "no_next_valid_id"] {
        let sim = SimProcess::start(&["--fault", fault]);
        let report = diagnose_with_a_session(&config(sim.port(), 43, "1")).await;
        assert_eq!(
            report.verdict,
            Verdict::GatewayUnresponsive,
            "{fault}: {report:#?}"
        );
        assert_contains(&report.summary, "Gateway API layer is unresponsive");
        assert_contains(&report.next_step, gateway_proto::words::RESTART_BY_HAND);
        assert_eq!(report.remedy, Some(Remedy::RestartGateway));
        if fault == "no_accept" {
            assert_eq!(
                check(&report, CheckId::AcceptQueue),
                CheckStatus::Fail,
                "{report:#?}"
            );
        }
        if fault == "no_next_valid_id" {
            assert_eq!(
                check(&report, CheckId::ApiStart),
                CheckStatus::Fail,
                "{report:#?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_id_held_elsewhere_is_named() {
    let sim = SimProcess::start(&[]);
    let _holder = ibapi::Client::builder()
        .address(sim.api.to_string())
        .client_id(44)
        .max_reconnect_attempts(0)
        .connect()
        .await
        .expect("the other program connects first");
    let report = diagnose_with_a_session(&config(sim.port(), 44, "5")).await;
    assert_eq!(report.verdict, Verdict::ClientIdInUse, "{report:#?}");
    assert_contains(&report.summary, "Client id 44");
    assert_eq!(check(&report, CheckId::ClientIdConflict), CheckStatus::Fail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_gateway_is_too_old() {
    let sim = SimProcess::start(&["--fault", "old_version"]);
    let report = diagnose_with_a_session(&config(sim.port(), 45, "5")).await;
    assert_eq!(report.verdict, Verdict::GatewayTooOld, "{report:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_zombies_are_reported_with_a_cleanup_remedy() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    for _ in 0..2 {
        kids.sleeper(api_connection(sim.api));
    }
    sim.control.drop_all().expect("the Gateway closes its ends");
    assert!(wait_until(Duration::from_secs(5), || {
        gateway_core::sockets::scan_quick(sim.port()).is_ok_and(|q| q.client_zombies == 2)
    }));
    let report = diagnose(&config(sim.port(), 46, "5"), None, &options(false)).await;
    assert_eq!(report.verdict, Verdict::ZombiesPresent, "{report:#?}");
    assert_eq!(report.remedy, Some(Remedy::CleanZombies { count: 2 }));
    assert_eq!(check(&report, CheckId::ZombiesClient), CheckStatus::Warn);
}

/// 00:30 New York: inside IBKR's daily reset (North America), which ends at 01:45.
fn inside_the_daily_reset() -> DiagnoseOptions {
    let mut opts = options(false);
    opts.now = "2026-11-25T00:30:00-05:00".parse().expect("timestamp");
    opts
}

/// A lost link to IB is said as such; inside a reset window, where it is normal, the verdict is to wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_ib_link_on_the_live_session_and_inside_a_reset_window() {
    let sim = SimProcess::start(&[]);
    let config = config(sim.port(), 47, "5");
    let supervisor = Supervisor::start(SupervisorOptions::new(
        bin("gateway-worker"),
        config.clone().expect("valid"),
    ));
    connect_and_wait(&supervisor).await;
    let mut watch = supervisor.watch();
    sim.control.notice(1100, None).expect("notice");
    tokio::time::timeout(
        Duration::from_secs(5),
        watch.wait_for(|s| s.worker.link.state == LinkState::Lost),
    )
    .await
    .expect("the notice arrives")
    .expect("running");
    let report = diagnose(&config, Some(&supervisor), &options(false)).await;
    assert_eq!(
        report.verdict,
        Verdict::IbServersDisconnected,
        "{report:#?}"
    );
    assert_eq!(check(&report, CheckId::IbLink), CheckStatus::Fail);
    let waiting = diagnose(&config, Some(&supervisor), &inside_the_daily_reset()).await;
    assert_eq!(waiting.verdict, Verdict::ResetWindow, "{waiting:#?}");
    assert_contains(&waiting.next_step, "01:45");
    assert!(matches!(waiting.remedy, Some(Remedy::WaitUntil { .. })));
    assert_eq!(sim.stats().accepted, 1, "diagnose used the live session");
    supervisor.shutdown().await;
}

/// Waiting out a reset does not start a Gateway that is not running: the verdict says so, and the window
/// is still among the checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_inside_a_reset_window_is_still_not_running() {
    let report = diagnose(
        &config(free_port(), 1, "2"),
        None,
        &inside_the_daily_reset(),
    )
    .await;
    assert_eq!(report.verdict, Verdict::GatewayNotRunning, "{report:#?}");
    assert_eq!(check(&report, CheckId::ResetWindow), CheckStatus::Warn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_are_the_verdict_before_anything_else() {
    let bad = Config::resolve(&Inputs {
        env: [("IBKR_PORT".to_string(), "70000".to_string())].into(),
        ..Inputs::default()
    });
    let report = diagnose(&bad, None, &options(true)).await;
    assert_eq!(report.verdict, Verdict::BadConfig, "{report:#?}");
    assert_contains(&report.summary, "IBKR_PORT=70000 is not a port");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_told_each_stage_in_order() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut options = options(false);
    let record = seen.clone();
    options.progress = Progress::new(move |stage, done| {
        record.lock().expect("not poisoned").push((stage, done));
    });
    let report = diagnose(&config(free_port(), 1, "5"), None, &options).await;
    assert_eq!(report.verdict, Verdict::GatewayNotRunning);
    let seen = seen.lock().expect("not poisoned").clone();
    let expected: Vec<(Stage, usize)> = Stage::ALL.into_iter().zip(0..).collect();
    assert_eq!(seen, expected);
}

/// The CLI's own session under `--handshake`: kept open through the quick-close window, so a Gateway that
/// goes RED when a client closes within 5 s of starting its API session (gateway-sim's
/// red_after_disconnect) stays healthy. The sim's live clients are sampled while the CLI runs.
#[test]
fn diagnose_handshake_keeps_its_session_through_the_quick_close_window() {
    use std::time::Instant;

    use gateway_core::diagnostics::QUICK_CLOSE_HOLD;

    let sim = SimProcess::start(&["--fault", "red_after_disconnect"]);
    let doctor = Doctor::new();
    let mut child = doctor
        .diagnose_handshake(sim.port(), 51)
        .spawn()
        .expect("spawn gateway-doctor");
    let (mut first_seen, mut last_seen) = (None, None);
    let deadline = Instant::now() + Duration::from_secs(40);
    let status = loop {
        if sim.stats().client_ids().contains(&51) {
            let now = Instant::now();
            first_seen.get_or_insert(now);
            last_seen = Some(now);
        }
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "gateway-doctor did not finish");
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(status.code(), Some(0), "{stdout}");
    assert_contains(&stdout, "Holding the connection to the Gateway open for");
    let held = last_seen.zip(first_seen).map(|(l, f)| l - f);
    // Sampling can only see less of the session than there was: this is a lower bound, never a flake.
    assert!(
        held.is_some_and(|h| h + Duration::from_millis(500) >= QUICK_CLOSE_HOLD),
        "the session was seen open for {held:?}, less than {QUICK_CLOSE_HOLD:?}"
    );
    let stats = sim.stats();
    assert_eq!(stats.api_client_closes, 1, "{stats:?}");
    assert!(!stats.red, "the Gateway's API layer was harmed: {stats:?}");
}

mod link;
