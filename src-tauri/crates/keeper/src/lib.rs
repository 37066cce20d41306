//! gateway-doctor-keeper: the desktop parts of the keeper, the small process that stays running while the
//! window is closed (docs/ARCHITECTURE.md, "Memory while closed"), with no GTK and no WebKit in it.
//!
//! - [`tray`] (Linux): the tray icon as a StatusNotifierItem with its menu over D-Bus; it shows the status
//!   light's dot and words and hands the trader's clicks back as [`tray::TrayAction`]s.
//! - [`notify`] (Linux): desktop notifications over D-Bus, shown off the async runtime and bounded in time.
//! - [`logfile`]: the log file the app writes today (same folder, name, line format and rotation), as a
//!   `log::Log` that also writes stderr and hands each record to a callback (the Logs screen's store).
//!
//! The keeper's main program (which wires these to the supervisor and the local link) lives elsewhere.

pub mod logfile;
#[cfg(target_os = "linux")]
pub mod notify;
#[cfg(target_os = "linux")]
pub mod tray;
