//! gateway-doctor-keeper: the small process that keeps the session while the window comes and goes
//! (docs/ARCHITECTURE.md, "Two processes on Linux"), with no GTK and no WebKit in it; Linux only (on Windows
//! and macOS the app keeps the session in its own process).
//!
//! - [`program`] (Linux): the keeper itself, run by src/main.rs: the backend (gateway-backend) and its
//!   session, the local link's sessions for the window ([`handler`]), the tray kept current and its clicks
//!   acted on ([`follow`]), and the window program started or shown on Open ([`window`]).
//! - [`tray`] (Linux): the tray icon as a StatusNotifierItem with its menu over D-Bus; it shows the status
//!   light's dot and words and hands the trader's clicks back as [`tray::TrayAction`]s.
//! - [`notify`] (Linux): desktop notifications over D-Bus, shown off the async runtime and bounded in time.
//! - [`logfile`]: the log file the app writes today (same folder, name, line format and rotation), as a
//!   `log::Log` that also writes stderr and hands each record to a callback (the Logs screen's store).

#[cfg(target_os = "linux")]
mod follow;
#[cfg(target_os = "linux")]
mod handler;
pub mod logfile;
#[cfg(target_os = "linux")]
pub mod notify;
#[cfg(target_os = "linux")]
pub mod program;
#[cfg(target_os = "linux")]
pub mod tray;
#[cfg(target_os = "linux")]
pub mod window;
