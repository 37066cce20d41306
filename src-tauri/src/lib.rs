//! The Tauri shell of Gateway Doctor: the window, the IPC commands the UI calls, the events it listens to,
//! the tray and the app state. It stays a thin adapter over gateway-core: each command (src/commands/, by
//! area) turns its arguments into a call on the app state or on core and its answer into a serde type the UI
//! reads (gateway-proto's and core's types, plus the few in `dto`), or a `CommandError {code, message,
//! detail}`. This package is the only one in the workspace that depends on tauri.
//!
//! [`run_app`] does all the setup on any [`tauri::Runtime`]: at setup it starts the one supervisor on
//! Tauri's async runtime (`state`) and the tasks that emit `worker://state`, `log://line` and
//! `gateway://presence` (`events`); with [`Options::desktop`] it also registers the desktop plugins and the
//! tray (`desktop`) and opens the local link that `gateway-doctor diagnose` asks (`link`). The tests run
//! the same setup under `tauri::test`'s mock runtime, without the desktop part, and call the commands through real IPC; [`run`] puts it on the real runtime, opens the window from
//! tauri.conf.json and keeps running in the tray when it is closed (`window`); when the app exits (Quit,
//! Ctrl+Q, a signal; closing the window only when there is no tray) it ends the worker without an API
//! disconnect and stops the demo gateway. Every command name is listed in `commands.rs`, which build.rs
//! reads too: tauri-build generates an `allow-<name>` permission for each, and a command is reachable only
//! when a capability file in src-tauri/capabilities/ grants it.

use std::sync::Arc;

use tauri::{Builder, Manager, RunEvent, Runtime};

mod alerts;
mod bundle;
mod commands;
mod config;
mod connections;
mod demo;
mod desktop;
mod diagnose;
mod dto;
mod error;
mod events;
mod light;
mod link;
mod logstore;
mod paths;
mod presence;
mod restart;
mod restart_checklist;
mod restart_start;
mod restart_view;
mod stale;
mod state;
mod status_feed;
mod status_view;
mod tray;
mod window;

/// The command adapters, one file per area in src/commands/ (commands.rs beside them is only the list of
/// names, which build.rs includes).
#[path = "commands"]
mod handlers {
    pub mod app;
    pub mod connections;
    pub mod demo;
    pub mod desktop;
    pub mod diagnose;
    pub mod logs;
    pub mod restart;
    pub mod session;
    pub mod settings;
}

#[cfg(test)]
mod tests;

pub use commands::COMMANDS;
pub use dto::{AppInfo, ConfigView, DemoFault, DemoStatus, DiagnoseProgress, GatewayPresence};
pub use error::CommandError;
pub use events::ALL as EVENTS;
pub use state::Options;

use logstore::LogStore;
use state::AppState;

/// Registers the commands, the state and the background tasks (and, with `options.desktop`, the plugins
/// and the tray) on `builder`.
pub fn run_app<R: Runtime>(builder: Builder<R>, options: Options) -> Builder<R> {
    let logs = Arc::new(LogStore::new(options.log_capacity));
    let desktop = options.desktop;
    let builder = if desktop {
        desktop::plugins(builder, logs.clone())
    } else {
        builder
    };
    builder
        .invoke_handler(tauri::generate_handler![
            handlers::app::get_app_info,
            handlers::session::get_status,
            handlers::session::get_status_view,
            handlers::session::get_worker_status,
            handlers::session::connect_gateway,
            handlers::session::stop_session,
            handlers::session::reset_guardrail,
            handlers::diagnose::run_diagnose,
            handlers::connections::scan_connections,
            handlers::connections::clean_connections,
            handlers::connections::get_client_ledger,
            handlers::connections::get_client_id_holders,
            handlers::connections::get_gateway_presence,
            handlers::settings::get_config,
            handlers::settings::save_settings,
            handlers::settings::reset_settings,
            handlers::settings::reconnect_now,
            handlers::settings::use_another_client_id,
            handlers::settings::import_trading_env,
            handlers::logs::get_logs,
            handlers::logs::get_support_bundle,
            handlers::logs::open_logs_folder,
            handlers::desktop::quit_app,
            handlers::desktop::get_autostart,
            handlers::desktop::set_autostart,
            handlers::demo::get_demo,
            handlers::demo::start_demo,
            handlers::demo::stop_demo,
            handlers::demo::set_demo_fault,
            handlers::restart::get_restart_view,
            handlers::restart::follow_manual_restart,
            handlers::restart::restart_gateway,
            handlers::restart::stop_gateway,
            handlers::restart::reconnect_account,
            handlers::restart::start_gateway,
        ])
        .setup(move |app| {
            let state =
                tauri::async_runtime::block_on(async move { AppState::start(options, logs) })?;
            log::info!(
                "Gateway Doctor {} started; session port {}",
                app.package_info().version,
                state.port()
            );
            let connect = state.connects_at_startup();
            let feed = status_feed::StatusFeed::new(&state);
            app.manage(state);
            app.manage(feed);
            app.manage(restart::Restarts::default());
            app.manage(restart_checklist::feed::Checklist::default());
            events::spawn(app.handle());
            tauri::async_runtime::spawn(restart::auto(app.handle().clone()));
            if connect {
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = handle.state::<AppState>().connect().await {
                        log::warn!("connect at start-up: {e}");
                    }
                });
            }
            if desktop {
                desktop::setup(app.handle());
                link::spawn(app.handle());
            }
            Ok(())
        })
}

/// The app's context from tauri.conf.json, the capabilities and ui/dist, built in at compile time.
fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!("tauri.conf.json")
}

/// Ends the session's worker (no API disconnect) and the demo gateway; on every way out of the app.
pub fn shutdown<R: Runtime, M: Manager<R>>(manager: &M) {
    if let Some(state) = manager.try_state::<AppState>() {
        tauri::async_runtime::block_on(state.shutdown());
    }
}

/// Runs the app on the real runtime until it exits.
pub fn run() -> tauri::Result<()> {
    let app = run_app(Builder::default(), Options::from_environment()).build(context())?;
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
