//! The testkit against the real binaries (`cargo build --workspace --bins` first): a started simulator
//! answers on the ports its ready line gave and is gone after drop; one that cannot start says why with its
//! own stderr; the worker is ready to answer when `Worker::start` returns.

use std::net::TcpStream;
use std::time::Duration;

use gateway_testkit::{SimOptions, SimProcess, StartError, Worker, wait_until};
use serde_json::json;

#[test]
fn a_started_simulator_answers_on_its_ports_and_is_gone_after_drop() {
    let sim = SimProcess::start(&[]);
    assert_ne!(sim.port(), 0, "the ready line gives the port picked");
    assert_eq!(sim.stats().accepted, 0, "the control port answers");
    TcpStream::connect(sim.api).expect("the API port listens");
    let api = sim.api;
    drop(sim);
    assert!(
        wait_until(Duration::from_secs(5), || TcpStream::connect(api).is_err()),
        "the simulator still listens after drop"
    );
}

#[test]
fn a_simulator_that_cannot_start_quotes_its_stderr() {
    let error = SimOptions::default()
        .args(&["--fault", "no-such-fault"])
        .quiet()
        .spawn()
        .err()
        .expect("an unknown fault stops it before its ready line");
    assert!(matches!(error, StartError::Exited { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains("no-such-fault"),
        "its stderr is quoted: {text}"
    );
}

#[test]
fn the_ibc_port_is_in_the_ready_line_when_asked_for() {
    let sim = SimOptions::default().ibc("127.0.0.1:0").start();
    TcpStream::connect(sim.ibc()).expect("IBC's command port listens");
    assert_eq!(SimProcess::start(&[]).ready.ibc, None);
}

#[test]
fn a_started_worker_answers_its_first_request() {
    let mut worker = Worker::start(&[]);
    let answer = worker.request(json!({"id": 1, "command": "status"}));
    assert_eq!(answer["status"], "success", "{answer}");
}
