//! `gateway-doctor connect`: one session through the supervisor until SIGTERM, and nothing left behind.

use std::path::Path;
use std::process::Child;
use std::time::Duration;

use gateway_core::sockets;

use super::doctor::Doctor;
use gateway_testkit::{Lines, SimProcess, assert_contains, signal, wait_exit, wait_until};

/// Starts `connect` with its stdout read line by line.
fn start_connect(doctor: &Doctor, args: &[&str]) -> (Child, Lines) {
    doctor.start(doctor.command(&[&["connect"][..], args].concat()))
}

/// How long a line `connect` prints may take.
const LINE_WITHIN: Duration = Duration::from_secs(15);

/// SIGTERM to `child`; it must exit 0 by itself.
fn terminate_and_expect_0(child: &mut Child) {
    signal(child.id(), "TERM");
    let exit = wait_exit(child, Duration::from_secs(10));
    assert!(exit.is_some(), "connect still running 10 s after SIGTERM");
    assert_eq!(exit.and_then(|s| s.code()), Some(0));
}

#[test]
fn connect_holds_one_session_until_sigterm_and_leaves_no_worker() {
    let sim = SimProcess::start(&[]);
    let doctor = Doctor::new();
    let port = sim.port().to_string();
    let (mut child, lines) = start_connect(&doctor, &["--port", &port, "--client-id", "77"]);

    let line = lines.wait_for(LINE_WITHIN, |l| l.contains("Connected to"));
    assert_contains(&line, "client id 77");
    let stats = sim.wait_stats("one live client", Duration::from_secs(5), |s| {
        s.live_clients.len() == 1
    });
    assert_eq!(stats.live_clients[0].client_id, 77);
    // The live session's holder is the worker.
    let scan = sockets::scan(sim.port()).expect("scan");
    let worker = scan.live_sessions[0].pids.clone();
    assert_eq!(worker.len(), 1, "{scan:#?}");
    assert_ne!(worker[0], child.id(), "the session belongs to the worker");

    terminate_and_expect_0(&mut child);
    sim.wait_stats("no live client", Duration::from_secs(5), |s| {
        s.live_clients.is_empty()
    });
    let gone = wait_until(Duration::from_secs(5), || {
        !Path::new(&format!("/proc/{}", worker[0])).exists()
    });
    assert!(gone, "the worker {} outlived the CLI", worker[0]);
    assert_eq!(sim.stats().accepted, 1, "one connection, no retries");
}

#[test]
fn connect_json_prints_each_state_as_a_json_line() {
    let sim = SimProcess::start(&[]);
    let doctor = Doctor::new();
    let port = sim.port().to_string();
    let (mut child, lines) = start_connect(&doctor, &["--port", &port, "--json"]);
    let line = lines.wait_for(LINE_WITHIN, |l| {
        serde_json::from_str::<serde_json::Value>(l)
            .unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}"))["lifecycle"]["phase"]
            == "connected"
    });
    let state: serde_json::Value = serde_json::from_str(&line).expect("JSON");
    assert_eq!(state["worker"]["session"], "connected", "{state}");
    terminate_and_expect_0(&mut child);
    sim.wait_stats("no live client", Duration::from_secs(5), |s| {
        s.live_clients.is_empty()
    });
}

/// The phase of a `connect --json` line.
fn phase(line: &str) -> String {
    serde_json::from_str::<serde_json::Value>(line)
        .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))["lifecycle"]["phase"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn connect_keeps_the_guardrail_on_disk_and_a_second_run_spends_no_handshake() {
    let sim = SimProcess::start(&["--fault", "silent"]);
    let doctor = Doctor::new();
    let port = sim.port().to_string();
    let args = ["--port", port.as_str(), "--timeout", "0.5", "--json"];
    let run = |doctor: &Doctor| {
        let mut command = doctor.command(&[&["connect"][..], &args[..]].concat());
        command.env("IBKR_MAX_TIMEOUTS", "2");
        doctor.start(command)
    };

    // The first run finds the API layer dead and trips the guardrail; it is written where the app keeps it
    // (this run's XDG_CONFIG_HOME is a temp dir).
    let (mut first, lines) = run(&doctor);
    lines.wait_for(LINE_WITHIN, |l| phase(l) == "latched");
    terminate_and_expect_0(&mut first);
    assert_eq!(sim.stats().accepted, 2);
    let file = doctor
        .dir()
        .join("config")
        .join("gateway-doctor")
        .join("guardrail.json");
    assert!(file.is_file(), "{} is missing", file.display());

    // The second run starts latched: the same Gateway, nothing new sent to it.
    let (mut second, lines) = run(&doctor);
    let line = lines.wait_for(LINE_WITHIN, |l| phase(l) == "latched");
    assert_contains(&line, "GATEWAY_UNRESPONSIVE");
    std::thread::sleep(Duration::from_millis(1500));
    terminate_and_expect_0(&mut second);
    assert_eq!(
        sim.stats().accepted,
        2,
        "the second run spent no handshake on the latched Gateway"
    );
}
