//! gateway-sim: an IB Gateway that speaks the real TWS API wire protocol, and misbehaves on request.
//!
//! Each accepted connection runs as its own task ([`session`]): it reads `API\0` and the version offer,
//! negotiates a version the way TWS does (the lower of both maxima; text dialect below 201, protobuf from
//! 213, 201..212 refused), answers START_API with the accounts, nextValidId and farm notices, and then serves
//! the few requests a connection-health tool and ib_async's start-up need. Shared [`state`] holds the fault
//! in force, the client-id registry (a second live connection with an id in use gets 326) and the counters.
//! The [`control`] port changes faults and reports those counters, so tests can prove what a client did to
//! the Gateway, not just what the client says it did. With `--ibc`, [`ibc`] adds IBC's command server
//! (the one-line RESTART/STOP protocol traders use to restart IB Gateway without a new login).

pub mod control;
pub mod fault;
pub mod frame;
pub mod ibc;
pub mod ready;
mod server;
mod session;
mod state;
pub mod wire;

pub use control::{ControlClient, ControlError};
pub use fault::Fault;
pub use ibc::{IbcFault, IbcOptions, IbcStats};
pub use ready::Ready;
pub use server::Sim;
pub use session::GARBAGE;
pub use state::{HELD_PEER, LiveClient, SimConfig, Stats};
