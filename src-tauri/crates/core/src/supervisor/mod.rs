//! The supervisor: keeps exactly one gateway-worker alive and connected, and never hammers a dead Gateway.

mod actor;
mod backoff;
mod budget;
mod client_id_wait;
mod connect_record;
mod handle;
mod latch_file;
mod log;
mod policy;
mod state;
mod worker_process;

pub use backoff::{Backoff, JITTER_PERCENT, Jitter};
pub use budget::LIMITS as CONNECT_BUDGET;
pub use client_id_wait::ClientIdWait;
pub use connect_record::{ConnectRecord, ConnectRecordError};
pub use handle::{Applied, Supervisor, SupervisorError, SupervisorOptions};
pub use latch_file::{LatchFile, LatchFileError, LatchRecord, default_latch_path};
pub use log::{LogLine, LogSink};
pub use policy::{DROPS_TO_LATCH, FEW_RETRIES, Reaction, reaction};
pub use state::{Lifecycle, Offered, SupervisorState};
