//! `connect`: the field report's direct test, strict input, settings from the environment, and each of
//! the simulator's faults answered with its own error code and the handshake steps reached.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use super::harness::{
    BOUND, Worker, command, connect, failure, failure_message, step_names, success,
};
use gateway_testkit::{SimProcess, assert_contains, bin};

/// The handshake timeout the fault tests use: long enough for a loaded machine, short for the suite.
const FAULT_TIMEOUT: f64 = 1.0;

/// Starts a simulator with `fault` and returns the error of one connect to it.
fn connect_error(fault: &str, code: &str) -> (SimProcess, serde_json::Value) {
    let sim = SimProcess::start(&["--fault", fault]);
    let mut worker = Worker::start(&[]);
    let response = worker.request(connect(1, sim.port(), 1, FAULT_TIMEOUT));
    let error = failure(&response, code).clone();
    (sim, error)
}

#[test]
fn the_field_reports_direct_test_prints_a_success_line() {
    let sim = SimProcess::start(&[]);
    let line = format!(
        r#"{{"command": "connect", "params": {{"host": "127.0.0.1", "port": {}, "client_id": 888, "readonly": true, "timeout": 10.0}}}}"#,
        sim.port()
    );
    let mut child = Command::new(bin("gateway-worker"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn gateway-worker");
    let mut stdin = child.stdin.take().expect("piped stdin");
    writeln!(stdin, "{line}").expect("write the request");
    drop(stdin);
    let output = child
        .wait_with_output()
        .expect("the worker exits at the end of its input");
    assert!(output.status.success(), "exit status {:?}", output.status);
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let answer = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("each line is JSON"))
        .find(|l| l.get("status").is_some())
        .unwrap_or_else(|| panic!("no answer line in {stdout}"));
    let data = success(&answer);
    assert_eq!(data["connected"], true);
    assert_eq!(data["accounts"], json!(["DU1234567"]));
    assert_eq!(data["client_id"], 888);
    assert!(
        answer.get("id").is_none(),
        "no id was sent, so none is echoed: {answer}"
    );
    assert_eq!(sim.stats().api_started, 1);
}

#[test]
fn the_flat_form_is_refused_in_under_100_ms_without_opening_a_connection() {
    let sim = SimProcess::start(&[]);
    let mut worker = Worker::start(&[]);
    success(&worker.request(command(1, "status")));
    let flat = json!({"id": 2, "command": "connect", "host": "127.0.0.1", "port": sim.port(), "client_id": 888});
    let started = Instant::now();
    worker.send(&flat);
    let response = worker.response(&json!(2), BOUND);
    let took = started.elapsed();
    let error = failure(&response, "BAD_REQUEST");
    assert!(
        error["message"]
            .as_str()
            .expect("message")
            .contains("\"params\""),
        "{error}"
    );
    assert!(took < Duration::from_millis(100), "took {took:?}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        sim.stats().accepted,
        0,
        "the flat form must not open a connection"
    );
}

#[test]
fn missing_params_come_from_the_environment() {
    let sim = SimProcess::start(&[]);
    let port = sim.port().to_string();
    let mut worker = Worker::start(&[
        ("IBKR_PORT", &port),
        ("IBKR_CLIENT_ID", "5"),
        ("IBKR_READONLY", "false"),
    ]);
    let response = worker.request(json!({"id": 1, "command": "connect", "params": {}}));
    let data = success(&response);
    assert_eq!(
        (data["client_id"].clone(), data["readonly"].clone()),
        (json!(5), json!(false))
    );
    assert_eq!(sim.stats().live_clients[0].client_id, 5);
}

#[test]
fn a_malformed_variable_makes_connect_a_bad_request_naming_it() {
    let sim = SimProcess::start(&[]);
    let mut worker = Worker::start(&[("IBKR_PORT", "abc")]);
    let response =
        worker.request(json!({"id": 1, "command": "connect", "params": {"client_id": 3}}));
    let message = failure_message(&response, "BAD_REQUEST");
    assert_contains(&message, "IBKR_PORT");
    assert_contains(&message, "1 to 65535");
    assert_eq!(sim.stats().accepted, 0);
}

#[test]
fn a_second_connect_is_already_connected_and_keeps_the_session() {
    let sim = SimProcess::start(&[]);
    let mut worker = Worker::start(&[]);
    success(&worker.request(connect(1, sim.port(), 1, 5.0)));
    failure(
        &worker.request(connect(2, sim.port(), 2, 5.0)),
        "ALREADY_CONNECTED",
    );
    let stats = sim.stats();
    assert_eq!((stats.accepted, stats.live_clients.len()), (1, 1));
}

#[test]
fn a_closed_port_is_connection_refused() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let mut worker = Worker::start(&[]);
    let response = worker.request(connect(1, port, 1, 5.0));
    let error = failure(&response, "CONNECTION_REFUSED");
    assert_eq!(step_names(&error["steps"]), Vec::<String>::new());
}

#[test]
fn silent_is_a_handshake_timeout_after_the_tcp_connect() {
    let (sim, error) = connect_error("silent", "HANDSHAKE_TIMEOUT");
    assert_eq!(step_names(&error["steps"]), ["tcp_connected"]);
    assert!(
        error["message"]
            .as_str()
            .expect("message")
            .contains("never answered Gateway Doctor's hello"),
        "{error}"
    );
    assert_eq!((sim.stats().accepted, sim.stats().handshakes), (1, 0));
}

#[test]
fn no_accept_is_a_handshake_timeout() {
    let (_sim, error) = connect_error("no_accept", "HANDSHAKE_TIMEOUT");
    // The kernel completes the TCP handshake from its accept queue; the Gateway never reads.
    assert_eq!(step_names(&error["steps"]), ["tcp_connected"]);
}

#[test]
fn no_next_valid_id_reports_that_the_accounts_came_but_next_valid_id_never_did() {
    let (_sim, error) = connect_error("no_next_valid_id", "HANDSHAKE_TIMEOUT");
    assert_eq!(
        step_names(&error["steps"]),
        ["tcp_connected", "server_version", "managed_accounts"]
    );
    let message = error["message"].as_str().expect("message");
    assert_contains(message, "sent the accounts");
    assert_contains(message, "never said it was ready for orders");
    assert!(
        message.contains("2104"),
        "the farm notices that arrived are named: {message}"
    );
}

#[test]
fn slow_handshake_beyond_the_timeout_is_a_handshake_timeout() {
    let (_sim, error) = connect_error("slow_handshake:3000", "HANDSHAKE_TIMEOUT");
    assert_eq!(step_names(&error["steps"]), ["tcp_connected"]);
}

#[test]
fn slow_handshake_within_the_timeout_connects_and_times_its_steps() {
    let sim = SimProcess::start(&["--fault", "slow_handshake:300"]);
    let mut worker = Worker::start(&[]);
    let data = success(&worker.request(connect(1, sim.port(), 1, 5.0))).clone();
    assert!(
        data["handshake_ms"].as_f64().expect("handshake_ms") >= 300.0,
        "{data}"
    );
    let steps = &data["steps"];
    assert_eq!(
        step_names(steps),
        [
            "tcp_connected",
            "server_version",
            "managed_accounts",
            "next_valid_id"
        ]
    );
    let at = |i: usize| steps[i]["ms"].as_f64().expect("ms");
    assert!(
        at(0) < 300.0 && at(1) >= 300.0,
        "the delay is between the TCP connect and the version: {steps}"
    );
}

#[test]
fn close_after_handshake_is_connection_lost_after_the_version() {
    let (_sim, error) = connect_error("close_after_handshake", "CONNECTION_LOST");
    assert_eq!(
        step_names(&error["steps"]),
        ["tcp_connected", "server_version"]
    );
}

#[test]
fn garbage_is_a_protocol_error() {
    let (_sim, error) = connect_error("garbage", "PROTOCOL_ERROR");
    assert!(
        error["message"]
            .as_str()
            .expect("message")
            .contains("in a way IB Gateway and TWS never do"),
        "{error}"
    );
}

#[test]
fn an_old_gateway_is_too_old_with_the_version_seen() {
    let (_sim, error) = connect_error("old_version", "GATEWAY_TOO_OLD");
    let message = error["message"].as_str().expect("message");
    assert_contains(message, "too old");
    assert_contains(message, "Update");
    // The versions are for support: under Details (the error's detail), not in the trader's words.
    let detail = error["detail"].as_str().expect("detail");
    assert!(detail.contains("187") && detail.contains("213"), "{error}");
}

#[test]
fn a_client_id_held_by_another_session_is_client_id_in_use() {
    let sim = SimProcess::start(&[]);
    let mut first = Worker::start(&[]);
    success(&first.request(connect(1, sim.port(), 7, 5.0)));
    let mut second = Worker::start(&[]);
    let response = second.request(connect(1, sim.port(), 7, 5.0));
    let message = failure_message(&response, "CLIENT_ID_IN_USE");
    assert_contains(&message, "Client id 7");
    assert_eq!(
        sim.stats().live_clients.len(),
        1,
        "the first session is untouched"
    );
}

#[test]
fn hold_closed_connects_and_the_gateway_keeps_its_side_when_the_worker_dies() {
    let sim = SimProcess::start(&["--fault", "hold_closed"]);
    let mut worker = Worker::start(&[]);
    success(&worker.request(connect(1, sim.port(), 1, 5.0)));
    worker.kill();
    let stats = sim.wait_stats("the Gateway to hold the closed socket", BOUND, |s| {
        s.held_closed == 1
    });
    assert_eq!(stats.client_closes, 1);
}

#[test]
fn a_gateway_gone_red_after_a_quick_disconnect_times_out_the_next_connect() {
    let sim = SimProcess::start(&["--fault", "red_after_disconnect"]);
    let mut first = Worker::start(&[]);
    success(&first.request(connect(1, sim.port(), 1, 5.0)));
    first.kill();
    sim.wait_stats("the API layer to go RED", BOUND, |s| s.red);
    let mut second = Worker::start(&[]);
    failure(
        &second.request(connect(1, sim.port(), 1, FAULT_TIMEOUT)),
        "HANDSHAKE_TIMEOUT",
    );
}
