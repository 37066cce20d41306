//! Restarting IB Gateway through IBC from the app, against a real gateway-sim with IBC's command server
//! (`--ibc`) and the real worker: IBC's config.ini found where the `ibc_config` setting says, with file and
//! line; a dead API layer latched, then "Restart IB Gateway": the steps come as events in order, the session
//! is back with exactly one new connection, every command and reply is in the log, and a second restart
//! at once is held back by the guard without reaching IBC. STOP needs a confirmation. Without IBC, or with a
//! bad config.ini, nothing is sent and the view says why.

use gateway_testkit::{SimOptions, SimProcess, assert_contains};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

use super::{TestApp, phase, wait_call, wait_event};

/// gateway-sim with IBC's command server on free loopback ports, with extra arguments.
fn ibc_sim(args: &[&str]) -> SimProcess {
    SimOptions::default().ibc("127.0.0.1:0").args(args).start()
}

/// Writes IBC's config.ini with `lines` into `dir` and returns its path.
fn config_ini(dir: &Path, lines: &[String]) -> PathBuf {
    let ibc = dir.join("ibc");
    std::fs::create_dir_all(&ibc).expect("ibc dir");
    let path = ibc.join("config.ini");
    std::fs::write(&path, lines.join("\n") + "\n").expect("write config.ini");
    path
}

/// The app with its settings file and IBC's config.ini (named by the `ibc_config` setting) in one temp dir.
fn app_with_ibc(settings: Value, ini: &[String]) -> (TestApp, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ini_path = config_ini(dir.path(), ini);
    let mut settings = settings;
    settings["ibc_config"] = json!(ini_path.display().to_string());
    let settings_path = dir.path().join("config").join("settings.json");
    std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
    std::fs::write(&settings_path, settings.to_string()).expect("write settings");
    (TestApp::start_in(dir, settings_path), ini_path)
}

/// The app's log, as one text to search.
fn logs(app: &TestApp) -> String {
    app.call("get_logs", json!({"limit": 1000})).to_string()
}

/// Waits until the log has a line containing `needle`.
fn wait_logs(app: &TestApp, needle: &str) {
    let deadline = std::time::Instant::now() + super::BOUND;
    loop {
        let logs = logs(app);
        if logs.contains(needle) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no log line with {needle:?}: {logs}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn step_states(run: &Value) -> Vec<(String, String)> {
    run["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| {
                    (
                        s["id"].as_str().unwrap_or("").to_string(),
                        s["state"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_dead_api_layer_is_restarted_through_ibc_and_the_session_is_back_with_one_connect() {
    let sim = ibc_sim(&["--ibc-restart-down-ms", "1000"]);
    let (app, ini) = app_with_ibc(
        json!({"port": sim.port(), "client_id": 12, "timeout": 1, "max_timeouts": 2}),
        &[
            "# IBC settings for the test".into(),
            "TradingMode=paper".into(),
            format!("CommandServerPort={}", sim.ibc().port()),
        ],
    );
    let view = app.call("get_restart_view", Value::Null);
    assert_eq!(view["ibc"]["kind"], "found", "{view}");
    assert_eq!(view["ibc"]["picked"], true);
    assert_eq!(
        view["ibc"]["config"]["command_server"],
        format!("127.0.0.1:{}", sim.ibc().port())
    );
    let port_setting = view["ibc"]["config"]["settings"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["key"] == "CommandServerPort"))
        .cloned()
        .expect("CommandServerPort is listed");
    assert_eq!(port_setting["line"], 3);
    assert_eq!(port_setting["path"], ini.display().to_string());
    assert_eq!(
        view["actions"],
        json!({"restart": true, "stop": true, "manual": true})
    );
    assert!(
        view["held_back"].is_null() && view["run"].is_null(),
        "{view}"
    );
    assert!(view["confirm"].is_null(), "a paper account is not asked");
    assert!(
        view["login_note"]
            .as_str()
            .is_some_and(|n| n.contains("no new login")),
        "{view}"
    );

    // The session, then the field report's failure: the API layer goes silent and the guardrail latches.
    app.call("connect_gateway", Value::Null);
    wait_call(&app, "get_status", "a session", |s| phase(s) == "connected");
    sim.control.set_fault("silent").expect("silent");
    sim.control.drop_all().expect("drop all");
    let latched = wait_call(&app, "get_status", "the guardrail", |s| {
        phase(s) == "latched"
    });
    assert_eq!(
        latched["lifecycle"]["error"]["code"],
        "GATEWAY_UNRESPONSIVE"
    );
    let accepted = sim.stats().accepted;

    let runs = app.events("restart://progress");
    let started = app.call("restart_gateway", json!({"confirmed": false}));
    assert_eq!(started["result"], "running", "{started}");
    assert_eq!(step_states(&started)[0], ("asking".into(), "active".into()));
    let again = app
        .invoke("restart_gateway", json!({"confirmed": true}))
        .expect_err("one at a time");
    assert_eq!(again["code"], "RESTART_IN_PROGRESS", "{again}");
    let seen = std::cell::RefCell::new(Vec::new());
    let done = wait_event(&runs, "the restart's end", |run| {
        seen.borrow_mut().push(step_states(run));
        run["result"] != "running"
    });
    let seen = seen.into_inner();
    assert_eq!(done["result"], "back", "{done}");
    assert_eq!(
        step_states(&done),
        [
            ("asking".into(), "done".into()),
            ("down".into(), "done".into()),
            ("listening".into(), "done".into()),
            ("session".into(), "done".into()),
        ]
    );
    // Each step was published as it was reached: asking done before the Gateway was seen down, and so on.
    for reached in ["asking", "down", "listening"] {
        assert!(
            seen.iter().any(|steps| steps
                .iter()
                .any(|(id, state)| id == reached && state == "done")
                && steps.iter().any(|(_, state)| state == "active")),
            "no event with {reached} done and a later step active: {seen:?}"
        );
    }
    assert_eq!(done["report"]["outcome"], "back");
    assert!(done["session_at_ms"].as_i64() >= done["report"]["steps"][2]["at_ms"].as_i64());
    assert_eq!(phase(&app.call("get_status", Value::Null)), "connected");
    let stats = sim.stats();
    assert_eq!(stats.ibc.restart, 1, "{stats:?}");
    assert_eq!(stats.restarts, 1);
    assert_eq!(
        stats.accepted,
        accepted + 1,
        "exactly one new connection after the restart"
    );
    let logs = logs(&app);
    assert_contains(&logs, "sending RESTART to IBC's command server");
    assert_contains(&logs, "IBC answered RESTART with");
    assert_contains(&logs, "the session is back after the restart");

    // A second restart at once: the guard holds it back and IBC hears nothing.
    let err = app
        .invoke("restart_gateway", json!({"confirmed": true}))
        .expect_err("held back");
    assert_eq!(err["code"], "RESTART_TOO_SOON", "{err}");
    let next = err["detail"]["next_allowed_ms"].as_i64().expect("when");
    let started_at = done["started_at_ms"].as_i64().expect("started");
    assert!(
        next >= started_at + 10 * 60 * 1000 - 1000,
        "{next} {started_at}"
    );
    let view = app.call("get_restart_view", Value::Null);
    assert_eq!(view["held_back"]["code"], "RESTART_TOO_SOON", "{view}");
    assert_eq!(view["run"]["result"], "back");
    assert_eq!(sim.stats().ibc.restart, 1, "nothing reached IBC");
    let kept = std::fs::read_to_string(app.dir.path().join("config").join("restarts.json"))
        .expect("the restart record is beside the guardrail file");
    assert!(
        kept.contains(&format!("127.0.0.1:{}", sim.port())),
        "{kept}"
    );
}

#[test]
fn with_automatic_restart_on_a_latched_guardrail_restarts_once_by_itself() {
    let sim = ibc_sim(&["--ibc-restart-down-ms", "500"]);
    let (app, _) = app_with_ibc(
        json!({"port": sim.port(), "timeout": 1, "max_timeouts": 2, "ibc_auto_restart": true}),
        &[format!("CommandServerPort={}", sim.ibc().port())],
    );
    let runs = app.events("restart://progress");
    app.call("connect_gateway", Value::Null);
    wait_call(&app, "get_status", "a session", |s| phase(s) == "connected");
    assert_eq!(
        sim.stats().ibc.restart,
        0,
        "a healthy session is left alone"
    );
    sim.control.set_fault("silent").expect("silent");
    sim.control.drop_all().expect("drop all");
    let done = wait_event(&runs, "the automatic restart's end", |run| {
        run["result"] != "running"
    });
    assert_eq!(done["automatic"], true, "{done}");
    assert!(
        done["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Automatic restart (on in Settings):")),
        "{done}"
    );
    assert_eq!(done["result"], "back", "{done}");
    assert_eq!(phase(&app.call("get_status", Value::Null)), "connected");
    let stats = sim.stats();
    assert_eq!(stats.ibc.restart, 1, "{stats:?}");
    let logs = logs(&app);
    assert_contains(&logs, "automatic restart (the ibc_auto_restart setting)");

    // The API layer dies again at once: the guardrail latches again, and the guard holds the second
    // automatic restart back (one per 10 minutes), saying so in the log.
    sim.control.set_fault("silent").expect("silent");
    sim.control.drop_all().expect("drop all");
    wait_call(&app, "get_status", "the guardrail again", |s| {
        phase(s) == "latched"
    });
    wait_logs(
        &app,
        "automatic restart not sent: IB Gateway was restarted less than 10 minutes ago",
    );
    assert_eq!(sim.stats().ibc.restart, 1, "the guard held it back");
}

/// The app with IBC's config.ini naming `sim`'s command server, connected to `sim`.
fn connected_with_ibc(sim: &SimProcess) -> TestApp {
    let (app, _) = app_with_ibc(
        json!({"port": sim.port()}),
        &[format!("CommandServerPort={}", sim.ibc().port())],
    );
    app.call("connect_gateway", Value::Null);
    wait_call(&app, "get_status", "a session", |s| phase(s) == "connected");
    app
}

/// IBC's reply, passed on by the command, is an "OK".
fn assert_ok(reply: &Value) {
    assert!(
        reply.as_str().is_some_and(|r| r.starts_with("OK")),
        "{reply}"
    );
}

#[test]
fn stop_is_sent_only_after_a_confirmation_and_the_session_then_rests() {
    let sim = ibc_sim(&[]);
    let app = connected_with_ibc(&sim);
    let err = app
        .invoke("stop_gateway", json!({"confirmed": false}))
        .expect_err("asks first");
    assert_eq!(err["code"], "CONFIRMATION_REQUIRED");
    assert!(err["detail"]["question"].is_string(), "{err}");
    assert_eq!(sim.stats().ibc.stop, 0, "nothing sent before the yes");

    let reply = app.call("stop_gateway", json!({"confirmed": true}));
    assert_ok(&reply);
    assert_eq!(sim.stats().ibc.stop, 1);
    assert_eq!(phase(&app.call("get_status", Value::Null)), "idle");
    let logs = logs(&app);
    assert_contains(&logs, "sending STOP");
    assert_contains(&logs, "IBC answered STOP");
}

#[test]
fn reconnecting_the_account_link_sends_reconnectaccount_and_the_link_comes_back() {
    let sim = ibc_sim(&[]);
    let app = connected_with_ibc(&sim);
    sim.control.notice(1100, None).expect("the link lost");
    wait_call(&app, "get_status", "the link lost", |s| {
        s["worker"]["link"]["state"] == "lost"
    });
    // Just lost: not offered yet (the Gateway retries by itself first; restart_view.rs tests the offer).
    let view = app.call("get_restart_view", Value::Null);
    assert!(view["reconnect_account"].is_null(), "{view}");

    let reply = app.call("reconnect_account", Value::Null);
    assert_ok(&reply);
    assert_eq!(sim.stats().ibc.reconnect_account, 1);
    wait_call(&app, "get_status", "the link back", |s| {
        s["worker"]["link"]["state"]
            .as_str()
            .is_some_and(|state| state.starts_with("restored"))
    });
    assert_eq!(phase(&app.call("get_status", Value::Null)), "connected");
    let logs = logs(&app);
    assert_contains(&logs, "sending RECONNECTACCOUNT");
    assert_contains(&logs, "IBC answered RECONNECTACCOUNT");
}

#[test]
fn without_ibc_the_view_says_where_it_looked_and_restart_sends_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nowhere").join("config.ini");
    let settings_path = dir.path().join("config").join("settings.json");
    std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
    std::fs::write(
        &settings_path,
        json!({"ibc_config": missing.display().to_string()}).to_string(),
    )
    .expect("write settings");
    let app = TestApp::start_in(dir, settings_path);
    let view = app.call("get_restart_view", Value::Null);
    assert_eq!(view["ibc"]["kind"], "not_found", "{view}");
    assert_eq!(
        view["ibc"]["looked_in"],
        json!([missing.display().to_string()])
    );
    assert_eq!(
        view["actions"],
        json!({"restart": false, "stop": false, "manual": true})
    );
    let err = app
        .invoke("restart_gateway", json!({"confirmed": true}))
        .expect_err("no IBC");
    assert_eq!(err["code"], "IBC_NOT_CONFIGURED", "{err}");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains(&missing.display().to_string())),
        "{err}"
    );
}

#[test]
fn without_the_setting_ibc_is_found_in_the_first_usual_place_that_has_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = dir.path().join("home").join("ibc").join("config.ini");
    let second = config_ini(dir.path(), &["CommandServerPort=7462".into()]);
    let settings_path = dir.path().join("config").join("settings.json");
    let candidates = vec![first.clone(), second.clone()];
    let app = TestApp::start_with(dir, settings_path, |options| {
        options.ibc_candidates = candidates;
    });
    let view = app.call("get_restart_view", Value::Null);
    assert_eq!(view["ibc"]["kind"], "found", "{view}");
    assert_eq!(view["ibc"]["picked"], false);
    assert_eq!(view["ibc"]["config"]["path"], second.display().to_string());
    assert!(
        view["ibc_summary"]
            .as_str()
            .is_some_and(|s| s.contains("found in IBC's usual place")),
        "{view}"
    );
    std::fs::remove_file(&second).expect("remove");
    let view = app.call("get_restart_view", Value::Null);
    assert_eq!(view["ibc"]["kind"], "not_found");
    assert_eq!(
        view["ibc"]["looked_in"],
        json!([first.display().to_string(), second.display().to_string()])
    );
}

#[test]
fn start_ib_gateway_runs_the_installed_launcher_only_while_nothing_listens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let version = dir.path().join("Jts").join("ibgateway").join("1030");
    std::fs::create_dir_all(&version).expect("install dir");
    let launcher = version.join("ibgateway");
    let marker = dir.path().join("started");
    std::fs::write(
        &launcher,
        format!("#!/bin/sh\necho started > '{}'\n", marker.display()),
    )
    .expect("write launcher");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755))
            .expect("executable");
    }
    let port = gateway_testkit::free_port();
    let settings_path = dir.path().join("config").join("settings.json");
    std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
    std::fs::write(&settings_path, json!({"port": port}).to_string()).expect("settings");
    let installs = vec![
        dir.path().join("ibc").join("gatewaystart.sh"),
        launcher.clone(),
    ];
    let app = TestApp::start_with(dir, settings_path, |options| {
        options.gateway_installs = Some(installs);
    });

    // Something listens on the port: IB Gateway is taken to be running, nothing is offered or started.
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind");
    let view = app.call("get_restart_view", Value::Null);
    assert!(view["start"].is_null(), "{view}");
    let err = app
        .invoke("start_gateway", Value::Null)
        .expect_err("not while something listens");
    assert_eq!(err["code"], "GATEWAY_NOT_STARTED", "{err}");
    assert!(!marker.exists(), "nothing was started");
    drop(listener);

    let view = app.call("get_restart_view", Value::Null);
    assert_eq!(
        view["start"]["path"],
        launcher.display().to_string(),
        "{view}"
    );
    assert_eq!(view["start"]["via_ibc"], false);
    let said = app.call("start_gateway", Value::Null);
    assert!(
        said.as_str()
            .is_some_and(|s| s.contains("IB Gateway is starting")),
        "{said}"
    );
    let deadline = std::time::Instant::now() + super::BOUND;
    while !marker.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the launcher never ran"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let logs = logs(&app);
    assert_contains(&logs, "started IB Gateway with");
}

#[test]
fn a_bad_config_ini_is_shown_with_its_line_and_ibcs_gateway_port_is_offered_as_a_fix() {
    let (app, ini) = app_with_ibc(json!({"port": 4002}), &["CommandServerPort=74 62".into()]);
    let view = app.call("get_restart_view", Value::Null);
    assert_eq!(view["ibc"]["kind"], "problem", "{view}");
    assert_eq!(view["ibc"]["failure"]["code"], "IBC_CONFIG_INVALID");
    assert!(
        view["ibc"]["failure"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("line 1")),
        "{view}"
    );
    assert_eq!(view["actions"]["restart"], false);

    // The same file fixed, with IBC setting the Gateway's API port to another one than the session uses.
    std::fs::write(&ini, "CommandServerPort=7462\nOverrideTwsApiPort=4001\n").expect("rewrite");
    let view = app.call("get_restart_view", Value::Null);
    assert_eq!(view["ibc"]["kind"], "found", "{view}");
    assert_eq!(
        view["port_fix"]["port"], 4001,
        "IBC's Gateway port is offered: {view}"
    );
    assert_eq!(view["port_fix"]["configured"], 4002);
    assert_eq!(view["port_fix"]["line"], 2);
    // Taking the fix: the ports agree and nothing is offered any more.
    app.call("save_settings", json!({"changes": {"port": 4001}}));
    let view = app.call("get_restart_view", Value::Null);
    assert!(view["port_fix"].is_null(), "{view}");
}

#[test]
fn the_ibc_config_setting_is_a_path_and_anything_else_is_refused() {
    let app = TestApp::start(Value::Null);
    let err = app
        .invoke("save_settings", json!({"changes": {"ibc_config": 7462}}))
        .expect_err("a number is not a path");
    assert_eq!(err["code"], "BAD_CONFIG");
    assert_eq!(err["detail"][0]["key"], "ibc_config");
    let saved = app.call(
        "save_settings",
        json!({"changes": {"ibc_config": "/home/me/ibc/config.ini"}}),
    );
    let setting = saved["settings"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["key"] == "ibc_config"))
        .cloned()
        .expect("listed");
    assert_eq!(setting["value"], "/home/me/ibc/config.ini");
    assert_eq!(setting["source"]["kind"], "settings_file");
}
