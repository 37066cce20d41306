//! What the session's background tasks report: notices, heartbeat results, and the session's end.

use std::time::Duration;

use gateway_proto::{Event, FarmStatus, LinkState, LinkStatus, NoticeData, SessionState};

use super::{Slot, Worker, clear_session};
use crate::errors::WorkerError;
use crate::notices::{self, Effect};
use crate::probe::round_ms;
use crate::status::unix_ms;

/// Heartbeats missed in a row that make a session unresponsive.
const MISSES_FOR_UNRESPONSIVE: u32 = 2;

impl Worker {
    /// Runs `change` with the slot locked if `generation` is the live session; returns whether it ran.
    fn for_live(&self, generation: u64, change: impl FnOnce(&Self)) -> bool {
        let slot = self.slot();
        let live = matches!(&*slot, Slot::Live(session) if session.generation == generation);
        if live {
            change(self);
        }
        live
    }

    /// An IB notice: sent on as an event, and applied to the link or farm state.
    pub fn notice(&self, generation: u64, code: i32, message: String) {
        self.for_live(generation, |worker| {
            // ibapi logs the notice itself.
            tracing::debug!(code, "IB notice: {message}");
            let effect = notices::classify(code, &message);
            worker.out.event(Event::Notice(NoticeData {
                code,
                message: message.clone(),
            }));
            let at_ms = unix_ms();
            worker.status.update(|s| match effect {
                Effect::Link(state) => {
                    s.link = LinkStatus {
                        state,
                        code: Some(code),
                        message: Some(message),
                        at_ms: Some(at_ms),
                    };
                }
                Effect::Farm { kind, state, name } => {
                    let farm = FarmStatus {
                        kind,
                        name,
                        state,
                        code,
                        at_ms,
                    };
                    match s
                        .farms
                        .iter_mut()
                        .find(|f| f.kind == farm.kind && f.name == farm.name)
                    {
                        Some(known) => *known = farm,
                        None => s.farms.push(farm),
                    }
                }
                Effect::None => {}
            });
        });
    }

    /// A reqCurrentTime round trip (heartbeat or ping) was answered: the API is alive.
    pub fn round_trip_answered(&self, generation: u64, rtt: Duration) {
        self.for_live(generation, |worker| {
            worker.status.update(|s| {
                s.heartbeat.last_rtt_ms = Some(round_ms(rtt));
                s.heartbeat.last_ok_at_ms = Some(unix_ms());
                s.heartbeat.misses_in_a_row = 0;
                if s.session == SessionState::Unresponsive {
                    tracing::info!("heartbeat answered again: the session is responsive");
                    s.session = SessionState::Connected;
                }
            });
        });
    }

    pub fn heartbeat_missed(&self, generation: u64) {
        self.for_live(generation, |worker| {
            worker.status.update(|s| {
                s.heartbeat.misses_in_a_row += 1;
                tracing::warn!(misses = s.heartbeat.misses_in_a_row, "heartbeat missed");
                if s.heartbeat.misses_in_a_row >= MISSES_FOR_UNRESPONSIVE
                    && s.session == SessionState::Connected
                {
                    s.session = SessionState::Unresponsive;
                }
            });
        });
    }

    /// The notice stream ended: the socket is gone. Reported as CONNECTION_LOST unless the session was
    /// already replaced or dropped on purpose.
    pub fn session_ended(&self, generation: u64) {
        let mut slot = self.slot();
        let session = match std::mem::replace(&mut *slot, Slot::Idle) {
            Slot::Live(session) if session.generation == generation => session,
            other => {
                *slot = other;
                return;
            }
        };
        session.stop_tasks();
        let addr = session.settings.address();
        drop(session);
        self.status.update(|s| {
            let after = match s.link.state {
                LinkState::SocketPortReset => " after resetting its API socket port (notice 1300)",
                _ => "",
            };
            let error = WorkerError::ConnectionLost(format!(
                "The Gateway closed the API connection to {addr}{after}. If IB Gateway was restarted, closed \
                 or logged out, start it and log in, then connect again."
            ));
            tracing::warn!("{error}");
            clear_session(s);
            s.last_error = Some(error.body());
        });
    }
}
