//! The tray icon: a dot in the status light's colour and a tooltip in words, both from the one status view
//! the window shows too (status_feed.rs), and a menu with Open / Connect or Stop / Diagnose / Quit. A task
//! repaints the icon only when the light or its words change, and turns the session item into Stop whenever
//! the supervisor offers it (as the Status screen's Stop button) and Connect otherwise. The tray outlives the
//! window (see `window`): Open and Diagnose build the window again when it was closed; Diagnose opens it on
//! the Diagnose screen and runs it. Quit exits the app: the session's worker ends, so the Gateway sees the
//! connection close (there is no goodbye message in the API), which is what the item says.

use std::sync::Arc;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};

use gateway_backend::Backend;
use gateway_backend::light::Light;
use tauri::{AppHandle, Manager, Runtime};

use crate::window::{self, Screen};

/// The menu's words; the e2e tests click the items by these labels.
pub const OPEN: &str = "Open Gateway Doctor";
pub const CONNECT: &str = "Connect";
pub const STOP: &str = "Stop the session";
pub const DIAGNOSE: &str = "Diagnose";
pub const QUIT: &str = "Quit (ends the session with IB Gateway)";

const SIZE: u32 = 32;

/// Builds the tray icon and starts the task that keeps its colour and its session item current.
pub fn install<R: Runtime>(app: &AppHandle<R>, backend: &Arc<Backend>) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", OPEN, true, None::<&str>)?;
    let session = MenuItem::with_id(app, "session", CONNECT, true, None::<&str>)?;
    let diagnose = MenuItem::with_id(app, "diagnose", DIAGNOSE, true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", QUIT, true, None::<&str>)?;
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
        .tooltip("Gateway Doctor: Not connected")
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
    let mut offered = CONNECT;
    loop {
        let next = {
            let current = view.borrow_and_update();
            (current.light, current.title.clone())
        };
        if next != shown {
            let _ = tray.set_icon(Some(dot(next.0)));
            let _ = tray.set_tooltip(Some(format!("Gateway Doctor: {}", next.1)));
            shown = next;
        }
        let offer = if session.borrow_and_update().offered.stop {
            STOP
        } else {
            CONNECT
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

/// A filled circle in the light's colour on a transparent square, with a soft edge.
fn dot(light: Light) -> Image<'static> {
    let [r, g, b] = light.rgb();
    let centre = (SIZE as f32 - 1.0) / 2.0;
    let radius = SIZE as f32 / 2.0 - 2.0;
    let mut rgba = Vec::with_capacity((SIZE * SIZE * 4) as usize);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let d = ((x as f32 - centre).powi(2) + (y as f32 - centre).powi(2)).sqrt();
            let alpha = (radius + 0.5 - d).clamp(0.0, 1.0);
            rgba.extend_from_slice(&[r, g, b, (alpha * 255.0) as u8]);
        }
    }
    Image::new_owned(rgba, SIZE, SIZE)
}
