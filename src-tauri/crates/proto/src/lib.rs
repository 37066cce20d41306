//! gateway-proto: the types on the wire between the app and gateway-worker, defined once.
//!
//! The worker reads one [`Request`] per line on stdin and writes one [`WorkerOutput`] per line on stdout:
//! either a [`Response`] to a request (echoing its `id`) or an unsolicited [`Event`]. A request names its
//! command as text and carries its settings in `params`, so the worker can answer a misspelt command or a
//! stray key with a precise `BAD_REQUEST` instead of a serde error; the typed [`Command`] is what it
//! becomes once checked. Everything is a plain serde type in snake_case (codes in SCREAMING_SNAKE_CASE) so
//! the same definitions can later be exported to TypeScript; there is no logic here beyond naming things.

mod diagnostics;
mod error_code;
mod event;
mod ibc;
mod level;
mod request;
mod response;
mod sockets;
mod status;
mod tray_dot;
pub mod words;

pub use diagnostics::{AccountMode, Check, CheckId, CheckStatus, Remedy, Report, Verdict};
pub use error_code::{ErrorCode, UnknownCode};
pub use event::{Event, NoticeData, WorkerOutput};
pub use ibc::{
    IbcConfigView, IbcErrorCode, IbcFailure, IbcKey, IbcSetting, RestartOutcome, RestartPhase,
    RestartReport, RestartStep,
};
pub use level::Level;
pub use request::{Command, CommandName, ConnectParams, DEFAULT_CLIENT_ID, Request};
pub use response::{
    AccountsData, ConnectData, DisconnectData, ErrorBody, Outcome, PingData, ResetData, Response,
    ResponseData, ShutdownData,
};
pub use sockets::{
    CleanConfirmation, CleanOutcome, CleanReport, CleanResult, ClientIdHolders, ClientIdSource,
    ClientLedger, GatewayProcess, GatewayProduct, LedgerEntry, ListenerSocket, NO_UID, PortScan,
    ProcessInfo, ProcessKey, QuickScan, RefusalReason, SocketEntry, TcpState, UnendableCode,
    UnendableZombie, ZombieSide, ZombieSocket,
};
pub use status::{
    FarmKind, FarmState, FarmStatus, GuardrailStatus, HandshakeReport, HandshakeStep,
    HandshakeStepName, HeartbeatStatus, LinkState, LinkStatus, SessionState, Target, WorkerStatus,
};
pub use tray_dot::{TRAY_DOT_SIZE, tray_dot_rgba};
