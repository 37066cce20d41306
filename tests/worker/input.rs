//! Bad input never kills the worker or breaks stdout: each malformed line gets its own BAD_REQUEST (with
//! the id echoed when the line has one), and the end of stdin finishes the work in flight.

use std::time::Duration;

use serde_json::{Value, json};

use super::harness::{BOUND, Worker, command, connect, failure_message, success};
use gateway_testkit::SimProcess;

#[test]
fn each_malformed_line_gets_its_own_error_and_the_worker_keeps_serving() {
    let huge = format!(
        r#"{{"id":"huge","command":"status","params":{{"pad":"{}"}}}}"#,
        "x".repeat(1024 * 1024 + 10)
    );
    // (line, echoed id, what the message must say), one row per case: the table reads best unwrapped.
    #[rustfmt::skip]
    let lines = [
        ("{not json", Value::Null, "not valid JSON"),
        ("\u{1}\u{2}", Value::Null, "not valid JSON"),
        ("[1,2,3]", Value::Null, "JSON object"),
        ("42", Value::Null, "JSON object"),
        (r#"{"id":1,"command":"connect","host":"127.0.0.1","port":4002}"#, json!(1), "\"params\""),
        (r#"{"id":2,"command":"conect"}"#, json!(2), "Unknown command"),
        (r#"{"id":3}"#, json!(3), "missing field `command`"),
        (r#"{"id":4,"command":"status","extra":true}"#, json!(4), "unknown field `extra`"),
        (r#"{"id":5,"command":"status","params":{"verbose":true}}"#, json!(5), "takes no params"),
        (r#"{"id":"s","command":"connect","params":"127.0.0.1"}"#, json!("s"), "must be an object"),
    ];
    let mut cases: Vec<(String, Value, &str)> = lines
        .into_iter()
        .map(|(line, id, expected)| (line.to_string(), id, expected))
        .collect();
    cases.push((huge, json!("huge"), "limit is 1048576 bytes"));
    // Connect params that break a rule: (id, params, what the message must say).
    let bad_params = [
        (6, r#"{"hots":"127.0.0.1"}"#, "unknown field `hots`"),
        (7, r#"{"port":"4002"}"#, "params.port"),
        (8, r#"{"port":70000}"#, "1 to 65535"),
        (9, r#"{"port":0}"#, "1 to 65535"),
        (10, r#"{"client_id":-1}"#, "0 to 2147483647"),
        (11, r#"{"client_id":2147483648}"#, "params.client_id"),
        (12, r#"{"timeout":0.01}"#, "0.1 to 600"),
        (13, r#"{"timeout":601}"#, "0.1 to 600"),
        (14, r#"{"readonly":"yes"}"#, "params.readonly"),
    ];
    cases.extend(bad_params.map(|(id, params, expected)| {
        let line = format!(r#"{{"id":{id},"command":"connect","params":{params}}}"#);
        (line, json!(id), expected)
    }));
    let mut worker = Worker::start(&[]);
    for (line, id, expected) in &cases {
        worker.send_raw(line.as_bytes());
        let response = worker.next_line(BOUND);
        let message = failure_message(&response, "BAD_REQUEST");
        assert!(message.contains(expected), "{line:.80}: {message}");
        assert_eq!(
            response.get("id").unwrap_or(&Value::Null),
            id,
            "{line:.80}: {response}"
        );
    }
    // A blank line is not a request and gets no answer; the next request is answered normally.
    worker.send_raw(b"");
    worker.send(&command(99, "status"));
    let status = worker.next_line(BOUND);
    assert_eq!(status["id"], 99, "the blank line got an answer: {status}");
    assert_eq!(success(&status)["session"], "disconnected");
    assert!(
        worker.drain().is_empty(),
        "one answer per request, nothing else"
    );
}

#[test]
fn the_end_of_stdin_finishes_the_connect_in_flight_then_exits_zero() {
    let sim = SimProcess::start(&["--fault", "slow_handshake:300"]);
    let mut worker = Worker::start(&[]);
    worker.send(&connect(1, sim.port(), 1, 5.0));
    worker.close_stdin();
    let response = worker.response(&json!(1), BOUND);
    assert_eq!(success(&response)["connected"], true);
    assert!(worker.wait_exit(BOUND).success());
    sim.wait_stats("the session to close with the process", BOUND, |s| {
        s.live_clients.is_empty()
    });
}

#[test]
fn shutdown_answers_and_exits_zero() {
    let mut worker = Worker::start(&[]);
    let response = worker.request(command(1, "shutdown"));
    assert_eq!(success(&response)["shutting_down"], true);
    assert!(worker.wait_exit(Duration::from_secs(2)).success());
}
