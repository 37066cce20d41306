//! Table tests over good and bad values from every source, with provenance, and the settings file's
//! atomic, key-preserving writes (real files in a temp dir).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::*;

fn settings_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn inputs(
    explicit: &[(Key, &str)],
    env: &[(&str, &str)],
    dotenv: &[(&str, &str)],
    settings: Value,
) -> Inputs {
    Inputs {
        explicit: explicit.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        dotenv: (!dotenv.is_empty()).then(|| {
            (
                PathBuf::from("/work/.env"),
                dotenv
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        }),
        settings: Some((PathBuf::from("/cfg/settings.json"), settings_map(settings))),
        time_zone: None,
    }
}

fn source_of(config: &Config, key: Key) -> Source {
    config
        .setting(key)
        .expect("every key resolves")
        .source
        .clone()
}

#[test]
fn defaults_match_design() {
    let config = Config::resolve(&Inputs::default()).expect("defaults are valid");
    assert_eq!(config.host(), "127.0.0.1");
    assert_eq!(config.port(), 4002);
    assert_eq!(config.client_id(), 7431);
    assert_eq!(config.timeout().as_secs_f64(), 30.0);
    assert!(config.readonly());
    assert!(!config.force_disconnect());
    assert_eq!(config.max_timeouts(), 3);
    assert!(
        config
            .settings()
            .iter()
            .all(|s| s.source == Source::Default)
    );
}

#[test]
fn each_source_wins_over_the_ones_below_it() {
    let settings = json!({"port": 7497, "client_id": 5, "timeout": 12.5, "readonly": false, "host": "10.0.0.2"});
    let cases: Vec<(Inputs, u16, Source)> = vec![
        (
            inputs(&[], &[], &[], settings.clone()),
            7497,
            Source::SettingsFile {
                path: "/cfg/settings.json".into(),
            },
        ),
        (
            inputs(&[], &[], &[("IBKR_PORT", "4001")], settings.clone()),
            4001,
            Source::DotEnv {
                path: "/work/.env".into(),
            },
        ),
        (
            inputs(
                &[],
                &[("IBKR_PORT", "7496")],
                &[("IBKR_PORT", "4001")],
                settings.clone(),
            ),
            7496,
            Source::Environment {
                var: "IBKR_PORT".into(),
            },
        ),
        (
            inputs(
                &[(Key::Port, "4002")],
                &[("IBKR_PORT", "7496")],
                &[("IBKR_PORT", "4001")],
                settings.clone(),
            ),
            4002,
            Source::Explicit,
        ),
    ];
    for (inputs, port, source) in cases {
        let config = Config::resolve(&inputs).expect("valid");
        assert_eq!(config.port(), port);
        assert_eq!(source_of(&config, Key::Port), source);
        // Keys the higher sources did not set still come from the settings file.
        assert_eq!(config.client_id(), 5);
        assert_eq!(config.timeout().as_secs_f64(), 12.5);
        assert!(!config.readonly());
        assert_eq!(config.host(), "10.0.0.2");
    }
}

#[test]
fn good_values_in_every_form() {
    let good: &[(Key, &str, SettingValue)] = &[
        (Key::Port, "4002", SettingValue::Int(4002)),
        (Key::Port, " 65535 ", SettingValue::Int(65535)),
        (Key::ClientId, "0", SettingValue::Int(0)),
        (
            Key::ClientId,
            "2147483647",
            SettingValue::Int(2_147_483_647),
        ),
        (Key::Timeout, "0.1", SettingValue::Float(0.1)),
        (Key::Timeout, "30", SettingValue::Float(30.0)),
        (Key::Readonly, "yes", SettingValue::Bool(true)),
        (Key::Readonly, "0", SettingValue::Bool(false)),
        (Key::ForceDisconnect, "1", SettingValue::Bool(true)),
        (Key::Host, "::1", SettingValue::Text("::1".into())),
        (Key::Host, "[::1]", SettingValue::Text("::1".into())),
        (
            Key::Host,
            "gateway.local",
            SettingValue::Text("gateway.local".into()),
        ),
    ];
    for (key, text, expected) in good {
        for source in ["explicit", "env", "dotenv"] {
            let i = match source {
                "explicit" => inputs(&[(*key, text)], &[], &[], json!({})),
                "env" => inputs(&[], &[(key.env_var(), text)], &[], json!({})),
                _ => inputs(&[], &[], &[(key.env_var(), text)], json!({})),
            };
            let config = Config::resolve(&i)
                .unwrap_or_else(|e| panic!("{key:?}={text} from {source}: {e:?}"));
            assert_eq!(
                &config.setting(*key).expect("resolved").value,
                expected,
                "{key:?}={text} from {source}"
            );
        }
    }
}

#[test]
fn bad_values_are_explained_with_their_source_and_never_replaced() {
    let bad: &[(Inputs, Key, &str)] = &[
        (
            inputs(&[], &[("IBKR_PORT", "70000")], &[], json!({})),
            Key::Port,
            "IBKR_PORT=70000 is not a port: use 1-65535; IB Gateway uses 4002 for paper trading",
        ),
        (
            inputs(&[], &[("IBKR_PORT", "abc")], &[], json!({})),
            Key::Port,
            "IBKR_PORT=abc is not a port",
        ),
        (
            inputs(&[], &[], &[("IBKR_CLIENT_ID", "-1")], json!({})),
            Key::ClientId,
            "IBKR_CLIENT_ID=-1 in /work/.env is not a client id",
        ),
        (
            inputs(&[], &[], &[], json!({"timeout": 0})),
            Key::Timeout,
            "timeout 0 in /cfg/settings.json is out of range",
        ),
        (
            inputs(&[], &[], &[], json!({"port": "x"})),
            Key::Port,
            "port x in /cfg/settings.json is not a port",
        ),
        (
            inputs(&[], &[], &[], json!({"readonly": 3})),
            Key::Readonly,
            "readonly 3 in /cfg/settings.json is not true or false",
        ),
        (
            inputs(&[(Key::ClientId, "2147483648")], &[], &[], json!({})),
            Key::ClientId,
            "client_id 2147483648 is not a client id",
        ),
        (
            inputs(&[], &[("IBKR_READONLY", "maybe")], &[], json!({})),
            Key::Readonly,
            "IBKR_READONLY=maybe is not true or false",
        ),
        (
            inputs(&[], &[("IBKR_HOST", "a b")], &[], json!({})),
            Key::Host,
            "IBKR_HOST=a b is not a host name",
        ),
        (
            inputs(&[], &[("IBKR_MAX_TIMEOUTS", "0")], &[], json!({})),
            Key::MaxTimeouts,
            "IBKR_MAX_TIMEOUTS=0 is out of range",
        ),
        (
            inputs(&[], &[("IBKR_STABLE_SECS", "0.2")], &[], json!({})),
            Key::StableAfter,
            "IBKR_STABLE_SECS=0.2 is out of range",
        ),
    ];
    for (inputs, key, message) in bad {
        let errors = Config::resolve(inputs).expect_err("a bad value must fail");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].key, *key);
        assert!(
            errors[0].message.starts_with(message),
            "{:?} does not start with {message:?}",
            errors[0].message
        );
    }
}

#[test]
fn every_bad_value_is_reported_at_once() {
    let i = inputs(
        &[],
        &[("IBKR_PORT", "0"), ("IBKR_TIMEOUT", "x")],
        &[],
        json!({"client_id": -5}),
    );
    let errors = Config::resolve(&i).expect_err("three bad values");
    let keys: Vec<Key> = errors.iter().map(|e| e.key).collect();
    assert_eq!(keys, [Key::Port, Key::ClientId, Key::Timeout]);
}

#[test]
fn a_good_higher_source_hides_a_bad_lower_one() {
    let i = inputs(&[], &[("IBKR_PORT", "4002")], &[], json!({"port": 70000}));
    assert_eq!(
        Config::resolve(&i)
            .expect("the settings file's port is not used")
            .port(),
        4002
    );
}

#[test]
fn worker_env_carries_every_resolved_value() {
    let config = Config::resolve(&inputs(
        &[(Key::ClientId, "888")],
        &[],
        &[],
        json!({"timeout": 10}),
    ))
    .expect("valid");
    let env: BTreeMap<_, _> = config.worker_env().into_iter().collect();
    assert_eq!(env["IBKR_CLIENT_ID"], "888");
    assert_eq!(env["IBKR_TIMEOUT"], "10");
    assert_eq!(env["IBKR_FORCE_DISCONNECT"], "0");
}

#[test]
fn gather_reads_dotenv_and_settings_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join(".env"),
        "# paper\nIBKR_CLIENT_ID=77\nOTHER=1\n",
    )
    .expect("write .env");
    let settings = dir.path().join("settings.json");
    std::fs::write(&settings, r#"{"port": 7497, "theme": "dark"}"#).expect("write settings");
    let i = Inputs::gather(BTreeMap::new(), dir.path(), Some(&settings)).expect("readable");
    let config = Config::resolve(&Inputs {
        env: BTreeMap::new(),
        ..i
    })
    .expect("valid");
    assert_eq!(config.client_id(), 77);
    assert_eq!(
        source_of(&config, Key::ClientId),
        Source::DotEnv {
            path: dir.path().join(".env")
        }
    );
    assert_eq!(config.port(), 7497);
}

#[test]
fn unreadable_inputs_are_specific_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = dir.path().join("settings.json");
    std::fs::write(&settings, "[1, 2]").expect("write");
    let err =
        Inputs::gather(BTreeMap::new(), dir.path(), Some(&settings)).expect_err("not an object");
    assert!(err.to_string().contains("not a JSON object"), "{err}");
    std::fs::write(&settings, "{oops").expect("write");
    let err = Inputs::gather(BTreeMap::new(), dir.path(), Some(&settings)).expect_err("not JSON");
    assert!(err.to_string().contains("settings.json"), "{err}");
}

#[test]
fn gather_lenient_skips_an_unreadable_source_and_keeps_the_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(".env"), "IBKR_CLIENT_ID=77\n").expect("write .env");
    let settings = dir.path().join("settings.json");
    std::fs::write(&settings, "{oops").expect("write");
    let (inputs, skipped) = Inputs::gather_lenient(BTreeMap::new(), dir.path(), Some(&settings));
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0].to_string().contains("settings.json"));
    assert!(inputs.settings.is_none());
    assert!(inputs.dotenv.is_some(), "the readable .env is kept");

    std::fs::write(&settings, r#"{"port": 7497}"#).expect("write");
    std::fs::write(dir.path().join(".env"), "NOT VALID ' SYNTAX\n").expect("write .env");
    let (inputs, skipped) = Inputs::gather_lenient(BTreeMap::new(), dir.path(), Some(&settings));
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(inputs.dotenv.is_none());
    assert!(
        inputs.settings.is_some(),
        "the readable settings file is kept"
    );
}

#[test]
fn resolve_all_keeps_the_good_values_beside_the_bad_ones() {
    let i = inputs(&[], &[("IBKR_PORT", "70000")], &[], json!({}));
    let (settings, invalid) = i.resolve_all();
    assert_eq!(invalid.len(), 1);
    assert_eq!(invalid[0].key, Key::Port);
    assert_eq!(settings.len(), Key::ALL.len() - 1);
    assert!(settings.iter().all(|s| s.key != Key::Port));
}

#[test]
fn writing_settings_is_atomic_and_keeps_unknown_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nested").join("settings.json");
    write_settings(
        &path,
        &settings_map(json!({"port": 4002, "theme": "dark", "future_key": {"a": 1}})),
    )
    .expect("first write");
    write_settings(&path, &settings_map(json!({"port": 7497, "theme": null})))
        .expect("second write");
    let text = std::fs::read_to_string(&path).expect("read back");
    let value: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(value, json!({"port": 7497, "future_key": {"a": 1}}));
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != "settings.json" && e.file_name() != "settings.json.lock")
        .collect();
    assert!(
        leftovers.is_empty(),
        "temp files left behind: {leftovers:?}"
    );
}

#[test]
fn writing_over_a_corrupt_file_refuses_instead_of_losing_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("settings.json");
    std::fs::write(&path, "{oops").expect("write");
    assert!(write_settings(&path, &settings_map(json!({"port": 4002}))).is_err());
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "{oops",
        "the user's file is untouched"
    );
}

/// Set in a child process of the concurrent-save test: the path it saves to and its name.
const WRITER_ENV: &str = "GATEWAY_DOCTOR_TEST_SETTINGS_WRITER";
const SAVES_EACH: usize = 40;

fn save_many(path: &std::path::Path, who: &str) {
    for n in 0..SAVES_EACH {
        write_settings(path, &settings_map(json!({ format!("{who}_{n}"): n })))
            .unwrap_or_else(|e| panic!("{who} save {n}: {e}"));
    }
}

#[test]
fn concurrent_saves_from_two_threads_and_two_processes_lose_no_key() {
    const NAME: &str =
        "config::tests::concurrent_saves_from_two_threads_and_two_processes_lose_no_key";
    // In a child process: be one of the writers, and only that.
    if let Ok(spec) = std::env::var(WRITER_ENV) {
        let (who, path) = spec.split_once('=').expect("who=path");
        save_many(std::path::Path::new(path), who);
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("settings.json");
    write_settings(&path, &settings_map(json!({"port": 4002}))).expect("first write");
    let exe = std::env::current_exe().expect("this test binary");
    let children: Vec<_> = ["proc_a", "proc_b"]
        .iter()
        .map(|who| {
            std::process::Command::new(&exe)
                .args(["--exact", NAME, "--test-threads", "1", "--quiet"])
                .env(WRITER_ENV, format!("{who}={}", path.display()))
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("spawn a writer process")
        })
        .collect();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let writers: Vec<_> = ["thread_a", "thread_b"]
            .iter()
            .map(|who| scope.spawn(|| save_many(&path, who)))
            .collect();
        // A reader all along: the file is always whole JSON, never half written.
        let reader = scope.spawn(|| {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let text = std::fs::read_to_string(&path).expect("the file is always there");
                serde_json::from_str::<Value>(&text)
                    .unwrap_or_else(|e| panic!("a corrupt file was seen: {e}: {text:?}"));
                reads += 1;
            }
            reads
        });
        // Every writer is waited for before the reader stops, and only then is anything asserted: a failed
        // save must fail the test, not leave the reader running.
        let threads_ok: Vec<bool> = writers.into_iter().map(|w| w.join().is_ok()).collect();
        let processes_ok: Vec<bool> = children
            .into_iter()
            .map(|mut child| child.wait().is_ok_and(|status| status.success()))
            .collect();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let reads = reader.join();
        assert_eq!(threads_ok, [true, true], "a thread's save failed");
        assert_eq!(processes_ok, [true, true], "a process's save failed");
        assert!(reads.expect("no corrupt file was read") > 0);
    });
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    let saved = saved.as_object().expect("an object");
    for who in ["thread_a", "thread_b", "proc_a", "proc_b"] {
        for n in 0..SAVES_EACH {
            assert_eq!(
                saved.get(&format!("{who}_{n}")),
                Some(&json!(n)),
                "{who}_{n} was lost"
            );
        }
    }
    assert_eq!(saved.get("port"), Some(&json!(4002)));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temp files left behind: {leftovers:?}"
    );
}

#[test]
fn a_syntax_error_names_its_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("settings.json");
    std::fs::write(&path, "{\n  \"port\": 4002,\n  \"client_id\": ,\n}\n").expect("write");
    match Inputs::gather(BTreeMap::new(), dir.path(), Some(&path)) {
        Err(InputError::Settings { line, column, .. }) => {
            assert_eq!((line, column), (Some(3), Some(16)));
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn reset_keeps_a_backup_and_leaves_an_empty_object() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("settings.json");
    std::fs::write(&path, "{oops").expect("write");
    let backup = reset_settings(&path)
        .expect("reset")
        .expect("a backup of the old file");
    let name = backup
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("settings.json.bak-"), "{name}");
    assert_eq!(std::fs::read_to_string(&backup).expect("backup"), "{oops");
    let now: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    assert_eq!(now, json!({}));
    let second = reset_settings(&path).expect("reset").expect("a backup");
    assert_ne!(second, backup, "a second reset keeps the first backup");
    assert!(backup.exists());
}

#[test]
fn the_region_follows_the_time_zone_unless_a_source_sets_it() {
    let mut i = inputs(&[], &[], &[], json!({}));
    i.time_zone = Some("Europe/Berlin".into());
    let config = Config::resolve(&i).expect("valid");
    assert_eq!(config.region(), crate::reset_window::Region::Europe);
    assert_eq!(
        source_of(&config, Key::Region),
        Source::TimeZone {
            zone: "Europe/Berlin".into()
        }
    );
    // Saved, it wins over the time zone.
    let mut saved = inputs(&[], &[], &[], json!({"region": "asia"}));
    saved.time_zone = Some("Europe/Berlin".into());
    let config = Config::resolve(&saved).expect("valid");
    assert_eq!(config.region(), crate::reset_window::Region::Asia);
    // A zone that names no part of the world: the default, said as such.
    let mut utc = inputs(&[], &[], &[], json!({}));
    utc.time_zone = Some("UTC".into());
    let config = Config::resolve(&utc).expect("valid");
    assert_eq!(config.region(), crate::reset_window::Region::NorthAmerica);
    assert_eq!(source_of(&config, Key::Region), Source::Default);
}

#[test]
fn the_auto_restart_time_is_unknown_until_set_and_a_bad_one_is_reported() {
    let config = Config::resolve(&inputs(&[], &[], &[], json!({}))).expect("valid");
    assert_eq!(config.auto_restart(), None);
    let set =
        Config::resolve(&inputs(&[], &[], &[], json!({"auto_restart": "23:45"}))).expect("valid");
    assert_eq!(
        set.auto_restart(),
        Some(jiff::civil::Time::constant(23, 45, 0, 0))
    );
    let bad =
        Config::resolve(&inputs(&[], &[], &[], json!({"auto_restart": "25:00"}))).expect_err("bad");
    assert_eq!(bad[0].key, Key::AutoRestart);
    assert!(
        bad[0]
            .message
            .starts_with("auto_restart 25:00 in /cfg/settings.json is not a time"),
        "{}",
        bad[0].message
    );
}

#[test]
fn a_settings_file_from_the_previous_version_still_resolves() {
    // Written before region, auto_restart and the import record existed.
    let old = json!({"port": 4001, "client_id": 7431, "timeout": 30, "theme": "dark"});
    let config = Config::resolve(&inputs(&[], &[], &[], old)).expect("valid");
    assert_eq!(config.port(), 4001);
    assert_eq!(config.region(), crate::reset_window::Region::NorthAmerica);
    assert_eq!(config.auto_restart(), None);
}
