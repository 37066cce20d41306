//! Diagnose against real Gateways (gateway-sim processes), the real worker for the one handshake, real
//! zombie-holding processes: each situation the issue lists gets its verdict.

use std::collections::BTreeMap;
use std::time::Duration;

use gateway_core::config::{Config, Inputs, Key};
use gateway_core::diagnostics::{DiagnoseOptions, Progress, Stage, diagnose};
use gateway_core::supervisor::{Lifecycle, Supervisor, SupervisorOptions};
use gateway_proto::{CheckId, CheckStatus, LinkState, Remedy, Report, Verdict};

use crate::util::{SimProcess, bin, wait_until};
use crate::zombies::kids::{Kids, api_connection};

fn config(
    port: u16,
    client_id: i32,
    timeout_s: &str,
) -> Result<Config, Vec<gateway_core::config::InvalidValue>> {
    let explicit: BTreeMap<Key, String> = [
        (Key::Port, port.to_string()),
        (Key::ClientId, client_id.to_string()),
        (Key::Timeout, timeout_s.to_string()),
    ]
    .into_iter()
    .collect();
    Config::resolve(&Inputs {
        explicit,
        ..Inputs::default()
    })
}

/// Outside every reset window: a Wednesday at noon in New York.
fn options(handshake: bool) -> DiagnoseOptions {
    let mut options = DiagnoseOptions::new(bin("gateway-worker"));
    options.handshake = handshake;
    options.now = "2026-11-25T12:00:00-05:00".parse().expect("timestamp");
    options.local_tz = jiff::tz::db().get("America/New_York").expect("tzdb");
    options
}

fn check(report: &Report, id: CheckId) -> CheckStatus {
    report
        .checks
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.status)
        .unwrap_or_else(|| panic!("no {id:?} check"))
}

fn unused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_is_gateway_not_running() {
    let report = diagnose(&config(unused_port(), 1, "2"), None, &options(false)).await;
    assert_eq!(report.verdict, Verdict::GatewayNotRunning, "{report:#?}");
    assert_eq!(check(&report, CheckId::PortListening), CheckStatus::Fail);
    assert!(report.summary.contains("not running"), "{}", report.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_gateway_with_a_handshake() {
    let sim = SimProcess::start(&[]);
    let report = diagnose(&config(sim.port(), 41, "5"), None, &options(true)).await;
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
async fn passive_diagnose_opens_no_connection() {
    let sim = SimProcess::start(&[]);
    let report = diagnose(&config(sim.port(), 42, "5"), None, &options(false)).await;
    assert_eq!(report.verdict, Verdict::Healthy, "{report:#?}");
    assert_eq!(check(&report, CheckId::Handshake), CheckStatus::Skip);
    assert_eq!(
        sim.stats().accepted,
        0,
        "diagnose must not create the problems it looks for"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_no_accept_and_no_next_valid_id_are_an_unresponsive_api() {
    for fault in ["silent", "no_accept", "no_next_valid_id"] {
        let sim = SimProcess::start(&["--fault", fault]);
        let report = diagnose(&config(sim.port(), 43, "1"), None, &options(true)).await;
        assert_eq!(
            report.verdict,
            Verdict::GatewayUnresponsive,
            "{fault}: {report:#?}"
        );
        assert!(
            report.summary.contains("Gateway API layer is unresponsive"),
            "{}",
            report.summary
        );
        assert!(
            report.next_step.contains("File -> Exit"),
            "{}",
            report.next_step
        );
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
    let report = diagnose(&config(sim.port(), 44, "5"), None, &options(true)).await;
    assert_eq!(report.verdict, Verdict::ClientIdInUse, "{report:#?}");
    assert!(
        report.summary.contains("Client id 44"),
        "{}",
        report.summary
    );
    assert_eq!(check(&report, CheckId::ClientIdConflict), CheckStatus::Fail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_gateway_is_too_old() {
    let sim = SimProcess::start(&["--fault", "old_version"]);
    let report = diagnose(&config(sim.port(), 45, "5"), None, &options(true)).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_ib_link_on_the_live_session() {
    let sim = SimProcess::start(&[]);
    let config = config(sim.port(), 47, "5");
    let supervisor = Supervisor::start(SupervisorOptions::new(
        bin("gateway-worker"),
        config.clone().expect("valid"),
    ));
    supervisor.connect().await.expect("running");
    let mut watch = supervisor.watch();
    tokio::time::timeout(
        Duration::from_secs(10),
        watch.wait_for(|s| s.lifecycle == Lifecycle::Connected),
    )
    .await
    .expect("connects")
    .expect("running");
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
    assert_eq!(sim.stats().accepted, 1, "diagnose used the live session");
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_a_reset_window_the_verdict_is_to_wait() {
    let mut opts = options(false);
    opts.now = "2026-11-25T00:30:00-05:00".parse().expect("timestamp"); // 00:30 New York: the daily reset
    let report = diagnose(&config(unused_port(), 1, "2"), None, &opts).await;
    assert_eq!(report.verdict, Verdict::ResetWindow, "{report:#?}");
    assert!(report.next_step.contains("01:45"), "{}", report.next_step);
    assert!(matches!(report.remedy, Some(Remedy::WaitUntil { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_are_the_verdict_before_anything_else() {
    let bad = Config::resolve(&Inputs {
        env: [("IBKR_PORT".to_string(), "70000".to_string())].into(),
        ..Inputs::default()
    });
    let report = diagnose(&bad, None, &options(true)).await;
    assert_eq!(report.verdict, Verdict::BadConfig, "{report:#?}");
    assert!(
        report.summary.contains("IBKR_PORT=70000 is not a port"),
        "{}",
        report.summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_told_each_stage_in_order() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut options = options(false);
    let record = seen.clone();
    options.progress = Progress::new(move |stage, done| {
        record.lock().expect("not poisoned").push((stage, done));
    });
    let report = diagnose(&config(unused_port(), 1, "5"), None, &options).await;
    assert_eq!(report.verdict, Verdict::GatewayNotRunning);
    let seen = seen.lock().expect("not poisoned").clone();
    let expected: Vec<(Stage, usize)> = Stage::ALL.into_iter().zip(0..).collect();
    assert_eq!(seen, expected);
}
