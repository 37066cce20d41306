//! The tray icon: a dot in the status light's colour and a tooltip in words, both from the one status view
//! the window shows too (status_feed.rs), and a menu with Open / Connect or Stop / Diagnose / Quit. A task
//! repaints the icon only when the light or its words change, and turns the session item into Stop whenever
//! the supervisor offers it (as the Status screen's Stop button) and Connect otherwise. The tray outlives the
//! window (see `window`): Open and Diagnose build the window again when it was closed; Diagnose opens it on
//! the Diagnose screen and runs it. Quit exits the app: the session's worker ends, so the Gateway sees the
//! connection close (there is no goodbye message in the API), which is what the item says.

use std::sync::Arc;

use gateway_proto::words::{
    TRAY_CONNECT, TRAY_DIAGNOSE, TRAY_OPEN, TRAY_QUIT, TRAY_STOP, tray_tooltip,
};
use gateway_proto::{TRAY_DOT_SIZE, tray_dot_rgba};
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};

use gateway_backend::Backend;
use gateway_backend::light::Light;
use tauri::{AppHandle, Manager, Runtime};

use crate::window::{self, Screen};

/// Builds the tray icon and starts the task that keeps its colour and its session item current.
pub fn install<R: Runtime>(app: &AppHandle<R>, backend: &Arc<Backend>) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", TRAY_OPEN, true, None::<&str>)?;
    let session = MenuItem::with_id(app, "session", TRAY_CONNECT, true, None::<&str>)?;
    let diagnose = MenuItem::with_id(app, "diagnose", TRAY_DIAGNOSE, true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", TRAY_QUIT, true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &session, &diagnose, &separator, &quit])?;
    let mut builder = TrayIconBuilder::with_id("status");
    // Linux writes the icon to a file: in the app's own folder, not a /tmp/tray-icon every user and every
    // running copy would share (same file names, and another user's folder cannot be written).
    if let Ok(dir) = app.path().app_cache_dir() {
        builder = builder.temp_dir_path(dir.join("tray-icon"));
    }
    let toggled = backend.clone();
    let tray = builder
        .icon(dot(Light::Grey))
        .tooltip(tray_tooltip("Not connected"))
        .menu(&menu)
        .on_menu_event(move |app, event| match event.id().as_ref() {
            "open" => window::open(app, Screen::Current),
            "session" => {
                let backend = toggled.clone();
                tauri::async_runtime::spawn(async move { backend.toggle_session().await });
            }
            "diagnose" => window::open(app, Screen::Diagnose),
            "quit" => {
                log::info!("Quit from the tray");
                app.exit(0);
            }
            _ => {}
        })
        .build(app)?;
    tauri::async_runtime::spawn(follow(backend.clone(), tray, session));
    Ok(())
}

async fn follow<R: Runtime>(backend: Arc<Backend>, tray: TrayIcon<R>, session_item: MenuItem<R>) {
    let mut session = backend.state.supervisor.watch();
    let mut view = backend.feed.watch();
    let mut shown = (Light::Grey, "Not connected".to_string());
    let mut offered = TRAY_CONNECT;
    loop {
        let next = {
            let current = view.borrow_and_update();
            (current.light, current.title.clone())
        };
        if next != shown {
            let _ = tray.set_icon(Some(dot(next.0)));
            let _ = tray.set_tooltip(Some(tray_tooltip(&next.1)));
            shown = next;
        }
        let offer = if session.borrow_and_update().offered.stop {
            TRAY_STOP
        } else {
            TRAY_CONNECT
        };
        if offer != offered && session_item.set_text(offer).is_ok() {
            offered = offer;
        }
        tokio::select! {
            changed = session.changed() => if changed.is_err() { return },
            changed = view.changed() => if changed.is_err() { return },
        }
    }
}

/// The dot in the light's colour (gateway-proto's tray_dot.rs, shared with the keeper's tray).
fn dot(light: Light) -> Image<'static> {
    Image::new_owned(tray_dot_rgba(light.rgb()), TRAY_DOT_SIZE, TRAY_DOT_SIZE)
}
