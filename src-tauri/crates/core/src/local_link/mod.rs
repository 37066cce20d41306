//! The local link: how `gateway-doctor` asks the open Gateway Doctor app about its one session instead of
//! opening a connection of its own. One request line, one JSON reply line, then the connection closes.
//!
//! It is a Unix socket that only the same user can open: `link.sock` (0600) in a directory (0700) of the
//! user's runtime dir (`$XDG_RUNTIME_DIR/gateway-doctor`, else `gateway-doctor-<uid>` under the temp dir).
//! Both sides refuse a directory or socket that is not this user's or not private ([`private`]), and the
//! server also checks the peer's uid (SO_PEERCRED) before it answers ([`server`]). The reply carries the
//! session's phase, its status (heartbeat, link, guardrail), the latch and, when the session was live, one
//! bounded ping: the app's session IS the API test.
//!
//! Windows has no link (yet): the server and the client compile out, the app logs [`UNAVAILABLE`] at
//! start-up and the CLI behaves as if no app were open (it can show [`UNAVAILABLE`] to say why). A named
//! pipe could carry it, but keeping it to this user needs a security descriptor built through raw Win32
//! calls (this workspace forbids `unsafe`) and a check of the client's account on each connection; until
//! that is written, no link is safer than a link another user could reach or impersonate.

#[cfg(unix)]
mod private;
#[cfg(unix)]
mod server;

#[cfg(unix)]
pub use private::{
    check_peer, check_private_dir, check_socket_file, link_dir, link_dir_in, own_uid, socket_path,
};
#[cfg(unix)]
pub use server::{LinkServer, LinkTarget, TargetFn};

use gateway_proto::{ErrorBody, WorkerStatus};
use serde::{Deserialize, Serialize};

use crate::diagnostics::{PingOutcome, ReportedSession};

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

/// The protocol's version; a reply with another one is not used.
pub const LINK_VERSION: u32 = 1;

/// The socket file's name inside the link directory.
pub const SOCKET_NAME: &str = "link.sock";

/// The longest request line the server reads.
pub const MAX_REQUEST_BYTES: usize = 4096;

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
}
