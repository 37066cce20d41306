//! IBC, the program many traders run IB Gateway under, and its command server: the one way Gateway Doctor
//! can restart IB Gateway for the trader without a new login (IBC's RESTART uses the Gateway's own
//! auto-restart, which keeps the session's login token until IBKR's Sunday reset).
//!
//! [`config`] finds and reads IBC's config.ini (with properties.rs, IBC's file format) and keeps the file
//! and line of every value.

pub mod config;
mod properties;

pub use config::{IbcConfig, IbcConfigError, TradingMode, default_candidates, discover};
