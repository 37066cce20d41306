//! The worker's status, kept in one place so that every change that matters becomes a `state` event.
//!
//! Changes go through [`StatusStore::update`]; after each one the status is compared with the last one
//! sent, ignoring the heartbeat's round-trip time and timestamp (which change every few seconds and are
//! read with `status`), and sent as an event if anything else differs. Events are sent while the lock is
//! held, so their order on stdout is the order of the changes.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use gateway_proto::{Event, WorkerStatus};

use crate::output::Output;

pub struct StatusStore {
    inner: Mutex<Inner>,
    out: Output,
}

struct Inner {
    status: WorkerStatus,
    /// What the last event said, minus the fields that do not raise events.
    sent: WorkerStatus,
}

impl StatusStore {
    pub fn new(out: Output, status: WorkerStatus) -> StatusStore {
        let sent = eventful_part(&status);
        StatusStore {
            inner: Mutex::new(Inner { status, sent }),
            out,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic in one command must not stop the others from reading the status.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn snapshot(&self) -> WorkerStatus {
        self.lock().status.clone()
    }

    /// Changes the status; sends a `state` event if the change matters.
    pub fn update<R>(&self, change: impl FnOnce(&mut WorkerStatus) -> R) -> R {
        let mut inner = self.lock();
        let result = change(&mut inner.status);
        let now = eventful_part(&inner.status);
        if now != inner.sent {
            self.out.event(Event::State(Box::new(inner.status.clone())));
            inner.sent = now;
        }
        result
    }
}

fn eventful_part(status: &WorkerStatus) -> WorkerStatus {
    let mut status = status.clone();
    status.heartbeat.last_rtt_ms = None;
    status.heartbeat.last_ok_at_ms = None;
    status
}

/// Now, in Unix milliseconds.
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
