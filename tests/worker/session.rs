//! A live session: it stays open until the process ends, the heartbeat notices a muted API, a dropped
//! socket is reported at once, notices become link state, and the guardrail stops hammering.

use std::time::{Duration, Instant};

use serde_json::json;

use super::harness::{BOUND, Worker, command, connect, failure, failure_message, success};
use gateway_testkit::{SimProcess, assert_contains};

/// Connects a fresh worker (started with `env`) to `sim` as client id 1.
fn connected(sim: &SimProcess, env: &[(&str, &str)]) -> Worker {
    let mut worker = Worker::start(env);
    success(&worker.request(connect(100, sim.port(), 1, 5.0)));
    worker
}

#[test]
fn the_session_stays_open_through_pings_and_a_refused_disconnect_until_the_worker_is_killed() {
    let sim = SimProcess::start(&[]);
    let mut worker = connected(&sim, &[]);
    for id in 1..=5 {
        let data = success(&worker.request(command(id, "ping"))).clone();
        assert!(data["rtt_ms"].as_f64().expect("rtt_ms") >= 0.0, "{data}");
        assert!(
            data["server_time"]
                .as_str()
                .expect("server_time")
                .contains('T'),
            "RFC 3339: {data}"
        );
        let stats = sim.stats();
        assert_eq!(
            (stats.live_clients.len(), stats.client_closes),
            (1, 0),
            "after ping {id}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let accounts = success(&worker.request(command(6, "accounts"))).clone();
    assert_eq!(accounts["accounts"], json!(["DU1234567"]));
    let refused = worker.request(command(7, "disconnect"));
    let message = failure_message(&refused, "FORCE_DISCONNECT_REQUIRED");
    assert_contains(&message, "\"Allow disconnecting the session\" in Settings");
    assert_eq!(
        success(&worker.request(command(8, "status")))["session"],
        "connected"
    );
    let stats = sim.stats();
    assert_eq!(
        (
            stats.accepted,
            stats.live_clients.len(),
            stats.client_closes
        ),
        (1, 1, 0)
    );
    worker.kill();
    let stats = sim.wait_stats("the session to close with the process", BOUND, |s| {
        s.live_clients.is_empty()
    });
    assert_eq!(stats.client_closes, 1);
}

#[test]
fn disconnect_drops_the_session_when_forced() {
    let sim = SimProcess::start(&[]);
    let mut worker = connected(&sim, &[("IBKR_FORCE_DISCONNECT", "1")]);
    assert_eq!(
        success(&worker.request(command(1, "disconnect")))["disconnected"],
        true
    );
    sim.wait_stats("the client to close its socket", BOUND, |s| {
        s.client_closes == 1 && s.live_clients.is_empty()
    });
    assert_eq!(
        success(&worker.request(command(2, "status")))["session"],
        "disconnected"
    );
    failure(&worker.request(command(3, "ping")), "NOT_CONNECTED");
}

#[test]
fn commands_that_need_a_session_say_not_connected() {
    let mut worker = Worker::start(&[("IBKR_FORCE_DISCONNECT", "1")]);
    for (id, name) in [(1, "ping"), (2, "accounts"), (3, "disconnect")] {
        failure(&worker.request(command(id, name)), "NOT_CONNECTED");
    }
}

#[test]
fn status_answers_while_a_connect_waits_for_the_gateway() {
    let sim = SimProcess::start(&["--fault", "silent"]);
    let mut worker = Worker::start(&[]);
    worker.send(&connect(1, sim.port(), 1, 2.0));
    worker.state("the connecting state", BOUND, |s| {
        s["session"] == "connecting"
    });
    let status = success(&worker.request(command(2, "status"))).clone();
    assert_eq!(status["session"], "connecting");
    assert_eq!(status["target"]["port"], sim.port());
    failure(&worker.response(&json!(1), BOUND), "HANDSHAKE_TIMEOUT");
}

#[test]
fn a_muted_heartbeat_turns_the_session_unresponsive_within_two_intervals_and_back() {
    let (interval, timeout) = (0.5, 0.3);
    let sim = SimProcess::start(&[]);
    let mut worker = connected(
        &sim,
        &[
            ("IBKR_HEARTBEAT_INTERVAL", "0.5"),
            ("IBKR_HEARTBEAT_TIMEOUT", "0.3"),
        ],
    );
    sim.wait_stats("a first heartbeat", BOUND, |s| s.heartbeat_requests >= 1);
    let answered = success(&worker.request(command(1, "status")))["heartbeat"].clone();
    assert_eq!(
        (
            answered["interval_ms"].clone(),
            answered["timeout_ms"].clone()
        ),
        (json!(500), json!(300))
    );
    sim.set_fault("ignore_heartbeat");
    let muted = Instant::now();
    // Two ticks and the second one's timeout, plus room for a busy machine.
    let bound = Duration::from_secs_f64(2.0 * interval + timeout + 1.0);
    let state = worker.state("the unresponsive state", bound, |s| {
        s["session"] == "unresponsive"
    });
    eprintln!(
        "unresponsive {:?} after the heartbeat was muted",
        muted.elapsed()
    );
    assert!(
        state["heartbeat"]["misses_in_a_row"]
            .as_u64()
            .expect("misses")
            >= 2,
        "{state}"
    );
    assert_eq!(
        sim.stats().live_clients.len(),
        1,
        "an unresponsive session is kept, not closed"
    );
    sim.set_fault("normal");
    worker.state("the connected state again", BOUND, |s| {
        s["session"] == "connected"
    });
}

#[test]
fn a_dropped_socket_is_connection_lost_at_once() {
    let sim = SimProcess::start(&[]);
    let mut worker = connected(&sim, &[]);
    let dropped = Instant::now();
    sim.control.drop_all().expect("drop_all");
    let state = worker.state("the disconnected state", Duration::from_secs(2), |s| {
        s["session"] == "disconnected"
    });
    eprintln!(
        "CONNECTION_LOST reported {:?} after drop_all",
        dropped.elapsed()
    );
    assert_eq!(state["last_error"]["code"], "CONNECTION_LOST", "{state}");
    assert_eq!(state["accounts"], json!([]));
    failure(&worker.request(command(1, "ping")), "NOT_CONNECTED");
    // The supervisor reconnects; the worker takes a new connect.
    success(&worker.request(connect(2, sim.port(), 1, 5.0)));
}

#[test]
fn notices_1100_then_1102_report_the_link_lost_then_restored() {
    let sim = SimProcess::start(&[]);
    let mut worker = connected(&sim, &[]);
    worker.state("the farm notices", BOUND, |s| {
        s["farms"].as_array().is_some_and(|f| f.len() == 3)
    });
    sim.control.notice(1100, None).expect("notice 1100");
    worker.event("notice 1100", BOUND, |e| {
        e["event"] == "notice" && e["data"]["code"] == 1100
    });
    let lost = worker.state("link lost", BOUND, |s| s["link"]["state"] == "lost");
    assert_eq!(lost["link"]["code"], 1100);
    sim.control.notice(1102, None).expect("notice 1102");
    worker.state("link restored", BOUND, |s| s["link"]["state"] == "restored");
    let status = success(&worker.request(command(1, "status"))).clone();
    assert_eq!(
        (
            status["link"]["state"].clone(),
            status["link"]["code"].clone()
        ),
        (json!("restored"), json!(1102))
    );
    assert_eq!(
        status["session"], "connected",
        "a lost IB link is not a lost API session"
    );
    let farm_states: Vec<&str> = status["farms"]
        .as_array()
        .expect("farms")
        .iter()
        .map(|f| f["state"].as_str().expect("state"))
        .collect();
    assert_eq!(farm_states, ["ok", "ok", "ok"]);
}

#[test]
fn three_handshake_timeouts_latch_the_guardrail_until_reset() {
    let sim = SimProcess::start(&["--fault", "silent"]);
    let mut worker = Worker::start(&[]);
    for id in 1..=3 {
        failure(
            &worker.request(connect(id, sim.port(), 1, 0.3)),
            "HANDSHAKE_TIMEOUT",
        );
    }
    assert_eq!(sim.stats().accepted, 3);
    let started = Instant::now();
    worker.send(&connect(4, sim.port(), 1, 0.3));
    let response = worker.response(&json!(4), BOUND);
    let took = started.elapsed();
    let message = failure_message(&response, "GATEWAY_UNRESPONSIVE");
    assert_contains(&message, "Gateway API layer is unresponsive");
    assert_contains(&message, "File");
    assert!(took < Duration::from_millis(100), "took {took:?}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        sim.stats().accepted,
        3,
        "a latched guardrail opens no socket"
    );
    let reset = success(&worker.request(command(5, "reset"))).clone();
    assert_eq!(
        (
            reset["was_latched"].clone(),
            reset["guardrail"]["latched"].clone()
        ),
        (json!(true), json!(false))
    );
    failure(
        &worker.request(connect(6, sim.port(), 1, 0.3)),
        "HANDSHAKE_TIMEOUT",
    );
    assert_eq!(sim.stats().accepted, 4, "after reset it tries again");
}

#[test]
fn sigterm_ends_the_worker_promptly_and_the_session_with_it() {
    let sim = SimProcess::start(&[]);
    let mut worker = connected(&sim, &[]);
    worker.terminate();
    let status = worker.wait_exit(Duration::from_secs(2));
    assert!(status.success(), "exit status {status:?}");
    sim.wait_stats("the session to close", BOUND, |s| {
        s.live_clients.is_empty() && s.client_closes == 1
    });
}
