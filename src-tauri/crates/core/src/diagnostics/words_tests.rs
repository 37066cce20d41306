//! Every text diagnose can show a trader reads plainly: each verdict and each branch of each check, run
//! through `assess` (and the guardrail's `explain`), scanned for the protocol words in
//! gateway_proto::words::JARGON. Only `technical` (shown under "Details") may hold them.

use gateway_proto::words::{API_CLIENT_LIGHT_NOTE, jargon_in};
use gateway_proto::{
    ErrorBody, ErrorCode, FarmKind, FarmState, FarmStatus, GatewayProcess, GatewayProduct,
    HandshakeReport, HandshakeStep, HandshakeStepName, LinkState, LinkStatus, PortScan, Report,
    SessionState, Verdict, WorkerStatus,
};
use jiff::tz::TimeZone;

use super::*;
use crate::config::{InvalidValue, Key, Source};
use crate::reset_window::InWindow;
use crate::supervisor::LatchRecord;

fn scan(port: u16, listening: bool, client_zombies: u32, gateway_zombies: u32) -> PortScan {
    let socket = |local: u16, remote: u16, state: &str, side: Option<&str>| {
        let mut s = serde_json::json!({"local_addr": "127.0.0.1", "local_port": local,
            "remote_addr": "127.0.0.1", "remote_port": remote, "state": state, "inode": 7, "uid": 1000,
            "pids": [4242], "accept_queue": null});
        if let Some(side) = side {
            s["side"] = serde_json::json!(side);
        }
        s
    };
    let listeners: Vec<_> = listening
        .then(|| socket(port, 0, "listen", None))
        .into_iter()
        .collect();
    let mut zombies: Vec<_> = (0..client_zombies)
        .map(|_| socket(50_000, port, "close_wait", Some("client")))
        .collect();
    zombies
        .extend((0..gateway_zombies).map(|_| socket(port, 50_001, "close_wait", Some("gateway"))));
    let json = serde_json::json!({
        "port": port, "listeners": listeners, "zombies": zombies,
        "live_sessions": [socket(50_002, port, "established", None)],
        "processes": [{"pid": 4242, "name": "java", "cmdline": ["java", "-jar", "ibgateway.jar"], "uid": 1000,
            "owner_sid": null, "user": "trader", "start_ticks": 1, "started_at_ms": 0, "is_gateway": true,
            "product": "ib_gateway", "has_live_session": false}],
        "unreadable_processes": 0, "scanned_at_ms": 0, "took_ms": 0.0
    });
    serde_json::from_value(json).expect("a PortScan")
}

fn steps(names: &[HandshakeStepName]) -> Option<HandshakeReport> {
    Some(HandshakeReport {
        steps: names
            .iter()
            .map(|&step| HandshakeStep { step, ms: 1.0 })
            .collect(),
        notices: vec![2104],
        elapsed_ms: 12.0,
        failed_with: None,
    })
}

fn failed(code: ErrorCode) -> WorkerStatus {
    WorkerStatus {
        session: SessionState::Disconnected,
        last_error: Some(ErrorBody::new(
            code,
            "The Gateway did not let Gateway Doctor in.",
        )),
        handshake: steps(&[
            HandshakeStepName::TcpConnected,
            HandshakeStepName::ManagedAccounts,
        ]),
        ..WorkerStatus::default()
    }
}

fn connected() -> WorkerStatus {
    WorkerStatus {
        session: SessionState::Connected,
        server_version: Some(187),
        accounts: vec!["DU1234567".into()],
        handshake: steps(&[
            HandshakeStepName::TcpConnected,
            HandshakeStepName::NextValidId,
        ]),
        ..WorkerStatus::default()
    }
}

/// Observations that between them reach every verdict and every branch of every check.
fn every_situation() -> Vec<Observations> {
    let base = Observations {
        port: 4002,
        client_id: Some(7),
        scan: Some(scan(4002, true, 0, 0)),
        accept_queue_samples: vec![0],
        source: SessionSource::Own,
        ..Observations::default()
    };
    let mut all = vec![
        Observations {
            client_id: None,
            config_errors: vec![InvalidValue {
                key: Key::Port,
                source: Source::Default,
                message: "port 70000 is not between 1 and 65535".into(),
            }],
            ..base.clone()
        },
        Observations {
            scan: None,
            scan_error: Some("the socket scan stopped: netlink sock_diag denied".into()),
            ..base.clone()
        },
        Observations {
            scan: Some(scan(4002, false, 0, 0)),
            accept_queue_samples: vec![],
            other_listening_ports: vec![7497],
            ..base.clone()
        },
        Observations {
            scan: Some(scan(4002, false, 0, 0)),
            accept_queue_samples: vec![],
            gateway_processes: vec![GatewayProcess {
                pid: 7312,
                product: GatewayProduct::IbGateway,
                name: "ibgateway".into(),
            }],
            ..base.clone()
        },
        Observations {
            scan: Some(scan(4002, false, 0, 0)),
            accept_queue_samples: vec![],
            ..base.clone()
        },
        Observations {
            accept_queue_samples: vec![3, 3],
            ..base.clone()
        },
        Observations {
            scan: Some(scan(4002, true, 2, 1)),
            ..base.clone()
        },
        Observations {
            worker: Some(connected()),
            ping: Some(PingOutcome::Answered { rtt_ms: 0.4 }),
            source: SessionSource::App { app_pid: 4242 },
            ..base.clone()
        },
        Observations {
            worker: Some(connected()),
            ping: Some(PingOutcome::Unanswered {
                message: "no reqCurrentTime answer within 5 s".into(),
            }),
            ..base.clone()
        },
        Observations {
            worker: Some(WorkerStatus {
                link: LinkStatus {
                    state: LinkState::Lost,
                    code: Some(1100),
                    message: Some("Connectivity between IB and TWS has been lost.".into()),
                    at_ms: Some(0),
                },
                farms: vec![
                    FarmStatus {
                        kind: FarmKind::MarketData,
                        name: "usfarm".into(),
                        state: FarmState::Broken,
                        code: 2103,
                        at_ms: 0,
                    },
                    FarmStatus {
                        kind: FarmKind::HistoricalData,
                        name: "ushmds".into(),
                        state: FarmState::Broken,
                        code: 2105,
                        at_ms: 0,
                    },
                ],
                ..connected()
            }),
            reset_window: Some(InWindow {
                name: "IBKR daily reset (North America)".into(),
                ends_at_ms: 0,
                ends_local: "01:45".into(),
            }),
            ..base.clone()
        },
        Observations {
            worker: Some(WorkerStatus {
                link: LinkStatus {
                    state: LinkState::ServerBroken,
                    code: Some(2110),
                    message: Some("Connectivity between TWS and server is broken.".into()),
                    at_ms: Some(0),
                },
                ..connected()
            }),
            ..base.clone()
        },
        Observations {
            worker: Some(WorkerStatus {
                session: SessionState::Unresponsive,
                ..connected()
            }),
            ..base.clone()
        },
        Observations {
            worker: Some(WorkerStatus {
                session: SessionState::Disconnected,
                ..WorkerStatus::default()
            }),
            ..base.clone()
        },
    ];
    for code in ErrorCode::ALL {
        all.push(Observations {
            worker: Some(failed(code.clone())),
            ..base.clone()
        });
    }
    all
}

/// Every text in a report a trader reads, with where it came from.
fn texts(report: &Report) -> Vec<(String, String)> {
    let mut out = vec![
        ("summary".to_string(), report.summary.clone()),
        ("next step".to_string(), report.next_step.clone()),
    ];
    out.extend(report.note.iter().map(|n| ("note".to_string(), n.clone())));
    out.extend(
        report
            .settings_to_check
            .iter()
            .map(|s| ("settings to check".to_string(), s.clone())),
    );
    for c in &report.checks {
        out.push((format!("{:?} title", c.id), c.title.clone()));
        out.push((format!("{:?} detail", c.id), c.detail.clone()));
        out.extend(
            c.next_step
                .iter()
                .map(|n| (format!("{:?} next step", c.id), n.clone())),
        );
    }
    out
}

fn reports() -> Vec<Report> {
    let mut all: Vec<Report> = every_situation().iter().map(assess).collect();
    let latched = HeldBack::Latched(LatchRecord {
        listener_inode: Some(9),
        latched_at_ms: 1_767_323_045_000,
        reason: ErrorBody::new(
            ErrorCode::GatewayUnresponsive,
            "IB Gateway stopped answering.",
        ),
    });
    let spent = HeldBack::BudgetSpent {
        wait: std::time::Duration::from_secs(13),
        until_ms: 5,
    };
    for held in [latched, spent] {
        let mut report = assess(&Observations {
            port: 4002,
            client_id: Some(7),
            scan: Some(scan(4002, true, 0, 0)),
            accept_queue_samples: vec![0],
            ..Observations::default()
        });
        explain_held_back(&mut report, &held, &TimeZone::UTC);
        all.push(report);
    }
    all
}

#[test]
fn every_verdict_and_check_reads_without_protocol_words() {
    let reports = reports();
    let verdicts: std::collections::HashSet<Verdict> = reports.iter().map(|r| r.verdict).collect();
    assert_eq!(verdicts.len(), 11, "every verdict is reached: {verdicts:?}");
    let mut found = Vec::new();
    for report in &reports {
        for (place, text) in texts(report) {
            let words = jargon_in(&text);
            if !words.is_empty() {
                found.push(format!(
                    "{:?} {place}: {words:?} in {text:?}",
                    report.verdict
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "jargon in the main text:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_technical_facts_are_kept_for_details() {
    let reports = reports();
    let technical: Vec<&str> = reports
        .iter()
        .flat_map(|r| r.checks.iter().filter_map(|c| c.technical.as_deref()))
        .collect();
    for fact in [
        "server version 187",
        "pid 4242",
        "usfarm (2103)",
        "IB notice 1100",
        "reqCurrentTime",
    ] {
        assert!(
            technical.iter().any(|t| t.contains(fact)),
            "{fact} is kept under Details: {technical:?}"
        );
    }
}

#[test]
fn a_refused_or_dropped_connection_walks_through_the_gateways_api_settings() {
    for code in [ErrorCode::ConnectionRefused, ErrorCode::ConnectionLost] {
        let report = assess(&Observations {
            port: 4001,
            client_id: Some(7),
            scan: Some(scan(4001, true, 0, 0)),
            accept_queue_samples: vec![0],
            worker: Some(failed(code.clone())),
            source: SessionSource::Own,
            ..Observations::default()
        });
        assert_eq!(report.verdict, Verdict::WrongPortOrApiDisabled, "{code}");
        let steps = report.settings_to_check.join("\n");
        for name in [
            "Enable ActiveX and Socket Clients",
            "Socket port",
            "(4001)",
            "Allow connections from localhost only",
            "Trusted IPs",
            "Read-Only API",
        ] {
            assert!(steps.contains(name), "{code}: {name} missing from {steps}");
        }
        assert_eq!(report.note.as_deref(), Some(API_CLIENT_LIGHT_NOTE));
    }
    // A healthy session needs neither.
    let healthy = assess(&Observations {
        port: 4002,
        client_id: Some(7),
        scan: Some(scan(4002, true, 0, 0)),
        accept_queue_samples: vec![0],
        worker: Some(connected()),
        source: SessionSource::Own,
        ..Observations::default()
    });
    assert_eq!(healthy.verdict, Verdict::Healthy);
    assert!(healthy.settings_to_check.is_empty());
    assert_eq!(healthy.note, None);
}

#[test]
fn the_api_client_light_note_sits_beside_untested_and_unresponsive() {
    for report in reports() {
        let expected = matches!(
            report.verdict,
            Verdict::ListeningNotTested
                | Verdict::GatewayUnresponsive
                | Verdict::WrongPortOrApiDisabled
        );
        assert_eq!(report.note.is_some(), expected, "{:?}", report.verdict);
    }
}
