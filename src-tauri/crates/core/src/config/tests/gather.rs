//! Gathering the inputs from real files: `.env` and the settings file read, each unreadable source a
//! specific error (or skipped, leniently, keeping the others), a syntax error with its line and column.

use super::*;

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
    let (dir, settings) = settings_file("[1, 2]");
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
fn a_syntax_error_names_its_line_and_column() {
    let (dir, path) = settings_file("{\n  \"port\": 4002,\n  \"client_id\": ,\n}\n");
    match Inputs::gather(BTreeMap::new(), dir.path(), Some(&path)) {
        Err(InputError::Settings { line, column, .. }) => {
            assert_eq!((line, column), (Some(3), Some(16)));
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}
