//! What a connect answer or the end of a session leads to, by the policy table (policy.rs): a retry after
//! a growing, jittered wait, the guardrail, the drops latch, a stop, or the wait for a client id's holder.

use gateway_proto::{ErrorBody, ErrorCode, Level, SessionState};
use serde_json::Value;
use tokio::time::Instant;

use super::{Actor, Pending};
use crate::supervisor::policy::{self, Reaction, SessionEnd};
use crate::supervisor::state::Lifecycle;

impl Actor {
    pub(super) fn connect_answered(&mut self, result: Result<Value, ErrorBody>) {
        let error = match result {
            Ok(_) => {
                // The step is kept: only a session that stays up for the stable period resets it.
                self.discipline.connected(Instant::now());
                self.stop_watching_client_id();
                self.state.timeouts_in_a_row = 0;
                self.log(Level::Info, "connected");
                return self.set_lifecycle(Lifecycle::Connected);
            }
            Err(error) => error,
        };
        self.log(
            Level::Warn,
            format!(
                "connect failed: {} ({})",
                error.message,
                error.code.as_str()
            ),
        );
        match policy::reaction(&error.code) {
            Reaction::AlreadyConnected => self.set_lifecycle(Lifecycle::Connected),
            Reaction::Guardrail => {
                self.state.timeouts_in_a_row += 1;
                if self.state.timeouts_in_a_row >= self.state.max_timeouts {
                    self.latch(self.guardrail_error(&error));
                } else {
                    self.schedule_retry(error);
                }
            }
            Reaction::Latch => self.latch(self.guardrail_error(&error)),
            Reaction::Stop => self.set_lifecycle(Lifecycle::Failed { error }),
            Reaction::WaitForClientId => self.wait_for_client_id(error),
            Reaction::Retry => self.schedule_retry(error),
            Reaction::Dropped => {
                let end = self.discipline.dropped_at_connect();
                self.after_session_end(end, error);
            }
            Reaction::RetryAFewTimes => self.retry_a_few_times(error),
        }
    }

    /// The worker's session changed on its own (heartbeat misses, a dropped socket).
    pub(super) fn session_changed(&mut self, session: SessionState) {
        let waiting_for_connect = self.pending.values().any(|p| matches!(p, Pending::Connect));
        match (session, &self.state.lifecycle) {
            (SessionState::Unresponsive, Lifecycle::Connected) => {
                self.log(
                    Level::Warn,
                    "heartbeats unanswered: the Gateway API layer is not responding",
                );
                self.state.lifecycle = Lifecycle::Unresponsive;
            }
            (SessionState::Connected, Lifecycle::Unresponsive) => {
                self.state.lifecycle = Lifecycle::Connected
            }
            (SessionState::Disconnected, Lifecycle::Connected | Lifecycle::Unresponsive)
                if !waiting_for_connect =>
            {
                let error = self.state.worker.last_error.clone().unwrap_or_else(|| {
                    ErrorBody::new(
                        ErrorCode::ConnectionLost,
                        "The Gateway closed the connection.",
                    )
                });
                let end = self.discipline.session_ended(Instant::now(), true);
                self.after_session_end(end, error);
            }
            _ => {}
        }
    }

    /// A session (or a connect the Gateway closed) ended: retry, or latch after too many short ones.
    pub(super) fn after_session_end(&mut self, end: SessionEnd, error: ErrorBody) {
        match end {
            SessionEnd::TooManyShort { in_a_row } => {
                let error = self.drops_error(in_a_row, &error);
                self.latch(error);
            }
            SessionEnd::AfterStable | SessionEnd::Short { .. } => self.schedule_retry(error),
        }
    }

    /// Errors that retrying rarely fixes: a few tries, then a stop that says what happened.
    pub(super) fn retry_a_few_times(&mut self, error: ErrorBody) {
        if self.discipline.may_retry_again(&error.code) {
            self.schedule_retry(error);
        } else {
            self.log(
                Level::Error,
                format!(
                    "stopped after {} failures in a row: {}",
                    policy::FEW_RETRIES,
                    error.message
                ),
            );
            self.set_lifecycle(Lifecycle::Failed { error });
        }
    }

    /// On the listener tick: a session up for the stable period starts the backoff over.
    pub(super) fn settle(&mut self) {
        if self.state.lifecycle == Lifecycle::Connected && self.discipline.settle(Instant::now()) {
            self.publish();
        }
    }

    pub(super) fn schedule_retry(&mut self, error: ErrorBody) {
        let delay = self.discipline.next_retry(Instant::now());
        self.next_attempt = Some(Instant::now() + delay);
        self.set_lifecycle(Lifecycle::Backoff {
            attempt: self.discipline.step(),
            retry_in_ms: delay.as_millis() as u64,
            error,
        });
    }
}
