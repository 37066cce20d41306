//! Benchmark of a zombie scan against lsof and ss: Linux only (it drives `sleep`, lsof, ss and /proc).
//! See linux.rs. On other systems it says so and exits.

#[cfg(target_os = "linux")]
mod linux;

#[cfg(target_os = "linux")]
fn main() {
    linux::main();
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("zombie_scan runs on Linux only: it measures against lsof and ss.");
}
