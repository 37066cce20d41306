//! Integration tests: real processes, real sockets on loopback. One test binary (ripgrep's layout); each
//! area in its own module, the shared plumbing in gateway-testkit (src-tauri/crates/testkit). Binaries come
//! from `cargo build --workspace --bins`.

mod cli;
mod diagnose;
mod ibc;
mod sim;
mod soak;
mod supervisor;
mod worker;
mod zombies;
