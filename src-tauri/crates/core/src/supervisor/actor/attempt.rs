//! One connect attempt, where every connect goes through: the guardrail, the wait for a listener, this
//! process's budget and the shared one, checked in that order right before the connect is sent.

use gateway_proto::{ErrorBody, ErrorCode, Level};
use tokio::time::Instant;

use super::{Actor, Pending};
use crate::supervisor::state::Lifecycle;
use crate::supervisor::worker_process::WorkerProcess;

impl Actor {
    /// One connect attempt: start a worker if there is none, and ask it to connect.
    pub(super) async fn attempt(&mut self) {
        if !self.wanted || matches!(self.state.lifecycle, Lifecycle::Latched { .. }) {
            return;
        }
        // A session is up or a connect is running (a Reset click during one): nothing to send, and nothing
        // to spend the connect budget on.
        if matches!(
            self.state.lifecycle,
            Lifecycle::Connected | Lifecycle::Unresponsive
        ) || self.pending.values().any(|p| matches!(p, Pending::Connect))
        {
            return;
        }
        if self.apply_pending().await {
            // The new target may have a guardrail kept for it.
            self.load_latch();
            if matches!(self.state.lifecycle, Lifecycle::Latched { .. }) {
                return;
            }
        }
        if self.worker.is_none() {
            let env = self.options.config.worker_env();
            match WorkerProcess::spawn(&self.options.worker_bin, &env, &self.log) {
                Ok(worker) => {
                    self.log(Level::Info, format!("worker started (pid {})", worker.pid));
                    self.state.worker_pid = Some(worker.pid);
                    self.state.worker_starts += 1;
                    self.worker = Some(worker);
                }
                Err(e) => {
                    self.log(Level::Error, e.to_string());
                    return self.set_lifecycle(Lifecycle::Failed { error: e.into() });
                }
            }
        }
        if self.nothing_listens() {
            // No Gateway to connect to: no connect is spent (the budget is kept for when it is back, and a
            // restart that keeps the port closed for minutes would otherwise use it up); the listener poll
            // sees it come back and asks for one attempt at once (check_listener).
            let port = self.options.config.port();
            return self.schedule_retry(ErrorBody::new(
                ErrorCode::ConnectionRefused,
                format!(
                    "Nothing is listening on port {port}: IB Gateway is not running, or its API uses another \
                     port. Gateway Doctor connects as soon as it listens."
                ),
            ));
        }
        let wait = self.discipline.budget_wait(Instant::now());
        if !wait.is_zero() {
            return self.wait_for_budget(wait);
        }
        // Last, right before the connect: the shared budget records it as sent when it fits.
        if let Some(wait) = self.take_shared_budget() {
            return self.wait_for_budget(wait);
        }
        let Some(worker) = self.worker.as_mut() else {
            return;
        };
        match worker.send("connect").await {
            Ok(id) => {
                self.pending.insert(id, Pending::Connect);
                self.expect_answer(id, "connect", self.options.connect_deadline());
                self.discipline.connect_sent(Instant::now());
                self.state.connect_attempts += 1;
                self.set_lifecycle(Lifecycle::Connecting {
                    attempt: self.discipline.step() + 1,
                });
            }
            Err(e) => self.log(
                Level::Warn,
                format!("cannot send connect to the worker: {e}"),
            ),
        }
    }

    /// The Gateway is on this computer and nothing listens on its port (seen in the socket table). A
    /// Gateway on another machine, or a table that cannot be read, is never taken for absent.
    fn nothing_listens(&self) -> bool {
        let host = self.options.config.host();
        let local = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        local
            && crate::sockets::scan_listener(self.options.config.port())
                .is_ok_and(|q| q.listeners == 0)
    }
}
