//! The tray icon: a dot in the status light's colour (see `light`), a tooltip in words, and a menu with
//! Show / Connect / Diagnose / Quit. A task watches the supervisor and the Gateway's presence and repaints
//! the icon only when the light or its words change. Diagnose shows the window and emits `tray://diagnose`
//! so the window runs it with its progress on screen; Quit exits the app, which ends the session cleanly.

use gateway_core::reset_window::current_window;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::events::TRAY_DIAGNOSE;
use crate::light::{Light, light};
use crate::state::AppState;

const SIZE: u32 = 32;

/// Builds the tray icon and starts the task that keeps its colour current.
pub fn install<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Show Gateway Doctor", true, None::<&str>)?;
    let connect = MenuItem::with_id(app, "connect", "Connect", true, None::<&str>)?;
    let diagnose = MenuItem::with_id(app, "diagnose", "Diagnose", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&show, &connect, &diagnose, &separator, &quit])?;
    let tray = TrayIconBuilder::with_id("status")
        .icon(dot(Light::Grey))
        .tooltip("Gateway Doctor: Not connected")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "show" => show_main(app),
            "connect" => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = app.state::<AppState>().connect().await {
                        log::warn!("connect from the tray: {e}");
                    }
                });
            }
            "diagnose" => {
                show_main(app);
                let _ = app.emit(TRAY_DIAGNOSE, ());
            }
            "quit" => app.exit(0),
            _ => {}
        })
        .build(app)?;
    tauri::async_runtime::spawn(follow(app.clone(), tray));
    Ok(())
}

/// Shows, unminimises and focuses the main window (the tray's Show, a second launch).
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

async fn follow<R: Runtime>(app: AppHandle<R>, tray: TrayIcon<R>) {
    let state = app.state::<AppState>();
    let mut session = state.supervisor.watch();
    let mut presence = state.presence.subscribe();
    let mut shown = (Light::Grey, "Not connected");
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        let now = state.schedule_now();
        let rules = state.config.time_rules();
        let window = current_window(
            now,
            rules.region,
            rules.auto_restart,
            &jiff::tz::TimeZone::system(),
        );
        let next = light(
            &session.borrow_and_update(),
            &presence.borrow_and_update(),
            window.is_some(),
        );
        if next != shown {
            let _ = tray.set_icon(Some(dot(next.0)));
            let _ = tray.set_tooltip(Some(format!("Gateway Doctor: {}", next.1)));
            shown = next;
        }
        // Reset windows begin and end with time alone: look again now and then.
        tokio::select! {
            changed = session.changed() => if changed.is_err() { return },
            changed = presence.changed() => if changed.is_err() { return },
            _ = tick.tick() => {}
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
