//! IBC, the program many traders run IB Gateway under, and its command server: the one way Gateway Doctor
//! can restart IB Gateway for the trader without a new login (IBC's RESTART uses the Gateway's own
//! auto-restart, which keeps the session's login token until IBKR's Sunday reset).
//!
//! [`config`] finds and reads IBC's config.ini (with properties.rs, IBC's file format) and keeps the file
//! and line of every value. [`client`] sends one command to the command server and returns IBC's typed
//! reply. [`guard`] holds restarts to one per period and a few a day across every Gateway Doctor process.
//! [`restart`] puts them together: guard, RESTART, then the Gateway's port watched down and back, step by
//! step. Errors are one [`IbcError`] with SCREAMING_SNAKE codes; the types the app and the CLI show are
//! gateway-proto's (`IbcConfigView`, `IbcFailure`, `RestartReport`).

pub mod client;
pub mod config;
mod error;
pub mod guard;
mod properties;
pub mod restart;

pub use client::{CommandServer, Exchange, IbcCommand, Reply, Timeouts, send};
pub use config::{IbcConfig, IbcConfigError, TradingMode, default_candidates, discover};
pub use error::IbcError;
pub use guard::{
    Decision, RestartGuard, RestartLimits, RestartRecordError, decide, default_restarts_path,
};
pub use restart::{RestartPlan, restart};
