//! IBC's command server, simulated beside the Gateway (`--ibc ADDR`, off by default).
//!
//! Traders who run IB Gateway under IBC can set `CommandServerPort` in IBC's config.ini; IBC then listens
//! there for one-line commands (STOP, RESTART, RECONNECTACCOUNT, RECONNECTDATA, ENABLEAPI, EXIT) and
//! answers with `OK`/`ERROR`/`INFO` lines. [`protocol`] is that line protocol with no I/O; [`server`]
//! accepts connections under IBC's ControlFrom rule and turns commands into what the simulated Gateway
//! does: RESTART closes the connection and restarts the Gateway (down for `restart_down`, then listening
//! again with a healthy API layer, as IBC's auto-restart does), STOP stops it, RECONNECTACCOUNT sends live
//! API sessions the notice pair of an account link that drops and comes back (1100, then 1102). IBC runs
//! inside the Gateway's process, so its command port goes down and comes back with the Gateway. For the
//! failure paths of clients, [`IbcFault`] makes the port accept and never answer, or answer with text that
//! is not IBC's.

pub mod protocol;
mod server;

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub(crate) use server::serve;

/// How long a restart through IBC keeps the simulated Gateway down unless told otherwise: long enough for
/// a watcher polling every few hundred milliseconds to see it down, short enough for tests.
pub const DEFAULT_RESTART_DOWN: Duration = Duration::from_secs(3);

/// How the command port misbehaves (`--ibc-fault`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IbcFault {
    /// IBC's protocol.
    #[default]
    Normal,
    /// Connections are accepted and read; nothing is ever written (a hung command server).
    Silent,
    /// Every line is answered with [`GARBAGE_LINE`] (something else listens on the port).
    Garbage,
}

/// What the garbage fault answers each line with.
pub const GARBAGE_LINE: &str = "HTTP/1.1 400 Bad Request\r\n";

impl std::str::FromStr for IbcFault {
    type Err = String;

    fn from_str(text: &str) -> Result<IbcFault, String> {
        match text {
            "normal" => Ok(IbcFault::Normal),
            "silent" => Ok(IbcFault::Silent),
            "garbage" => Ok(IbcFault::Garbage),
            other => Err(format!(
                "unknown IBC fault {other:?}: use normal, silent or garbage"
            )),
        }
    }
}

/// The simulated command server's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IbcOptions {
    /// Where it listens (port 0 picks a free one; IBC's own convention is 7462).
    pub listen: SocketAddr,
    /// IBC's CommandPrompt: written without a newline on connect and after each command (empty: none).
    pub prompt: String,
    /// IBC's `SuppressInfoMessages=no`: send `INFO` lines.
    pub info: bool,
    /// IBC's ControlFrom: more client addresses allowed besides loopback and the bound address.
    pub control_from: Vec<String>,
    /// How long the Gateway stays down after RESTART.
    pub restart_down: Duration,
    /// How long after answering RESTART the Gateway goes down (on a real Gateway IBC sets the auto-restart
    /// time to the next minute or the one after, so up to two minutes).
    pub restart_after: Duration,
    pub fault: IbcFault,
}

impl IbcOptions {
    /// A command server on `listen` with IBC's defaults: no prompt, no INFO lines, loopback only.
    pub fn new(listen: SocketAddr) -> IbcOptions {
        IbcOptions {
            listen,
            prompt: String::new(),
            info: false,
            control_from: Vec::new(),
            restart_down: DEFAULT_RESTART_DOWN,
            restart_after: Duration::ZERO,
            fault: IbcFault::Normal,
        }
    }
}

/// What the command server saw, in the control port's `stats` reply (`ibc`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IbcStats {
    /// Connections accepted, refused ones included.
    pub connections: u64,
    /// Connections closed at once because ControlFrom does not allow their address.
    pub refused: u64,
    pub stop: u64,
    pub restart: u64,
    pub reconnect_account: u64,
    pub reconnect_data: u64,
    pub enable_api: u64,
    pub exit: u64,
    /// Lines that are no command ("ERROR Command invalid").
    pub invalid: u64,
}
