//! Build script of the app package: tauri-build reads tauri.conf.json and the capability files, generates the
//! permission for each app command listed in `src/commands.rs`, and checks that the capabilities only grant
//! permissions that exist. It fails the build with tauri-build's own message instead of panicking.

include!("src/commands.rs");

fn main() {
    // tauri-build watches its default capabilities folder only; ours lives under src-tauri/.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(err) = tauri_build::try_build(attributes) {
        eprintln!("error: tauri-build failed: {err:#}");
        std::process::exit(1);
    }
}
