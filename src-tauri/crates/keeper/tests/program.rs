//! The keeper as a real process (Linux): started with its own HOME and runtime folder and no session bus (so
//! no tray, which it survives), reached over its real local link by the window's own client, with the real
//! worker and gateway-sim. It answers the window's calls through the backend and refuses what it does not
//! know in words, holds the session as the worker's parent, answers the CLI's one-shot request on the same
//! socket, lets no second keeper in, and on Quit (the window's) or SIGTERM ends the worker, which the Gateway
//! sees as a closed connection.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use gateway_core::local_link::{Hello, LinkClient, LinkEvent, Role};
use gateway_testkit::{SimProcess, bin, signal, wait_exit, wait_until};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::mpsc;

const BOUND: Duration = Duration::from_secs(20);

/// A keeper with its own folders, pointed at `port`.
struct Keeper {
    child: Child,
    dir: TempDir,
}

impl Keeper {
    fn start(port: u16) -> Keeper {
        let dir = tempfile::tempdir().expect("a temp folder");
        let child = Keeper::command(dir.path(), port)
            .spawn()
            .expect("the keeper starts");
        let keeper = Keeper { child, dir };
        assert!(
            wait_until(BOUND, || keeper.socket().exists()),
            "the keeper opened no link at {}",
            keeper.socket().display()
        );
        keeper
    }

    fn command(home: &Path, port: u16) -> Command {
        let run = home.join("run");
        std::fs::create_dir_all(&run).expect("runtime folder");
        std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .expect("private runtime folder");
        let mut command = Command::new(bin("gateway-doctor-keeper"));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_RUNTIME_DIR", &run)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("GATEWAY_DOCTOR_WORKER", bin("gateway-worker"))
            .env("GATEWAY_DOCTOR_SIM", bin("gateway-sim"))
            .env("IBKR_PORT", port.to_string())
            .env("IBKR_CLIENT_ID", "7")
            .current_dir(home)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
    }

    fn socket(&self) -> PathBuf {
        // $XDG_RUNTIME_DIR/gateway-doctor/link.sock (core/src/local_link/mod.rs).
        self.dir
            .path()
            .join("run")
            .join("gateway-doctor")
            .join("link.sock")
    }

    async fn window(&self) -> (LinkClient, mpsc::Receiver<LinkEvent>) {
        let hello = Hello {
            role: Role::Window,
            build: env!("CARGO_PKG_VERSION").into(),
        };
        LinkClient::connect(&self.socket(), hello)
            .await
            .expect("the window's session opens")
    }

    /// The keeper's worker processes (its children running the worker program).
    fn workers(&self) -> Vec<u32> {
        children(self.child.id(), "gateway-worker")
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The children of `parent` whose program file is `program`.
fn children(parent: u32, program: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            ppid == Some(parent) && exe.file_name().is_some_and(|f| f == program)
        })
        .collect()
}

async fn call(link: &LinkClient, name: &str, args: Value) -> Result<Value, Value> {
    link.call(name, args, BOUND)
        .await
        .expect("the keeper answers")
}

#[tokio::test]
async fn the_window_calls_through_the_keeper_and_an_unknown_call_is_refused_in_words() {
    let sim = SimProcess::start(&[]);
    let keeper = Keeper::start(sim.port());
    let (link, _events) = keeper.window().await;
    assert_eq!(
        link.welcome().pid,
        keeper.child.id(),
        "the keeper welcomes with its own pid"
    );
    let info = call(&link, "get_app_info", Value::Null)
        .await
        .expect("get_app_info");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    let status = call(&link, "get_status", Value::Null)
        .await
        .expect("get_status");
    assert_eq!(status["lifecycle"]["phase"], "idle", "{status}");
    let config = call(&link, "get_config", Value::Null)
        .await
        .expect("get_config");
    let port = config["settings"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["key"] == "port"))
        .map(|s| s["value"].clone());
    assert_eq!(
        port,
        Some(json!(sim.port())),
        "the keeper reads its environment: {config}"
    );
    let err = call(&link, "format_disk", Value::Null)
        .await
        .expect_err("an unknown call");
    assert_eq!(err["code"], "COMMAND_NOT_UNDERSTOOD", "{err}");
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{err}"
    );
    let err = call(&link, "get_logs", json!({"lines": 5}))
        .await
        .expect_err("a wrong argument");
    assert_eq!(err["code"], "COMMAND_NOT_UNDERSTOOD", "{err}");
}

#[tokio::test]
async fn the_session_lives_in_the_keeper_and_quit_from_the_window_ends_it_and_the_keeper() {
    let sim = SimProcess::start(&[]);
    let mut keeper = Keeper::start(sim.port());
    let (link, mut events) = keeper.window().await;
    call(&link, "connect_gateway", Value::Null)
        .await
        .expect("connect");
    assert!(
        wait_until(BOUND, || sim
            .stats()
            .live_clients
            .iter()
            .any(|c| c.client_id == 7)),
        "the Gateway never saw client 7: {:?}",
        sim.stats()
    );
    let workers = keeper.workers();
    assert_eq!(
        workers.len(),
        1,
        "one worker, the keeper's own child: {workers:?}"
    );
    // The window's events arrive: the state it was connecting, then connected.
    let mut saw_state = false;
    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
        if event.event == "worker://state" {
            saw_state = true;
            break;
        }
    }
    assert!(saw_state, "no worker://state event reached the window");
    assert_eq!(call(&link, "quit_app", Value::Null).await, Ok(Value::Null));
    let status = wait_exit(&mut keeper.child, BOUND).expect("the keeper quits");
    assert!(status.success(), "the keeper quit with {status}");
    assert!(
        wait_until(BOUND, || sim.stats().live_clients.is_empty()),
        "the session outlived the keeper: {:?}",
        sim.stats()
    );
    assert_eq!(sim.stats().accepted, 1, "one connection, never a second");
}

#[tokio::test]
async fn sigterm_ends_the_keeper_as_quit_does_and_a_second_keeper_leaves_the_first_alone() {
    let sim = SimProcess::start(&[]);
    let mut keeper = Keeper::start(sim.port());
    let (link, _events) = keeper.window().await;
    call(&link, "connect_gateway", Value::Null)
        .await
        .expect("connect");
    assert!(wait_until(BOUND, || sim.stats().live_clients.len() == 1));

    let mut second = Keeper::command(keeper.dir.path(), sim.port())
        .spawn()
        .expect("a second keeper starts");
    let status = wait_exit(&mut second, BOUND).expect("the second keeper leaves");
    assert!(status.success(), "a second keeper is no error: {status}");
    assert_eq!(
        sim.stats().accepted,
        1,
        "the second keeper connected nothing"
    );
    assert_eq!(
        call(&link, "get_status", Value::Null)
            .await
            .expect("still answering")["lifecycle"]["phase"],
        "connected"
    );

    signal(keeper.child.id(), "TERM");
    wait_exit(&mut keeper.child, BOUND).expect("the keeper ends on SIGTERM");
    assert!(
        wait_until(BOUND, || sim.stats().live_clients.is_empty()),
        "the worker outlived the keeper"
    );
}

#[test]
fn the_cli_asks_the_keeper_about_its_session_on_the_same_socket() {
    let sim = SimProcess::start(&[]);
    let keeper = Keeper::start(sim.port());
    let output = Command::new(bin("gateway-doctor"))
        .args(["diagnose", "--json", "--port", &sim.port().to_string()])
        .env("HOME", keeper.dir.path())
        .env("XDG_RUNTIME_DIR", keeper.dir.path().join("run"))
        .env("XDG_CONFIG_HOME", keeper.dir.path().join("config"))
        .output()
        .expect("the CLI runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("open Gateway Doctor app"),
        "the CLI did not go through the keeper: {stderr}"
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert!(report["verdict"].is_string(), "{report}");
    assert_eq!(
        sim.stats().accepted,
        0,
        "the CLI opened no connection of its own"
    );
}
