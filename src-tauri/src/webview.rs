//! The web view's settings, set on every new main window (at start-up and each time it is opened again):
//! what the UI does not use is turned off so that the web view's processes do less and hold less while the
//! window is open. Linux (WebKitGTK) only; the other platforms keep their defaults.
//!
//! - No hardware-accelerated compositing: the page is a form with text, painted directly. With compositing
//!   every change of a countdown's text is composited through OpenGL, which without a GPU driver is the
//!   software rasteriser (llvmpipe, two busy threads); measured in the numbers of bench/app_idle.py.
//! - No WebGL, no media elements or Web Audio, no page cache: the UI has no canvas, sound or video, and
//!   never navigates away from its one page.

use tauri::{Runtime, WebviewWindow};

/// Applies the settings to `window`'s web view (on the main thread, soon after; a failure is logged).
pub fn tune<R: Runtime>(window: &WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    if let Err(e) = window.with_webview(|webview| linux::tune(&webview.inner())) {
        log::warn!("cannot set the web view's settings: {e}");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

#[cfg(target_os = "linux")]
mod linux {
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};

    pub fn tune(webview: &webkit2gtk::WebView) {
        let Some(settings) = webview.settings() else {
            log::warn!("the web view has no settings to change");
            return;
        };
        settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        settings.set_enable_webgl(false);
        settings.set_enable_media(false);
        settings.set_enable_webaudio(false);
        settings.set_enable_page_cache(false);
    }
}
