//! The IPC wiring: the command list, the handlers, build.rs and the capabilities agree; a window without a
//! capability gets nothing; every DTO the UI reads exports to TypeScript.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use tauri::{WebviewUrl, WebviewWindowBuilder};

use super::{TestApp, TestResult, invoke};
use gateway_backend::CommandCode;

/// The names the app answers: the backend's commands (route.rs) and lib.rs's `generate_handler!` list.
fn registered() -> BTreeSet<String> {
    let mut names: BTreeSet<String> = gateway_backend::api::COMMANDS
        .iter()
        .map(|c| c.to_string())
        .collect();
    for desktop in desktop_handlers() {
        assert!(
            names.insert(desktop.clone()),
            "{desktop} is both the backend's and the desktop's"
        );
    }
    names
}

/// The names in lib.rs's `generate_handler!` list.
fn desktop_handlers() -> BTreeSet<String> {
    let lib = include_str!("../lib.rs");
    let list = lib
        .split("generate_handler![")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("lib.rs has a generate_handler! list");
    list.split(',')
        .filter_map(|path| path.trim().rsplit("::").next())
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect()
}

/// The app-command permissions the main window's capability grants.
fn granted() -> BTreeSet<String> {
    let capability: Value = serde_json::from_str(include_str!("../../capabilities/default.json"))
        .expect("default.json is JSON");
    assert_eq!(capability["windows"], json!(["main"]));
    capability["permissions"]
        .as_array()
        .expect("a permission list")
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect()
}

#[test]
fn the_command_list_the_handlers_build_rs_and_the_capability_agree() {
    let all = crate::all_commands();
    let listed: BTreeSet<String> = all.iter().map(|c| c.to_string()).collect();
    assert_eq!(listed.len(), all.len(), "a name is listed twice");
    assert_eq!(registered(), listed, "generate_handler! vs commands.rs");
    assert_eq!(
        granted(),
        listed,
        "capabilities/default.json vs commands.rs"
    );
    let build_rs = include_str!("../../build.rs");
    assert!(build_rs.contains("include!(\"src/commands.rs\")"));
    assert!(build_rs.contains("include!(\"crates/backend/src/commands.rs\")"));
    assert!(build_rs.contains(".commands(commands)"));
    for name in crate::all_commands() {
        let head = name.split('_').next().unwrap_or("");
        assert!(
            [
                "get",
                "connect",
                "reconnect",
                "stop",
                "reset",
                "restart",
                "run",
                "scan",
                "clean",
                "save",
                "start",
                "set",
                "use",
                "import",
                "open",
                "follow",
                "quit"
            ]
            .contains(&head),
            "{name} is not verb_noun"
        );
    }
}

#[test]
fn every_listed_command_is_registered_and_granted_to_the_main_window() {
    let app = TestApp::start(Value::Null);
    for cmd in crate::all_commands() {
        // Some need arguments or a running demo and fail here, but never as unknown or not permitted.
        if let Err(err) = app.invoke(cmd, Value::Null) {
            let text = err.to_string();
            assert!(
                !text.contains("not found") && !text.contains("not allowed"),
                "{cmd}: {text}"
            );
        }
    }
}

#[test]
fn get_app_info_answers_product_name_and_crate_version() {
    let app = TestApp::start(Value::Null);
    assert_eq!(
        app.invoke("get_app_info", Value::Null),
        Ok(json!({"name": "Gateway Doctor", "version": env!("CARGO_PKG_VERSION")}))
    );
}

#[test]
fn arguments_a_command_does_not_take_or_lacks_are_refused_in_words_not_ignored() {
    let app = TestApp::start(Value::Null);
    let cases = [
        ("run_diagnose", json!({"handshake": false}), "handshake"),
        ("get_logs", json!({}), "limit"),
        ("get_logs", json!({"limit": "ten"}), "limit"),
        (
            "clean_connections",
            json!({"dry_run": true, "include_live": []}),
            "include_live",
        ),
    ];
    for (cmd, args, named) in cases {
        let err = app
            .invoke(cmd, args.clone())
            .expect_err(&format!("{cmd} {args} was answered"));
        assert_eq!(err["code"], "COMMAND_NOT_UNDERSTOOD", "{cmd} {args}: {err}");
        let technical = err["detail"]["technical"].as_str().unwrap_or_default();
        assert!(technical.contains(named), "{cmd} {args}: {err}");
        assert!(
            gateway_proto::words::jargon_in(err["message"].as_str().unwrap_or_default()).is_empty(),
            "{err}"
        );
    }
    // The same commands with their right arguments are answered.
    assert!(app.invoke("get_logs", json!({"limit": 10})).is_ok());
    assert!(
        app.invoke(
            "clean_connections",
            json!({"dry_run": true, "confirmation": null})
        )
        .is_ok()
    );
}

#[test]
fn a_window_without_a_capability_cannot_call_commands() -> TestResult {
    let app = TestApp::start(Value::Null);
    let other = WebviewWindowBuilder::new(&app.app, "other", WebviewUrl::default()).build()?;
    let err = invoke(&other, "get_app_info", Value::Null)
        .err()
        .ok_or("get_app_info answered a window no capability names")?;
    assert!(err.to_string().contains("not allowed"), "{err}");
    Ok(())
}

#[test]
fn the_main_window_may_listen_to_the_apps_events_and_nothing_else_of_core() {
    let capability: Value = serde_json::from_str(include_str!("../../capabilities/default.json"))
        .expect("default.json is JSON");
    let core: Vec<&str> = capability["permissions"]
        .as_array()
        .expect("a permission list")
        .iter()
        .filter_map(Value::as_str)
        .filter(|p| p.starts_with("core:"))
        .collect();
    assert_eq!(
        core,
        ["core:event:allow-listen", "core:event:allow-unlisten"]
    );
    assert_eq!(crate::EVENTS.len(), 8);
}

/// IPC.md is the contract the UI is written against and the capabilities README says why each grant is
/// there: a command, event or permission added without its line there fails here.
#[test]
fn ipc_md_and_the_capabilities_readme_cover_every_command_event_and_grant() {
    let ipc_md = include_str!("../../IPC.md");
    for name in crate::all_commands() {
        assert!(
            ipc_md.contains(&format!("{name}(")),
            "src-tauri/IPC.md does not document the command {name}"
        );
    }
    for event in crate::EVENTS {
        assert!(
            ipc_md.contains(&format!("- {event} ")),
            "src-tauri/IPC.md does not document the event {event}"
        );
    }
    let readme = include_str!("../../capabilities/README.md");
    let capability: Value = serde_json::from_str(include_str!("../../capabilities/default.json"))
        .expect("default.json is JSON");
    let permissions = capability["permissions"]
        .as_array()
        .expect("a permission list");
    assert!(!permissions.is_empty());
    for permission in permissions.iter().filter_map(Value::as_str) {
        assert!(
            readme.contains(&format!("| `{permission}` |")),
            "src-tauri/capabilities/README.md has no row saying why {permission} is granted"
        );
    }
}

/// Every code a command can fail with is explained where the UI's authors look: the app's, the sockets',
/// the import's and IBC's in IPC.md, the worker's and the supervisor's in docs/ARCHITECTURE.md.
#[test]
fn every_error_code_is_documented() {
    let ipc_md = include_str!("../../IPC.md");
    let architecture = include_str!("../../../docs/ARCHITECTURE.md");
    for code in CommandCode::known() {
        let doc = match code {
            CommandCode::Session(_) => architecture,
            _ => ipc_md,
        };
        let wire = code.wire();
        assert!(doc.contains(&wire), "{wire} is not documented");
    }
}
