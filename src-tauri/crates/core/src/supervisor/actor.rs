//! The supervisor's actor: one task that owns the worker process and every decision about connecting.
//!
//! It waits on four things at once: a command from a handle, a line from the worker, the time of the next
//! connect attempt, and the tick that looks at the Gateway's listening socket. Attempts are scheduled, never
//! looped: each failure schedules at most one next attempt after a backoff step. Handshake timeouts are
//! counted here, across worker restarts, so the guardrail survives a crashed worker; once it trips nothing is
//! attempted until the user resets it or the Gateway is seen restarted (a new listening socket on the port),
//! and then exactly one attempt follows a short cool-down.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use gateway_proto::{ErrorBody, ErrorCode, Event, SessionState};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Instant, sleep_until};

use super::handle::{Applied, SupervisorError, SupervisorOptions};
use super::log::{LogLine, LogSink};
use super::state::{Lifecycle, SupervisorState};
use super::worker_process::{WorkerLine, WorkerProcess};
use crate::config::Config;

type Reply = oneshot::Sender<Result<Value, ErrorBody>>;

pub(crate) enum Cmd {
    Connect,
    Reset,
    Stop(oneshot::Sender<()>),
    Request(&'static str, Reply),
    /// New settings; `keep_session`: a healthy session keeps running and they wait for the next connect.
    Reconfigure {
        config: Box<Config>,
        keep_session: bool,
        done: oneshot::Sender<Applied>,
    },
    Shutdown(oneshot::Sender<()>),
}

/// What a worker response answers.
enum Pending {
    Connect,
    Reset,
    Forward(Reply),
}

pub(crate) struct Actor {
    options: SupervisorOptions,
    log: LogSink,
    state: SupervisorState,
    publish: watch::Sender<SupervisorState>,
    worker: Option<WorkerProcess>,
    pending: HashMap<u64, Pending>,
    /// The user wants a session.
    wanted: bool,
    next_attempt: Option<Instant>,
    backoff_step: u32,
    /// The Gateway's listening socket as last seen (its inode), to notice a restart.
    listener: Option<u64>,
    /// Settings saved while a session was healthy: used from the next connect on (see `apply_pending`).
    pending_config: Option<Box<Config>>,
    /// Whether `pending_config` is set, for the handle (the app says "applies at the next connect").
    has_pending: Arc<AtomicBool>,
}

impl Actor {
    pub fn new(
        options: SupervisorOptions,
        log: LogSink,
        has_pending: Arc<AtomicBool>,
    ) -> (Actor, watch::Receiver<SupervisorState>) {
        let state = SupervisorState::new(options.config.max_timeouts());
        let (publish, receiver) = watch::channel(state.clone());
        let actor = Actor {
            options,
            log,
            state,
            publish,
            worker: None,
            pending: HashMap::new(),
            wanted: false,
            next_attempt: None,
            backoff_step: 0,
            listener: None,
            pending_config: None,
            has_pending,
        };
        (actor, receiver)
    }

    pub async fn run(mut self, mut inbox: mpsc::Receiver<Cmd>) {
        let mut listener_tick = tokio::time::interval(self.options.listener_poll);
        listener_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let attempt_at = self.next_attempt;
            tokio::select! {
                cmd = inbox.recv() => match cmd {
                    Some(Cmd::Shutdown(done)) => { self.end_worker().await; let _ = done.send(()); return; }
                    Some(cmd) => self.command(cmd).await,
                    None => { self.end_worker().await; return; }
                },
                line = next_line(&mut self.worker) => match line {
                    Some(line) => self.worker_line(line),
                    None => self.worker_exited().await,
                },
                _ = sleep_until(attempt_at.unwrap_or_else(Instant::now)), if attempt_at.is_some() => {
                    self.next_attempt = None;
                    self.attempt().await;
                }
                _ = listener_tick.tick() => self.check_listener().await,
            }
        }
    }

    async fn command(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Connect => {
                self.wanted = true;
                if matches!(
                    self.state.lifecycle,
                    Lifecycle::Idle | Lifecycle::Failed { .. }
                ) {
                    self.backoff_step = 0;
                    self.next_attempt = Some(Instant::now());
                }
            }
            Cmd::Reset => {
                self.log("info", "guardrail reset by the user: one new attempt");
                self.clear_latch().await;
                self.wanted = true;
                self.next_attempt = Some(Instant::now());
            }
            Cmd::Stop(done) => {
                self.wanted = false;
                self.next_attempt = None;
                self.end_worker().await;
                self.apply_pending().await;
                self.set_lifecycle(Lifecycle::Idle);
                let _ = done.send(());
            }
            Cmd::Request(command, reply) => match self.worker.as_mut() {
                Some(worker) => match worker.send(command).await {
                    Ok(id) => {
                        self.pending.insert(id, Pending::Forward(reply));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(internal(format!("cannot reach the worker: {e}"))));
                    }
                },
                None => {
                    let _ = reply.send(Err(ErrorBody::new(
                        ErrorCode::NotConnected,
                        "No session: click Connect first.",
                    )));
                }
            },
            Cmd::Reconfigure {
                config,
                keep_session,
                done,
            } => {
                // A healthy session is not dropped for a saved setting: ending it and connecting again at
                // once is the quick close/reconnect that wears the Gateway's API layer down.
                if keep_session
                    && self.worker.is_some()
                    && self.state.lifecycle == Lifecycle::Connected
                {
                    self.log(
                        "info",
                        format!(
                            "settings saved: the session keeps running; {}:{} as client id {} applies at the next connect",
                            config.host(),
                            config.port(),
                            config.client_id()
                        ),
                    );
                    self.pending_config = Some(config);
                    self.has_pending.store(true, Ordering::Relaxed);
                    let _ = done.send(Applied::AtNextConnect);
                    return;
                }
                self.pending_config = None;
                self.has_pending.store(false, Ordering::Relaxed);
                self.wanted = false;
                self.next_attempt = None;
                self.end_worker().await;
                self.use_config(*config);
                self.set_lifecycle(Lifecycle::Idle);
                let _ = done.send(Applied::Now);
            }
            Cmd::Shutdown(_) => {}
        }
    }

    /// Uses `config` from now on. The timeout count and the backoff were about the old target.
    fn use_config(&mut self, config: Config) {
        self.state.max_timeouts = config.max_timeouts();
        self.state.timeouts_in_a_row = 0;
        self.backoff_step = 0;
        // The new port's listener as it is now, so it is not taken for a Gateway restart.
        self.listener = crate::sockets::scan_quick(config.port())
            .ok()
            .and_then(|q| q.listener_inode);
        self.log(
            "info",
            format!(
                "settings changed: the session now goes to {}:{} as client id {}",
                config.host(),
                config.port(),
                config.client_id()
            ),
        );
        self.options.config = config;
    }

    /// Settings saved during a healthy session take effect now: the old worker (started with the old
    /// settings) ends without an API disconnect, and the next worker gets the new ones.
    async fn apply_pending(&mut self) {
        if let Some(config) = self.pending_config.take() {
            self.end_worker().await;
            self.use_config(*config);
            self.has_pending.store(false, Ordering::Relaxed);
        }
    }

    /// One connect attempt: start a worker if there is none, and ask it to connect.
    async fn attempt(&mut self) {
        if !self.wanted || matches!(self.state.lifecycle, Lifecycle::Latched { .. }) {
            return;
        }
        self.apply_pending().await;
        if self.worker.is_none() {
            let env = self.options.config.worker_env();
            match WorkerProcess::spawn(&self.options.worker_bin, &env, &self.log) {
                Ok(worker) => {
                    self.log("info", format!("worker started (pid {})", worker.pid));
                    self.state.worker_pid = Some(worker.pid);
                    self.state.worker_starts += 1;
                    self.worker = Some(worker);
                }
                Err(e) => {
                    let code = e.code();
                    self.log("error", e.to_string());
                    return self.set_lifecycle(Lifecycle::Failed {
                        error: ErrorBody::new(parse_code(code), e.to_string()),
                    });
                }
            }
        }
        let Some(worker) = self.worker.as_mut() else {
            return;
        };
        match worker.send("connect").await {
            Ok(id) => {
                self.pending.insert(id, Pending::Connect);
                self.state.connect_attempts += 1;
                self.set_lifecycle(Lifecycle::Connecting {
                    attempt: self.backoff_step + 1,
                });
            }
            Err(e) => self.log("warn", format!("cannot send connect to the worker: {e}")),
        }
    }

    fn worker_line(&mut self, line: WorkerLine) {
        match line {
            WorkerLine::Response { id, result } => match self.pending.remove(&id) {
                Some(Pending::Connect) => self.connect_answered(result),
                Some(Pending::Forward(reply)) => {
                    let _ = reply.send(result);
                }
                Some(Pending::Reset) | None => {}
            },
            WorkerLine::Event(Event::State(status)) => {
                let session = status.session;
                self.state.worker = *status;
                self.session_changed(session);
                self.publish();
            }
            WorkerLine::Event(Event::Notice(notice)) => {
                self.log(
                    "info",
                    format!("IB notice {}: {}", notice.code, notice.message),
                );
            }
            WorkerLine::Unexpected(text) => {
                self.log("warn", format!("unexpected line from the worker: {text}"))
            }
        }
    }

    fn connect_answered(&mut self, result: Result<Value, ErrorBody>) {
        let error = match result {
            Ok(_) => {
                self.backoff_step = 0;
                self.state.timeouts_in_a_row = 0;
                self.log("info", "connected");
                return self.set_lifecycle(Lifecycle::Connected);
            }
            Err(error) => error,
        };
        self.log(
            "warn",
            format!(
                "connect failed: {} ({})",
                error.message,
                error.code.as_str()
            ),
        );
        match error.code {
            ErrorCode::AlreadyConnected => self.set_lifecycle(Lifecycle::Connected),
            ErrorCode::HandshakeTimeout => {
                self.state.timeouts_in_a_row += 1;
                if self.state.timeouts_in_a_row >= self.state.max_timeouts {
                    self.latch(error);
                } else {
                    self.schedule_retry(error);
                }
            }
            ErrorCode::GatewayUnresponsive => self.latch(error),
            ErrorCode::GatewayTooOld
            | ErrorCode::BadRequest
            | ErrorCode::ForceDisconnectRequired
            | ErrorCode::Internal => self.set_lifecycle(Lifecycle::Failed { error }),
            _ => self.schedule_retry(error),
        }
    }

    /// The worker's session changed on its own (heartbeat misses, a dropped socket).
    fn session_changed(&mut self, session: SessionState) {
        let waiting_for_connect = self.pending.values().any(|p| matches!(p, Pending::Connect));
        match (session, &self.state.lifecycle) {
            (SessionState::Unresponsive, Lifecycle::Connected) => {
                self.log(
                    "warn",
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
                self.backoff_step = 0;
                self.schedule_retry(error);
            }
            _ => {}
        }
    }

    async fn worker_exited(&mut self) {
        let Some(mut worker) = self.worker.take() else {
            return;
        };
        let status = worker.wait().await;
        self.log(
            "warn",
            format!("worker (pid {}) exited: {status:?}", worker.pid),
        );
        self.state.worker_pid = None;
        self.state.worker.session = SessionState::Disconnected;
        for (_, pending) in self.pending.drain() {
            if let Pending::Forward(reply) = pending {
                let _ = reply.send(Err(internal("the worker exited before answering".into())));
            }
        }
        if self.wanted
            && !matches!(
                self.state.lifecycle,
                Lifecycle::Latched { .. } | Lifecycle::Failed { .. }
            )
        {
            self.schedule_retry(internal(
                "The worker stopped unexpectedly; starting a new one.".into(),
            ));
        } else {
            self.publish();
        }
    }

    /// Looks at the Gateway's listening socket; a new one means the Gateway restarted.
    async fn check_listener(&mut self) {
        let Ok(quick) = crate::sockets::scan_quick(self.options.config.port()) else {
            return;
        };
        let now = quick.listener_inode;
        let before = std::mem::replace(&mut self.listener, now);
        let restarted = match (before, now) {
            (Some(a), Some(b)) => a != b,
            (None, Some(_)) => true,
            _ => false,
        };
        if !restarted || !self.wanted {
            return;
        }
        match &self.state.lifecycle {
            Lifecycle::Latched { .. } | Lifecycle::Backoff { .. } => {
                self.state.gateway_restarts_seen += 1;
                self.log(
                    "info",
                    "the Gateway is listening again: one attempt after a short cool-down",
                );
                self.state.timeouts_in_a_row = 0;
                if let Lifecycle::Latched { error } = &self.state.lifecycle {
                    let error = error.clone();
                    self.set_lifecycle(Lifecycle::Backoff {
                        attempt: 1,
                        retry_in_ms: self.options.cool_down.as_millis() as u64,
                        error,
                    });
                }
                self.backoff_step = 0;
                self.next_attempt = Some(Instant::now() + self.options.cool_down);
                // The worker's own latch too; its answer needs no action.
                if let Some(worker) = self.worker.as_mut()
                    && let Ok(id) = worker.send("reset").await
                {
                    self.pending.insert(id, Pending::Reset);
                }
            }
            _ => {}
        }
    }

    async fn clear_latch(&mut self) {
        self.state.timeouts_in_a_row = 0;
        self.backoff_step = 0;
        if matches!(
            self.state.lifecycle,
            Lifecycle::Latched { .. } | Lifecycle::Failed { .. }
        ) {
            self.set_lifecycle(Lifecycle::Idle);
        }
        if let Some(worker) = self.worker.as_mut()
            && let Ok(id) = worker.send("reset").await
        {
            self.pending.insert(id, Pending::Reset);
        }
    }

    fn latch(&mut self, cause: ErrorBody) {
        self.next_attempt = None;
        let message = format!(
            "Gateway API layer is unresponsive: {} handshakes in a row got no answer, so Gateway Doctor stopped \
             trying. Restart IB Gateway: File -> Exit, start IB Gateway again, log in and approve the 2FA \
             prompt on your phone. Gateway Doctor reconnects by itself once it is back. (Last error: {})",
            self.state.timeouts_in_a_row.max(1),
            cause.message
        );
        self.log("error", message.clone());
        self.set_lifecycle(Lifecycle::Latched {
            error: ErrorBody::new(ErrorCode::GatewayUnresponsive, message),
        });
    }

    fn schedule_retry(&mut self, error: ErrorBody) {
        let delay = self.options.backoff.delay(self.backoff_step);
        self.backoff_step += 1;
        self.next_attempt = Some(Instant::now() + delay);
        self.set_lifecycle(Lifecycle::Backoff {
            attempt: self.backoff_step,
            retry_in_ms: delay.as_millis() as u64,
            error,
        });
    }

    async fn end_worker(&mut self) {
        if let Some(worker) = self.worker.take() {
            let pid = worker.pid;
            let status = worker.stop(self.options.stop_grace).await;
            self.log("info", format!("worker (pid {pid}) ended: {status:?}"));
        }
        self.pending.clear();
        self.state.worker_pid = None;
        self.state.worker.session = SessionState::Disconnected;
    }

    fn set_lifecycle(&mut self, lifecycle: Lifecycle) {
        self.state.lifecycle = lifecycle;
        self.publish();
    }

    fn publish(&mut self) {
        self.state.changed_at_ms = crate::now_ms();
        self.publish.send_replace(self.state.clone());
    }

    fn log(&self, level: &str, message: impl Into<String>) {
        self.log.send(LogLine::supervisor(level, message));
    }
}

async fn next_line(worker: &mut Option<WorkerProcess>) -> Option<WorkerLine> {
    match worker {
        Some(worker) => worker.next_line().await,
        None => std::future::pending().await,
    }
}

fn internal(message: String) -> ErrorBody {
    ErrorBody::new(ErrorCode::Internal, message)
}

fn parse_code(code: &str) -> ErrorCode {
    ErrorCode::ALL
        .into_iter()
        .find(|c| c.as_str() == code)
        .unwrap_or(ErrorCode::Internal)
}

impl From<SupervisorError> for ErrorBody {
    fn from(e: SupervisorError) -> ErrorBody {
        ErrorBody::new(parse_code(e.code()), e.to_string())
    }
}
