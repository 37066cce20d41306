//! Verdict rules on hand-built observations (pure logic; the real-process tests live in tests/diagnose.rs).

use gateway_proto::{
    AccountMode, ErrorBody, ErrorCode, PortScan, SessionState, Verdict, WorkerStatus,
};

use gateway_testkit::assert_contains;

use super::*;
use crate::reset_window::InWindow;

fn listening(port: u16) -> PortScan {
    let json = serde_json::json!({
        "port": port, "listeners": [{"local_addr": "127.0.0.1", "local_port": port, "remote_addr": "0.0.0.0",
            "remote_port": 0, "state": "listen", "inode": 1, "uid": 0, "pids": [], "accept_queue": 0}],
        "zombies": [], "live_sessions": [], "processes": [], "unreadable_processes": 0, "scanned_at_ms": 0, "took_ms": 0.0
    });
    serde_json::from_value(json).expect("a PortScan")
}

fn failed_handshake(code: ErrorCode) -> WorkerStatus {
    WorkerStatus {
        session: SessionState::Disconnected,
        last_error: Some(ErrorBody::new(code, "x")),
        ..WorkerStatus::default()
    }
}

fn connected() -> WorkerStatus {
    WorkerStatus {
        session: SessionState::Connected,
        ..WorkerStatus::default()
    }
}

fn window() -> InWindow {
    InWindow {
        name: "IBKR daily reset (North America)".into(),
        ends_at_ms: 0,
        ends_local: "01:45".into(),
    }
}

#[test]
fn a_reset_window_does_not_turn_a_healthy_gateway_into_a_problem() {
    let obs = Observations {
        port: 4002,
        scan: Some(listening(4002)),
        accept_queue_samples: vec![0],
        reset_window: Some(window()),
        worker: Some(connected()),
        source: SessionSource::Own,
        ..Observations::default()
    };
    assert_eq!(assess(&obs).verdict, Verdict::Healthy);
}

fn handshake_check(report: &gateway_proto::Report) -> &gateway_proto::Check {
    report
        .checks
        .iter()
        .find(|c| c.id == gateway_proto::CheckId::Handshake)
        .expect("a handshake check")
}

#[test]
fn a_listening_port_without_a_session_is_not_tested_never_healthy() {
    for worker in [None, Some(WorkerStatus::default())] {
        let obs = Observations {
            port: 4002,
            scan: Some(listening(4002)),
            accept_queue_samples: vec![0],
            worker,
            ..Observations::default()
        };
        let report = assess(&obs);
        assert_eq!(report.verdict, Verdict::ListeningNotTested, "{report:#?}");
        assert_contains(&report.summary, "its API was not tested");
        assert_contains(&report.next_step, "--handshake");
        assert_contains(&report.next_step, "Connect");
        let handshake = handshake_check(&report);
        assert_eq!(handshake.status, gateway_proto::CheckStatus::Skip);
        assert!(
            handshake.detail.starts_with("Not tested"),
            "{}",
            handshake.detail
        );
    }
}

#[test]
fn a_live_session_whose_test_request_goes_unanswered_is_unresponsive() {
    let obs = Observations {
        port: 4002,
        scan: Some(listening(4002)),
        accept_queue_samples: vec![0],
        worker: Some(connected()),
        ping: Some(PingOutcome::Unanswered {
            message: "no answer within 5 s".into(),
        }),
        source: SessionSource::Own,
        ..Observations::default()
    };
    assert_eq!(assess(&obs).verdict, Verdict::GatewayUnresponsive);
}

#[test]
fn the_apps_session_is_named_as_the_test() {
    let obs = Observations {
        port: 4002,
        scan: Some(listening(4002)),
        accept_queue_samples: vec![0],
        worker: Some(connected()),
        ping: Some(PingOutcome::Answered { rtt_ms: 0.4 }),
        source: SessionSource::App { app_pid: 4242 },
        ..Observations::default()
    };
    let report = assess(&obs);
    assert_eq!(report.verdict, Verdict::Healthy);
    let handshake = handshake_check(&report);
    assert_eq!(handshake.status, gateway_proto::CheckStatus::Pass);
    assert_contains(&handshake.detail, "open Gateway Doctor app's session");
    // The app's process id is for support: under "Details", not in the main text.
    let technical = handshake.technical.as_deref().unwrap_or_default();
    assert_contains(technical, "pid 4242");
    assert!(!handshake.detail.contains("4242"), "{}", handshake.detail);
}

#[test]
fn a_gateway_that_closes_the_api_connection_before_it_starts_is_not_healthy() {
    let obs = Observations {
        port: 4002,
        scan: Some(listening(4002)),
        accept_queue_samples: vec![0],
        worker: Some(failed_handshake(ErrorCode::ConnectionLost)),
        source: SessionSource::Own,
        ..Observations::default()
    };
    assert_eq!(assess(&obs).verdict, Verdict::WrongPortOrApiDisabled);
}

#[test]
fn an_unresponsive_gateway_outranks_zombies_and_a_window_outranks_both() {
    let mut obs = Observations {
        port: 4002,
        scan: Some(listening(4002)),
        accept_queue_samples: vec![0],
        worker: Some(failed_handshake(ErrorCode::HandshakeTimeout)),
        ..Observations::default()
    };
    assert_eq!(assess(&obs).verdict, Verdict::GatewayUnresponsive);
    obs.reset_window = Some(window());
    assert_eq!(assess(&obs).verdict, Verdict::ResetWindow);
}

#[test]
fn nothing_on_the_port_but_another_ib_port_listens_suggests_switching() {
    let mut scan = listening(4002);
    scan.listeners.clear();
    let obs = Observations {
        port: 4002,
        scan: Some(scan),
        other_listening_ports: vec![7497],
        ..Observations::default()
    };
    let report = assess(&obs);
    assert_eq!(report.verdict, Verdict::WrongPortOrApiDisabled);
    assert_eq!(
        report.remedy,
        Some(gateway_proto::Remedy::SwitchPort { port: 7497 })
    );
}

#[test]
fn nothing_on_the_port_while_ib_gateway_runs_says_its_api_is_off_not_that_it_is_not_running() {
    let mut scan = listening(4002);
    scan.listeners.clear();
    let running = gateway_proto::GatewayProcess {
        pid: 7312,
        product: gateway_proto::GatewayProduct::IbGateway,
        name: "ibgateway.exe".into(),
    };
    let obs = Observations {
        port: 4002,
        scan: Some(scan.clone()),
        gateway_processes: vec![running],
        ..Observations::default()
    };
    let report = assess(&obs);
    assert_eq!(report.verdict, Verdict::WrongPortOrApiDisabled);
    assert_contains(
        &report.summary,
        "IB Gateway is running, but its API is not listening on port 4002",
    );
    assert!(
        report
            .next_step
            .contains("Enable ActiveX and Socket Clients")
    );
    assert_eq!(
        check(&report, gateway_proto::CheckId::GatewayProcess).status,
        gateway_proto::CheckStatus::Warn
    );
    // Without a Gateway or TWS process: not running.
    let nothing = Observations {
        port: 4002,
        scan: Some(scan),
        ..Observations::default()
    };
    assert_eq!(assess(&nothing).verdict, Verdict::GatewayNotRunning);
}

#[test]
fn the_report_says_paper_or_live_from_the_accounts_and_not_known_without_any() {
    let with = |accounts: &[&str]| Observations {
        port: 4002,
        worker: Some(WorkerStatus {
            accounts: accounts.iter().map(|a| a.to_string()).collect(),
            ..WorkerStatus::default()
        }),
        ..Observations::default()
    };
    assert_eq!(
        assess(&with(&["DU1234567"])).account_mode,
        Some(AccountMode::Paper)
    );
    assert_eq!(
        assess(&with(&["U1234567"])).account_mode,
        Some(AccountMode::Live)
    );
    let unknown = assess(&with(&[]));
    assert_eq!(unknown.account_mode, None, "no account: not guessed");
    let check = unknown
        .checks
        .iter()
        .find(|c| c.id == gateway_proto::CheckId::AccountMode);
    assert_eq!(
        check.map(|c| c.status),
        Some(gateway_proto::CheckStatus::Skip)
    );
    let live_port = Observations {
        port: 4001,
        ..Observations::default()
    };
    assert_eq!(assess(&live_port).account_mode, Some(AccountMode::Live));
}

#[test]
fn every_check_id_appears_exactly_once() {
    let report = assess(&Observations {
        port: 4002,
        scan: Some(listening(4002)),
        ..Observations::default()
    });
    let mut ids: Vec<_> = report.checks.iter().map(|c| c.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 14, "{ids:?}");
    assert_eq!(report.checks.len(), 14);
}

fn check(report: &gateway_proto::Report, id: gateway_proto::CheckId) -> &gateway_proto::Check {
    report
        .checks
        .iter()
        .find(|c| c.id == id)
        .expect("the check")
}

/// A ledger with one program, `bot.py`, seen using client id `id` in its environment.
fn ledger_with_holder(id: i64) -> gateway_proto::ClientLedger {
    let json = serde_json::json!({
        "port": 4002, "unreadable_processes": 0, "scanned_at_ms": 0,
        "entries": [{
            "connection": {"local_addr": "127.0.0.1", "local_port": 50001, "remote_addr": "127.0.0.1",
                "remote_port": 4002, "state": "established", "inode": 7, "uid": 1000, "pids": [321]},
            "process": {"pid": 321, "name": "python3", "cmdline": ["python3", "bot.py"], "uid": 1000,
                "user": null, "start_ticks": 1, "started_at_ms": 0, "is_gateway": false, "has_live_session": false},
            "is_own_worker": false, "client_id": id, "client_id_source": "environment"
        }]
    });
    serde_json::from_value(json).expect("a ClientLedger")
}

#[test]
fn a_refused_client_id_names_the_local_program_holding_it() {
    let obs = Observations {
        port: 4002,
        client_id: Some(7431),
        scan: Some(listening(4002)),
        ledger: Some(ledger_with_holder(7431)),
        worker: Some(failed_handshake(ErrorCode::ClientIdInUse)),
        source: SessionSource::Own,
        ..Observations::default()
    };
    let report = assess(&obs);
    assert_eq!(report.verdict, Verdict::ClientIdInUse);
    let conflict = check(&report, gateway_proto::CheckId::ClientIdConflict);
    assert_eq!(
        conflict.detail,
        "Client id 7431 is already used by another connection to the Gateway. \
         python3 (python3 bot.py) uses client id 7431 (seen in its environment)."
    );
    assert!(
        report.next_step.starts_with("Close python3,"),
        "{}",
        report.next_step
    );

    // A program with another id is not named as the holder.
    let elsewhere = assess(&Observations {
        ledger: Some(ledger_with_holder(12)),
        ..obs
    });
    let conflict = check(&elsewhere, gateway_proto::CheckId::ClientIdConflict);
    assert_contains(
        &conflict.detail,
        "No program on this computer shows client id 7431",
    );
}

#[test]
fn settings_that_need_fixing_make_up_no_client_id() {
    let report = assess(&Observations {
        port: 4002,
        client_id: None,
        scan: Some(listening(4002)),
        ..Observations::default()
    });
    let conflict = check(&report, gateway_proto::CheckId::ClientIdConflict);
    assert_eq!(conflict.status, gateway_proto::CheckStatus::Skip);
    assert!(
        !conflict.detail.contains("client id 1"),
        "{}",
        conflict.detail
    );
    assert_eq!(
        check(&report, gateway_proto::CheckId::Config).detail,
        "Port 4002."
    );
}

#[test]
fn a_reset_window_does_not_explain_a_gateway_that_is_not_running() {
    let mut scan = listening(4002);
    scan.listeners.clear();
    let closed = Observations {
        port: 4002,
        scan: Some(scan),
        reset_window: Some(window()),
        ..Observations::default()
    };
    let report = assess(&closed);
    assert_eq!(report.verdict, Verdict::GatewayNotRunning, "{report:#?}");
    assert_eq!(
        check(&report, gateway_proto::CheckId::ResetWindow).status,
        gateway_proto::CheckStatus::Warn,
        "the window is still shown among the checks"
    );
    // With the API on another IB port, switching is the answer, window or not.
    let elsewhere = Observations {
        other_listening_ports: vec![7497],
        ..closed.clone()
    };
    assert_eq!(assess(&elsewhere).verdict, Verdict::WrongPortOrApiDisabled);
}

#[test]
fn a_reset_window_explains_a_closed_port_while_ib_gateway_runs() {
    let mut scan = listening(4002);
    scan.listeners.clear();
    let restarting = Observations {
        port: 4002,
        scan: Some(scan),
        gateway_processes: vec![gateway_proto::GatewayProcess {
            pid: 7312,
            product: gateway_proto::GatewayProduct::IbGateway,
            name: "java".into(),
        }],
        reset_window: Some(window()),
        ..Observations::default()
    };
    assert_eq!(assess(&restarting).verdict, Verdict::ResetWindow);
}

#[test]
fn a_reset_window_does_not_explain_a_client_id_in_use_or_a_gateway_too_old() {
    for (code, expected) in [
        (ErrorCode::ClientIdInUse, Verdict::ClientIdInUse),
        (ErrorCode::GatewayTooOld, Verdict::GatewayTooOld),
    ] {
        let obs = Observations {
            port: 4002,
            scan: Some(listening(4002)),
            accept_queue_samples: vec![0],
            worker: Some(failed_handshake(code.clone())),
            reset_window: Some(window()),
            ..Observations::default()
        };
        assert_eq!(assess(&obs).verdict, expected, "{code:?}");
    }
}

#[test]
fn without_the_socket_table_a_port_is_never_called_listening() {
    // Nothing tested it, and the table could not be read: neither listening nor closed is known.
    let obs = Observations {
        port: 4002,
        scan: None,
        scan_error: Some("netlink sock_diag denied".into()),
        source: SessionSource::Own,
        ..Observations::default()
    };
    let report = assess(&obs);
    assert_eq!(report.verdict, Verdict::ListeningNotTested, "{report:#?}");
    assert_contains(
        &report.summary,
        "cannot tell whether IB Gateway listens on port 4002",
    );
    assert!(
        !report.summary.contains("is listening"),
        "{}",
        report.summary
    );

    // A refused connect says what the table could not: nothing accepts on the port.
    let refused = Observations {
        worker: Some(failed_handshake(ErrorCode::ConnectionRefused)),
        ..obs
    };
    let report = assess(&refused);
    assert_eq!(report.verdict, Verdict::GatewayNotRunning, "{report:#?}");
    assert_contains(&report.summary, "Nothing accepts connections on port 4002");
}
