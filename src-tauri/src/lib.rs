//! The Tauri shell of Gateway Doctor: the window, the tray, notifications and the desktop's own commands.
//! Everything else is gateway-backend's (src-tauri/crates/backend): the session, the checks, and every
//! command the UI calls, which `route` hands to the backend whole (name and JSON arguments) and whose answer
//! goes back as it came; the backend's events (`worker://state`, `status://view`, `log://line`, ...) are
//! re-emitted to the web view (`events`). This package is the only one in the workspace that depends on tauri.
//!
//! [`run_app`] does all the setup on any [`tauri::Runtime`]: at setup it starts the backend on Tauri's async
//! runtime and the task that re-emits its events; with [`Options::desktop`] it also registers the desktop
//! plugins, the notifications and the tray (`desktop`) and opens the local link that `gateway-doctor
//! diagnose` asks. The tests run the same setup under `tauri::test`'s mock runtime, without the desktop part,
//! and call the commands through real IPC; [`run`] puts it on the real runtime, opens the window from
//! tauri.conf.json and keeps running in the tray when it is closed (`window`); when the app exits (Quit,
//! Ctrl+Q, a signal; closing the window only when there is no tray) it ends the worker without an API
//! disconnect and stops the demo gateway. Every command name is listed in `commands.rs`, which build.rs reads
//! too: tauri-build generates an `allow-<name>` permission for each, and a command is reachable only when a
//! capability file in src-tauri/capabilities/ grants it.

use std::sync::Arc;

use gateway_backend::dto::AppInfo;
use gateway_backend::{Backend, LogStore};
use tauri::{Builder, Manager, RunEvent, Runtime};

mod commands;
mod desktop;
mod events;
#[cfg(target_os = "linux")]
mod keeper;
mod route;
mod tray;
mod window;

/// The desktop's own command adapters, one file per area in src/commands/ (commands.rs beside them is only
/// the list of names, which build.rs includes); the backend's commands go through `route`.
#[path = "commands"]
mod handlers {
    pub mod desktop;
    pub mod logs;
}

#[cfg(test)]
mod tests;

/// Every command the UI may invoke: the backend's and the desktop's own.
pub fn all_commands() -> Vec<&'static str> {
    gateway_backend::api::COMMANDS
        .iter()
        .chain(commands::DESKTOP_COMMANDS)
        .copied()
        .collect()
}
pub use gateway_backend::events::ALL as EVENTS;
pub use gateway_backend::{CommandError, Options};

use route::Route;

/// Registers the commands, the backend and its event task (and, with `options.desktop`, the plugins, the
/// notifications and the tray) on `builder`.
pub fn run_app<R: Runtime>(builder: Builder<R>, mut options: Options) -> Builder<R> {
    let logs = Arc::new(LogStore::new(options.log_capacity));
    let desktop = options.desktop;
    let builder = if desktop {
        desktop::plugins(builder, Some(logs.clone()))
    } else {
        builder
    };
    let desktop_commands = desktop_commands();
    builder
        .invoke_handler(move |invoke| route::handle(invoke, &desktop_commands))
        .setup(move |app| {
            if desktop {
                options.log_dir = app.path().app_log_dir().ok();
            }
            let backend =
                tauri::async_runtime::block_on(async move { Backend::start(options, logs) })?;
            log::info!(
                "Gateway Doctor {} started; session port {}",
                app.package_info().version,
                backend.state.port()
            );
            events::spawn(app.handle(), &backend);
            if desktop {
                desktop::setup(app.handle(), &backend);
                tauri::async_runtime::block_on(async { gateway_backend::link::spawn(&backend) });
            }
            app.manage(Route::InProcess(backend));
            Ok(())
        })
}

/// The desktop's own commands (the backend's go through `route`).
type Handler<R> = Box<dyn Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync>;

fn desktop_commands<R: Runtime>() -> Handler<R> {
    Box::new(tauri::generate_handler![
        handlers::logs::open_logs_folder,
        handlers::desktop::quit_app,
        handlers::desktop::get_autostart,
        handlers::desktop::set_autostart,
    ])
}

/// The app's name and version, and the program the backend runs in, for get_app_info and the support bundle.
fn app_info<R: Runtime>(context: &tauri::Context<R>) -> (AppInfo, String) {
    let package = context.package_info();
    let info = AppInfo {
        name: package.name.clone(),
        version: package.version.to_string(),
    };
    (info, format!("Tauri {}", tauri::VERSION))
}

/// The app's context from tauri.conf.json, the capabilities and ui/dist, built in at compile time.
fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!("tauri.conf.json")
}

/// Ends the session's worker (no API disconnect) and the demo gateway; on every way out of the app.
pub fn shutdown<R: Runtime, M: Manager<R>>(manager: &M) {
    if let Some(backend) = manager
        .try_state::<Route>()
        .and_then(|r| r.backend().cloned())
    {
        tauri::async_runtime::block_on(backend.shutdown());
    }
}

/// Runs the app on the real runtime until it exits. On Linux the session lives in the keeper when it can
/// be reached or started (src/keeper.rs) and this process is only the window; otherwise, and on Windows
/// and macOS, the backend runs here and the app stays in the tray when its window closes.
pub fn run() -> tauri::Result<()> {
    let context = context();
    #[cfg(target_os = "linux")]
    if let Some(reached) = keeper::reach() {
        if std::env::args().any(|a| a == window::IN_TRAY_ARG) {
            // Started at login: the keeper (now running) is the tray; no window until Open.
            return Ok(());
        }
        return run_window(context, reached);
    }
    let (info, shell) = app_info(&context);
    let options = Options::from_environment(info, shell, None);
    let app = run_app(Builder::default(), options).build(context)?;
    app.run(|app, event| match event {
        // The window was closed and none is left: with a tray the app lives on there (see `window`). An
        // explicit exit (Quit, Ctrl+Q, a signal) carries a code and goes through.
        RunEvent::ExitRequested {
            code: None, api, ..
        } if app
            .try_state::<window::TrayLife>()
            .is_some_and(|life| life.keeps_running()) =>
        {
            api.prevent_exit();
        }
        // macOS: a click on the Dock icon with no window open brings the window back, like the tray's Open.
        #[cfg(target_os = "macos")]
        RunEvent::Reopen {
            has_visible_windows: false,
            ..
        } => window::open(app, window::Screen::Current),
        RunEvent::Exit => {
            log::info!(
                "quitting: ending the session's worker (the Gateway sees the connection close) and the demo gateway"
            );
            shutdown(app);
        }
        _ => {}
    });
    Ok(())
}

/// The window alone: the keeper holds the session, the tray and the notifications. Closing the window ends
/// this process; the keeper's Open starts it again.
#[cfg(target_os = "linux")]
fn run_window(
    mut context: tauri::Context<tauri::Wry>,
    (link, events): keeper::Reached,
) -> tauri::Result<()> {
    if std::env::args().any(|a| a == gateway_core::helper_programs::WINDOW_DIAGNOSE_ARG) {
        window::start_on_diagnose(&mut context);
    }
    let desktop_commands = desktop_commands();
    let app = desktop::plugins(Builder::default(), None)
        .invoke_handler(move |invoke| route::handle(invoke, &desktop_commands))
        .manage(Route::Keeper(std::sync::RwLock::new(Arc::new(link))))
        .manage(window::TrayLife::in_keeper())
        .setup(move |app| {
            log::info!(
                "Gateway Doctor {}: the window; the session is kept by the keeper",
                app.package_info().version
            );
            tauri::async_runtime::spawn(keeper::pump(app.handle().clone(), events));
            Ok(())
        })
        .build(context)?;
    app.run(|_, _| {});
    Ok(())
}
