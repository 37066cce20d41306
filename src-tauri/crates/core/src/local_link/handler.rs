//! What the keeper plugs into the session server: [`LinkHandler`] answers calls and gives the event
//! stream; [`Connections`] lets it push an event to one open session (e.g. "window://show").

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;
use tokio::sync::{broadcast, mpsc};

use super::wire::{Hello, LinkEvent, Role};

/// One session on the link, numbered from 1 in the order they opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub u64);

impl std::fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "link session {}", self.0)
    }
}

/// An event of the keeper's stream: a name and a JSON payload. [`LinkEvent`] is one; the keeper's own
/// event type can be one too, so its event bus feeds the link as it is (no second queue, no copy).
pub trait StreamEvent: Clone + Send + Sync + 'static {
    fn name(&self) -> &str;
    fn payload(&self) -> &Value;
}

impl StreamEvent for LinkEvent {
    fn name(&self) -> &str {
        &self.event
    }

    fn payload(&self) -> &Value {
        &self.payload
    }
}

/// The keeper's side of a session: every call goes to [`LinkHandler::call`] (each on its own task, so a
/// long one holds up no other), and a window's session streams [`LinkHandler::events`].
pub trait LinkHandler: Send + Sync + 'static {
    /// What the event stream carries.
    type Event: StreamEvent;

    /// Answers one call: `Ok` is the command's result, `Err` its error (a CommandError as JSON).
    fn call(
        &self,
        conn: ConnectionId,
        name: String,
        args: Value,
    ) -> impl Future<Output = Result<Value, Value>> + Send;

    /// A new receiver of every event; one per session that streams them. Its capacity is each session's
    /// queue: a session that falls further behind gets `link://lagged`.
    fn events(&self) -> broadcast::Receiver<Self::Event>;

    /// A session said hello and was welcomed.
    fn opened(&self, _conn: ConnectionId, _hello: &Hello) {}

    /// A session ended (its client closed it or went away).
    fn closed(&self, _conn: ConnectionId) {}
}

/// The open sessions, to push an event to one of them. Cheap to clone; get it from the server before
/// serving.
#[derive(Debug, Clone, Default)]
pub struct Connections {
    inner: Arc<Mutex<Open>>,
}

#[derive(Debug, Default)]
struct Open {
    last: u64,
    sessions: HashMap<ConnectionId, Pusher>,
}

#[derive(Debug)]
struct Pusher {
    role: Role,
    queue: mpsc::Sender<LinkEvent>,
    missed: Arc<AtomicU64>,
}

/// A session's own events waiting to be written: a few control messages, not a stream.
pub(super) const OWN_QUEUE: usize = 64;

impl Connections {
    /// Queues `event` for `conn` alone, without waiting. False when no such session is open; when its
    /// queue is full the event is dropped and counted, and the session gets `link://lagged`.
    pub fn send(&self, conn: ConnectionId, event: LinkEvent) -> bool {
        let open = self.lock();
        let Some(pusher) = open.sessions.get(&conn) else {
            return false;
        };
        match pusher.queue.try_send(event) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                pusher.missed.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// The open sessions and who opened each.
    pub fn open(&self) -> Vec<(ConnectionId, Role)> {
        let mut open: Vec<_> = self
            .lock()
            .sessions
            .iter()
            .map(|(id, pusher)| (*id, pusher.role))
            .collect();
        open.sort_by_key(|(id, _)| *id);
        open
    }

    /// Registers a new session: its id, its own queue and the count of what that queue dropped.
    pub(super) fn add(
        &self,
        role: Role,
    ) -> (ConnectionId, mpsc::Receiver<LinkEvent>, Arc<AtomicU64>) {
        let (queue, own) = mpsc::channel(OWN_QUEUE);
        let missed = Arc::new(AtomicU64::new(0));
        let mut open = self.lock();
        open.last += 1;
        let id = ConnectionId(open.last);
        open.sessions.insert(
            id,
            Pusher {
                role,
                queue,
                missed: missed.clone(),
            },
        );
        (id, own, missed)
    }

    pub(super) fn remove(&self, conn: ConnectionId) {
        self.lock().sessions.remove(&conn);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        // A panic elsewhere while holding the lock leaves a map that is still whole.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
