//! The app's end of the local link (gateway-core's `local_link`): `gateway-doctor diagnose` asks the open
//! app about its one session over a socket only this user can open, so the terminal's diagnose tests the
//! API through the app's session instead of connecting a second time. Started with the desktop parts only
//! (tests under the mock runtime build many apps in one process, and one socket path fits one app). Unix
//! only (Linux and macOS): on Windows there is no link yet, the app says so in its log, and the CLI
//! behaves as if no app were open.

use tauri::{AppHandle, Runtime};

/// Binds the link and answers on it for as long as the app runs; a failure is logged, the app goes on.
#[cfg(unix)]
pub fn spawn<R: Runtime>(app: &AppHandle<R>) {
    use std::sync::Arc;
    use std::time::Duration;

    use gateway_core::local_link::{LinkServer, LinkTarget, TargetFn, link_dir};
    use tauri::Manager;

    use crate::state::AppState;

    let state = app.state::<AppState>();
    let supervisor = state.supervisor.clone();
    let handle = app.clone();
    let target: TargetFn = Arc::new(move || {
        let state = handle.state::<AppState>();
        let config = state.config.resolve().config;
        match state.applied() {
            Some(applied) => LinkTarget {
                host: applied.host(),
                port: applied.port(),
                client_id: applied.client_id(),
                connect_bound: applied.timeout() + Duration::from_secs(5),
                // Never connect on the last good settings while the trader's are wrong.
                can_connect: config.is_ok(),
            },
            // The settings need fixing: the app has no target, so no terminal run takes its session for
            // a test of any Gateway (an empty host matches no configuration).
            None => LinkTarget {
                host: String::new(),
                port: state.port(),
                client_id: 0,
                connect_bound: Duration::ZERO,
                can_connect: false,
            },
        }
    });
    // Bound inside the async runtime: tokio's socket needs its reactor, which the setup thread has not.
    tauri::async_runtime::spawn(async move {
        let dir = link_dir();
        let server = match LinkServer::bind(&dir) {
            Ok(server) => server,
            Err(e) => {
                log::warn!("local link for gateway-doctor not started: {e}");
                return;
            }
        };
        log::info!(
            "local link for gateway-doctor at {}",
            server.path().display()
        );
        server.serve(supervisor, target).await;
    });
}

/// No link on this platform (gateway-core's `local_link::UNAVAILABLE` says why): said once in the log, so
/// a support bundle shows why `gateway-doctor diagnose` did not reach the app.
#[cfg(not(unix))]
pub fn spawn<R: Runtime>(_app: &AppHandle<R>) {
    if let Some(why) = gateway_core::local_link::UNAVAILABLE {
        log::info!("no local link for gateway-doctor: {why}");
    }
}
