//! What a look at the Gateway port's sockets found, and what a zombie cleanup did: the types gateway-core's
//! `sockets` module returns and the app and CLI show.
//!
//! A client zombie is a CLOSE_WAIT socket whose remote port is the Gateway port (the Gateway closed its end,
//! the local program never closed its own); a Gateway-side zombie has the Gateway port as its local port and
//! belongs to the listener (only a Gateway restart clears it). Addresses are text with IPv4-mapped IPv6
//! addresses (`::ffff:127.0.0.1`) already written as plain IPv4. Times are Unix milliseconds; durations are
//! `f64` milliseconds.
//!
//! Some fields mean slightly different things per operating system (the OS keeps different records):
//! `inode` is the kernel's socket inode on Linux, the kernel's socket address on macOS, and on Windows (which
//! has no socket identity) a key computed from the connection's addresses; `start_ticks` is clock ticks since
//! boot on Linux, microseconds since the Unix epoch on macOS and the creation FILETIME (100 ns units since
//! 1601) on Windows. Windows has no uid: there `uid` is [`NO_UID`] and `owner_sid` names the owner.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The `uid` of a socket or process on Windows, which identifies users by SID ([`ProcessInfo::owner_sid`]).
pub const NO_UID: u32 = u32::MAX;

/// The cheap look (one socket-table query, no process scan): enough for a status light or a diagnostic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct QuickScan {
    pub port: u16,
    /// How many sockets listen on the port (IPv4 and IPv6 listeners count separately).
    pub listeners: u32,
    /// Connections waiting in the first listener's accept queue. A queue that stays above zero means the
    /// Gateway has stopped accepting. `None` without a listener or when the kernel table could not be read.
    pub accept_queue: Option<u32>,
    /// Kernel inode of the first listening socket: it changes when the Gateway restarts (a new socket).
    pub listener_inode: Option<u64>,
    pub client_zombies: u32,
    pub gateway_zombies: u32,
    /// ESTABLISHED connections to the port, counted at the client end.
    pub live_sessions: u32,
    pub took_ms: f64,
}

/// The full look: every socket on the port that matters, and the processes that hold them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PortScan {
    pub port: u16,
    /// Sockets listening on the port; their holders are marked `is_gateway`.
    pub listeners: Vec<ListenerSocket>,
    /// CLOSE_WAIT sockets on the port, client side and Gateway side.
    pub zombies: Vec<ZombieSocket>,
    /// ESTABLISHED connections to the port, at the client end (remote port = the port).
    pub live_sessions: Vec<SocketEntry>,
    /// Every process that holds one of the sockets above, once each, by pid.
    pub processes: Vec<ProcessInfo>,
    /// Processes whose open files could not be read (another user's, when not run as root or admin), and
    /// on Windows each socket whose owner the system does not report (System, or Wine's owner 0): a socket
    /// they hold shows no pid. Zero means every holder was seen.
    pub unreadable_processes: u32,
    /// When the scan ran, Unix ms.
    pub scanned_at_ms: i64,
    pub took_ms: f64,
}

/// One TCP socket from the kernel's table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SocketEntry {
    pub local_addr: String,
    pub local_port: u16,
    pub remote_addr: String,
    pub remote_port: u16,
    pub state: TcpState,
    /// The socket's identity: how holders are found. Linux: the kernel's inode (`socket:[INODE]` in
    /// /proc/PID/fd); macOS: the kernel's socket address; Windows: a key made from the connection's addresses
    /// and ports (see core/src/sockets/windows/rows.rs). Never 0 for a socket a process holds.
    pub inode: u64,
    /// The user that created the socket, as the kernel reports it (macOS: the holder's user; Windows:
    /// [`NO_UID`], the table names no user).
    pub uid: u32,
    /// Processes holding the socket: usually one, several when it was shared across a fork. Empty when the
    /// holder could not be seen (another user's program, or an owner the system does not report); never
    /// contains 0.
    pub pids: Vec<u32>,
}

/// A listening socket on the port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ListenerSocket {
    #[serde(flatten)]
    pub socket: SocketEntry,
    /// Connections the kernel completed that the listener has not accepted yet.
    pub accept_queue: Option<u32>,
}

/// A CLOSE_WAIT socket on the port and which end of the connection it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ZombieSocket {
    pub side: ZombieSide,
    #[serde(flatten)]
    pub socket: SocketEntry,
}

/// Which end of the connection a zombie is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ZombieSide {
    /// A local program's end: remote port = the Gateway port. Cleanup can end the program.
    Client,
    /// The Gateway's end: local port = the Gateway port. Only a Gateway restart clears it.
    Gateway,
}

/// The TCP states the scan reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum TcpState {
    Listen,
    Established,
    CloseWait,
}

/// A process that holds one of the port's sockets, as seen at scan time. `pid`, `start_ticks`, `uid` and
/// `cmdline` are its identity: cleanup re-reads them just before signalling and refuses on any difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProcessInfo {
    pub pid: u32,
    /// Short name: Linux the kernel's `comm` (at most 15 bytes), macOS `pbi_name` (at most 32), Windows the
    /// program file's name.
    pub name: String,
    /// Full command line, one entry per argument.
    pub cmdline: Vec<String>,
    /// Real user id: the user the kernel lets signal this process ([`NO_UID`] on Windows).
    pub uid: u32,
    /// Windows: the owner's SID (`S-1-5-21-...`), compared exactly with ours before cleanup; `None` on
    /// Unix, or when it could not be read (such a process is never ended).
    pub owner_sid: Option<String>,
    /// The user's login name, when the system knows it.
    pub user: Option<String>,
    /// Start time, with the pid what tells this process from a later one that reused its pid. Linux: clock
    /// ticks since boot (/proc/PID/stat field 22); macOS: microseconds since the Unix epoch; Windows: the
    /// creation FILETIME (100 ns units since 1601).
    pub start_ticks: u64,
    /// Start time, Unix ms (for display).
    pub started_at_ms: i64,
    /// Holds a listening socket on the port: this is the Gateway. Never signalled.
    pub is_gateway: bool,
    /// Recognised as IB Gateway or TWS by its name, program file or command line. Never signalled.
    pub product: Option<GatewayProduct>,
    /// Holds a client zombie AND a live ESTABLISHED connection to the port or to another API port of the
    /// same Gateway host (4001, 4002, 7496, 7497): ending it would also drop a working session.
    pub has_live_session: bool,
}

/// Which IBKR program a process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum GatewayProduct {
    IbGateway,
    /// Trader Workstation.
    Tws,
}

impl GatewayProduct {
    /// The program's name as traders know it.
    pub fn label(self) -> &'static str {
        match self {
            GatewayProduct::IbGateway => "IB Gateway",
            GatewayProduct::Tws => "TWS",
        }
    }
}

/// An IB Gateway or TWS process found running, whatever it listens on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GatewayProcess {
    pub pid: u32,
    pub product: GatewayProduct,
    pub name: String,
}

/// What a cleanup did, process by process, and what the socket table showed afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CleanReport {
    pub port: u16,
    pub dry_run: bool,
    /// One entry per process that holds a zombie on the port (client side, and the Gateway when it holds
    /// Gateway-side ones).
    pub outcomes: Vec<CleanOutcome>,
    /// Client zombies still there after the cleanup (a re-scan), e.g. held by a refused process.
    pub remaining_client_zombies: Vec<ZombieSocket>,
    /// Client zombies Gateway Doctor cannot end, with why: no program holding them can be seen (another
    /// user's, or an owner the system does not report). Listed, never signalled.
    pub cannot_end: Vec<UnendableZombie>,
    /// Gateway-side zombies seen: cleanup never touches them; a Gateway restart clears them.
    pub gateway_zombies: u32,
    pub took_ms: f64,
}

/// A client zombie cleanup cannot end, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UnendableZombie {
    #[serde(flatten)]
    pub zombie: ZombieSocket,
    pub code: UnendableCode,
    /// Plain words for the user.
    pub detail: String,
}

/// Why a zombie cannot be ended, as a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnendableCode {
    /// The program holding it cannot be seen: another user's (without admin or root rights), a process
    /// whose details cannot be read, or an owner the system does not report (process id 0 or 4 on Windows).
    OwnerUnknown,
}

/// What happened to one process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CleanOutcome {
    pub process: ProcessInfo,
    pub result: CleanResult,
    /// Set when `result` is `refused`.
    pub reason: Option<RefusalReason>,
    /// The zombie sockets (inodes) this process held.
    pub zombie_inodes: Vec<u64>,
    /// Plain words for the user.
    pub detail: String,
}

/// What cleanup did to a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum CleanResult {
    /// Ended after SIGTERM, within the grace period.
    Terminated,
    /// Ignored SIGTERM for the grace period; ended by SIGKILL.
    KilledAfterGrace,
    /// Dry run: it would have been sent SIGTERM.
    WouldTerminate,
    /// Left alone; `reason` says why.
    Refused,
    /// Had already exited before it could be signalled: nothing to do.
    AlreadyGone,
    /// Signalled, but still running after SIGKILL (e.g. stuck in the kernel), or the signal failed.
    Failed,
}

/// Why cleanup left a process alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    /// It holds the port's listening socket.
    IsGateway,
    /// It belongs to another user.
    OtherUser,
    /// It also holds a live session to the Gateway and the user did not tick it
    /// ([`CleanConfirmation::include_live`]).
    LiveSessionNeedsConfirmation,
    /// Its pid now names a different process (start time, user or command line differ from the scan).
    IdentityChanged,
    /// pid 0 or 1, Gateway Doctor itself, or one of the processes that started it (its parent, their
    /// parent, and so on).
    ProtectedPid,
    /// Its zombies point at another machine's port, not this Gateway.
    OtherHost,
    /// The caller passed the user's confirmation, and this process (pid and start time) was not in it.
    NotConfirmed,
    /// None of its stale connections was in the list the user confirmed (the dry run): a socket must be
    /// seen stale in two scans before its holder is ended, since one that closes by itself was no zombie.
    NotSeenInBothScans,
    /// At the moment of the signal it no longer held the stale connection (it closed it, or passed it on).
    NoLongerHoldsZombie,
    /// Its owner could not be read (Windows: the process's user), so it cannot be told from another
    /// user's process.
    OwnerUnknown,
}

/// A process as the user confirmed it: the pid and its start time (as in [`ProcessInfo::start_ticks`]). A pid whose process started at another time is a different process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProcessKey {
    pub pid: u32,
    pub start_ticks: u64,
}

impl ProcessKey {
    /// The key of a scanned process.
    pub fn of(process: &ProcessInfo) -> ProcessKey {
        ProcessKey {
            pid: process.pid,
            start_ticks: process.start_ticks,
        }
    }
}

/// What the user agreed to after seeing a dry run: exactly these processes, these stale connections, and
/// (per process) ending a program that also has a working connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CleanConfirmation {
    /// The processes the user agreed to end. Any other holder, or the same pid with another start time, is
    /// refused.
    pub processes: Vec<ProcessKey>,
    /// The processes among them whose working connection the user agreed to drop (ticked one by one).
    pub include_live: Vec<ProcessKey>,
    /// The stale connections (inodes) the dry run listed: only those count at the cleanup.
    pub zombie_inodes: Vec<u64>,
}

/// "Your programs connected to IB Gateway": every ESTABLISHED connection to the Gateway port from this
/// computer, with the program behind it and the client id it uses where that can be seen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ClientLedger {
    pub port: u16,
    /// One entry per connection, oldest program first.
    pub entries: Vec<LedgerEntry>,
    /// Processes whose open files could not be read (another user's, when not run as root): a connection
    /// they hold shows without a program.
    pub unreadable_processes: u32,
    /// When the scan ran, Unix ms.
    pub scanned_at_ms: i64,
}

/// One connection to the Gateway port and the program holding it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LedgerEntry {
    /// The connection, at the program's end.
    pub connection: SocketEntry,
    /// The program holding it; `None` when it could not be seen (another user's program without root).
    pub process: Option<ProcessInfo>,
    /// This is Gateway Doctor's own worker (the gateway-worker program), the one session the app keeps.
    pub is_own_worker: bool,
    /// The client id the program uses, when it can be seen (see `client_id_source`).
    pub client_id: Option<i64>,
    pub client_id_source: ClientIdSource,
}

/// Who holds a client id the Gateway refused as "in use", as far as this computer shows it: the local
/// programs seen using that id, or (none seen) the programs connected to the Gateway that could be it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ClientIdHolders {
    pub client_id: i64,
    /// Programs on this computer seen using `client_id` (never Gateway Doctor's own session).
    pub holders: Vec<LedgerEntry>,
    /// When no holder is seen: the other programs connected to the Gateway (one of them may keep the id
    /// where it cannot be seen). Empty when a holder is seen.
    pub candidates: Vec<LedgerEntry>,
    /// The first holder's name, for "Waiting for NAME to disconnect"; `None` when no holder is seen.
    pub holder_name: Option<String>,
    /// The main text, in plain words: who uses the id, or that the holder is not visible here.
    pub summary: String,
    /// One plain line per candidate ("python3 (python3 bot.py), client id not visible").
    pub candidate_lines: Vec<String>,
    /// The technical detail (process ids, connections, where the id was read), for a "Details" disclosure.
    pub details: Vec<String>,
}

/// Where a program's client id was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ClientIdSource {
    /// `IBKR_CLIENT_ID` in the program's environment (readable for one's own programs only).
    Environment,
    /// A flag on its command line (`--client-id N`, `--clientId N`, `client_id=N`, ...).
    CommandLine,
    /// `IBKR_CLIENT_ID` in a `.env` file in the program's working directory.
    DotEnv,
    /// None of the above shows it (the program may take it from its own settings).
    NotVisible,
}
