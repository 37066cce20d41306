//! The worker's end: it exited, missed a deadline (killed and replaced), or is ended on purpose; every
//! request left unanswered gets an answer, and a wanted session is retried.

use gateway_proto::{ErrorBody, ErrorCode, Level, SessionState};
use tokio::time::{Duration, Instant};

use super::{Actor, Pending, internal};
use crate::supervisor::state::Lifecycle;

impl Actor {
    /// The worker's stdout closed (or cannot be read): it exited or is exiting. It gets `stop_grace` to
    /// finish, then it is killed; the actor never waits on it longer.
    pub(super) async fn worker_exited(&mut self) {
        let Some(worker) = self.worker.take() else {
            return;
        };
        let pid = worker.pid;
        let status = worker.reap(self.options.stop_grace).await;
        self.log(
            Level::Warn,
            format!("worker (pid {pid}) exited: {status:?}"),
        );
        self.worker_gone(internal(
            "The worker stopped unexpectedly; starting a new one.".into(),
        ));
    }

    /// A request to the worker went unanswered past its deadline: the worker is hung (or stopped). It is
    /// killed and, if a session is wanted, replaced through the usual retry.
    pub(super) async fn worker_overdue(&mut self) {
        let now = Instant::now();
        let Some(what) = self
            .due
            .iter()
            .find(|(id, (at, _))| *at <= now && self.pending.contains_key(id))
            .map(|(_, (_, what))| *what)
        else {
            return;
        };
        self.replace_unresponsive(what).await;
    }

    /// Kills the worker that did not answer (or read) `what` in time; counted, logged, published.
    pub(super) async fn replace_unresponsive(&mut self, what: &str) {
        let Some(worker) = self.worker.take() else {
            return;
        };
        let pid = worker.pid;
        self.state.workers_replaced += 1;
        self.log(Level::Error,
            format!("the worker (pid {pid}) did not answer '{what}' in time: ending it and starting a new one"),
        );
        let status = worker.kill().await;
        self.log(Level::Info, format!("worker (pid {pid}) ended: {status:?}"));
        self.worker_gone(unresponsive());
    }

    /// After the worker ended by itself or was killed: answer what it left unanswered, and retry if a
    /// session is wanted.
    pub(super) fn worker_gone(&mut self, error: ErrorBody) {
        self.state.worker_pid = None;
        self.state.worker.session = SessionState::Disconnected;
        self.due.clear();
        if matches!(
            self.state.lifecycle,
            Lifecycle::Connected | Lifecycle::Unresponsive
        ) {
            // Our end, not the Gateway's: the step keeps growing if it was short, no drop is counted.
            self.discipline.session_ended(Instant::now(), false);
        }
        for (_, pending) in self.pending.drain() {
            if let Pending::Forward(reply) = pending {
                let _ = reply.send(Err(error.clone()));
            }
        }
        if self.wanted
            && !matches!(
                self.state.lifecycle,
                Lifecycle::Latched { .. } | Lifecycle::Failed { .. }
            )
        {
            self.retry_a_few_times(error);
        } else {
            self.publish();
        }
    }

    /// `id` must be answered within `within`.
    pub(super) fn expect_answer(&mut self, id: u64, what: &'static str, within: Duration) {
        self.due.insert(id, (Instant::now() + within, what));
    }

    /// The earliest deadline of a request still unanswered (answered ones are dropped here).
    pub(super) fn next_due(&mut self) -> Option<Instant> {
        let pending = &self.pending;
        self.due.retain(|id, _| pending.contains_key(id));
        self.due.values().map(|(at, _)| *at).min()
    }

    pub(super) async fn end_worker(&mut self) {
        if let Some(worker) = self.worker.take() {
            let pid = worker.pid;
            let status = worker.stop(self.options.stop_grace).await;
            self.log(Level::Info, format!("worker (pid {pid}) ended: {status:?}"));
        }
        self.pending.clear();
        self.due.clear();
        self.state.worker_pid = None;
        self.state.worker.session = SessionState::Disconnected;
    }
}

pub(super) fn unresponsive() -> ErrorBody {
    ErrorBody::new(
        ErrorCode::WorkerUnresponsive,
        "Gateway Doctor's connection helper stopped answering, so it was restarted.",
    )
}
