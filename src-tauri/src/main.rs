// Keeps a release build from opening a console window next to the app on Windows.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    gateway_doctor_app::run().expect("error while running Gateway Doctor");
}
