//! Integration tests: real processes, real sockets on loopback. One test binary (ripgrep's layout); each
//! area in its own module, shared plumbing in `util`. Binaries come from `cargo build --workspace --bins`.

mod cli;
mod diagnose;
mod ibc;
mod sim;
mod soak;
mod supervisor;
mod util;
mod worker;
mod zombies;
