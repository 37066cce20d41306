//! The config.ini checks, the value rules and the places, against IBC's own behaviour.

use std::path::{Path, PathBuf};

use super::*;

fn parse(text: &str) -> Result<IbcConfig, IbcConfigError> {
    IbcConfig::parse(Path::new("/home/t/ibc/config.ini"), text.as_bytes())
}

const SAMPLE: &str = "\
# IBC sample
FIX=no
TradingMode=paper
ReadOnlyApi=no
OverrideTwsApiPort=4002
#CommandServerPort=7462
CommandServerPort=7462
ControlFrom=10.0.0.5,myhost
BindAddress=
CommandPrompt= >
SuppressInfoMessages=no
";

#[test]
fn reads_each_setting_with_its_line() {
    let config = parse(SAMPLE).expect("valid");
    assert_eq!(config.command_server_port(), Some(7462));
    assert_eq!(config.command_server_port.as_ref().map(|f| f.line), Some(7));
    assert_eq!(
        config.trading_mode.as_ref().map(|f| (f.value, f.line)),
        Some((TradingMode::Paper, 3))
    );
    assert_eq!(
        config.read_only_api.as_ref().map(|f| (f.value, f.line)),
        Some((false, 4))
    );
    assert_eq!(
        config.override_tws_api_port.as_ref().map(|f| f.value),
        Some(4002)
    );
    assert_eq!(
        config.control_from.as_ref().map(|f| f.value.clone()),
        Some(vec!["10.0.0.5".to_string(), "myhost".to_string()])
    );
    assert_eq!(config.bind_address, None, "blank is IBC's default");
    assert_eq!(
        config.command_prompt.as_ref().map(|f| f.value.as_str()),
        Some(">")
    );
    assert_eq!(
        config.suppress_info_messages.as_ref().map(|f| f.value),
        Some(false)
    );
    assert_eq!(config.command_server_host(), "127.0.0.1");
    let view = config.view();
    assert_eq!(view.command_server.as_deref(), Some("127.0.0.1:7462"));
    let port = view
        .settings
        .iter()
        .find(|s| s.key == IbcKey::CommandServerPort)
        .expect("listed");
    assert_eq!((port.value.as_str(), port.line), ("7462", 7));
    assert_eq!(port.path, "/home/t/ibc/config.ini");
    assert!(!view.settings.iter().any(|s| s.key == IbcKey::BindAddress));
}

#[test]
fn blank_and_zero_mean_ibc_defaults_and_the_command_server_off() {
    let config = parse("CommandServerPort=0\nOverrideTwsApiPort=0\nTradingMode=\n").expect("valid");
    assert_eq!(config.command_server_port(), None);
    assert_eq!(
        config.command_server_port.as_ref().map(|f| f.value),
        Some(0),
        "an explicit off"
    );
    assert_eq!(config.override_tws_api_port, None);
    assert_eq!(config.trading_mode, None);
    assert_eq!(config.view().command_server, None);
    let empty = parse("").expect("valid");
    assert_eq!(empty.command_server_port, None);
}

#[test]
fn names_are_case_sensitive_as_in_ibc() {
    let config = parse("commandserverport=7462\n").expect("valid");
    assert_eq!(config.command_server_port(), None);
}

#[test]
fn a_trailing_space_after_a_number_is_an_error_naming_file_and_line() {
    let err = parse("A=1\nCommandServerPort=7462 \n").expect_err("IBC would ignore it");
    assert_eq!(err.code(), gateway_proto::IbcErrorCode::IbcConfigInvalid);
    let text = err.to_string();
    assert!(text.contains("/home/t/ibc/config.ini"), "{text}");
    assert!(text.contains("line 2"), "{text}");
    assert!(text.contains("command server off"), "{text}");
    match err {
        IbcConfigError::BadValue { key, line, .. } => {
            assert_eq!((key, line), ("CommandServerPort", 2))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn values_ibc_rejects_or_replaces_are_errors() {
    for (text, key) in [
        ("CommandServerPort=seven", "CommandServerPort"),
        ("CommandServerPort=70000", "CommandServerPort"),
        ("CommandServerPort=-1", "CommandServerPort"),
        ("OverrideTwsApiPort=4002x", "OverrideTwsApiPort"),
        ("TradingMode=demo", "TradingMode"),
        ("ReadOnlyApi=maybe", "ReadOnlyApi"),
        ("ReadOnlyApi=no ", "ReadOnlyApi"),
        ("SuppressInfoMessages=si", "SuppressInfoMessages"),
    ] {
        match parse(text) {
            Err(IbcConfigError::BadValue {
                key: k, line: 1, ..
            }) => assert_eq!(k, key, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    assert!(matches!(
        parse("CommandPrompt=\\uZZZZ"),
        Err(IbcConfigError::Syntax { line: 1, .. })
    ));
    assert!(
        parse("TradingMode= LIVE ").is_ok(),
        "text settings are trimmed, any case"
    );
}

#[test]
fn a_bind_address_is_where_the_command_server_is_reached() {
    let config = parse("CommandServerPort=7462\nBindAddress=192.168.1.20\n").expect("valid");
    assert_eq!(
        config.view().command_server.as_deref(),
        Some("192.168.1.20:7462")
    );
    let wildcard = parse("CommandServerPort=7462\nBindAddress=0.0.0.0\n").expect("valid");
    assert_eq!(wildcard.command_server_host(), "127.0.0.1");
    let v6 = parse("CommandServerPort=7462\nBindAddress=::1\n").expect("valid");
    assert_eq!(v6.view().command_server.as_deref(), Some("[::1]:7462"));
}

#[test]
fn control_from_is_split_like_java() {
    assert_eq!(java_split_commas("a, b,,"), ["a", " b"]);
    assert_eq!(java_split_commas("a,,b"), ["a", "", "b"]);
}

#[test]
fn candidates_per_platform() {
    let env = |name: &str| -> Option<std::ffi::OsString> {
        match name {
            "USERPROFILE" => Some("C:\\Users\\t".into()),
            "HOMEDRIVE" => Some("C:".into()),
            "HOMEPATH" => Some("\\Users\\t".into()),
            _ => None,
        }
    };
    let windows = candidates_for("windows", &env, None, Some(PathBuf::from("D:\\Docs")));
    assert_eq!(
        windows,
        [
            PathBuf::from("C:\\Users\\t")
                .join("Documents")
                .join("IBC")
                .join("config.ini"),
            PathBuf::from("C:\\Users\\t")
                .join("Documents")
                .join("IBC")
                .join("config.ini"),
            PathBuf::from("D:\\Docs").join("IBC").join("config.ini"),
            PathBuf::from("C:\\IBC\\config.ini"),
        ]
        .into_iter()
        .fold(Vec::<PathBuf>::new(), |mut v, p| {
            if !v.contains(&p) {
                v.push(p);
            }
            v
        })
    );
    let none = |_: &str| None;
    for os in ["linux", "macos"] {
        assert_eq!(
            candidates_for(os, &none, Some(PathBuf::from("/home/t")), None),
            [
                PathBuf::from("/home/t/ibc/config.ini"),
                PathBuf::from("/opt/ibc/config.ini")
            ]
        );
    }
}

#[test]
fn discovery_takes_the_first_existing_candidate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nope").join("config.ini");
    let first = dir.path().join("a.ini");
    let second = dir.path().join("b.ini");
    assert!(
        discover(std::slice::from_ref(&missing))
            .expect("nothing found is not an error")
            .is_none()
    );
    std::fs::write(&first, "CommandServerPort=7462\n").expect("write");
    std::fs::write(&second, "CommandServerPort=7463\n").expect("write");
    let found = discover(&[missing.clone(), first.clone(), second])
        .expect("valid")
        .expect("found");
    assert_eq!(
        (found.path.clone(), found.command_server_port()),
        (first.clone(), Some(7462))
    );
    std::fs::write(&first, "CommandServerPort=x\n").expect("write");
    let err = discover(&[first]).expect_err("a bad file found is an error, not skipped");
    assert!(matches!(err, IbcConfigError::BadValue { line: 1, .. }));
}
