//! What only the real desktop app has (the tests run without it): single instance (a second launch opens the
//! first one's window: two panels would fight over one client id), the window's size and place remembered,
//! logging through tauri-plugin-log to rotating files in the platform log folder and into the log store (the
//! Logs screen), notifications (the session's, and stale connections building up), start at login (off unless
//! the trader turns it on in Settings), the tray icon with the tray-first window life (`window`), and ending
//! cleanly on SIGTERM or Ctrl-C like on Quit.

use std::sync::Arc;

use gateway_backend::Backend;
use gateway_backend::logstore::{self, LogStore};
use gateway_core::config::folders::{KEPT_LOG_FILES, LOG_FILE_BYTES};
use tauri::{AppHandle, Builder, Manager, Runtime};
use tauri_plugin_log::{RotationStrategy, Target, TargetKind, fern};
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_window_state::StateFlags;

use crate::tray;
use crate::window::{self, IN_TRAY_ARG, Screen, TrayLife};

/// The log file of a window whose session lives in the keeper (the keeper writes `Gateway Doctor.log`).
#[cfg(target_os = "linux")]
pub const WINDOW_LOG_FILE: &str = "Gateway Doctor window";

/// Registers the plugins; single-instance first, as it must be. `logs`: the Logs screen's store when the
/// backend runs in this process; None for a window whose session lives in the keeper (its few lines go to
/// its own file, [`WINDOW_LOG_FILE`]).
pub fn plugins<R: Runtime>(builder: Builder<R>, logs: Option<Arc<LogStore>>) -> Builder<R> {
    builder
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            log::info!("a second launch: showing this window instead");
            window::open(app, Screen::Current);
        }))
        .plugin(log_plugin(logs))
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        // The login item starts the app in the tray, without a window.
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![IN_TRAY_ARG]),
        ))
        .on_window_event(window::on_event)
}

/// Log file and stderr get timestamped lines; the log store gets every line except those it relayed itself.
/// The file is `Gateway Doctor.log` in Tauri's log folder for the app: ~/.local/share/<identifier>/logs on
/// Linux, ~/Library/Logs/<identifier> on macOS, %LOCALAPPDATA%\<identifier>\logs on Windows (identifier
/// as in tauri.conf.json). At [`LOG_FILE_BYTES`] it is renamed `Gateway Doctor_<date>.log` and a new one
/// begun; the last [`KEPT_LOG_FILES`] set-aside files are kept beside the current one, so a support request
/// can look back days rather than 40 KB.
fn log_plugin<R: Runtime>(logs: Option<Arc<LogStore>>) -> tauri::plugin::TauriPlugin<R> {
    let stamped = |out: fern::FormatCallback<'_>,
                   message: &std::fmt::Arguments<'_>,
                   record: &log::Record<'_>| {
        out.finish(format_args!(
            "{} {:<5} {} {}",
            jiff::Timestamp::now(),
            record.level(),
            record.target(),
            message
        ))
    };
    let file_name = match logs {
        Some(_) => None,
        #[cfg(target_os = "linux")]
        None => Some(WINDOW_LOG_FILE.to_string()),
        #[cfg(not(target_os = "linux"))]
        None => None,
    };
    let mut builder = tauri_plugin_log::Builder::new()
        .clear_targets()
        .clear_format()
        .level(log::LevelFilter::Info)
        .level_for("tao", log::LevelFilter::Warn)
        .level_for("wry", log::LevelFilter::Warn)
        .level_for("zbus", log::LevelFilter::Warn)
        .level_for("tracing", log::LevelFilter::Warn)
        .max_file_size(u128::from(LOG_FILE_BYTES))
        .rotation_strategy(RotationStrategy::KeepSome(KEPT_LOG_FILES))
        .target(Target::new(TargetKind::LogDir { file_name }).format(stamped))
        .target(Target::new(TargetKind::Stderr).format(stamped));
    if let Some(logs) = logs {
        let store = fern::Dispatch::new()
            .filter(|meta| logstore::stored(meta.target()))
            .chain(fern::Output::call(move |record| {
                logs.push(logstore::from_record(record))
            }));
        builder = builder.target(Target::new(TargetKind::Dispatch(store)));
    }
    builder.build()
}

/// The tray, the notifications and the signal handler; after the state is managed.
pub fn setup<R: Runtime>(app: &AppHandle<R>, backend: &Arc<Backend>) {
    let life = TrayLife::default();
    match tray::install(app, backend) {
        Ok(()) => life.set_tray(true),
        // Without a tray there is no way back to a closed window: closing it quits, as it used to.
        Err(e) => log::warn!("no tray icon, so closing the window quits: {e}"),
    }
    let in_tray = life.keeps_running() && std::env::args().any(|a| a == IN_TRAY_ARG);
    app.manage(life);
    if in_tray {
        log::info!("started at login: in the tray, without a window");
        window::close(app);
    }
    let shower = app.clone();
    let notify: gateway_backend::notices::Notify = Arc::new(move |title: &str, body: &str| {
        let shown = shower
            .notification()
            .builder()
            .title(title)
            .body(body)
            .show();
        shown.map_err(|e| e.to_string())
    });
    tauri::async_runtime::block_on(async { gateway_backend::notices::spawn(backend, notify) });
    tauri::async_runtime::spawn(exit_on_signal(app.clone()));
}

/// SIGTERM or Ctrl-C ends the app the way Quit does, so the worker and the demo gateway end with it. On
/// Windows the same goes for Ctrl-C, Ctrl-Break and the console window being closed; those reach only a
/// build that has a console (debug builds, or one started from a terminal). An installed release app has
/// none: it ends through Quit or its window.
async fn exit_on_signal<R: Runtime>(app: AppHandle<R>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            log::warn!(
                "cannot listen for SIGTERM and Ctrl-C: they will end the app without Quit's clean-up"
            );
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(windows)]
    {
        use tokio::signal::windows::{ctrl_break, ctrl_c, ctrl_close};
        let (Ok(mut c), Ok(mut brk), Ok(mut close)) = (ctrl_c(), ctrl_break(), ctrl_close()) else {
            // Without a handler the default one stays: Windows ends the process, as before.
            log::warn!(
                "cannot listen for Ctrl-C or the console closing: they will end the app without Quit's clean-up"
            );
            return;
        };
        tokio::select! {
            _ = c.recv() => {}
            _ = brk.recv() => {}
            _ = close.recv() => {}
        }
    }
    log::info!("asked to stop by a signal");
    app.exit(0);
}
