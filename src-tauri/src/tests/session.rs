//! The session, connections and the demo against real gateway-sim and gateway-worker processes.

use serde_json::{Value, json};

use gateway_testkit::{SimProcess, assert_contains, free_port};

use super::{BOUND, TestApp, phase, wait_call, wait_event};

fn running(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

#[test]
fn connect_gateway_reaches_connected_and_emits_worker_state() {
    let sim = SimProcess::start(&[]);
    let app = TestApp::start(json!({"port": sim.port(), "client_id": 11}));
    let states = app.events("worker://state");
    let lines = app.events("log://line");
    let presences = app.events("gateway://presence");

    let answer = app.call("connect_gateway", Value::Null);
    assert!(answer["lifecycle"]["phase"].is_string(), "{answer}");
    let connected = wait_event(&states, "phase connected", |s| phase(s) == "connected");
    assert_eq!(connected["worker"]["accounts"], json!(["DU1234567"]));
    assert_eq!(connected["worker"]["target"]["port"], sim.port());
    assert_eq!(connected["worker"]["target"]["client_id"], 11);
    assert_eq!(phase(&app.call("get_status", Value::Null)), "connected");
    let live = app.call("get_worker_status", Value::Null);
    assert_eq!(live["session"], "connected");
    assert!(
        live["heartbeat"]["interval_ms"].as_u64() > Some(0),
        "{live}"
    );

    let presence = wait_event(&presences, "the listener", |p| {
        p["listening"] == true && p["pid"].is_number()
    });
    assert_eq!(app.call("get_gateway_presence", Value::Null), presence);
    assert_eq!(presence["port"], sim.port());
    assert_eq!(presence["pid"], sim.pid());
    assert_eq!(presence["process_name"], "gateway-sim");

    wait_event(&lines, "the worker's start", |l| {
        l["source"] == "supervisor"
            && l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("worker started"))
    });
    let logs = app.call("get_logs", json!({"limit": 1000}));
    let text = logs.to_string();
    assert_contains(&text, "worker started");
    assert_contains(&text, "connected");

    let stopped = app.call("stop_session", Value::Null);
    assert_eq!(phase(&stopped), "idle");
    assert!(stopped["worker_pid"].is_null());
    assert_eq!(stopped["stopped_by_user"], true, "{stopped}");
    assert_eq!(
        stopped["offered"],
        json!({"connect": true, "reconnect": false, "stop": false})
    );
    let err = app
        .invoke("get_worker_status", Value::Null)
        .expect_err("no worker");
    assert_eq!(err["code"], "NOT_CONNECTED");
}

#[test]
fn a_real_stale_connection_to_the_port_is_counted_in_the_presence() {
    // A "Gateway" that closes its end of a connection while this program keeps its own: a real CLOSE_WAIT.
    let gateway = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = gateway.local_addr().expect("addr").port();
    let app = TestApp::start(json!({"port": port}));
    let presences = app.events("gateway://presence");
    let held = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let (accepted, _) = gateway.accept().expect("accept");
    drop(accepted);
    let counted = wait_event(&presences, "one stale connection", |p| {
        p["stale"]["count"] == 1
    });
    assert_eq!(counted["port"], port);
    assert_eq!(
        app.call("get_gateway_presence", Value::Null)["stale"]["count"],
        1
    );
    drop(held);
    wait_event(&presences, "none once it is closed", |p| {
        p["stale"]["count"] == 0
    });
}

#[test]
fn connect_at_startup_connects_without_being_asked() {
    let sim = SimProcess::start(&[]);
    let app = TestApp::start(json!({"port": sim.port(), "connect_at_startup": true}));
    wait_call(&app, "get_status", "a session", |s| phase(s) == "connected");
}

#[test]
fn connect_gateway_is_refused_while_a_setting_is_wrong() {
    let app = TestApp::start(json!({"port": "seventy"}));
    let err = app
        .invoke("connect_gateway", Value::Null)
        .expect_err("bad port");
    assert_eq!(err["code"], "BAD_CONFIG");
    assert_eq!(err["detail"][0]["key"], "port");
    assert_eq!(phase(&app.call("get_status", Value::Null)), "idle");
}

#[test]
fn run_diagnose_emits_each_stage_then_done_and_the_bundle_carries_the_report() {
    let port = free_port();
    let app = TestApp::start(json!({"port": port}));
    let progress = app.events("diagnose://progress");
    let report = app.call("run_diagnose", Value::Null);
    assert_eq!(report["verdict"], "gateway_not_running");
    // The events travel on the backend's bus, so the last may land just after the answer: wait for "done".
    let mut steps: Vec<(String, u64)> = Vec::new();
    let deadline = std::time::Instant::now() + BOUND;
    while steps.last().is_none_or(|(step, _)| step != "done") {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let Ok(p) = progress.recv_timeout(left) else {
            break;
        };
        steps.push((
            p["step"].as_str().unwrap_or("").to_string(),
            p["done"].as_u64().unwrap_or(99),
        ));
    }
    let expected: Vec<(String, u64)> = [
        ("session", 0),
        ("sockets", 1),
        ("ports", 2),
        ("verdict", 3),
        ("done", 4),
    ]
    .into_iter()
    .map(|(s, n)| (s.to_string(), n))
    .collect();
    assert_eq!(steps, expected);

    let bundle: Value = serde_json::from_str(
        app.call("get_support_bundle", Value::Null)
            .as_str()
            .expect("text"),
    )
    .expect("the bundle is JSON");
    assert_eq!(bundle["last_diagnose"], report);
    assert_eq!(bundle["app"]["name"], "Gateway Doctor");
    assert_eq!(bundle["connections"]["port"], port);
    assert!(bundle["config"]["settings"].is_array());
    assert!(bundle["log"].is_array());
}

#[test]
fn clean_connections_dry_run_on_an_empty_port_lists_nothing() {
    let port = free_port();
    let app = TestApp::start(json!({"port": port}));
    let report = app.call(
        "clean_connections",
        json!({"confirmation": null, "dry_run": true}),
    );
    assert_eq!(report["port"], port);
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["outcomes"], json!([]));
    let scan = app.call("scan_connections", Value::Null);
    assert_eq!(scan["listeners"], json!([]));
    assert_eq!(scan["zombies"], json!([]));

    let err = app
        .invoke(
            "clean_connections",
            json!({"confirmation": null, "dry_run": false}),
        )
        .expect_err("a real cleanup needs the confirmation");
    assert_eq!(err["code"], "CONFIRMATION_REQUIRED");
}

#[test]
fn the_demo_runs_a_real_simulator_the_session_connects_and_stop_ends_it() {
    let configured = free_port();
    let app = TestApp::start(json!({"port": configured}));
    let states = app.events("worker://state");
    assert_eq!(app.call("get_demo", Value::Null), Value::Null);

    let demo = app.call("start_demo", Value::Null);
    let port = demo["port"].as_u64().expect("a port");
    let pid = demo["pid"].as_u64().expect("a pid");
    assert!(running(pid));
    assert_eq!(app.call("get_demo", Value::Null), demo);
    assert_eq!(app.call("get_config", Value::Null)["demo_port"], port);
    let connected = wait_event(&states, "the demo session", |s| phase(s) == "connected");
    assert_eq!(connected["worker"]["target"]["port"], port);

    // A real zombie on the demo port, held by a helper process, that cleanup can end.
    app.call("set_demo_fault", json!({"fault": "leave_zombie"}));
    let scan = wait_call(&app, "scan_connections", "a client zombie", |s| {
        s["zombies"]
            .as_array()
            .is_some_and(|z| z.iter().any(|z| z["side"] == "client"))
    });
    let holder = scan["processes"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "sleep"))
        .cloned()
        .expect("the helper holds it");
    let inodes: Vec<Value> = scan["zombies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|z| z["side"] == "client")
        .map(|z| z["inode"].clone())
        .collect();
    let key = json!({"pid": holder["pid"], "start_ticks": holder["start_ticks"]});
    let confirmation = json!({"processes": [key], "include_live": [], "zombie_inodes": inodes});
    let report = app.call(
        "clean_connections",
        json!({"confirmation": confirmation, "dry_run": false}),
    );
    assert_eq!(report["outcomes"][0]["result"], "terminated", "{report}");
    assert_eq!(report["remaining_client_zombies"], json!([]));

    // Another program takes the session's client id: the reconnect is refused with 326, and the
    // supervisor stops instead of retrying on a timer. The demo's holder has no connection of its own on
    // this computer, so nothing shows it leaving: after "normal" the trader clicks Connect.
    app.call("set_demo_fault", json!({"fault": "reject_client_id"}));
    let refused = wait_event(&states, "CLIENT_ID_IN_USE", |s| {
        s["lifecycle"]["error"]["code"] == "CLIENT_ID_IN_USE"
    });
    assert_eq!(phase(&refused), "failed");
    assert_eq!(
        refused["client_id_wait"]["watched_connections"], 0,
        "{refused}"
    );
    app.call("set_demo_fault", json!({"fault": "normal"}));
    app.call("connect_gateway", Value::Null);
    wait_event(&states, "connected again", |s| phase(s) == "connected");

    assert_eq!(app.call("stop_demo", Value::Null), Value::Null);
    assert!(!running(pid), "the simulator was ended and reaped");
    assert_eq!(app.call("get_demo", Value::Null), Value::Null);
    assert_eq!(phase(&app.call("get_status", Value::Null)), "idle");
    assert_eq!(
        app.call("get_config", Value::Null)["demo_port"],
        Value::Null
    );
    let err = app
        .invoke("set_demo_fault", json!({"fault": "freeze_api"}))
        .expect_err("no demo");
    assert_eq!(err["code"], "DEMO_NOT_RUNNING");
}

#[test]
fn the_demos_restart_brings_a_frozen_gateway_back_healthy_and_the_session_with_it() {
    let app = TestApp::start(json!({"port": free_port(), "timeout": 0.5, "max_timeouts": 1}));
    let demo = app.call("start_demo", Value::Null);
    let control_port = demo["control_port"].as_u64().expect("a control port") as u16;
    let control = gateway_sim::ControlClient::new(([127, 0, 0, 1], control_port).into());
    wait_call(&app, "get_status", "the demo session", |s| {
        phase(s) == "connected"
    });
    app.call("set_demo_fault", json!({"fault": "freeze_api"}));
    wait_call(&app, "get_status", "the guardrail", |s| {
        phase(s) == "latched"
    });

    let restarted = app.call("set_demo_fault", json!({"fault": "restart"}));
    assert_eq!(restarted["fault"], "restart", "{restarted}");
    let stats = control.stats().expect("the demo's stats");
    assert_eq!(stats.restarts, 1, "{stats:?}");
    assert_eq!(stats.fault, "normal", "back healthy: {stats:?}");
    // A restarted Gateway (a new listener on its port) lifts the guardrail, and the session comes back.
    wait_call(&app, "get_status", "the session back", |s| {
        phase(s) == "connected"
    });
    app.call("stop_demo", Value::Null);
}

#[test]
fn connect_with_a_missing_worker_program_fails_with_worker_missing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = dir.path().join("config").join("settings.json");
    let app = TestApp::start_with(dir, settings, |options| {
        options.worker_bin = "/nonexistent/gateway-worker".into();
    });
    app.call("connect_gateway", Value::Null);
    let state = wait_call(&app, "get_status", "the failure", |s| phase(s) == "failed");
    let error = &state["lifecycle"]["error"];
    assert_eq!(error["code"], "WORKER_MISSING", "{state}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("/nonexistent/gateway-worker")),
        "{state}"
    );
}

#[test]
fn the_demo_never_reads_writes_or_clears_the_real_gateways_guardrail() {
    // The real Gateway: its API layer is dead, and one unanswered handshake trips the guardrail.
    let real = SimProcess::start(&["--fault", "silent"]);
    let app = TestApp::start(json!({"port": real.port(), "timeout": 0.5, "max_timeouts": 1}));
    app.call("connect_gateway", Value::Null);
    wait_call(&app, "get_status", "the guardrail", |s| {
        phase(s) == "latched"
    });
    let kept = std::fs::read_to_string(app.latch_path()).expect("the latch is on disk");
    let real_key = format!("127.0.0.1:{}", real.port());
    assert_contains(&kept, &real_key);

    // The demo: its session, then its own dead API layer and its own guardrail, in memory only.
    let demo = app.call("start_demo", Value::Null);
    let demo_port = demo["port"].as_u64().expect("a port");
    wait_call(&app, "get_status", "the demo session", |s| {
        phase(s) == "connected"
    });
    app.call("set_demo_fault", json!({"fault": "freeze_api"}));
    wait_call(&app, "get_status", "the demo's guardrail", |s| {
        phase(s) == "latched"
    });
    let during = std::fs::read_to_string(app.latch_path()).expect("still there");
    assert!(
        !during.contains(&format!(":{demo_port}\"")),
        "the demo wrote the real file: {during}"
    );
    assert_contains(&during, &real_key);

    // Back on the real Gateway: still latched, nothing spent on it.
    let attempts = connect_attempts(&app);
    app.call("stop_demo", Value::Null);
    let back = app.call("get_status", Value::Null);
    assert_eq!(phase(&back), "latched", "{back}");
    assert_eq!(back["lifecycle"]["error"]["code"], "GATEWAY_UNRESPONSIVE");
    let after = std::fs::read_to_string(app.latch_path()).expect("still there");
    assert_contains(&after, &real_key);
    app.call("connect_gateway", Value::Null);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(phase(&app.call("get_status", Value::Null)), "latched");
    assert_eq!(connect_attempts(&app), attempts, "no handshake spent on it");
}

/// Connect requests the supervisor has sent to workers so far.
fn connect_attempts(app: &TestApp) -> u64 {
    app.call("get_status", Value::Null)["connect_attempts"]
        .as_u64()
        .expect("a count")
}
