//! The program's end of the local link that `gateway-doctor diagnose` asks (gateway-core's `local_link`):
//! the terminal's diagnose tests the API through this one session instead of connecting a second time.
//! Unix only (Linux and macOS); on Windows there is no link yet.

use std::sync::Arc;
#[cfg(unix)]
use std::time::Duration;

#[cfg(unix)]
use gateway_core::local_link::{LinkServer, LinkTarget, OneShot, TargetFn, link_dir};

use crate::Backend;

/// Where the session goes, read on each request (settings can change while the app runs).
#[cfg(unix)]
fn target(backend: &Backend) -> LinkTarget {
    let state = &backend.state;
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
        // The settings need fixing: the app has no target, so no terminal run takes its session for a test
        // of any Gateway (an empty host matches no configuration).
        None => LinkTarget {
            host: String::new(),
            port: state.port(),
            client_id: 0,
            connect_bound: Duration::ZERO,
            can_connect: false,
        },
    }
}

/// The answer to the CLI's one-shot request, for a server that also serves the window (the keeper's).
#[cfg(unix)]
pub fn one_shot(backend: &Arc<Backend>) -> OneShot {
    let target: TargetFn = {
        let backend = backend.clone();
        Arc::new(move || target(&backend))
    };
    OneShot {
        supervisor: backend.state.supervisor.clone(),
        target,
    }
}

#[cfg(unix)]
/// Binds the link and answers on it for as long as the program runs; a failure is logged, the program goes
/// on. Call inside the tokio runtime (the socket needs its reactor).
pub fn spawn(backend: &Arc<Backend>) {
    let OneShot { supervisor, target } = one_shot(backend);
    tokio::spawn(async move {
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

/// No link on this platform (gateway-core's `local_link::UNAVAILABLE` says why): said once in the log, so a
/// support bundle shows why `gateway-doctor diagnose` did not reach the app.
#[cfg(not(unix))]
pub fn spawn(_backend: &Arc<Backend>) {
    if let Some(why) = gateway_core::local_link::UNAVAILABLE {
        log::info!("no local link for gateway-doctor: {why}");
    }
}
