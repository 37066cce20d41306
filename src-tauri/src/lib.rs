//! The Tauri shell of Gateway Doctor: the window, the IPC commands the UI calls, and (later) the tray, the
//! events and the app state. It stays a thin adapter: each command turns its arguments into a call on
//! gateway-core and its answer into a serde type the UI reads, with no logic of its own. This package is the
//! only one in the workspace that depends on tauri, so everything below it builds and tests without a display.
//!
//! [`run_app`] does all the setup on any [`tauri::Runtime`], so the tests run the same setup under
//! `tauri::test`'s mock runtime and call the commands through real IPC; [`run`] puts it on the real runtime and
//! opens the window described in tauri.conf.json. Every command name is listed in `commands.rs`, which build.rs
//! reads too: tauri-build generates an `allow-<name>` permission for each, and a command is reachable only when
//! a capability file in src-tauri/capabilities/ grants that permission.

use serde::Serialize;
use tauri::{AppHandle, Builder, Runtime};

mod commands;

pub use commands::COMMANDS;

/// What the About line shows: the product name from tauri.conf.json and the version from Cargo.toml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
}

/// Answers the UI's `get_app_info`.
#[tauri::command]
fn get_app_info<R: Runtime>(app: AppHandle<R>) -> AppInfo {
    let package = app.package_info();
    AppInfo {
        name: package.name.clone(),
        version: package.version.to_string(),
    }
}

/// Registers the commands (and later the plugins, state and event wiring) on `builder`.
pub fn run_app<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(tauri::generate_handler![get_app_info])
}

/// The app's context from tauri.conf.json, the capabilities and ui/dist, built in at compile time.
fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!("tauri.conf.json")
}

/// Runs the app on the real runtime until the last window closes.
pub fn run() -> tauri::Result<()> {
    run_app(Builder::default()).run(context())
}

#[cfg(test)]
mod tests {
    use super::{COMMANDS, context, run_app};
    use serde_json::{Value, json};
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
    use tauri::webview::InvokeRequest;
    use tauri::{App, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// The real setup and the real context (so the real capabilities) on the mock runtime.
    fn app() -> Result<App<MockRuntime>, tauri::Error> {
        run_app(mock_builder()).build(context())
    }

    fn window(
        app: &App<MockRuntime>,
        label: &str,
    ) -> Result<WebviewWindow<MockRuntime>, tauri::Error> {
        WebviewWindowBuilder::new(app, label, WebviewUrl::default()).build()
    }

    /// Invokes `cmd` with no arguments the way the UI's invoke does and returns its answer or its error.
    fn invoke(
        window: &WebviewWindow<MockRuntime>,
        cmd: &str,
    ) -> Result<Result<Value, Value>, Box<dyn std::error::Error>> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse()?,
            body: InvokeBody::default(),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        match get_ipc_response(window, request) {
            Ok(body) => Ok(Ok(body.deserialize::<Value>()?)),
            Err(err) => Ok(Err(err)),
        }
    }

    #[test]
    fn get_app_info_answers_product_name_and_crate_version() -> TestResult {
        let app = app()?;
        let main = window(&app, "main")?;
        let answer = invoke(&main, "get_app_info")?;
        assert_eq!(
            answer,
            Ok(json!({"name": "Gateway Doctor", "version": env!("CARGO_PKG_VERSION")}))
        );
        Ok(())
    }

    #[test]
    fn every_listed_command_is_registered_and_granted_to_the_main_window() -> TestResult {
        let app = app()?;
        let main = window(&app, "main")?;
        for cmd in COMMANDS {
            // A command that needs arguments may fail here, but never because it is unknown or not permitted.
            if let Err(err) = invoke(&main, cmd)? {
                let text = err.to_string();
                assert!(
                    !text.contains("not found") && !text.contains("not allowed"),
                    "{cmd}: {text}"
                );
            }
        }
        Ok(())
    }

    #[test]
    fn a_window_without_a_capability_cannot_call_commands() -> TestResult {
        let app = app()?;
        let other = window(&app, "other")?;
        let answer = invoke(&other, "get_app_info")?;
        let err = answer
            .err()
            .ok_or("get_app_info answered a window no capability names")?;
        assert!(err.to_string().contains("not allowed"), "{err}");
        Ok(())
    }
}
