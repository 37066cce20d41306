//! The app under `tauri::test`'s mock runtime: the real setup (state, supervisor, event tasks) and the real
//! capabilities, with commands called through real IPC as the UI calls them. Each test gets its own temp
//! directory for the settings file and `.env`, and the workspace's real gateway-worker and gateway-sim
//! (built by `cargo build --workspace --bins`, found beside the test executable's directory). The desktop
//! part (plugins, tray) is off: the log plugin installs a process-wide logger.

mod holder;
mod ipc;
mod restart;
mod session;
mod settings;

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, Listener, Manager, WebviewWindow};
use tempfile::TempDir;

use gateway_testkit::bin;

use crate::{Options, context, run_app};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Wednesday 25 Nov 2026, 12:00 in New York: in no IBKR reset window of any region, so the hour a test
/// runs at never turns its verdict into "wait for the reset" (state.rs Options::schedule_clock).
pub const SCHEDULE_CLOCK: &str = "2026-11-25T17:00:00Z";

/// How long anything that should happen at once may take.
pub const BOUND: Duration = Duration::from_secs(15);

pub struct TestApp {
    pub app: App<MockRuntime>,
    pub main: WebviewWindow<MockRuntime>,
    pub dir: TempDir,
}

impl TestApp {
    /// The app with `settings` (a JSON object, or null for no file) as its settings file.
    pub fn start(settings: Value) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings_path = dir.path().join("config").join("settings.json");
        if !settings.is_null() {
            std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
            std::fs::write(&settings_path, settings.to_string()).expect("write settings");
        }
        TestApp::start_in(dir, settings_path)
    }

    pub fn start_in(dir: TempDir, settings_path: PathBuf) -> TestApp {
        TestApp::start_with(dir, settings_path, |_| {})
    }

    /// The app with its options changed by `tweak` first (e.g. a worker binary that is not there).
    pub fn start_with(
        dir: TempDir,
        settings_path: PathBuf,
        tweak: impl FnOnce(&mut Options),
    ) -> TestApp {
        let mut options = Options {
            worker_bin: bin("gateway-worker"),
            sim_bin: bin("gateway-sim"),
            settings_path: Some(settings_path),
            latch_path: Some(dir.path().join("config").join("guardrail.json")),
            restarts_path: Some(dir.path().join("config").join("restarts.json")),
            ibc_candidates: Vec::new(),
            gateway_installs: Some(Vec::new()),
            cwd: dir.path().to_path_buf(),
            desktop: false,
            presence_poll: Duration::from_millis(200),
            log_capacity: 10_000,
            schedule_clock: Some(SCHEDULE_CLOCK.parse().expect("a time")),
            app: gateway_backend::dto::AppInfo {
                name: "Gateway Doctor".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            shell: "tests".into(),
            log_dir: None,
        };
        tweak(&mut options);
        let mut app = run_app(mock_builder(), options)
            .build(context())
            .expect("the app builds");
        // Runs setup, which creates the "main" window from tauri.conf.json and manages the state.
        #[allow(deprecated)]
        app.run_iteration(|_, _| {});
        let main = app.get_webview_window("main").expect("the main window");
        TestApp { app, main, dir }
    }

    /// The guardrail file the app keeps its latch in.
    pub fn latch_path(&self) -> PathBuf {
        self.dir.path().join("config").join("guardrail.json")
    }

    pub fn settings_path(&self) -> PathBuf {
        self.dir.path().join("config").join("settings.json")
    }

    /// Invokes `cmd` with `args` (a JSON object, or null for none) the way the UI's invoke does.
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke(&self.main, cmd, args)
    }

    /// Invokes and expects success.
    pub fn call(&self, cmd: &str, args: Value) -> Value {
        self.invoke(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    /// Every payload of `event` from now on.
    pub fn events(&self, event: &str) -> mpsc::Receiver<Value> {
        let (send, receive) = mpsc::channel();
        self.app.listen_any(event, move |e| {
            let _ = send.send(serde_json::from_str(e.payload()).unwrap_or(Value::Null));
        });
        receive
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        crate::shutdown(&self.app);
    }
}

pub fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let body = if args.is_null() {
        InvokeBody::default()
    } else {
        InvokeBody::Json(args)
    };
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("url"),
        body,
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().expect("JSON answer"))
}

/// Waits for a payload of `events` that satisfies `pred`; panics with the last one seen.
pub fn wait_event(
    events: &mpsc::Receiver<Value>,
    what: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = std::time::Instant::now() + BOUND;
    let mut last = Value::Null;
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match events.recv_timeout(left) {
            Ok(value) if pred(&value) => return value,
            Ok(value) => last = value,
            Err(_) => break,
        }
    }
    panic!("no event with {what} within {BOUND:?}; last: {last}");
}

/// Polls `cmd` until its answer satisfies `pred`.
pub fn wait_call(app: &TestApp, cmd: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + BOUND;
    loop {
        let value = app.call(cmd, Value::Null);
        if pred(&value) {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{cmd} never showed {what} within {BOUND:?}; last: {value}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The lifecycle phase in a SupervisorState.
pub fn phase(state: &Value) -> &str {
    state["lifecycle"]["phase"].as_str().unwrap_or("")
}

/// The CLI (no Tauri) keeps its files in folders named by gateway-core's copy of the bundle identifier; on
/// macOS and Windows they must be the folders Tauri gives the app (logs, window place), so the two agree.
#[test]
fn core_names_the_app_folders_with_the_bundle_identifier() {
    let context = context::<MockRuntime>();
    assert_eq!(
        context.config().identifier,
        gateway_core::config::folders::APP_IDENTIFIER
    );
}
