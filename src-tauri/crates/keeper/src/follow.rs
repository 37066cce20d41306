//! The tray, kept current: the status light's dot and words from the backend's one status view (the window
//! shows the same), the session item Stop whenever the supervisor offers it (as the Status screen's Stop
//! button) and Connect otherwise; and the trader's clicks acted on: Open and Diagnose show the window (or
//! start it), the session item stops or connects, Quit quits. Whether a panel shows the icon goes to the
//! windows (a window closed with no icon to come back to says so). Without a tray (no session bus) the
//! keeper still keeps the session; the window's Quit ends it.

use std::sync::Arc;

use gateway_backend::Backend;
use gateway_backend::status_view::StatusView;
use gateway_core::supervisor::SupervisorState;
use tokio::sync::Notify;

use crate::tray::{SessionItem, Tray, TrayAction, TrayLook};
use crate::window::{Screen, Windows};

fn look(view: &StatusView, session: &SupervisorState) -> TrayLook {
    let item = if session.offered.stop {
        SessionItem::Stop
    } else {
        SessionItem::Connect
    };
    TrayLook::new(view.light.rgb(), &view.title, item)
}

/// Shows the tray and follows the session until the keeper ends.
pub async fn tray(backend: Arc<Backend>, windows: Windows, quit: Arc<Notify>) {
    let mut views = backend.feed.watch();
    let mut sessions = backend.state.supervisor.watch();
    let first = look(&views.borrow_and_update(), &sessions.borrow_and_update());
    let (mut handle, mut clicks) = match Tray::spawn(first).await {
        Ok(tray) => tray,
        Err(e) => {
            log::warn!(
                "no tray icon ({e}); the keeper keeps the session, and the window's Quit ends it"
            );
            return;
        }
    };
    let mut panel = handle.panel();
    windows.set_tray_shown(*panel.borrow_and_update());
    loop {
        tokio::select! {
            changed = panel.changed() => {
                if changed.is_err() { return }
                windows.set_tray_shown(*panel.borrow_and_update());
                continue;
            }
            changed = views.changed() => if changed.is_err() { return },
            changed = sessions.changed() => if changed.is_err() { return },
            click = clicks.recv() => match click {
                Some(action) => act(&backend, &windows, &quit, action),
                None => return,
            },
        }
        let next = look(&views.borrow_and_update(), &sessions.borrow_and_update());
        if let Err(e) = handle.update(next).await {
            log::warn!("the tray icon cannot be changed: {e}");
        }
    }
}

fn act(backend: &Arc<Backend>, windows: &Windows, quit: &Notify, action: TrayAction) {
    match action {
        TrayAction::Open => windows.show(Screen::Current),
        TrayAction::Diagnose => windows.show(Screen::Diagnose),
        TrayAction::ToggleSession => {
            let backend = backend.clone();
            tokio::spawn(async move { backend.toggle_session().await });
        }
        TrayAction::Quit => {
            log::info!("Quit from the tray");
            quit.notify_one();
        }
    }
}
