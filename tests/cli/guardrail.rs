//! The guardrail shared by every Gateway Doctor process, seen from `gateway-doctor diagnose --handshake`
//! (no app open): the connect budget counts the connects of all runs together, a Gateway latched as
//! unresponsive gets no connect while its listener is the same, and a Ctrl-C during the hold does not end
//! the session at once. Each `Doctor` is one user's config folder, shared by its runs.

use std::time::{Duration, Instant};

use gateway_core::sockets;
use gateway_core::supervisor::{CONNECT_BUDGET, LatchFile, LatchRecord};
use gateway_proto::{ErrorBody, ErrorCode, Remedy, Verdict};

use super::doctor::{Doctor, assert_verdict};
use gateway_testkit::{SimProcess, assert_contains, signal, wait_exit};

/// A short hold (for tests only), so a loop of runs takes seconds.
const SHORT_HOLD_MS: &str = "100";

fn diagnose_json(doctor: &Doctor, port: &str) -> super::doctor::Run {
    let mut command = doctor.command(&[
        "diagnose",
        "--port",
        port,
        "--handshake",
        "--client-id",
        "51",
        "--json",
    ]);
    command.env("GATEWAY_DOCTOR_TEST_HOLD_MS", SHORT_HOLD_MS);
    doctor.run_with(command)
}

#[test]
fn a_loop_of_diagnose_handshake_runs_never_connects_more_than_the_budget() {
    let sim = SimProcess::start(&[]);
    let doctor = Doctor::new();
    let port = sim.port().to_string();
    let [(window, limit), _] = CONNECT_BUDGET;
    let started = Instant::now();
    let mut held_back = 0;
    for run in 0..limit + 2 {
        let result = diagnose_json(&doctor, &port);
        let report = result.report();
        if report.verdict == Verdict::ListeningNotTested {
            result.assert_code(3);
            assert!(
                matches!(report.remedy, Some(Remedy::WaitUntil { .. })),
                "run {run}: {report:#?}"
            );
            assert!(
                report.next_step.starts_with("Wait "),
                "{}",
                report.next_step
            );
            held_back += 1;
        }
    }
    let stats = sim.stats();
    assert!(
        stats.accepted <= limit as u64,
        "{} runs made {} connects; the budget is {limit} in {window:?}",
        limit + 2,
        stats.accepted
    );
    // Only when the loop ran inside one window must the last runs have been held back (a slow machine
    // may let the first connects age out; the count above holds either way).
    if started.elapsed() < window {
        assert_eq!(stats.accepted, limit as u64, "{stats:?}");
        assert_eq!(held_back, 2);
    }
}

#[test]
fn diagnose_handshake_makes_no_connect_to_a_latched_gateway_with_the_same_listener() {
    let sim = SimProcess::start(&[]);
    let doctor = Doctor::new();
    let port = sim.port().to_string();
    let inode = sockets::scan_quick(sim.port())
        .expect("scan")
        .listener_inode;
    let latch = LatchFile::new(
        doctor
            .dir()
            .join("config")
            .join("gateway-doctor")
            .join("guardrail.json"),
    );
    let key = LatchFile::key("127.0.0.1", sim.port());
    // 2026-01-02 03:04:05 in the run's time zone is not known here; the date is.
    let record = LatchRecord {
        listener_inode: inode,
        latched_at_ms: 1_767_323_045_000,
        reason: ErrorBody::new(ErrorCode::GatewayUnresponsive, "no answer to the handshake"),
    };
    latch.set(&key, record.clone()).expect("write the latch");

    let run = diagnose_json(&doctor, &port);
    let report = run.report();
    assert_verdict(&report, Verdict::GatewayUnresponsive);
    if report.verdict == Verdict::GatewayUnresponsive {
        run.assert_code(1);
        assert_contains(&report.summary, "2026-01-0");
        assert_contains(&report.next_step, "Restart IB Gateway");
    }
    assert_contains(&run.stderr, "Not connecting");
    assert_eq!(sim.stats().accepted, 0, "a latched Gateway got a connect");

    // A new listener is a restarted Gateway: the entry is stale, the run connects once and clears it.
    latch
        .set(
            &key,
            LatchRecord {
                listener_inode: inode.map(|i| i + 1),
                ..record
            },
        )
        .expect("write the latch");
    let run = diagnose_json(&doctor, &port);
    assert_verdict(&run.report(), Verdict::Healthy);
    assert_eq!(sim.stats().accepted, 1);
    assert_eq!(
        latch.get(&key).expect("read"),
        None,
        "the stale entry is cleared"
    );
}

#[test]
fn a_first_ctrl_c_during_the_hold_keeps_the_session_and_a_second_quits() {
    let sim = SimProcess::start(&[]);
    let doctor = Doctor::new();
    let (mut child, lines) = doctor.start(doctor.diagnose_handshake(sim.port(), 52));
    let wait_for = |text: &str| lines.wait_for(Duration::from_secs(20), |l| l.contains(text));

    wait_for("Holding the connection to the Gateway open for");
    signal(child.id(), "INT");
    wait_for("Keeping the connection open");
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "the first Ctrl-C ended the run"
    );
    assert!(
        sim.stats().client_ids().contains(&52),
        "the first Ctrl-C ended the session"
    );
    signal(child.id(), "INT");
    assert!(
        wait_exit(&mut child, Duration::from_secs(5)).is_some(),
        "the second Ctrl-C did not end the run"
    );
    assert_eq!(sim.stats().accepted, 1);
}
