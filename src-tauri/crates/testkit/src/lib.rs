//! gateway-testkit: the one place the tests, the benchmarks and the app's tests start this workspace's
//! programs as real processes. A dev-dependency only (`publish = false`): it never ends up in the app, the
//! CLI or the .deb.
//!
//! - [`bins`]: where cargo put the binaries (`target/<profile>/`, beside the test's `deps/` or the
//!   example's `examples/`), with an error that says to build them first.
//! - [`SimProcess`]: gateway-sim on free loopback ports ([`SimOptions`] for its arguments); its ready line
//!   is read with a bounded wait, an error quotes the child's stderr, and the child is killed on drop.
//! - [`Worker`]: gateway-worker with its stdout read as protocol lines, started once its stderr says it
//!   is ready; killed on drop.
//! - [`Lines`]: a child's stdout, line by line, waited for with a deadline.
//! - [`wait`]: polling with a deadline, waiting for a child to exit, signals, a free port.
//! - [`request`]: worker requests compared after a JSON round trip (property tests, fuzz target).
//! - [`assert_contains`]: text that must contain a part, shown whole when it does not.
//!
//! Everything here panics with a message that says what was expected, as a failed assertion does, except
//! the `spawn` constructors, which return a [`StartError`] for callers that want to report it themselves.

pub mod bins;
mod error;
pub mod lines;
pub mod request;
pub mod sim;
mod started;
mod stderr;
mod text;
pub mod wait;
pub mod worker;

pub use bins::bin;
pub use error::StartError;
pub use lines::Lines;
pub use sim::{SimOptions, SimProcess};
pub use text::assert_contains;
pub use wait::{free_port, signal, wait_exit, wait_until};
pub use worker::Worker;

/// How long a started program may take to say it is ready: it takes milliseconds, so this only bounds a hang.
pub const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);
