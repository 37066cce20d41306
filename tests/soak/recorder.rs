//! Every state the supervisor publishes, seen as it is published (a task on its `watch` channel): counts
//! the lifecycle transitions and the errors it backed off on, and checks the attempt rate.
//!
//! The rate check: the supervisor schedules each attempt at least one backoff step (or the cool-down after
//! a Gateway restart) after the previous one failed, so attempts are at least `min_gap` apart. Two
//! observations `dt` apart may then differ by at most `dt / min_gap + 1` attempts. A `watch` may skip
//! states, but this bound needs only the two observations it compares, so nothing skipped can hide a burst.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use gateway_core::supervisor::{Lifecycle, Supervisor, SupervisorState};

#[derive(Debug, Default)]
pub struct Recorded {
    pub observations: u64,
    /// Entries into each lifecycle phase.
    pub transitions: BTreeMap<&'static str, u64>,
    /// Backoff steps by the error code they waited on.
    pub backoff_errors: BTreeMap<String, u64>,
    /// The most attempts seen between two consecutive observations.
    pub max_attempts_between: u64,
    /// What broke a rule, for the monitor to fail on.
    pub violations: Vec<String>,
    last: Option<(Instant, u64, &'static str, u32)>,
}

/// Records on the current tokio runtime until the supervisor stops.
pub fn start(supervisor: &Supervisor, min_gap: Duration) -> Arc<Mutex<Recorded>> {
    let recorded = Arc::new(Mutex::new(Recorded::default()));
    let shared = recorded.clone();
    let mut watch = supervisor.watch();
    tokio::spawn(async move {
        loop {
            let state = watch.borrow_and_update().clone();
            lock(&shared).observe(Instant::now(), &state, min_gap);
            if watch.changed().await.is_err() {
                return;
            }
        }
    });
    recorded
}

pub fn lock(recorded: &Mutex<Recorded>) -> MutexGuard<'_, Recorded> {
    recorded.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Recorded {
    fn observe(&mut self, now: Instant, state: &SupervisorState, min_gap: Duration) {
        self.observations += 1;
        let name = state.lifecycle.phase();
        let backoff_attempt = match &state.lifecycle {
            Lifecycle::Backoff { attempt, .. } => *attempt,
            _ => 0,
        };
        let (changed_phase, new_backoff_step) = match self.last {
            Some((then, attempts, last_name, last_backoff)) => {
                let more = state.connect_attempts.saturating_sub(attempts);
                self.max_attempts_between = self.max_attempts_between.max(more);
                let dt = now.duration_since(then);
                let allowed = (dt.as_secs_f64() / min_gap.as_secs_f64()).floor() as u64 + 1;
                if more > allowed {
                    self.violations.push(format!(
                        "{more} connect attempts within {dt:?}: more than one per backoff step \
                         ({min_gap:?} at least between attempts allows {allowed})"
                    ));
                }
                (
                    last_name != name,
                    backoff_attempt != 0 && backoff_attempt != last_backoff,
                )
            }
            None => (true, backoff_attempt != 0),
        };
        if changed_phase {
            *self.transitions.entry(name).or_default() += 1;
        }
        if let Lifecycle::Backoff { error, .. } = &state.lifecycle
            && (changed_phase || new_backoff_step)
        {
            *self
                .backoff_errors
                .entry(error.code.as_str().to_string())
                .or_default() += 1;
        }
        // After a 326 the supervisor waits for the holder to leave (Failed with client_id_wait): not giving up.
        if let Lifecycle::Failed { error } = &state.lifecycle
            && state.client_id_wait.is_none()
        {
            self.violations.push(format!(
                "the supervisor gave up (Failed): {}",
                error.message
            ));
        }
        self.last = Some((now, state.connect_attempts, name, backoff_attempt));
    }

    pub fn transitions_total(&self) -> u64 {
        self.transitions.values().sum()
    }
}
