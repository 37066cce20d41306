//! Importing a trading program's .env: what is copied, what is refused and why, and the record of the copy.

use super::*;
use crate::config::{Config, Inputs};

/// The code as the UI reads it.
fn wire(code: ImportErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn env_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(".env");
    std::fs::write(&path, text).expect("write .env");
    (dir, path)
}

#[test]
fn the_gateways_place_is_taken_and_the_programs_client_id_only_remembered() {
    let (_dir, path) = env_file(
        "# my bot\nIBKR_HOST=127.0.0.1\nexport IBKR_PORT=4001\nIBKR_CLIENT_ID=7431\nIBKR_READONLY=false\nIBKR_TIMEOUT=\"20\"\nACCOUNT=DU123\n",
    );
    let env = read_trading_env(&path).expect("a good file");
    assert_eq!(
        env.values,
        vec![
            (Key::Host, SettingValue::Text("127.0.0.1".into())),
            (Key::Port, SettingValue::Int(4001)),
            (Key::Timeout, SettingValue::Float(20.0)),
        ]
    );
    assert_eq!(env.program_client_id, Some(7431));
    assert_eq!(env.left_out.len(), 2, "{:?}", env.left_out);
    assert!(env.left_out[0].starts_with("IBKR_CLIENT_ID=7431 is your trading program's own"));
    assert!(env.left_out[1].starts_with("IBKR_READONLY "));
    let changes = import_changes(&env, "2026-12-05T06:30:00Z".parse().expect("time"));
    assert_eq!(changes.get("port"), Some(&serde_json::json!(4001)));
    assert_eq!(changes.get("client_id"), None);
    assert_eq!(changes.get("readonly"), None);
    let record = ImportRecord::of(&changes).expect("the record");
    assert_eq!(record.path, path);
    assert_eq!(record.program_client_id, Some(7431));
    assert_eq!(record.at.as_deref(), Some("2026-12-05T06:30:00Z"));
}

#[test]
fn imported_values_show_their_file_until_changed_and_a_shared_client_id_is_a_clash() {
    let (_dir, path) = env_file("IBKR_PORT=4001\nIBKR_HOST=localhost\nIBKR_CLIENT_ID=7431\n");
    let env = read_trading_env(&path).expect("good");
    let mut file = import_changes(&env, jiff::Timestamp::UNIX_EPOCH);
    file.insert("timeout".into(), serde_json::json!(12));
    let settings_path = PathBuf::from("/cfg/settings.json");
    let resolve = |file: &Map<String, Value>| {
        Config::resolve(&Inputs {
            settings: Some((settings_path.clone(), file.clone())),
            ..Inputs::default()
        })
        .expect("valid")
    };
    let config = resolve(&file);
    let source = |config: &Config, key| config.setting(key).map(|s| s.source.clone());
    assert_eq!(
        source(&config, Key::Port),
        Some(Source::Imported { path: path.clone() })
    );
    assert_eq!(
        source(&config, Key::Timeout),
        Some(Source::SettingsFile {
            path: settings_path.clone()
        })
    );
    // Our default client id is the program's: warned, with a spare one to use instead.
    let program = TradingProgram::of(&file, Some(i64::from(config.client_id()))).expect("recorded");
    let clash = program.clash.expect("a clash");
    assert_eq!((clash.client_id, clash.suggested), (7431, Some(7432)));
    assert!(
        clash.message.contains("IBKR_CLIENT_ID in"),
        "{}",
        clash.message
    );
    // The trader changes the port afterwards: it is a saved setting again, and no clash with 7432.
    file.insert("port".into(), serde_json::json!(4002));
    file.insert("client_id".into(), serde_json::json!(7432));
    let changed = resolve(&file);
    assert_eq!(
        source(&changed, Key::Port),
        Some(Source::SettingsFile {
            path: settings_path.clone()
        })
    );
    assert_eq!(source(&changed, Key::Host), Some(Source::Imported { path }));
    let program = TradingProgram::of(&file, Some(7432)).expect("recorded");
    assert_eq!(program.clash, None);
    assert_eq!(program.client_id, Some(7431));
}

#[test]
fn bad_files_are_refused_with_what_is_wrong() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nope.env");
    let err = read_trading_env(&missing).expect_err("missing");
    assert_eq!(wire(err.code()), "ENV_NOT_FOUND");
    assert!(err.to_string().contains("nope.env"), "{err}");

    let err = read_trading_env(dir.path()).expect_err("a folder");
    assert_eq!(wire(err.code()), "ENV_NOT_A_FILE");

    let (_d, malformed) = env_file("IBKR_PORT=4001\nthis line is wrong\n");
    let err = read_trading_env(&malformed).expect_err("malformed");
    assert_eq!(wire(err.code()), "ENV_MALFORMED");
    assert!(
        matches!(err, ImportError::Malformed { line: Some(2), .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains(" line 2 "), "{err}");

    let (_d, none) = env_file("ACCOUNT=DU123\nIBKR_CLIENT_ID=1\n");
    assert_eq!(
        wire(read_trading_env(&none).expect_err("nothing").code()),
        "ENV_NOTHING_TO_IMPORT"
    );

    let (_d, bad) = env_file("IBKR_PORT=70000\nIBKR_HOST=127.0.0.1\nIBKR_CLIENT_ID=-4\n");
    let err = read_trading_env(&bad).expect_err("out of range");
    assert_eq!(wire(err.code()), "ENV_BAD_VALUES");
    let keys: Vec<Key> = err.invalid().iter().map(|v| v.key).collect();
    assert_eq!(keys, vec![Key::Port, Key::ClientId]);
    assert!(
        err.invalid()[0].message.starts_with("IBKR_PORT=70000 in "),
        "{}",
        err.invalid()[0].message
    );
    assert!(err.to_string().contains("nothing was imported"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_typed_path_must_be_full_and_may_start_at_home() {
    let home = Path::new("/home/t");
    assert_eq!(
        trading_env_path(" \"/home/t/bot/.env\" ", Some(home)).expect("full"),
        PathBuf::from("/home/t/bot/.env")
    );
    assert_eq!(
        trading_env_path("~/bot/.env", Some(home)).expect("home"),
        PathBuf::from("/home/t/bot/.env")
    );
    for bad in ["", "  ", "bot/.env", ".env", "~/bot/.env"] {
        let home = if bad.starts_with('~') {
            None
        } else {
            Some(home)
        };
        assert_eq!(
            wire(trading_env_path(bad, home).expect_err(bad).code()),
            "ENV_PATH_NOT_FULL"
        );
    }
}

#[test]
fn a_broken_record_is_ignored_rather_than_trusted() {
    let mut file = Map::new();
    file.insert(IMPORT_RECORD_KEY.into(), serde_json::json!("not a record"));
    file.insert("port".into(), serde_json::json!(4001));
    assert_eq!(ImportRecord::of(&file), None);
    assert_eq!(TradingProgram::of(&file, Some(7431)), None);
}
