//! The supervisor: keeps exactly one gateway-worker alive and connected, and never hammers a dead Gateway.

mod actor;
mod backoff;
mod handle;
mod log;
mod state;
mod worker_process;

pub use backoff::Backoff;
pub use handle::{Applied, Supervisor, SupervisorError, SupervisorOptions};
pub use log::{LogLine, LogSink};
pub use state::{Lifecycle, SupervisorState};
