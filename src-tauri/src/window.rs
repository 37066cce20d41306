//! The main window's life in a tray-first app. Closing the window does not quit: the window and its web view
//! are destroyed (so the web view's processes end and their memory is given back) while the session, the tray
//! and the notifications keep running; the tray's Open, its Diagnose or a second launch builds the window
//! again from tauri.conf.json, and the page loads every snapshot afresh, so it shows the state of now. The first
//! time the window closes, a notification says where the app went; a file in the state folder remembers
//! that it was said. Quitting is explicit: the tray's Quit, Ctrl+Q in the window, the macOS app menu.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use tauri::{AppHandle, Emitter, Manager, Runtime, WebviewUrl, WebviewWindowBuilder, WindowEvent};
use tauri_plugin_notification::NotificationExt;

use gateway_backend::events::TRAY_DIAGNOSE;

/// The label of the one window (tauri.conf.json's, and the capability's).
pub const MAIN: &str = "main";

/// The page a rebuilt window opens on when it should run Diagnose at once; the UI reads the fragment.
const DIAGNOSE_PAGE: &str = "index.html#diagnose";

/// Started with this argument (the login item does), the app starts in the tray, without a window.
pub const IN_TRAY_ARG: &str = "--in-tray";

/// The file whose presence means the "still running in the tray" notice was shown.
const NOTICE_FILE: &str = "tray-notice-shown";

/// Whether closing the window keeps the app running: only when there is a tray to come back from. A window
/// whose session lives in the keeper (src/keeper.rs) ends its process instead: the keeper, its tray and
/// the session stay.
#[derive(Default)]
pub struct TrayLife {
    tray: AtomicBool,
    /// The session lives in the keeper: closing ends this process, after the same first-time notice.
    in_keeper: bool,
    /// The keeper said no panel shows its tray icon (a desktop without a tray area): then the notice says
    /// how to come back without one, on every close.
    no_icon: AtomicBool,
    /// The notice was shown in this run (when the state folder cannot be written, it is said once a run).
    noticed: AtomicBool,
}

impl TrayLife {
    /// The life of a window whose session lives in the keeper.
    #[cfg(target_os = "linux")]
    pub fn in_keeper() -> TrayLife {
        TrayLife {
            in_keeper: true,
            ..TrayLife::default()
        }
    }

    /// What the keeper says of its icon (keeper.rs).
    #[cfg(target_os = "linux")]
    pub fn set_icon_shown(&self, shown: bool) {
        self.no_icon.store(!shown, Ordering::SeqCst);
    }

    pub fn set_tray(&self, available: bool) {
        self.tray.store(available, Ordering::SeqCst);
    }

    /// True when closing the last window should leave the app running.
    pub fn keeps_running(&self) -> bool {
        self.tray.load(Ordering::SeqCst)
    }
}

/// The screen a reopened window shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Whatever the window showed (a new window starts on Status).
    Current,
    /// Diagnose, and run it.
    Diagnose,
}

/// Shows the window (building it again if it was closed), unminimised and focused, on `screen`.
pub fn open<R: Runtime>(app: &AppHandle<R>, screen: Screen) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
        if screen == Screen::Diagnose {
            let _ = app.emit(TRAY_DIAGNOSE, ());
        }
        return;
    }
    if let Err(e) = rebuild(app, screen) {
        log::warn!("cannot open the window again: {e}");
    }
}

/// Builds the main window from its tauri.conf.json entry, as at start-up.
fn rebuild<R: Runtime>(app: &AppHandle<R>, screen: Screen) -> tauri::Result<()> {
    let Some(config) = app.config().app.windows.iter().find(|w| w.label == MAIN) else {
        return Err(tauri::Error::WindowNotFound);
    };
    let mut config = config.clone();
    if screen == Screen::Diagnose {
        config.url = WebviewUrl::App(PathBuf::from(DIAGNOSE_PAGE));
    }
    log::info!("opening the window again");
    let window = WebviewWindowBuilder::from_config(app, &config)?.build()?;
    let _ = window.set_focus();
    Ok(())
}

/// Makes the window tauri.conf.json opens at start-up open on Diagnose (and run it), as the tray's Diagnose
/// asks.
#[cfg(target_os = "linux")]
pub fn start_on_diagnose<R: Runtime>(context: &mut tauri::Context<R>) {
    if let Some(config) = context
        .config_mut()
        .app
        .windows
        .iter_mut()
        .find(|w| w.label == MAIN)
    {
        config.url = WebviewUrl::App(PathBuf::from(DIAGNOSE_PAGE));
    }
}

/// Closes the window for good in this run; the app stays in the tray.
pub fn close<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.destroy();
    }
}

/// The window's close button: with a tray the window goes (destroyed, not hidden: a hidden web view keeps
/// its processes and their memory), after the first-time notice; the app keeps running.
pub fn on_event<R: Runtime>(window: &tauri::Window<R>, event: &WindowEvent) {
    if window.label() != MAIN {
        return;
    }
    if let WindowEvent::CloseRequested { .. } = event {
        let app = window.app_handle();
        let Some(life) = app.try_state::<TrayLife>() else {
            return;
        };
        if !life.keeps_running() && !life.in_keeper {
            return;
        }
        // Hidden at once, so the close feels instant; the close itself goes on and destroys the window
        // (and, in a window of the keeper's session, ends this process).
        let _ = window.hide();
        log::info!(
            "window closed: Gateway Doctor keeps running in the tray, the session stays as it is"
        );
        first_time_notice(app, &life);
    }
}

/// The notice's file in the state folder (None: the platform has no such folder).
fn notice_file() -> Option<PathBuf> {
    gateway_core::config::folders::this_state_dir().map(|dir| dir.join(NOTICE_FILE))
}

/// The notice where a tray icon leads back to the window.
const NOTICE_WITH_ICON: &str = "Your session with IB Gateway stays as it is. Open the window again from \
    the Gateway Doctor icon in the tray; choose Quit there to stop the app and end the session.";
/// The notice on a desktop that shows no tray icons.
const NOTICE_WITHOUT_ICON: &str = "Your session with IB Gateway stays as it is. This desktop shows no tray \
    icons: start Gateway Doctor again to see it, and quit it there (Ctrl+Q) to end the session.";

/// Says once where the app went, and remembers that it said it; with no tray icon to come back to, says it
/// on every close.
fn first_time_notice<R: Runtime>(app: &AppHandle<R>, life: &TrayLife) {
    let file = notice_file();
    let no_icon = life.no_icon.load(Ordering::SeqCst);
    let said =
        life.noticed.swap(true, Ordering::SeqCst) || file.as_ref().is_some_and(|f| f.exists());
    if said && !no_icon {
        return;
    }
    let body = if no_icon {
        NOTICE_WITHOUT_ICON
    } else {
        NOTICE_WITH_ICON
    };
    log::info!("notice: {body}");
    let shown = app
        .notification()
        .builder()
        .title("Gateway Doctor is still running")
        .body(body)
        .show();
    if let Err(e) = shown {
        log::warn!("cannot show the tray notice: {e}");
    }
    if let Some(file) = file {
        let written = file
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&file, b"shown\n"));
        if let Err(e) = written {
            log::warn!(
                "cannot remember that the tray notice was shown ({}): {e}",
                file.display()
            );
        }
    }
}
