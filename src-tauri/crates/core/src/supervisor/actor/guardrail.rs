//! The guardrail: latching (in memory and in the latch file), its messages, and lifting it for exactly one
//! attempt when the Gateway restarts (a new listening socket) or the user says it did.

use std::path::PathBuf;

use gateway_proto::words::RESTART_BY_HAND;
use gateway_proto::{ErrorBody, ErrorCode, Level};
use tokio::time::Instant;

use super::{Actor, Pending};
use crate::supervisor::connect_record::ConnectRecord;
use crate::supervisor::latch_file::{LatchFile, LatchRecord};
use crate::supervisor::state::Lifecycle;

impl Actor {
    /// The guardrail file at `path` (None: in memory only), and the shared connect record beside it.
    pub(super) fn use_latch_file(&mut self, path: Option<PathBuf>) {
        self.connect_record = path.as_deref().map(ConnectRecord::beside);
        self.latch_file = path.map(LatchFile::new);
        self.record_failed = false;
    }

    /// Looks at the Gateway's listening socket; a new one means the Gateway restarted.
    pub(super) async fn check_listener(&mut self) {
        let Ok(look) = crate::sockets::scan_listener(self.options.config.port()) else {
            return;
        };
        let now = look.listener_inode;
        let before = std::mem::replace(&mut self.listener, now);
        let restarted = match (before, now) {
            (Some(a), Some(b)) => a != b,
            (None, Some(_)) => true,
            _ => false,
        };
        if !restarted {
            return;
        }
        if !self.wanted {
            // A latch kept from an earlier run, nobody asking for a session: the Gateway it was about is gone.
            if matches!(self.state.lifecycle, Lifecycle::Latched { .. }) {
                self.log(
                    Level::Info,
                    "the Gateway restarted: the guardrail is cleared",
                );
                self.forget_latch();
                self.state.timeouts_in_a_row = 0;
                self.set_lifecycle(Lifecycle::Idle);
            }
            return;
        }
        match &self.state.lifecycle {
            Lifecycle::Latched { .. } | Lifecycle::Backoff { .. } => {
                self.state.gateway_restarts_seen += 1;
                self.log(
                    Level::Info,
                    "the Gateway is listening again: one attempt after a short cool-down",
                );
                self.lift_for_one_attempt();
                if let Lifecycle::Latched { error } = &self.state.lifecycle {
                    let error = error.clone();
                    self.set_lifecycle(Lifecycle::Backoff {
                        attempt: 1,
                        retry_in_ms: self.options.cool_down.as_millis() as u64,
                        error,
                    });
                }
                self.discipline.restart_counting();
                self.next_attempt = Some(Instant::now() + self.options.cool_down);
                self.reset_worker_latch().await;
            }
            _ => {}
        }
    }

    pub(super) async fn clear_latch(&mut self) {
        self.lift_for_one_attempt();
        self.discipline.restart_counting();
        if matches!(
            self.state.lifecycle,
            Lifecycle::Latched { .. } | Lifecycle::Failed { .. }
        ) {
            self.set_lifecycle(Lifecycle::Idle);
        }
        self.reset_worker_latch().await;
    }

    /// The Gateway restarted (or the user says so): the guardrail is lifted for exactly one attempt. The
    /// count stays one short of the limit, so if that attempt times out too the guardrail trips at once
    /// instead of spending `max_timeouts` more handshakes.
    pub(super) fn lift_for_one_attempt(&mut self) {
        self.forget_latch();
        self.state.timeouts_in_a_row = self.state.max_timeouts.saturating_sub(1);
        self.after_restart = true;
    }

    /// The worker's own latch too; its answer needs no action.
    pub(super) async fn reset_worker_latch(&mut self) {
        if let Some(worker) = self.worker.as_mut()
            && let Ok(id) = worker.send("reset").await
        {
            self.pending.insert(id, Pending::Reset);
            self.expect_answer(id, "reset", self.options.request_timeout);
        }
    }

    /// Stops all attempts and publishes `error` (the guardrail's or the dropped sessions' message).
    pub(super) fn latch(&mut self, error: ErrorBody) {
        self.next_attempt = None;
        self.log(Level::Error, error.message.clone());
        self.keep_latch(&error);
        self.set_lifecycle(Lifecycle::Latched { error });
    }

    pub(super) fn guardrail_error(&self, cause: &ErrorBody) -> ErrorBody {
        let tries = if self.after_restart {
            "the one attempt after the Gateway restarted got no answer either".to_string()
        } else {
            format!(
                "{} connects in a row got no answer",
                self.state.timeouts_in_a_row.max(1)
            )
        };
        let message = format!(
            "Gateway API layer is unresponsive: {tries}, so Gateway Doctor stopped \
             trying. {RESTART_BY_HAND} (Last error: {})",
            cause.message
        );
        ErrorBody::new(ErrorCode::GatewayUnresponsive, message)
    }

    pub(super) fn drops_error(&self, in_a_row: u32, cause: &ErrorBody) -> ErrorBody {
        let message = format!(
            "IB Gateway keeps dropping the connection: {in_a_row} sessions in a row ended within {:.0} s of \
             starting, so Gateway Doctor stopped reconnecting (connecting again and again can make it worse). \
             {RESTART_BY_HAND} (Last error: {})",
            self.options.config.stable_after().as_secs_f64(),
            cause.message
        );
        ErrorBody::new(ErrorCode::GatewayDropsSessions, message)
    }

    /// The latch file's key for the current target.
    pub(super) fn latch_key(&self) -> String {
        LatchFile::key(&self.options.config.host(), self.options.config.port())
    }

    /// Writes the latch to disk with the Gateway listener it is about, as seen now.
    pub(super) fn keep_latch(&mut self, error: &ErrorBody) {
        let Some(file) = &self.latch_file else {
            return;
        };
        let record = LatchRecord {
            listener_inode: crate::sockets::scan_quick(self.options.config.port())
                .ok()
                .and_then(|q| q.listener_inode)
                .or(self.listener),
            latched_at_ms: crate::now_ms(),
            reason: error.clone(),
        };
        if let Err(e) = file.set(&self.latch_key(), record) {
            self.log(
                Level::Warn,
                format!("{e}: the guardrail holds only until Gateway Doctor ends"),
            );
        }
    }

    /// Removes the current target's latch from disk.
    pub(super) fn forget_latch(&mut self) {
        let Some(file) = &self.latch_file else {
            return;
        };
        if let Err(e) = file.remove(&self.latch_key()) {
            self.log(Level::Warn, e.to_string());
        }
    }

    /// Honours a latch kept on disk for the current target: latched again while the Gateway listener it saw
    /// is still the one on the port; a stale entry (the Gateway restarted since) is removed. Also notes the
    /// listener as it is now, so it is not taken for a restart.
    pub(super) fn load_latch(&mut self) {
        self.listener = crate::sockets::scan_quick(self.options.config.port())
            .ok()
            .and_then(|q| q.listener_inode);
        let Some(file) = &self.latch_file else {
            return;
        };
        match file.get(&self.latch_key()) {
            Ok(None) => {}
            Ok(Some(record)) if record.listener_inode == self.listener => {
                self.log(Level::Warn,
                    format!(
                        "the guardrail tripped for this Gateway at {} (kept in {}) and it has not restarted \
                         since: no handshake is tried until it restarts or you reset the guardrail",
                        record.latched_at_ms,
                        file.path().display()
                    ),
                );
                self.next_attempt = None;
                self.state.timeouts_in_a_row = self.state.max_timeouts;
                self.set_lifecycle(Lifecycle::Latched {
                    error: record.reason,
                });
            }
            Ok(Some(_)) => {
                self.log(
                    Level::Info,
                    "the Gateway restarted since the guardrail tripped: the guardrail is cleared",
                );
                self.forget_latch();
            }
            Err(e) => self.log(Level::Warn, format!("{e}: the guardrail starts clear")),
        }
    }
}
