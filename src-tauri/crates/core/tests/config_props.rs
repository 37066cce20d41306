//! Bounded property tests ("fuzzing in CI") of the setting checks and the `.env` reader: a value that passes
//! its check passes it again written back (as text and as JSON), numbers pass exactly inside their ranges,
//! and a `.env` file resolves each IBKR_* variable to what its check says. fuzz/fuzz_targets/config_values.rs
//! runs the same properties for longer with coverage guidance.

use std::collections::BTreeMap;

use gateway_core::config::{Config, Inputs, Key, Source};
use proptest::prelude::*;

fn key() -> impl Strategy<Value = Key> {
    prop::sample::select(Key::ALL.to_vec())
}

/// Text that is sometimes a valid value of some setting.
fn value_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\[\\]a-z0-9.:_ -]{0,12}",
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        prop::sample::select(vec!["true", "no", "ON", "1", "0", " 4002 ", "[]", "[::1]"])
            .prop_map(String::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn a_value_that_passes_its_check_passes_it_again_written_back(key in key(), text in value_text()) {
        if let Ok(value) = key.parse_text(&text) {
            prop_assert_eq!(key.parse_text(&value.to_string()), Ok(value.clone()));
            let json = serde_json::to_value(&value).expect("serialise");
            prop_assert_eq!(key.parse_json(&json), Ok(value));
        }
    }

    #[test]
    fn whole_numbers_pass_exactly_inside_their_ranges(n in prop_oneof![any::<i64>(), -5i64..70_000]) {
        prop_assert_eq!(Key::Port.parse_text(&n.to_string()).is_ok(), (1..=65535).contains(&n));
        prop_assert_eq!(Key::ClientId.parse_text(&n.to_string()).is_ok(), (0..=2_147_483_647).contains(&n));
        prop_assert_eq!(Key::MaxTimeouts.parse_text(&n.to_string()).is_ok(), (1..=100).contains(&n));
    }

    #[test]
    fn seconds_pass_exactly_inside_their_ranges(f in prop_oneof![any::<f64>(), 0.0f64..700.0]) {
        prop_assert_eq!(Key::Timeout.parse_text(&f.to_string()).is_ok(), (0.1..=600.0).contains(&f));
        prop_assert_eq!(Key::HeartbeatInterval.parse_text(&f.to_string()).is_ok(), (0.5..=600.0).contains(&f));
    }
}

proptest! {
    // Each case writes a file: fewer cases.
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn a_dotenv_file_resolves_each_variable_to_what_its_check_says(
        lines in prop::collection::vec((key(), value_text().prop_filter("one line", |t| !t.contains(['\n', '\r', '\'', '"', '#', '\\', '$']))), 0..6),
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut file = String::new();
        let mut expected = BTreeMap::new();
        for (key, text) in &lines {
            file.push_str(&format!("{}='{}'\n", key.env_var(), text));
            expected.insert(*key, text.clone());
        }
        std::fs::write(dir.path().join(".env"), &file).expect("write .env");
        let gathered = Inputs::gather(BTreeMap::new(), dir.path(), None).expect("a quoted .env reads");
        let inputs = Inputs { dotenv: gathered.dotenv, ..Inputs::default() };
        let (settings, invalid) = inputs.resolve_all();
        for key in Key::ALL {
            let setting = settings.iter().find(|s| s.key == key);
            match expected.get(&key) {
                None => prop_assert_eq!(setting.map(|s| &s.source), Some(&Source::Default)),
                Some(text) => match key.parse_text(text) {
                    Ok(value) => {
                        let setting = setting.expect("a valid value resolves");
                        prop_assert_eq!(&setting.value, &value);
                        let from_dotenv = matches!(setting.source, Source::DotEnv { .. });
                        prop_assert!(from_dotenv, "{:?}", setting.source);
                    }
                    Err(_) => {
                        let bad = invalid.iter().find(|i| i.key == key).expect("an invalid value is reported");
                        prop_assert!(bad.message.contains(key.env_var()), "{}", bad.message);
                    }
                },
            }
        }
        if let Ok(config) = Config::resolve(&inputs) {
            for (var, text) in config.worker_env() {
                let key = Key::ALL.into_iter().find(|k| k.env_var() == var).expect("a setting");
                prop_assert!(key.parse_text(&text).is_ok(), "the worker gets {}={:?}", var, text);
            }
        }
    }
}
