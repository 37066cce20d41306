//! Settings: provenance in get_config, all-or-nothing saves, a corrupt or bad file never replaced by
//! defaults, "Reset to defaults" with a backup, and a save that keeps a healthy session (real gateway-sim and
//! gateway-worker processes).

use gateway_sim::Stats;
use gateway_testkit::{SimProcess, assert_contains, free_port};
use serde_json::{Value, json};

use super::{TestApp, phase, wait_call};

fn setting<'a>(view: &'a Value, key: &str) -> &'a Value {
    view["settings"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["key"] == key))
        .unwrap_or_else(|| panic!("no setting {key} in {view}"))
}

#[test]
fn get_config_shows_each_value_with_where_it_came_from() {
    let app = TestApp::start(json!({"port": 7497}));
    std::fs::write(app.dir.path().join(".env"), "IBKR_CLIENT_ID=77\n").expect("write .env");
    let view = app.call("get_config", Value::Null);

    let port = setting(&view, "port");
    assert_eq!(port["value"], 7497);
    assert_eq!(port["source"]["kind"], "settings_file");
    let path = app.settings_path().display().to_string();
    assert_eq!(port["source"]["path"], path.as_str());
    let client_id = setting(&view, "client_id");
    assert_eq!(client_id["value"], 77);
    assert_eq!(client_id["source"]["kind"], "dot_env");
    assert_eq!(setting(&view, "host")["source"]["kind"], "default");
    assert_eq!(view["errors"], json!([]));
    assert_eq!(view["settings_path"], path.as_str());
    assert_eq!(view["demo_port"], Value::Null);
}

#[test]
fn save_settings_with_a_bad_port_explains_it_and_writes_nothing() {
    let app = TestApp::start(Value::Null);
    let err = app
        .invoke(
            "save_settings",
            json!({"changes": {"client_id": 5, "port": 70000}}),
        )
        .expect_err("70000 is not a port");
    assert_eq!(err["code"], "BAD_CONFIG");
    let detail = err["detail"].as_array().expect("InvalidValue[]");
    assert_eq!(detail.len(), 1, "{err}");
    assert_eq!(detail[0]["key"], "port");
    assert_eq!(detail[0]["source"]["kind"], "explicit");
    let message = detail[0]["message"].as_str().expect("a message");
    assert_contains(message, "70000");
    assert_contains(message, "4002");
    assert!(!app.settings_path().exists(), "nothing was written");

    let unknown = app
        .invoke("save_settings", json!({"changes": {"colour": "red"}}))
        .expect_err("no such setting");
    assert_eq!(unknown["code"], "UNKNOWN_SETTING");
    assert!(!app.settings_path().exists());
}

#[test]
fn save_settings_writes_the_file_and_the_view_shows_it() {
    let app = TestApp::start(json!({"theme": "dark"}));
    let view = app.call(
        "save_settings",
        json!({"changes": {"port": 4001, "readonly": false}}),
    );
    assert_eq!(setting(&view, "port")["value"], 4001);
    assert_eq!(setting(&view, "port")["source"]["kind"], "settings_file");
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(app.settings_path()).expect("the file was written"),
    )
    .expect("JSON");
    assert_eq!(
        saved,
        json!({"theme": "dark", "port": 4001, "readonly": false})
    );
    let removed = app.call("save_settings", json!({"changes": {"port": null}}));
    assert_eq!(setting(&removed, "port")["source"]["kind"], "default");
}

/// The app with `text` as its settings file, byte for byte.
fn start_with_file(text: &str) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config").join("settings.json");
    std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
    std::fs::write(&path, text).expect("write settings");
    TestApp::start_in(dir, path)
}

fn detail_keys(err: &Value) -> Vec<String> {
    err["detail"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|v| v["key"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

const CORRUPT: &str = "{\n  \"port\": 7497,\n  \"client_id\": ,\n}\n";

#[test]
fn a_corrupt_settings_file_is_shown_with_its_line_and_nothing_connects_on_defaults() {
    let app = start_with_file(CORRUPT);
    let view = app.call("get_config", Value::Null);
    let problem = &view["file_problem"];
    assert_eq!(
        problem["path"],
        app.settings_path().display().to_string().as_str()
    );
    assert_eq!(
        (&problem["line"], &problem["column"]),
        (&json!(3), &json!(16)),
        "{view}"
    );
    let bad: Vec<&str> = view["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["key"].as_str())
        .collect();
    assert_eq!(bad, ["host", "port", "client_id"], "{view}");
    assert!(
        view["settings"]
            .as_array()
            .expect("settings")
            .iter()
            .all(|s| s["key"] != "port" && s["key"] != "client_id"),
        "no default stands in for the unreadable port or client id: {view}"
    );

    let err = app
        .invoke("connect_gateway", Value::Null)
        .expect_err("the port is unknown");
    assert_eq!(err["code"], "BAD_CONFIG");
    assert!(detail_keys(&err).contains(&"port".to_string()), "{err}");
    let err = app
        .invoke("reset_guardrail", Value::Null)
        .expect_err("no attempt on defaults either");
    assert_eq!(err["code"], "BAD_CONFIG");
    let status = app.call("get_status", Value::Null);
    assert_eq!(phase(&status), "idle");
    assert_eq!(status["worker_starts"], 0, "{status}");
}

#[test]
fn reset_to_defaults_keeps_the_corrupt_file_as_a_backup_and_says_where() {
    let app = start_with_file(CORRUPT);
    let reset = app.call("reset_settings", Value::Null);
    let backup = reset["backup_path"].as_str().expect("a backup path");
    let settings_dir = app.settings_path().parent().expect("dir").to_path_buf();
    assert!(
        backup.starts_with(settings_dir.display().to_string().as_str())
            && backup.contains("settings.json.bak-"),
        "{backup}"
    );
    assert_eq!(
        std::fs::read_to_string(backup).expect("the backup"),
        CORRUPT
    );
    assert_eq!(reset["config"]["file_problem"], Value::Null);
    assert_eq!(reset["config"]["errors"], json!([]));
    assert_eq!(setting(&reset["config"], "client_id")["value"], 7431);
    let now: Value = serde_json::from_str(
        &std::fs::read_to_string(app.settings_path()).expect("the settings file"),
    )
    .expect("JSON");
    assert_eq!(now, json!({}));
}

#[test]
fn a_bad_client_id_is_never_replaced_by_the_default() {
    let port = free_port();
    let app = TestApp::start(json!({"port": port, "client_id": "abc"}));
    let presence = app.call("get_gateway_presence", Value::Null);
    assert_eq!(
        presence["port"], port,
        "the saved port is watched, not 4002"
    );
    let err = app
        .invoke("connect_gateway", Value::Null)
        .expect_err("a bad client id");
    assert_eq!(err["code"], "BAD_CONFIG");
    assert_eq!(detail_keys(&err), ["client_id"]);
    let err = app
        .invoke("reconnect_now", Value::Null)
        .expect_err("a bad client id");
    assert_eq!(err["code"], "BAD_CONFIG");
    assert_eq!(app.call("get_status", Value::Null)["worker_starts"], 0);
}

/// Connects `app`, whose client id the Gateway holds, waits for "client id in use", then asks for another
/// id; returns the answer, checked to name the id it replaces.
pub(super) fn another_client_id_after_in_use(app: &TestApp, previous: i32) -> Value {
    app.call("connect_gateway", Value::Null);
    wait_call(app, "get_status", "client id in use", |s| {
        s["lifecycle"]["error"]["code"] == "CLIENT_ID_IN_USE"
    });
    let change = app.call("use_another_client_id", Value::Null);
    assert_eq!(change["previous"], previous);
    change
}

pub(super) fn live(stats: &Stats) -> Vec<(i32, String)> {
    stats
        .live_clients
        .iter()
        .map(|c| (c.client_id, c.peer.clone()))
        .collect()
}

#[test]
fn saving_a_client_id_keeps_the_healthy_session_until_reconnect_now() {
    let sim = SimProcess::start(&[]);
    let app = TestApp::start(json!({"port": sim.port(), "client_id": 7440}));
    app.call("connect_gateway", Value::Null);
    let connected = wait_call(&app, "get_status", "a session", |s| phase(s) == "connected");
    let before = live(&sim.stats());
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(before[0].0, 7440);

    let view = app.call("save_settings", json!({"changes": {"client_id": 7441}}));
    assert_eq!(view["applies_at_next_connect"], true, "{view}");
    assert_eq!(setting(&view, "client_id")["value"], 7441);
    // The support bundle carries the same view, the change waiting for the next connect included.
    let bundle = app.call("get_support_bundle", Value::Null);
    let bundle: Value = serde_json::from_str(bundle.as_str().expect("JSON text")).expect("JSON");
    assert_eq!(
        bundle["config"]["applies_at_next_connect"], true,
        "{}",
        bundle["config"]
    );
    let status = app.call("get_status", Value::Null);
    assert_eq!(phase(&status), "connected");
    assert_eq!(
        status["worker_pid"], connected["worker_pid"],
        "the same worker"
    );
    let stats = sim.stats();
    assert_eq!(live(&stats), before, "the same live client");
    assert_eq!(stats.client_closes, 0, "nothing was closed");
    assert_eq!(
        app.call("get_config", Value::Null)["applies_at_next_connect"],
        true
    );

    app.call("reconnect_now", Value::Null);
    wait_call(&app, "get_status", "a session as 7441", |s| {
        phase(s) == "connected" && s["worker"]["target"]["client_id"] == 7441
    });
    let ids: Vec<i32> = live(&sim.stats()).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, [7441]);
    assert_eq!(
        app.call("get_config", Value::Null)["applies_at_next_connect"],
        false
    );
}

#[test]
fn saving_while_idle_applies_at_once() {
    let app = TestApp::start(json!({"client_id": 7440}));
    let view = app.call("save_settings", json!({"changes": {"client_id": 7442}}));
    assert_eq!(view["applies_at_next_connect"], false, "{view}");
}

#[test]
fn settings_kept_pending_apply_when_the_session_ends_by_itself() {
    let sim = SimProcess::start(&[]);
    let app = TestApp::start(json!({"port": sim.port(), "client_id": 7450}));
    app.call("connect_gateway", Value::Null);
    wait_call(&app, "get_status", "a session", |s| phase(s) == "connected");
    let view = app.call("save_settings", json!({"changes": {"client_id": 7451}}));
    assert_eq!(view["applies_at_next_connect"], true, "{view}");

    sim.control.drop_all().expect("drop_all");
    wait_call(&app, "get_status", "a new session as 7451", |s| {
        phase(s) == "connected" && s["worker"]["target"]["client_id"] == 7451
    });
    let ids: Vec<i32> = live(&sim.stats()).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, [7451]);
    assert_eq!(
        app.call("get_config", Value::Null)["applies_at_next_connect"],
        false
    );
}

#[test]
fn use_another_client_id_saves_a_free_one_and_connects_with_it() {
    let sim = SimProcess::start(&[]);
    sim.control.hold_client_id(7460).expect("hold 7460");
    let app = TestApp::start(json!({"port": sim.port(), "client_id": 7460}));
    let change = another_client_id_after_in_use(&app, 7460);
    let picked = change["client_id"].as_i64().expect("an id");
    assert_ne!(picked, 7460);
    assert!((7400..=7499).contains(&picked), "{change}");
    assert_eq!(setting(&change["config"], "client_id")["value"], picked);
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(app.settings_path()).expect("the settings file"),
    )
    .expect("JSON");
    assert_eq!(saved["client_id"], picked);
    wait_call(&app, "get_status", "a session as the new id", |s| {
        phase(s) == "connected" && s["worker"]["target"]["client_id"] == picked
    });
    let ids: Vec<i64> = live(&sim.stats())
        .into_iter()
        .map(|(id, _)| i64::from(id))
        .collect();
    assert!(ids.contains(&picked), "{ids:?}");
}

#[test]
fn import_trading_env_copies_the_gateways_place_and_warns_about_the_programs_client_id() {
    let app = TestApp::start(json!({"theme": "dark"}));
    let env = app.dir.path().join("bot").join(".env");
    std::fs::create_dir_all(env.parent().expect("a folder")).expect("mkdir");
    // The program uses Gateway Doctor's default client id: importing must not make it ours, and must warn.
    std::fs::write(
        &env,
        "IBKR_HOST=127.0.0.1\nIBKR_PORT=4001\nIBKR_CLIENT_ID=7431\nIBKR_READONLY=false\n",
    )
    .expect("write .env");
    let import = app.call(
        "import_trading_env",
        json!({"path": env.display().to_string()}),
    );
    assert_eq!(import["imported"], json!(["host", "port"]));
    assert_eq!(import["left_out"].as_array().map(Vec::len), Some(2));
    let view = &import["config"];
    let port = setting(view, "port");
    assert_eq!(port["value"], 4001);
    assert_eq!(port["source"]["kind"], "imported");
    assert_eq!(port["source"]["path"], env.display().to_string().as_str());
    assert_eq!(setting(view, "client_id")["value"], 7431);
    assert_eq!(setting(view, "readonly")["value"], true);
    let program = &view["trading_program"];
    assert_eq!(program["path"], env.display().to_string().as_str());
    assert_eq!(program["client_id"], 7431);
    assert_eq!(program["clash"]["client_id"], 7431);
    assert_eq!(program["clash"]["suggested"], 7432);

    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(app.settings_path()).expect("the file was written"),
    )
    .expect("JSON");
    assert_eq!(saved["port"], 4001);
    assert_eq!(saved["theme"], "dark", "keys it does not know are kept");
    assert_eq!(saved.get("client_id"), None, "the program's id is not ours");
    assert_eq!(saved["imported_env"]["program_client_id"], 7431);

    // Taking the suggested id clears the warning; get_config shows the same afterwards.
    app.call("save_settings", json!({"changes": {"client_id": 7432}}));
    let view = app.call("get_config", Value::Null);
    assert_eq!(view["trading_program"]["clash"], Value::Null);
    assert_eq!(setting(&view, "port")["source"]["kind"], "imported");
}

#[test]
fn a_bad_trading_env_changes_nothing_and_says_what_is_wrong() {
    let app = TestApp::start(json!({"port": 4002}));
    let before = std::fs::read(app.settings_path()).expect("the settings file");
    let missing = app.dir.path().join("nowhere").join(".env");
    let err = app
        .invoke(
            "import_trading_env",
            json!({"path": missing.display().to_string()}),
        )
        .expect_err("missing");
    assert_eq!(err["code"], "ENV_NOT_FOUND");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("nowhere")),
        "{err}"
    );

    let bad = app.dir.path().join("bad.env");
    std::fs::write(&bad, "IBKR_PORT=70000\n").expect("write");
    let err = app
        .invoke(
            "import_trading_env",
            json!({"path": bad.display().to_string()}),
        )
        .expect_err("out of range");
    assert_eq!(err["code"], "ENV_BAD_VALUES");
    assert_eq!(err["detail"][0]["key"], "port");

    let malformed = app.dir.path().join("malformed.env");
    std::fs::write(&malformed, "IBKR_PORT=4001\nnot a setting\n").expect("write");
    let err = app
        .invoke(
            "import_trading_env",
            json!({"path": malformed.display().to_string()}),
        )
        .expect_err("malformed");
    assert_eq!(err["code"], "ENV_MALFORMED");

    let err = app
        .invoke("import_trading_env", json!({"path": "bot/.env"}))
        .expect_err("relative");
    assert_eq!(err["code"], "ENV_PATH_NOT_FULL");

    assert_eq!(
        std::fs::read(app.settings_path()).expect("the settings file"),
        before,
        "nothing was written"
    );
}

#[test]
fn the_region_and_restart_time_reach_the_schedule_the_status_screen_shows() {
    let app = TestApp::start(Value::Null);
    app.call(
        "save_settings",
        json!({"changes": {"region": "asia", "auto_restart": "23:45"}}),
    );
    let presence = wait_call(
        &app,
        "get_gateway_presence",
        "a schedule for Asia with the restart time",
        |p| p["schedule"]["region"] == "asia" && !p["schedule"]["auto_restart"].is_null(),
    );
    let schedule = &presence["schedule"];
    assert!(
        schedule["next_reset"]["text"].as_str().is_some_and(|t| t
            .starts_with("IBKR daily reset (Asia")
            || t.starts_with("IBKR weekend")),
        "{schedule}"
    );
    assert!(
        schedule["weekly_login"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Weekly login with 2FA: ")),
        "{schedule}"
    );
    assert_eq!(schedule["auto_restart_hint"], Value::Null);

    let err = app
        .invoke("save_settings", json!({"changes": {"auto_restart": "7pm"}}))
        .expect_err("not HH:MM");
    assert_eq!(err["code"], "BAD_CONFIG");
    assert_eq!(err["detail"][0]["key"], "auto_restart");
}

#[test]
fn use_another_client_id_never_picks_the_trading_programs_own_id() {
    let sim = SimProcess::start(&[]);
    sim.control.hold_client_id(7460).expect("hold 7460");
    // The trading program (imported earlier) uses 7461: the spare id right after ours, which the pick
    // would take first if it did not know the program's id. The program is not connected now.
    let app = TestApp::start(json!({
        "port": sim.port(),
        "client_id": 7460,
        "imported_env": {"path": "/home/t/bot/.env", "values": {}, "program_client_id": 7461}
    }));
    let change = another_client_id_after_in_use(&app, 7460);
    assert_eq!(change["client_id"], 7462, "{change}");
    assert_eq!(change["config"]["trading_program"]["client_id"], 7461);
    assert_eq!(change["config"]["trading_program"]["clash"], Value::Null);
}
