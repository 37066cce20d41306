//! After error 326: no retry timer; the connections that may hold our client id are watched, and one
//! attempt follows when one of them ends (client_id_wait.rs).

use gateway_proto::{ErrorBody, ErrorCode, Level};
use tokio::time::Instant;

use super::Actor;
use crate::supervisor::client_id_wait::HolderWatch;
use crate::supervisor::state::Lifecycle;

impl Actor {
    /// After a 326: no timer; note the connections to the port that may hold our id (not our worker's).
    pub(super) fn wait_for_client_id(&mut self, error: ErrorBody) {
        self.next_attempt = None;
        let client_id = self.options.config.client_id();
        let watched =
            crate::sockets::live_session_inodes(self.options.config.port(), self.state.worker_pid)
                .unwrap_or_default();
        let watch = HolderWatch::new(client_id, watched);
        let published = watch.published();
        let next = if published.watched_connections > 0 {
            "Gateway Doctor stopped trying and will try once by itself when that program disconnects; \
             or choose another client id in Settings."
        } else {
            "That program is not on this computer (or Gateway Doctor cannot see it), so Gateway Doctor \
             stopped trying: close that program, or choose another client id in Settings."
        };
        let message = format!(
            "Another program is connected to IB Gateway with client id {client_id}. Two programs with one \
             client id push each other off, so {next} (IB said: {})",
            error.message
        );
        self.log(Level::Warn, message.clone());
        self.holder_watch = Some(watch);
        self.state.client_id_wait = Some(published);
        self.set_lifecycle(Lifecycle::Failed {
            error: ErrorBody::new(ErrorCode::ClientIdInUse, message),
        });
    }

    pub(super) fn stop_watching_client_id(&mut self) {
        self.holder_watch = None;
        self.state.client_id_wait = None;
    }

    /// On the listener tick: if a connection that may hold our client id is gone, one attempt.
    pub(super) fn watch_client_id_holder(&mut self) {
        let Some(watch) = &self.holder_watch else {
            return;
        };
        let Ok(live) = crate::sockets::live_session_inodes(self.options.config.port(), None) else {
            return;
        };
        if !watch.holder_left(&live) {
            return;
        }
        self.log(
            Level::Info,
            format!(
                "a program connected to IB Gateway disconnected: one attempt with client id {}",
                watch.client_id
            ),
        );
        self.stop_watching_client_id();
        match &self.state.lifecycle {
            Lifecycle::Failed { error } if self.wanted => {
                // Shown as a retry due now, not as a failure without the wait that explained it.
                let error = error.clone();
                self.next_attempt = Some(Instant::now());
                self.set_lifecycle(Lifecycle::Backoff {
                    attempt: self.discipline.step() + 1,
                    retry_in_ms: 0,
                    error,
                });
            }
            _ => self.publish(),
        }
    }
}
