//! `gateway-doctor connect`: one session through the supervisor until SIGTERM, and nothing left behind.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gateway_core::sockets;

use super::doctor::Doctor;
use gateway_testkit::{SimProcess, wait_until};

/// Starts `connect` with stdout lines sent to a channel.
fn start_connect(doctor: &Doctor, args: &[&str]) -> (Child, mpsc::Receiver<String>) {
    let mut child = doctor
        .command(&[&["connect"][..], args].concat())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn gateway-doctor connect");
    let stdout = child.stdout.take().expect("piped stdout");
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    (child, lines)
}

fn wait_for_line(lines: &mpsc::Receiver<String>, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) if pred(&line) => return line,
            Ok(line) => seen.push(line),
            Err(_) => break,
        }
    }
    panic!("no such line; saw:\n{}", seen.join("\n"));
}

/// SIGTERM to `child`; it must exit 0 by itself.
fn terminate_and_expect_0(child: &mut Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let mut exit = None;
    let ended = wait_until(Duration::from_secs(10), || {
        exit = child.try_wait().expect("try_wait");
        exit.is_some()
    });
    if !ended {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(ended, "connect still running 10 s after SIGTERM");
    assert_eq!(exit.and_then(|s| s.code()), Some(0));
}

#[test]
fn connect_holds_one_session_until_sigterm_and_leaves_no_worker() {
    let sim = SimProcess::start(&[]);
    let doctor = Doctor::new();
    let port = sim.port().to_string();
    let (mut child, lines) = start_connect(&doctor, &["--port", &port, "--client-id", "77"]);

    let line = wait_for_line(&lines, |l| l.contains("Connected to"));
    assert!(line.contains("client id 77"), "{line}");
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
    let line = wait_for_line(&lines, |l| {
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
        command
            .env("IBKR_MAX_TIMEOUTS", "2")
            .stderr(Stdio::inherit());
        let mut child = command.spawn().expect("spawn gateway-doctor connect");
        let stdout = child.stdout.take().expect("piped stdout");
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        (child, lines)
    };

    // The first run finds the API layer dead and trips the guardrail; it is written where the app keeps it
    // (this run's XDG_CONFIG_HOME is a temp dir).
    let (mut first, lines) = run(&doctor);
    wait_for_line(&lines, |l| phase(l) == "latched");
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
    let line = wait_for_line(&lines, |l| phase(l) == "latched");
    assert!(line.contains("GATEWAY_UNRESPONSIVE"), "{line}");
    std::thread::sleep(Duration::from_millis(1500));
    terminate_and_expect_0(&mut second);
    assert_eq!(
        sim.stats().accepted,
        2,
        "the second run spent no handshake on the latched Gateway"
    );
}
