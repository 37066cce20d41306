//! The connect budget shared by every Gateway Doctor process (connect_record.rs), and the wait it imposes.

use gateway_proto::{ErrorBody, ErrorCode, Level};
use tokio::time::{Duration, Instant};

use super::Actor;
use crate::supervisor::ConnectRecordError;
use crate::supervisor::state::Lifecycle;

impl Actor {
    /// Checks the budget shared by every Gateway Doctor process and, when a connect fits, records it as
    /// sent. `Some(wait)`: other processes' connects (with ours) spent it for now. A record that cannot be
    /// used leaves this process's own budget (already checked) as the only one, said once in the log.
    pub(super) fn take_shared_budget(&mut self) -> Option<Duration> {
        let record = self.connect_record.as_ref()?;
        match record.take(
            &self.latch_key(),
            &self.options.connect_budget,
            crate::now_ms(),
        ) {
            Ok(wait) if wait.is_zero() => None,
            Ok(wait) => Some(wait),
            // Said each time (rare): the next connect records to a new file.
            Err(e @ ConnectRecordError::SetAside { .. }) => {
                self.log(Level::Warn, e.to_string());
                None
            }
            Err(e) => {
                if !self.record_failed {
                    self.record_failed = true;
                    self.log(Level::Warn,
                        format!(
                            "{e}: the connect budget counts only this program's connects, not those \
                             of other Gateway Doctor programs"
                        ),
                    );
                }
                None
            }
        }
    }

    /// The connect budget is spent for now: the attempt waits, shown as a backoff with the wait.
    pub(super) fn wait_for_budget(&mut self, wait: Duration) {
        self.next_attempt = Some(Instant::now() + wait);
        let code = match &self.state.lifecycle {
            Lifecycle::Backoff { error, .. } | Lifecycle::Failed { error } => error.code.clone(),
            _ => ErrorCode::NotConnected,
        };
        let [(short, short_limit), (long, long_limit)] = self.options.connect_budget;
        let message = format!(
            "Waiting {:.0} s before connecting again: Gateway Doctor connects at most {short_limit} times in {} s \
             and {long_limit} times in {} minutes, so as not to overload IB Gateway.",
            wait.as_secs_f64().ceil(),
            short.as_secs(),
            long.as_secs() / 60
        );
        self.log(Level::Warn, message.clone());
        self.state.lifecycle = Lifecycle::Backoff {
            attempt: self.discipline.step(),
            retry_in_ms: wait.as_millis() as u64,
            error: ErrorBody::new(code, message),
        };
        self.state.waiting_for_budget = true;
        self.publish();
    }
}
