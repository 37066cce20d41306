//! The local link: a Unix socket through which the keeper (the process that holds the session) answers
//! `gateway-doctor diagnose` and serves the window. The first line a client sends picks the protocol:
//!
//! - **Version 1, one-shot** (the CLI): `{"v":1,"connect":bool}` → one [`LinkReply`] line, then the
//!   connection closes. The reply carries the session's phase, its status (heartbeat, link, guardrail),
//!   the latch and, when the session was live, one bounded ping: the app's session IS the API test.
//! - **Version 2, session** (the window): newline-delimited JSON both ways for as long as the client
//!   stays. `{"v":2,"hello":{"role":"window"|"cli","build":"<version>"}}` (within 2 s) →
//!   `{"v":2,"welcome":{"build":"<version>","pid":N}}`. Then calls `{"id":N,"call":"<name>","args":..}`
//!   → `{"id":N,"ok":..}` or `{"id":N,"err":..}`, each call on its own task, answered in any order; and
//!   events `{"event":"<name>","payload":..}`: every event of the keeper's stream for a window, for a cli
//!   only after `{"subscribe":true}`; the keeper's control messages ("window://show", "app://quit") are
//!   events too. A session that falls behind loses events, never blocks the keeper or another session,
//!   and is told `{"event":"link://lagged","payload":{"missed":N}}` (the window then re-reads its
//!   snapshots). A client line is at most 1 MiB ([`MAX_CLIENT_LINE_BYTES`]; longer: an error line and the
//!   session closes), a keeper line at most 64 MiB ([`MAX_SERVER_LINE_BYTES`]: the logs reply is
//!   large). A line that is not JSON or not a call gets `{"error":"<why>"}` (with the call's `"id"`
//!   when it had one) and the session goes on. The build in hello and welcome lets each side tell a
//!   different install; the link does not refuse on it.
//!
//! The socket is `link.sock` (0600) in a directory (0700) of the user's runtime dir
//! (`$XDG_RUNTIME_DIR/gateway-doctor`, else `gateway-doctor-<uid>` under the temp dir). Both sides refuse a
//! directory or socket that is not this user's or not private ([`private`]), and the server also checks
//! the peer's uid (SO_PEERCRED) on every connection ([`server`]); the session client checks the server's.
//! The server's parts: [`server`] (bind, first line), [`one_shot`] (v1), [`session`] and [`handler`] (v2,
//! what the keeper implements); the window's: [`client`]; the lines: [`wire`], [`lines`].
//!
//! Windows has no link (yet): the server and the client compile out, the app logs [`UNAVAILABLE`] at
//! start-up and the CLI behaves as if no app were open (it can show [`UNAVAILABLE`] to say why). A named
//! pipe could carry it, but keeping it to this user needs a security descriptor built through raw Win32
//! calls (this workspace forbids `unsafe`) and a check of the client's account on each connection; until
//! that is written, no link is safer than a link another user could reach or impersonate.

#[cfg(unix)]
mod client;
#[cfg(unix)]
mod handler;
#[cfg(unix)]
mod lines;
#[cfg(unix)]
mod one_shot;
#[cfg(unix)]
mod private;
#[cfg(unix)]
mod server;
#[cfg(unix)]
mod session;
#[cfg(unix)]
mod wire;

#[cfg(unix)]
pub use client::{CallAnswer, LinkClient};
#[cfg(unix)]
pub use handler::{ConnectionId, Connections, LinkHandler, StreamEvent};
#[cfg(unix)]
pub use one_shot::{LinkTarget, OneShot, TargetFn};
#[cfg(unix)]
pub use private::{
    check_peer, check_private_dir, check_socket_file, link_dir, link_dir_in, own_uid, socket_path,
};
#[cfg(unix)]
pub use server::LinkServer;
#[cfg(unix)]
pub use wire::{Hello, LAGGED_EVENT, LinkEvent, Role, Welcome};

use gateway_proto::{ErrorBody, WorkerStatus};
use serde::{Deserialize, Serialize};

use crate::diagnostics::{PingOutcome, ReportedSession};

/// The keeper's message to the window: show yourself (payload `{"screen": "current" | "diagnose"}`).
pub const SHOW_WINDOW_EVENT: &str = "window://show";
/// The keeper's message to the window: the keeper is quitting, close.
pub const QUIT_EVENT: &str = "app://quit";
/// The window's call that asks the keeper to quit (Ctrl+Q), the window's own command's name.
pub const QUIT_CALL: &str = "quit_app";
/// The keeper's message to the window: whether a panel shows the tray icon (payload `{"shown": bool}`),
/// sent when a window opens and on every change; a window closed with no icon to come back to says so.
pub const TRAY_SHOWN_EVENT: &str = "keeper://tray";

/// Why this platform has no local link, in words for the trader; None where there is one (every Unix).
pub const UNAVAILABLE: Option<&str> = if cfg!(unix) {
    None
} else {
    Some(
        "on Windows this command cannot ask the open Gateway Doctor app yet: it answers as if the app \
         were closed, and with --handshake it tests the Gateway with a connection of its own (use the \
         app's Diagnose while the app is open)",
    )
};

/// The one-shot request's version (the CLI's diagnose); a reply with another one is not used.
pub const ONE_SHOT_VERSION: u32 = 1;

/// The session protocol's version (the window's).
pub const SESSION_VERSION: u32 = 2;

/// This build's version, said in hello and welcome.
pub const BUILD: &str = env!("CARGO_PKG_VERSION");

/// The socket file's name inside the link directory.
pub const SOCKET_NAME: &str = "link.sock";

/// The longest first line the server reads (a one-shot request or a hello).
pub const MAX_REQUEST_BYTES: usize = 4096;

/// The longest line a session's client may send.
pub const MAX_CLIENT_LINE_BYTES: usize = 1 << 20;

/// The longest line a session's client reads from the keeper (a reply with 100,000 log lines fits).
pub const MAX_SERVER_LINE_BYTES: usize = 64 << 20;

/// What the CLI asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    pub v: u32,
    /// Connect the app's session if it is not up (and keep it), as `diagnose --handshake` asks.
    pub connect: bool,
}

/// The app's one session, as it answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkSession {
    pub app_pid: u32,
    /// Where the app's session goes.
    pub host: String,
    pub port: u16,
    pub client_id: i32,
    /// The supervisor's phase: idle, connecting, connected, unresponsive, backoff, latched, failed.
    pub phase: String,
    /// The guardrail latch (no more attempts until the Gateway restarts), with why.
    pub latch: Option<ErrorBody>,
    pub worker_pid: Option<u32>,
    /// The session's status: handshake, heartbeat (last round trip), IB link, farms, guardrail counts.
    pub worker: WorkerStatus,
    /// One bounded ping through the session, when it was live.
    pub ping: Option<PingOutcome>,
}

impl LinkSession {
    /// The session as diagnose takes it.
    pub fn reported(&self) -> ReportedSession {
        ReportedSession {
            app_pid: self.app_pid,
            worker_pid: self.worker_pid,
            status: self.worker.clone(),
            ping: self.ping.clone(),
        }
    }
}

/// The one reply line: the session, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkReply {
    pub v: u32,
    pub session: Option<LinkSession>,
    pub error: Option<String>,
}

/// Why the link cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("{path} is not safe to use: {why}")]
    Unsafe { path: String, why: String },
    #[error("the peer runs as another user (uid {peer:?}, ours {own}); refused")]
    PeerRefused { peer: Option<u32>, own: u32 },
    #[error("another Gateway Doctor app already answers on {0}")]
    InUse(String),
    #[error("cannot {about}: {source}")]
    Io {
        about: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("the app's answer cannot be read: {0}")]
    BadReply(String),
    #[error("the app did not answer within {0} s")]
    Timeout(u64),
    #[error("the Gateway Doctor keeper refused: {0}")]
    Refused(String),
    #[error("the Gateway Doctor keeper closed the link (it quit or restarted)")]
    Closed,
    #[error("{what} is longer than the link's limit of {limit} bytes")]
    TooLong { what: &'static str, limit: usize },
}

/// A stable code per [`LinkError`], for a caller that branches on it (the window maps each to its own
/// command error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkErrorCode {
    Unsafe,
    PeerRefused,
    InUse,
    Io,
    BadReply,
    Timeout,
    Refused,
    Closed,
    TooLong,
}

impl LinkError {
    pub fn code(&self) -> LinkErrorCode {
        match self {
            LinkError::Unsafe { .. } => LinkErrorCode::Unsafe,
            LinkError::PeerRefused { .. } => LinkErrorCode::PeerRefused,
            LinkError::InUse(_) => LinkErrorCode::InUse,
            LinkError::Io { .. } => LinkErrorCode::Io,
            LinkError::BadReply(_) => LinkErrorCode::BadReply,
            LinkError::Timeout(_) => LinkErrorCode::Timeout,
            LinkError::Refused(_) => LinkErrorCode::Refused,
            LinkError::Closed => LinkErrorCode::Closed,
            LinkError::TooLong { .. } => LinkErrorCode::TooLong,
        }
    }
}
