//! Build script of the app package: tauri-build reads tauri.conf.json and the capability files, generates the
//! permission for each app command (the backend's, listed in crates/backend/src/commands.rs, and the desktop's
//! own in `src/commands.rs`), and checks that the capabilities only grant
//! permissions that exist. It fails the build with tauri-build's own message instead of panicking.

include!("src/commands.rs");
include!("crates/backend/src/commands.rs");

fn main() {
    // tauri-build watches its default capabilities folder only; ours lives under src-tauri/.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=src-tauri/crates/backend/src/commands.rs");
    // tauri-build keeps the list for the whole build: leaked, as a build script may.
    let commands: &'static [&str] = BACKEND_COMMANDS
        .iter()
        .chain(DESKTOP_COMMANDS)
        .copied()
        .collect::<Vec<_>>()
        .leak();
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(commands));
    if let Err(err) = tauri_build::try_build(attributes) {
        eprintln!("error: tauri-build failed: {err:#}");
        std::process::exit(1);
    }
}
