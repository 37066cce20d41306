//! The window's side of the split (Linux): the session, the tray and the notifications live in the keeper
//! (gateway-doctor-keeper, crates/keeper), a small process without GTK or WebKit that keeps running when
//! the window closes; this process is only the window. [`reach`] finds the keeper on the local link, or
//! starts it and waits for it; then every backend command goes to it (route.rs) and its events come back
//! here ([`pump`]): re-emitted to the page, or, for the keeper's own messages, acted on (`window://show`
//! shows this window, on Diagnose when asked; `app://quit` ends it). When the keeper cannot be reached or
//! started, the app runs the backend in its own process as before, and says so in its log.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use gateway_core::helper_programs::KEEPER;
use gateway_core::local_link::{
    Hello, LinkClient, LinkEvent, QUIT_EVENT, Role, SHOW_WINDOW_EVENT, TRAY_SHOWN_EVENT,
    socket_path,
};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::mpsc;

use crate::route::Route;
use crate::window::{self, Screen};

/// Set to 1, the app keeps the session in its own process (no keeper), as on Windows and macOS.
pub const IN_PROCESS_VAR: &str = "GATEWAY_DOCTOR_IN_PROCESS";
/// Names the keeper program explicitly (tests); otherwise it is beside this executable.
pub const KEEPER_VAR: &str = "GATEWAY_DOCTOR_KEEPER";

/// A keeper that keeps ending is started again at most this often within [`RESTART_SPAN`]: a crash at
/// start-up must not turn into a loop of new processes.
const MAX_RESTARTS: usize = 3;
const RESTART_SPAN: Duration = Duration::from_secs(600);

/// How long a keeper just started may take to open the link.
const START_BOUND: Duration = Duration::from_secs(10);

/// A session with the keeper and its events.
pub type Reached = (LinkClient, mpsc::Receiver<LinkEvent>);

/// The keeper on this user's link, started first when none answers; None when the app should keep the
/// session itself (asked to, or the keeper cannot be started: both logged on stderr, as the log file is
/// not set up yet).
pub fn reach() -> Option<Reached> {
    if std::env::var(IN_PROCESS_VAR).is_ok_and(|v| v == "1") {
        return None;
    }
    tauri::async_runtime::block_on(async {
        if let Ok(reached) = connect().await {
            return Some(reached);
        }
        let program = program();
        if let Err(e) = start(&program) {
            eprintln!(
                "Gateway Doctor: the keeper ({}) did not start: {e}; keeping the session in this process",
                program.display()
            );
            return None;
        }
        let deadline = Instant::now() + START_BOUND;
        loop {
            match connect().await {
                Ok(reached) => return Some(reached),
                Err(e) if Instant::now() >= deadline => {
                    eprintln!(
                        "Gateway Doctor: the keeper did not answer within {} s ({e}); keeping the session \
                         in this process",
                        START_BOUND.as_secs()
                    );
                    return None;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    })
}

async fn connect() -> Result<Reached, gateway_core::local_link::LinkError> {
    let hello = Hello {
        role: Role::Window,
        build: env!("CARGO_PKG_VERSION").into(),
    };
    let reached = LinkClient::connect(&socket_path(), hello).await?;
    let keeper = &reached.0.welcome().build;
    if keeper != env!("CARGO_PKG_VERSION") {
        // An update installed while the keeper ran: it goes on with the old version until it quits.
        eprintln!(
            "Gateway Doctor: the running keeper is version {keeper}, this window {}; quit Gateway Doctor from \
             its tray icon and start it again to run one version",
            env!("CARGO_PKG_VERSION")
        );
    }
    Ok(reached)
}

/// The keeper program: [`KEEPER_VAR`], else beside this executable under its installed or built name.
fn program() -> PathBuf {
    gateway_backend::paths::helper_bin(KEEPER_VAR, KEEPER)
}

/// Starts the keeper in its own process group, so it outlives this window and a Ctrl-C in the terminal
/// that started the window does not reach it. Its output goes to its log file.
fn start(program: &PathBuf) -> std::io::Result<()> {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    if !program.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the program is not there",
        ));
    }
    let mut child = Command::new(program)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()?;
    // Waited for, so a keeper that ends while this window lives (killed, then started again) leaves no
    // zombie behind; a keeper that outlives the window is the system's to reap.
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// Re-emits the keeper's events to the page and acts on its own messages. When the keeper's session ends
/// without its Quit (it crashed, or was killed), the keeper is started again and the page reloaded, so the
/// window shows the new keeper's state instead of going dead; when it cannot be, or it ended
/// [`MAX_RESTARTS`] times within [`RESTART_SPAN`], the window says so in a notification and closes.
pub async fn pump<R: Runtime>(app: AppHandle<R>, mut events: mpsc::Receiver<LinkEvent>) {
    let mut restarts: Vec<Instant> = Vec::new();
    loop {
        while let Some(event) = events.recv().await {
            match event.event.as_str() {
                SHOW_WINDOW_EVENT => {
                    let screen = match event.payload["screen"].as_str() {
                        Some("diagnose") => Screen::Diagnose,
                        _ => Screen::Current,
                    };
                    window::open(&app, screen);
                }
                TRAY_SHOWN_EVENT => {
                    let shown = event.payload["shown"].as_bool().unwrap_or(false);
                    app.state::<window::TrayLife>().set_icon_shown(shown);
                }
                QUIT_EVENT => {
                    log::info!("the keeper is quitting: closing the window");
                    app.exit(0);
                    return;
                }
                _ => {
                    let _ = app.emit(&event.event, event.payload);
                }
            }
        }
        let now = Instant::now();
        restarts.retain(|at| now.duration_since(*at) < RESTART_SPAN);
        if restarts.len() >= MAX_RESTARTS {
            log::error!(
                "the keeper ended {MAX_RESTARTS} times within {} min: not starting it again; closing the window",
                RESTART_SPAN.as_secs() / 60
            );
            give_up(&app);
            return;
        }
        restarts.push(now);
        log::warn!("the keeper ended without quitting: starting it again");
        let Some((link, next)) = tauri::async_runtime::spawn_blocking(reach)
            .await
            .ok()
            .flatten()
        else {
            log::error!("the keeper could not be started again: closing the window");
            give_up(&app);
            return;
        };
        app.state::<Route>().replace(link);
        events = next;
        if let Some(window) = app.get_webview_window(window::MAIN) {
            let _ = window.eval("location.reload()");
        }
    }
}

/// The window cannot go on without a keeper: it says so (the trader may not be looking at it) and closes.
fn give_up<R: Runtime>(app: &AppHandle<R>) {
    use tauri_plugin_notification::NotificationExt;
    let shown = app
        .notification()
        .builder()
        .title("Gateway Doctor stopped")
        .body(
            "The part of Gateway Doctor that keeps your session with IB Gateway stopped and could not be \
             started again. Start Gateway Doctor again; if this happens again, its log folder says why.",
        )
        .show();
    if let Err(e) = shown {
        log::warn!("cannot show a notification: {e}");
    }
    app.exit(1);
}
