//! The configuration's tests by subject: resolving values from every source with provenance
//! ([`resolve`]), gathering the inputs from files ([`gather`]), and the settings file's writes ([`writes`]).
//! The helpers below build the inputs they share.

mod gather;
mod resolve;
mod writes;

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

/// A temp dir holding `settings.json` with `contents`; the dir, and the file's path.
fn settings_file(contents: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("settings.json");
    std::fs::write(&path, contents).expect("write settings.json");
    (dir, path)
}
