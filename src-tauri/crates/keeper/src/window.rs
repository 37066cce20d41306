//! The window process as the keeper sees it: open (a window's session on the link) or not. Open and
//! Diagnose show the open window (an event on its session) or start the window program; Quit tells an open
//! window to close.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use gateway_core::helper_programs::{WINDOW, WINDOW_DIAGNOSE_ARG};
use gateway_core::local_link::{
    ConnectionId, Connections, LinkEvent, QUIT_EVENT, SHOW_WINDOW_EVENT, TRAY_SHOWN_EVENT,
};
use serde_json::json;

/// Names the window program explicitly (tests); otherwise it is beside this executable.
pub const WINDOW_VAR: &str = "GATEWAY_DOCTOR_WINDOW";

/// Which screen to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Current,
    Diagnose,
}

/// The open windows' sessions (normally one: the window program lets only one run).
#[derive(Clone)]
pub struct Windows {
    connections: Connections,
    open: Arc<Mutex<Vec<ConnectionId>>>,
    /// Whether a panel shows the tray icon (follow.rs keeps it), told to every window.
    tray_shown: Arc<AtomicBool>,
}

impl Windows {
    pub fn new(connections: Connections) -> Windows {
        Windows {
            connections,
            open: Arc::default(),
            tray_shown: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn opened(&self, conn: ConnectionId) {
        self.lock().push(conn);
        self.connections
            .send(conn, tray_event(self.tray_shown.load(Ordering::SeqCst)));
    }

    /// Whether a panel shows the tray icon now; every open window is told.
    pub fn set_tray_shown(&self, shown: bool) {
        if self.tray_shown.swap(shown, Ordering::SeqCst) == shown {
            return;
        }
        for conn in self.lock().iter() {
            self.connections.send(*conn, tray_event(shown));
        }
    }

    pub fn closed(&self, conn: ConnectionId) {
        self.lock().retain(|open| *open != conn);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ConnectionId>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Shows `screen` in the open window, or starts the window program on it.
    pub fn show(&self, screen: Screen) {
        let name = match screen {
            Screen::Current => "current",
            Screen::Diagnose => "diagnose",
        };
        let open = self.lock().clone();
        let shown = open.iter().any(|conn| {
            self.connections.send(
                *conn,
                LinkEvent::new(SHOW_WINDOW_EVENT, json!({ "screen": name })),
            )
        });
        if !shown {
            start(screen);
        }
    }

    /// Tells every open window that the keeper quits.
    pub fn quit(&self) {
        for conn in self.lock().iter() {
            self.connections
                .send(*conn, LinkEvent::new(QUIT_EVENT, serde_json::Value::Null));
        }
    }
}

fn tray_event(shown: bool) -> LinkEvent {
    LinkEvent::new(TRAY_SHOWN_EVENT, json!({ "shown": shown }))
}

/// Starts the window program in its own process group (a signal to the keeper's group does not reach it);
/// it connects back over the link. Waited for, so it leaves no zombie behind when it closes.
fn start(screen: Screen) {
    use std::process::Stdio;
    let program = gateway_backend::paths::helper_bin(WINDOW_VAR, WINDOW);
    let mut command = tokio::process::Command::new(&program);
    if screen == Screen::Diagnose {
        command.arg(WINDOW_DIAGNOSE_ARG);
    }
    let started = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    match started {
        Ok(mut child) => {
            log::info!("opening the window ({})", program.display());
            tokio::spawn(async move { child.wait().await });
        }
        Err(e) => log::warn!("cannot open the window ({}): {e}", program.display()),
    }
}
