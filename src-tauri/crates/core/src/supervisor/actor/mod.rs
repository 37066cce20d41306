//! The supervisor's actor: one task that owns the worker process and every decision about connecting.
//!
//! It waits on four things at once: a command from a handle, a line from the worker, the time of the next
//! connect attempt, and the tick that looks at the Gateway's listening socket. Attempts are scheduled, never
//! looped: each failure schedules at most one next attempt after a backoff step. Handshake timeouts are
//! counted here, across worker restarts, so the guardrail survives a crashed worker; once it trips nothing is
//! attempted until the user resets it or the Gateway is seen restarted (a new listening socket on the port),
//! and then exactly one attempt follows a short cool-down.
//!
//! Nothing here waits on the worker without a limit: every request sent to it has a deadline (see
//! `due`), and a worker that lets one pass is killed and replaced; a worker whose stdout closed gets
//! `stop_grace` to exit before it is killed. The latch is also kept on disk (latch_file.rs) when the
//! options name a file, so it holds across restarts of the app and the CLI.
//!
//! What each failure leads to, when the backoff starts over and the connect budget are decided in
//! `policy` (a table and its counters); a 326 hands over to `client_id_wait`, which watches for the holder
//! of our client id to leave. Every connect, whoever asked for it, goes through [`Actor::attempt`], where
//! the budget is applied: this process's own (in memory) and, when a latch file is used, the one shared
//! by every Gateway Doctor process (connect_record.rs, beside the latch file).
//!
//! The actor's methods are split by job: `outcome` (what a connect answer or a session end leads to),
//! `client_id` (waiting for the holder of our client id), `guardrail` (the latch, in memory and on disk,
//! and a Gateway restart), `budget` (the connect budget shared with other processes) and `worker` (the
//! worker's end, deadlines and replacement). This file holds the state, the loop and the commands.

mod budget;
mod client_id;
mod guardrail;
mod outcome;
mod worker;

use worker::unresponsive;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use gateway_proto::{ErrorBody, ErrorCode, Event};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Instant, sleep_until};

use super::backoff::Jitter;
use super::client_id_wait::HolderWatch;
use super::connect_record::ConnectRecord;
use super::handle::{Applied, SupervisorOptions};
use super::latch_file::LatchFile;
use super::log::{LogLine, LogSink};
use super::policy::Discipline;
use super::state::{Lifecycle, Offered, SupervisorState};
use super::worker_process::{WorkerLine, WorkerProcess};
use crate::config::Config;

type Reply = oneshot::Sender<Result<Value, ErrorBody>>;

pub(crate) enum Cmd {
    Connect,
    Reset,
    Stop(oneshot::Sender<()>),
    Request(&'static str, Reply),
    LatchFile(Option<PathBuf>, oneshot::Sender<()>),
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
    /// The backoff step, the stable period, the drop and retry counters, the connect budget.
    discipline: Discipline,
    /// After a 326: the connections that may be the holder of our client id.
    holder_watch: Option<HolderWatch>,
    /// The Gateway's listening socket as last seen (its inode), to notice a restart.
    listener: Option<u64>,
    /// When each request sent to the current worker must be answered, and what it was (for the log).
    /// Entries whose request was answered are dropped lazily (see `next_due`).
    due: HashMap<u64, (Instant, &'static str)>,
    /// The guardrail on disk, when the options name a file.
    latch_file: Option<LatchFile>,
    /// The connect budget shared with every other Gateway Doctor process, beside the latch file.
    connect_record: Option<ConnectRecord>,
    /// The record could not be used and that was logged (once: the in-memory budget holds meanwhile).
    record_failed: bool,
    /// The guardrail was lifted for one attempt (a Gateway restart, the user's reset): the latch message
    /// then says that this one attempt failed too.
    after_restart: bool,
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
        let jitter = options
            .jitter_seed
            .map_or_else(Jitter::from_entropy, Jitter::new);
        let discipline = Discipline::new(
            options.backoff,
            options.config.stable_after(),
            jitter,
            options.connect_budget,
        );
        let actor = Actor {
            options,
            log,
            state,
            publish,
            worker: None,
            pending: HashMap::new(),
            wanted: false,
            next_attempt: None,
            discipline,
            holder_watch: None,
            listener: None,
            due: HashMap::new(),
            latch_file: None,
            connect_record: None,
            record_failed: false,
            after_restart: false,
            pending_config: None,
            has_pending,
        };
        (actor, receiver)
    }

    pub async fn run(mut self, mut inbox: mpsc::Receiver<Cmd>) {
        self.use_latch_file(self.options.latch_path.clone());
        self.load_latch();
        let mut listener_tick = tokio::time::interval(self.options.listener_poll);
        listener_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let attempt_at = self.next_attempt;
            let overdue_at = self.next_due();
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
                _ = sleep_until(overdue_at.unwrap_or_else(Instant::now)), if overdue_at.is_some() => {
                    self.worker_overdue().await;
                }
                _ = listener_tick.tick() => {
                    self.check_listener().await;
                    self.watch_client_id_holder();
                    self.settle();
                }
            }
        }
    }

    async fn command(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Connect => {
                self.wanted = true;
                self.state.stopped_by_user = false;
                if self.waiting_to_retry() {
                    // Reconnect during a wait: try now. `attempt` still applies the connect budget (a spent
                    // one becomes a wait that says when the next try can go) and the absent-listener check.
                    self.log("info", "reconnect asked for during a wait: trying now");
                    self.next_attempt = Some(Instant::now());
                    return;
                }
                if matches!(
                    self.state.lifecycle,
                    Lifecycle::Idle | Lifecycle::Failed { .. }
                ) {
                    // Another run (the app, the CLI) may have tripped the guardrail since.
                    self.load_latch();
                }
                if matches!(
                    self.state.lifecycle,
                    Lifecycle::Idle | Lifecycle::Failed { .. }
                ) {
                    self.discipline.restart_counting();
                    self.stop_watching_client_id();
                    self.next_attempt = Some(Instant::now());
                }
            }
            Cmd::Reset => {
                self.log("info", "guardrail reset by the user: one new attempt");
                self.clear_latch().await;
                self.wanted = true;
                self.state.stopped_by_user = false;
                self.next_attempt = Some(Instant::now());
            }
            Cmd::Stop(done) => {
                // Every wait ends with the wish for a session: the retry timer, the wait for the holder of
                // our client id, and (through `wanted`) the wait for the Gateway to listen again.
                let was_idle = self.state.lifecycle == Lifecycle::Idle;
                self.wanted = false;
                self.next_attempt = None;
                self.stop_watching_client_id();
                self.end_worker().await;
                self.apply_pending().await;
                if !was_idle {
                    self.log(
                        "info",
                        "session stopped by the user: nothing more is sent to the Gateway",
                    );
                    self.state.stopped_by_user = true;
                }
                self.set_lifecycle(Lifecycle::Idle);
                let _ = done.send(());
            }
            Cmd::Request(command, reply) => match self.worker.as_mut() {
                Some(worker) => match worker.send(command).await {
                    Ok(id) => {
                        self.pending.insert(id, Pending::Forward(reply));
                        self.expect_answer(id, command, self.options.request_timeout);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                        let _ = reply.send(Err(unresponsive()));
                        self.replace_unresponsive(command).await;
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
                // The new target's guardrail, if one was kept for it.
                self.load_latch();
                let _ = done.send(Applied::Now);
            }
            Cmd::LatchFile(path, done) => {
                self.use_latch_file(path);
                if matches!(self.state.lifecycle, Lifecycle::Idle) {
                    self.load_latch();
                }
                let _ = done.send(());
            }
            Cmd::Shutdown(_) => {}
        }
    }

    /// Uses `config` from now on. The timeout count and the backoff were about the old target.
    fn use_config(&mut self, config: Config) {
        self.state.max_timeouts = config.max_timeouts();
        self.state.timeouts_in_a_row = 0;
        self.discipline.restart_counting();
        self.discipline.set_stable_after(config.stable_after());
        self.stop_watching_client_id();
        // The new port's listener as it is now, so it is not taken for a Gateway restart.
        self.listener = crate::sockets::scan_listener(config.port())
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
    /// settings) ends without an API disconnect, and the next worker gets the new ones. `true` when there
    /// were any.
    async fn apply_pending(&mut self) -> bool {
        let Some(config) = self.pending_config.take() else {
            return false;
        };
        self.end_worker().await;
        self.use_config(*config);
        self.has_pending.store(false, Ordering::Relaxed);
        true
    }

    /// One connect attempt: start a worker if there is none, and ask it to connect.
    async fn attempt(&mut self) {
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
                    self.log("info", format!("worker started (pid {})", worker.pid));
                    self.state.worker_pid = Some(worker.pid);
                    self.state.worker_starts += 1;
                    self.worker = Some(worker);
                }
                Err(e) => {
                    self.log("error", e.to_string());
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
            Err(e) => self.log("warn", format!("cannot send connect to the worker: {e}")),
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
            WorkerLine::NotUtf8(text) => self.log(
                "warn",
                format!("a line from the worker that is not UTF-8 was skipped: {text}"),
            ),
        }
    }

    fn set_lifecycle(&mut self, lifecycle: Lifecycle) {
        if lifecycle == Lifecycle::Connected {
            self.after_restart = false;
        }
        self.state.waiting_for_budget = false;
        self.state.lifecycle = lifecycle;
        self.publish();
    }

    /// A retry is scheduled: a backoff, the connect budget's wait, the cool-down after a Gateway restart,
    /// the wait for the Gateway to listen again. (A failure, the wait for the holder of our client id
    /// included, is left as Connect from Failed: a fresh start.)
    fn waiting_to_retry(&self) -> bool {
        matches!(self.state.lifecycle, Lifecycle::Backoff { .. })
    }

    fn publish(&mut self) {
        self.state.changed_at_ms = crate::now_ms();
        self.state.offered =
            Offered::for_state(&self.state.lifecycle, self.state.client_id_wait.is_some());
        self.state.short_sessions_in_a_row = self.discipline.short_sessions_in_a_row();
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
