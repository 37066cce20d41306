//! The configuration's readers on arbitrary input: the bytes as a `.env` file read through
//! `Inputs::gather` (dotenvy, as the app reads the working directory's `.env`), and as a raw value for
//! every setting's text and JSON checks.
//!
//! Properties, beyond not panicking:
//! - a `.env` that reads resolves every setting exactly once, either to a value (the one its own check
//!   gives) or to a message that names the variable and the file;
//! - a value that passes its check passes it again written back (as text, and as JSON): what the app saves
//!   or hands the worker is accepted when read back;
//! - a configuration that resolves hands the worker IBKR_* variables that pass the same checks.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use gateway_core::config::{Config, InputError, Inputs, Key, SettingValue, Source};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temp dir"))
}

fn check_value(key: Key, value: &SettingValue) {
    assert_eq!(
        key.parse_text(&value.to_string()).as_ref(),
        Ok(value),
        "{key:?}: {value:?} does not pass its own check written as text"
    );
    let json = serde_json::to_value(value).expect("a value serialises");
    assert_eq!(
        key.parse_json(&json).as_ref(),
        Ok(value),
        "{key:?}: {value:?} does not pass its own check written as JSON"
    );
}

fn check_dotenv(bytes: &[u8]) {
    let path = dir().path().join(".env");
    std::fs::write(&path, bytes).expect("write .env");
    let gathered = match Inputs::gather(BTreeMap::new(), dir().path(), None) {
        Ok(inputs) => inputs,
        Err(InputError::DotEnv { message, .. }) => return assert!(!message.is_empty()),
        Err(InputError::Read { .. }) => return,
        Err(other) => panic!("a .env file gave {other}"),
    };
    // Only the file: the fuzzing process's own environment must not decide the outcome.
    let inputs = Inputs {
        dotenv: gathered.dotenv.clone(),
        ..Inputs::default()
    };
    let vars = gathered.dotenv.map(|(_, vars)| vars).unwrap_or_default();
    let (settings, invalid) = inputs.resolve_all();
    assert_eq!(settings.len() + invalid.len(), Key::ALL.len());
    for key in Key::ALL {
        let given = vars.get(key.env_var());
        if let Some(setting) = settings.iter().find(|s| s.key == key) {
            match given {
                Some(text) => {
                    assert!(matches!(setting.source, Source::DotEnv { .. }));
                    assert_eq!(key.parse_text(text).as_ref(), Ok(&setting.value));
                }
                None => assert_eq!(setting.source, Source::Default),
            }
            check_value(key, &setting.value);
        } else {
            let bad = invalid
                .iter()
                .find(|i| i.key == key)
                .expect("every key resolves");
            assert!(
                given.is_some(),
                "{key:?} is invalid although the .env does not set it"
            );
            assert!(
                bad.message.contains(key.env_var()) && bad.message.contains(".env"),
                "{}",
                bad.message
            );
        }
    }
    if let Ok(config) = Config::resolve(&inputs) {
        for (var, text) in config.worker_env() {
            let key = Key::ALL
                .into_iter()
                .find(|k| k.env_var() == var)
                .expect("the worker's variables are settings");
            assert!(
                key.parse_text(&text).is_ok(),
                "the worker gets {var}={text:?}, which fails its check"
            );
        }
    }
}

fuzz_target!(|bytes: &[u8]| {
    check_dotenv(bytes);
    let text = String::from_utf8_lossy(bytes);
    let json = serde_json::from_slice::<Value>(bytes).ok();
    for key in Key::ALL {
        if let Ok(value) = key.parse_text(&text) {
            check_value(key, &value);
        }
        if let Some(json) = &json
            && let Ok(value) = key.parse_json(json)
        {
            check_value(key, &value);
        }
    }
});
