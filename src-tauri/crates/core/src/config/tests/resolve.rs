//! Resolving: defaults, each source over the ones below it, good values in every form, bad values explained
//! with their source and never replaced, the region and auto-restart time, and what the worker is handed.

use super::*;

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
    // Where each bad value comes from.
    let env = |var: &str, value: &str| inputs(&[], &[(var, value)], &[], json!({}));
    let dotenv = |var: &str, value: &str| inputs(&[], &[], &[(var, value)], json!({}));
    let file = |settings: Value| inputs(&[], &[], &[], settings);
    let flag = |key: Key, value: &str| inputs(&[(key, value)], &[], &[], json!({}));
    // One row per case: the table reads best unwrapped.
    #[rustfmt::skip]
    let bad: &[(Inputs, Key, &str)] = &[
        (env("IBKR_PORT", "70000"), Key::Port, "IBKR_PORT=70000 is not a port: use 1-65535; IB Gateway uses 4002 for paper trading"),
        (env("IBKR_PORT", "abc"), Key::Port, "IBKR_PORT=abc is not a port"),
        (dotenv("IBKR_CLIENT_ID", "-1"), Key::ClientId, "IBKR_CLIENT_ID=-1 in /work/.env is not a client id"),
        (file(json!({"timeout": 0})), Key::Timeout, "timeout 0 in /cfg/settings.json is out of range"),
        (file(json!({"port": "x"})), Key::Port, "port x in /cfg/settings.json is not a port"),
        (file(json!({"readonly": 3})), Key::Readonly, "readonly 3 in /cfg/settings.json is not true or false"),
        (flag(Key::ClientId, "2147483648"), Key::ClientId, "client_id 2147483648 is not a client id"),
        (env("IBKR_READONLY", "maybe"), Key::Readonly, "IBKR_READONLY=maybe is not true or false"),
        (env("IBKR_HOST", "a b"), Key::Host, "IBKR_HOST=a b is not a host name"),
        (env("IBKR_MAX_TIMEOUTS", "0"), Key::MaxTimeouts, "IBKR_MAX_TIMEOUTS=0 is out of range"),
        (env("IBKR_STABLE_SECS", "0.2"), Key::StableAfter, "IBKR_STABLE_SECS=0.2 is out of range"),
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
fn resolve_all_keeps_the_good_values_beside_the_bad_ones() {
    let i = inputs(&[], &[("IBKR_PORT", "70000")], &[], json!({}));
    let (settings, invalid) = i.resolve_all();
    assert_eq!(invalid.len(), 1);
    assert_eq!(invalid[0].key, Key::Port);
    assert_eq!(settings.len(), Key::ALL.len() - 1);
    assert!(settings.iter().all(|s| s.key != Key::Port));
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
