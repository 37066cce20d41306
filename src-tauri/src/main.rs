// Keeps a release build from opening a console window next to the app on Windows.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // The window could not open (no display, no web view runtime): say why, and fail.
    if let Err(e) = gateway_doctor_app::run() {
        eprintln!("Gateway Doctor could not start: {e}");
        std::process::exit(1);
    }
}
