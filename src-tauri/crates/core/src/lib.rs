//! gateway-core: the part of Gateway Doctor that the app and the CLI share, with no Tauri in it.
//!
//! [`config`] resolves every setting from its sources (explicit > environment > `.env` > settings file >
//! defaults) and keeps where each came from. The [`supervisor`] is an actor that keeps exactly one
//! gateway-worker process alive, schedules at most one connect attempt per backoff step, counts handshake
//! timeouts across worker restarts and stops at the guardrail until the Gateway is seen restarted (a new
//! listening socket on its port). [`sockets`] reads the kernel's TCP table for the Gateway port in two
//! phases (a cheap netlink query, then a /proc scan for the holders only when something matched) and removes
//! client-side zombie connections under strict safety rules. [`diagnostics`] turns what can be observed
//! without opening probe sockets (the socket table, the live session, and one handshake only when asked)
//! into one verdict and one next step, aware of IBKR's [`reset_window`]s; [`schedule`] says when the next
//! one and the weekly login with 2FA are due, in the trader's own time. [`ibc`] reads IBC's config.ini and
//! restarts IB Gateway through IBC's command server, under a restart guard shared by every process.
//! [`helper_programs`] names the helper programs (installed and development names). The [`local_link`]
//! lets the CLI ask the open app about its session over a socket only the same user can open. Results are
//! the plain serde types of gateway-proto, so the app and the CLI show exactly what core computed.

pub mod atomic_file;
pub mod config;
pub mod diagnostics;
pub mod file_lock;
pub mod helper_programs;
pub mod ibc;
pub mod local_link;
pub mod reset_window;
pub mod schedule;
pub mod sockets;
pub mod supervisor;

/// Now, in Unix milliseconds (the unit every timestamp in Gateway Doctor's types uses).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
