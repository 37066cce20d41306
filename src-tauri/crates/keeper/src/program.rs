//! The keeper's life: the local link first (which also makes it the only keeper of this user: a second one
//! finds the link taken and leaves, before it opens the log file), the log file, the backend, the
//! notifications and the tray; then it serves the link until Quit (the tray's, the window's Ctrl+Q, or
//! SIGTERM / Ctrl-C), when it tells an open window to close, ends the session's worker (no API disconnect)
//! and the demo gateway, and exits.

use std::process::ExitCode;
use std::sync::Arc;

use gateway_backend::dto::AppInfo;
use gateway_backend::{Backend, LogStore, Options};
use gateway_core::local_link::{LinkError, LinkServer, link_dir};
use tokio::sync::Notify;

use crate::handler::KeeperHandler;
use crate::logfile::{KeeperLogger, LogFileSpec, RotatingFile};
use crate::notify::Notifier;
use crate::{follow, window};

/// Runs the keeper until it quits.
pub fn run() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("gateway-doctor-keeper: cannot start its runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        // The link first: a second keeper leaves before it touches the first one's log file.
        let server = match LinkServer::bind(&link_dir()) {
            Ok(server) => server,
            Err(LinkError::InUse(path)) => {
                eprintln!("gateway-doctor-keeper: another keeper answers on {path}: leaving it the session");
                return ExitCode::SUCCESS;
            }
            Err(e) => {
                eprintln!("gateway-doctor-keeper: cannot open the local link: {e}");
                return ExitCode::FAILURE;
            }
        };
        let logs = Arc::new(LogStore::new(gateway_backend::logstore::DEFAULT_CAPACITY));
        let log_dir = start_logging(&logs);
        keep(server, logs, log_dir).await
    })
}

/// The log file and stderr, and every line into the Logs screen's store. Without a log file the keeper
/// still runs (stderr and the Logs screen), and says why.
fn start_logging(logs: &Arc<LogStore>) -> Option<std::path::PathBuf> {
    let store = logs.clone();
    let spec = LogFileSpec::app();
    let (file, dir, problem) = match spec.and_then(|spec| {
        let dir = spec.dir.clone();
        RotatingFile::open(spec).map(|file| (file, dir))
    }) {
        Ok((file, dir)) => (Some(file), Some(dir), None),
        Err(e) => (None, None, Some(e)),
    };
    let on_record = Box::new(move |record: &log::Record<'_>| {
        if gateway_backend::logstore::stored(record.target()) {
            store.push(gateway_backend::logstore::from_record(record));
        }
    });
    if let Err(e) = KeeperLogger::new(file, on_record).install() {
        eprintln!("gateway-doctor-keeper: no log: {e}");
    }
    if let Some(e) = problem {
        log::warn!("no log file: {e}");
    }
    dir
}

async fn keep(
    server: LinkServer,
    logs: Arc<LogStore>,
    log_dir: Option<std::path::PathBuf>,
) -> ExitCode {
    let info = AppInfo {
        name: "Gateway Doctor".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let options = Options::from_environment(info, "keeper (no window)".into(), log_dir);
    let backend = match Backend::start(options, logs) {
        Ok(backend) => backend,
        Err(e) => {
            log::error!("the keeper cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    log::info!(
        "Gateway Doctor keeper {} started (process {}); session port {}; local link at {}",
        env!("CARGO_PKG_VERSION"),
        std::process::id(),
        backend.state.port(),
        server.path().display()
    );
    let notifier = Notifier::default();
    gateway_backend::notices::spawn(&backend, notify_with(notifier));
    let quit = Arc::new(Notify::new());
    let connections = server.connections();
    let windows = window::Windows::new(connections.clone());
    let handler = Arc::new(KeeperHandler::new(
        backend.clone(),
        windows.clone(),
        quit.clone(),
    ));
    tokio::spawn(follow::tray(backend.clone(), windows.clone(), quit.clone()));
    let one_shot = gateway_backend::link::one_shot(&backend);
    let serving = tokio::spawn(server.serve_sessions(handler, Some(one_shot)));
    wait_for_quit(&quit).await;
    log::info!(
        "quitting: ending the session's worker (the Gateway sees the connection close) and the demo gateway"
    );
    windows.quit();
    backend.shutdown().await;
    serving.abort();
    ExitCode::SUCCESS
}

/// Quit from the tray or the window, or SIGTERM / Ctrl-C.
async fn wait_for_quit(quit: &Notify) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        log::warn!(
            "cannot listen for SIGTERM and Ctrl-C: they will end the keeper without Quit's clean-up"
        );
        quit.notified().await;
        return;
    };
    tokio::select! {
        _ = quit.notified() => {}
        _ = term.recv() => log::info!("asked to stop by SIGTERM"),
        _ = int.recv() => log::info!("asked to stop by Ctrl-C"),
    }
}

/// The backend's notifications through D-Bus, shown off the runtime; a failure is logged there.
fn notify_with(notifier: Notifier) -> gateway_backend::notices::Notify {
    Arc::new(move |title: &str, body: &str| {
        let notifier = notifier.clone();
        let (title, body) = (title.to_string(), body.to_string());
        tokio::spawn(async move {
            if let Err(e) = notifier.show(&title, &body).await {
                log::warn!("cannot show a notification: {e}");
            }
        });
        Ok(())
    })
}
