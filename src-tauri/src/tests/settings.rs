//! Settings: provenance in get_config, all-or-nothing saves.

use serde_json::{Value, json};

use super::TestApp;

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
    assert!(
        message.contains("70000") && message.contains("4002"),
        "{message}"
    );
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
