//! What the simulated Gateway knows across connections: the fault in force, the RED latch, live API
//! sessions by client id, held-closed sockets, and the counters that tests read through `stats`.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, watch};

use crate::fault::Fault;
use crate::ibc::{IbcOptions, IbcStats};

/// Settings fixed for the simulator's lifetime.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where the API port listens (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Where the control port listens.
    pub control: SocketAddr,
    /// The fault at start, and the one a `restart` returns to.
    pub fault: Fault,
    /// Comma-separated account ids sent in MANAGED_ACCTS (must not be empty: clients wait for it).
    pub accounts: String,
    /// Highest server version this Gateway speaks.
    pub max_version: i32,
    /// IBC's command server beside the Gateway (`--ibc`), off when `None`.
    pub ibc: Option<IbcOptions>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 4002)),
            control: SocketAddr::from(([127, 0, 0, 1], 0)),
            fault: Fault::Normal,
            accounts: "DU1234567".into(),
            max_version: 226,
            ibc: None,
        }
    }
}

/// A live API session as `stats` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveClient {
    pub client_id: i32,
    pub peer: String,
    /// When START_API was accepted, in Unix milliseconds.
    pub since: i64,
}

/// The answer to the control command `stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// TCP connections accepted on the API port.
    pub accepted: u64,
    /// Version handshakes answered (a silent or RED Gateway answers none).
    pub handshakes: u64,
    /// START_API requests accepted (a client id collision is not counted).
    pub api_started: u64,
    /// Live API sessions, then the client ids held by `hold_client_id` (peer [`HELD_PEER`]).
    pub live_clients: Vec<LiveClient>,
    /// Connections the client closed (not ones the Gateway dropped).
    pub client_closes: u64,
    /// The part of `client_closes` whose API session had started (START_API accepted): a live session the
    /// client ended, as opposed to a connect abandoned before it got that far.
    #[serde(default)]
    pub api_client_closes: u64,
    /// reqCurrentTime and reqCurrentTimeInMillis requests received, answered or not.
    pub heartbeat_requests: u64,
    /// The API layer is dead until a restart (red_after_disconnect tripped).
    pub red: bool,
    /// The fault in force, in its text form.
    pub fault: String,
    /// Gateway-side sockets held open after their client left (hold_closed).
    pub held_closed: u64,
    /// Restarts done (through the control port or IBC's RESTART).
    pub restarts: u64,
    /// IBC command-server connections and commands, when `--ibc` is on.
    #[serde(default)]
    pub ibc: IbcStats,
}

impl Stats {
    /// The client ids of the live API sessions, oldest first.
    pub fn client_ids(&self) -> Vec<i32> {
        self.live_clients.iter().map(|c| c.client_id).collect()
    }
}

/// Something every session must act on.
#[derive(Debug, Clone)]
pub(crate) enum Broadcast {
    /// The Gateway drops every connection (drop_all, restart).
    DropAll,
    /// An IB notice to every live API session.
    Notice { code: i32, message: String },
    /// The Gateway drops the connections from one client address (`ip:port`, as `stats` shows peers).
    DropPeer(String),
}

#[derive(Default)]
struct State {
    stats: Stats,
    live: BTreeMap<u64, LiveClient>,
    held: Vec<TcpStream>,
    client_close_times: VecDeque<Instant>,
    next_conn_id: u64,
    /// Client ids held by phantom sessions (`hold_client_id`), until released or a restart.
    held_ids: BTreeMap<i32, LiveClient>,
}

/// State shared by the listener, the sessions and the control port.
pub(crate) struct Shared {
    pub config: SimConfig,
    fault: watch::Sender<Fault>,
    /// Whether the Gateway is running (false while a restart is down, and after a stop).
    up: watch::Sender<bool>,
    events: broadcast::Sender<Broadcast>,
    state: Mutex<State>,
}

/// The peer `stats` shows for a client id held by `hold_client_id`.
pub const HELD_PEER: &str = "held";

/// How long red_after_disconnect remembers client closes when counting cycles.
const CYCLE_WINDOW: Duration = Duration::from_secs(60);

impl Shared {
    pub fn new(config: SimConfig) -> Self {
        let (fault, _) = watch::channel(config.fault);
        let (events, _) = broadcast::channel(64);
        let (up, _) = watch::channel(true);
        Shared {
            config,
            fault,
            up,
            events,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not take the simulator down with it: the counters stay usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn fault(&self) -> Fault {
        *self.fault.borrow()
    }

    pub fn watch_fault(&self) -> watch::Receiver<Fault> {
        self.fault.subscribe()
    }

    pub fn set_fault(&self, fault: Fault) {
        self.fault.send_replace(fault);
    }

    pub fn watch_up(&self) -> watch::Receiver<bool> {
        self.up.subscribe()
    }

    pub fn set_up(&self, up: bool) {
        self.up.send_replace(up);
    }

    /// Counts something the IBC command server saw.
    pub fn count_ibc(&self, count: impl FnOnce(&mut IbcStats)) {
        count(&mut self.state().stats.ibc);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Broadcast> {
        self.events.subscribe()
    }

    pub fn broadcast(&self, event: Broadcast) {
        // No receivers just means no connections.
        let _ = self.events.send(event);
    }

    /// True when the API layer answers nothing: the silent fault, or the RED latch.
    pub fn muted(&self) -> bool {
        self.fault() == Fault::Silent || self.state().stats.red
    }

    pub fn stats(&self) -> Stats {
        let state = self.state();
        let mut stats = state.stats.clone();
        stats.live_clients = state.live.values().cloned().collect();
        stats.live_clients.extend(state.held_ids.values().cloned());
        stats.held_closed = state.held.len() as u64;
        stats.fault = self.fault().to_string();
        stats
    }

    pub fn next_conn_id(&self) -> u64 {
        let mut state = self.state();
        state.next_conn_id += 1;
        state.next_conn_id
    }

    pub fn count_accepted(&self) {
        self.state().stats.accepted += 1;
    }

    pub fn count_handshake(&self) {
        self.state().stats.handshakes += 1;
    }

    pub fn count_heartbeat(&self) {
        self.state().stats.heartbeat_requests += 1;
    }

    /// Registers an API session unless another live connection holds `client_id` (then error 326).
    pub fn start_api(
        &self,
        conn_id: u64,
        client_id: i32,
        peer: SocketAddr,
    ) -> Result<(), ClientIdInUse> {
        let mut state = self.state();
        if state.live.values().any(|c| c.client_id == client_id)
            || state.held_ids.contains_key(&client_id)
        {
            return Err(ClientIdInUse);
        }
        state.live.insert(
            conn_id,
            LiveClient {
                client_id,
                peer: peer.to_string(),
                since: unix_ms(),
            },
        );
        state.stats.api_started += 1;
        Ok(())
    }

    /// The Gateway ended a connection (drop, 326, a fault).
    pub fn server_closed(&self, conn_id: u64) {
        self.state().live.remove(&conn_id);
    }

    /// The client ended a connection. `api_age` is how long its API session had run, if it started one.
    /// Applies red_after_disconnect and hands the socket to the held list under hold_closed.
    pub fn client_closed(&self, conn_id: u64, api_age: Option<Duration>, stream: TcpStream) {
        let fault = self.fault();
        let mut state = self.state();
        state.live.remove(&conn_id);
        state.stats.client_closes += 1;
        if api_age.is_some() {
            state.stats.api_client_closes += 1;
        }
        let now = Instant::now();
        state.client_close_times.push_back(now);
        while state
            .client_close_times
            .front()
            .is_some_and(|t| now.duration_since(*t) > CYCLE_WINDOW)
        {
            state.client_close_times.pop_front();
        }
        if let Fault::RedAfterDisconnect { within, cycles } = fault {
            let quick_close = api_age.is_some_and(|age| age <= within);
            let churn = state.client_close_times.len() >= cycles as usize;
            if (quick_close || churn) && !state.stats.red {
                state.stats.red = true;
                tracing::warn!(
                    quick_close,
                    recent_closes = state.client_close_times.len(),
                    "API layer is now RED: it will answer nothing until a restart"
                );
            }
        }
        if fault == Fault::HoldClosed {
            tracing::info!(
                conn_id,
                "hold_closed: keeping the Gateway side open (CLOSE_WAIT)"
            );
            state.held.push(stream);
        }
    }

    /// A restart: every connection and held socket goes, the RED latch clears, the fault returns to `fault`.
    pub fn restarted(&self, fault: Fault) {
        {
            let mut state = self.state();
            state.held.clear();
            state.live.clear();
            state.held_ids.clear();
            state.client_close_times.clear();
            state.stats.red = false;
            state.stats.restarts += 1;
        }
        self.set_fault(fault);
    }

    /// Holds `client_id` as if another program had a live session with it: the next START_API with that id
    /// gets 326. Listed in `stats` as a live client whose peer is [`HELD_PEER`].
    pub fn hold_client_id(&self, client_id: i32) {
        self.state().held_ids.insert(
            client_id,
            LiveClient {
                client_id,
                peer: HELD_PEER.into(),
                since: unix_ms(),
            },
        );
    }

    /// Releases every held client id; returns how many there were.
    pub fn release_client_ids(&self) -> usize {
        std::mem::take(&mut self.state().held_ids).len()
    }

    /// drop_all also releases held-closed sockets: the Gateway closes everything it has.
    pub fn drop_all(&self) {
        self.state().held.clear();
        self.broadcast(Broadcast::DropAll);
    }
}

/// Error 326: the client id is held by another live connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientIdInUse;

pub(crate) fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
