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

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use gateway_proto::{ErrorBody, ErrorCode, Event, SessionState};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Duration, Instant, sleep_until};

use super::backoff::Jitter;
use super::client_id_wait::HolderWatch;
use super::connect_record::ConnectRecord;
use super::handle::{Applied, SupervisorOptions};
use super::latch_file::{LatchFile, LatchRecord};
use super::log::{LogLine, LogSink};
use super::policy::{self, Discipline, Reaction, SessionEnd};
use super::state::{Lifecycle, SupervisorState};
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
        let wait = self.discipline.budget_wait(Instant::now());
        if !wait.is_zero() {
            return self.wait_for_budget(wait);
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

    fn connect_answered(&mut self, result: Result<Value, ErrorBody>) {
        let error = match result {
            Ok(_) => {
                // The step is kept: only a session that stays up for the stable period resets it.
                self.discipline.connected(Instant::now());
                self.stop_watching_client_id();
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
        match policy::reaction(error.code) {
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
                let end = self.discipline.session_ended(Instant::now(), true);
                self.after_session_end(end, error);
            }
            _ => {}
        }
    }

    /// A session (or a connect the Gateway closed) ended: retry, or latch after too many short ones.
    fn after_session_end(&mut self, end: SessionEnd, error: ErrorBody) {
        match end {
            SessionEnd::TooManyShort { in_a_row } => {
                let error = self.drops_error(in_a_row, &error);
                self.latch(error);
            }
            SessionEnd::AfterStable | SessionEnd::Short { .. } => self.schedule_retry(error),
        }
    }

    /// Errors that retrying rarely fixes: a few tries, then a stop that says what happened.
    fn retry_a_few_times(&mut self, error: ErrorBody) {
        if self.discipline.may_retry_again(error.code) {
            self.schedule_retry(error);
        } else {
            self.log(
                "error",
                format!(
                    "stopped after {} failures in a row: {}",
                    policy::FEW_RETRIES,
                    error.message
                ),
            );
            self.set_lifecycle(Lifecycle::Failed { error });
        }
    }

    /// After a 326: no timer; note the connections to the port that may hold our id (not our worker's).
    fn wait_for_client_id(&mut self, error: ErrorBody) {
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
        self.log("warn", message.clone());
        self.holder_watch = Some(watch);
        self.state.client_id_wait = Some(published);
        self.set_lifecycle(Lifecycle::Failed {
            error: ErrorBody::new(ErrorCode::ClientIdInUse, message),
        });
    }

    fn stop_watching_client_id(&mut self) {
        self.holder_watch = None;
        self.state.client_id_wait = None;
    }

    /// On the listener tick: if a connection that may hold our client id is gone, one attempt.
    fn watch_client_id_holder(&mut self) {
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
            "info",
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

    /// On the listener tick: a session up for the stable period starts the backoff over.
    fn settle(&mut self) {
        if self.state.lifecycle == Lifecycle::Connected && self.discipline.settle(Instant::now()) {
            self.publish();
        }
    }

    /// The guardrail file at `path` (None: in memory only), and the shared connect record beside it.
    fn use_latch_file(&mut self, path: Option<PathBuf>) {
        self.connect_record = path.as_deref().map(ConnectRecord::beside);
        self.latch_file = path.map(LatchFile::new);
        self.record_failed = false;
    }

    /// Checks the budget shared by every Gateway Doctor process and, when a connect fits, records it as
    /// sent. `Some(wait)`: other processes' connects (with ours) spent it for now. A record that cannot be
    /// used leaves this process's own budget (already checked) as the only one, said once in the log.
    fn take_shared_budget(&mut self) -> Option<Duration> {
        let record = self.connect_record.as_ref()?;
        match record.take(
            &self.latch_key(),
            &self.options.connect_budget,
            crate::now_ms(),
        ) {
            Ok(wait) if wait.is_zero() => None,
            Ok(wait) => Some(wait),
            Err(e) => {
                if !self.record_failed {
                    self.record_failed = true;
                    self.log(
                        "warn",
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
    fn wait_for_budget(&mut self, wait: Duration) {
        self.next_attempt = Some(Instant::now() + wait);
        let code = match &self.state.lifecycle {
            Lifecycle::Backoff { error, .. } | Lifecycle::Failed { error } => error.code,
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
        self.log("warn", message.clone());
        self.set_lifecycle(Lifecycle::Backoff {
            attempt: self.discipline.step(),
            retry_in_ms: wait.as_millis() as u64,
            error: ErrorBody::new(code, message),
        });
    }

    /// The worker's stdout closed (or cannot be read): it exited or is exiting. It gets `stop_grace` to
    /// finish, then it is killed; the actor never waits on it longer.
    async fn worker_exited(&mut self) {
        let Some(worker) = self.worker.take() else {
            return;
        };
        let pid = worker.pid;
        let status = worker.reap(self.options.stop_grace).await;
        self.log("warn", format!("worker (pid {pid}) exited: {status:?}"));
        self.worker_gone(internal(
            "The worker stopped unexpectedly; starting a new one.".into(),
        ));
    }

    /// A request to the worker went unanswered past its deadline: the worker is hung (or stopped). It is
    /// killed and, if a session is wanted, replaced through the usual retry.
    async fn worker_overdue(&mut self) {
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
    async fn replace_unresponsive(&mut self, what: &str) {
        let Some(worker) = self.worker.take() else {
            return;
        };
        let pid = worker.pid;
        self.state.workers_replaced += 1;
        self.log(
            "error",
            format!("the worker (pid {pid}) did not answer '{what}' in time: ending it and starting a new one"),
        );
        let status = worker.kill().await;
        self.log("info", format!("worker (pid {pid}) ended: {status:?}"));
        self.worker_gone(unresponsive());
    }

    /// After the worker ended by itself or was killed: answer what it left unanswered, and retry if a
    /// session is wanted.
    fn worker_gone(&mut self, error: ErrorBody) {
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
    fn expect_answer(&mut self, id: u64, what: &'static str, within: Duration) {
        self.due.insert(id, (Instant::now() + within, what));
    }

    /// The earliest deadline of a request still unanswered (answered ones are dropped here).
    fn next_due(&mut self) -> Option<Instant> {
        let pending = &self.pending;
        self.due.retain(|id, _| pending.contains_key(id));
        self.due.values().map(|(at, _)| *at).min()
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
        if !restarted {
            return;
        }
        if !self.wanted {
            // A latch kept from an earlier run, nobody asking for a session: the Gateway it was about is gone.
            if matches!(self.state.lifecycle, Lifecycle::Latched { .. }) {
                self.log("info", "the Gateway restarted: the guardrail is cleared");
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
                    "info",
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

    async fn clear_latch(&mut self) {
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
    fn lift_for_one_attempt(&mut self) {
        self.forget_latch();
        self.state.timeouts_in_a_row = self.state.max_timeouts.saturating_sub(1);
        self.after_restart = true;
    }

    /// The worker's own latch too; its answer needs no action.
    async fn reset_worker_latch(&mut self) {
        if let Some(worker) = self.worker.as_mut()
            && let Ok(id) = worker.send("reset").await
        {
            self.pending.insert(id, Pending::Reset);
            self.expect_answer(id, "reset", self.options.request_timeout);
        }
    }

    /// Stops all attempts and publishes `error` (the guardrail's or the dropped sessions' message).
    fn latch(&mut self, error: ErrorBody) {
        self.next_attempt = None;
        self.log("error", error.message.clone());
        self.keep_latch(&error);
        self.set_lifecycle(Lifecycle::Latched { error });
    }

    fn guardrail_error(&self, cause: &ErrorBody) -> ErrorBody {
        let tries = if self.after_restart {
            "the one attempt after the Gateway restarted got no answer either".to_string()
        } else {
            format!(
                "{} handshakes in a row got no answer",
                self.state.timeouts_in_a_row.max(1)
            )
        };
        let message = format!(
            "Gateway API layer is unresponsive: {tries}, so Gateway Doctor stopped \
             trying. Restart IB Gateway: File -> Exit, start IB Gateway again, log in and approve the 2FA \
             prompt on your phone. Gateway Doctor reconnects by itself once it is back. (Last error: {})",
            cause.message
        );
        ErrorBody::new(ErrorCode::GatewayUnresponsive, message)
    }

    fn drops_error(&self, in_a_row: u32, cause: &ErrorBody) -> ErrorBody {
        let message = format!(
            "IB Gateway keeps dropping the connection: {in_a_row} sessions in a row ended within {:.0} s of \
             starting, so Gateway Doctor stopped reconnecting (connecting again and again can make it worse). \
             Restart IB Gateway: File -> Exit, start IB Gateway again, log in and approve the 2FA prompt on \
             your phone. Gateway Doctor reconnects by itself once it is back. (Last error: {})",
            self.options.config.stable_after().as_secs_f64(),
            cause.message
        );
        ErrorBody::new(ErrorCode::GatewayDropsSessions, message)
    }

    /// The latch file's key for the current target.
    fn latch_key(&self) -> String {
        LatchFile::key(&self.options.config.host(), self.options.config.port())
    }

    /// Writes the latch to disk with the Gateway listener it is about, as seen now.
    fn keep_latch(&mut self, error: &ErrorBody) {
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
                "warn",
                format!("{e}: the guardrail holds only until Gateway Doctor ends"),
            );
        }
    }

    /// Removes the current target's latch from disk.
    fn forget_latch(&mut self) {
        let Some(file) = &self.latch_file else {
            return;
        };
        if let Err(e) = file.remove(&self.latch_key()) {
            self.log("warn", e.to_string());
        }
    }

    /// Honours a latch kept on disk for the current target: latched again while the Gateway listener it saw
    /// is still the one on the port; a stale entry (the Gateway restarted since) is removed. Also notes the
    /// listener as it is now, so it is not taken for a restart.
    fn load_latch(&mut self) {
        self.listener = crate::sockets::scan_quick(self.options.config.port())
            .ok()
            .and_then(|q| q.listener_inode);
        let Some(file) = &self.latch_file else {
            return;
        };
        match file.get(&self.latch_key()) {
            Ok(None) => {}
            Ok(Some(record)) if record.listener_inode == self.listener => {
                self.log(
                    "warn",
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
                    "info",
                    "the Gateway restarted since the guardrail tripped: the guardrail is cleared",
                );
                self.forget_latch();
            }
            Err(e) => self.log("warn", format!("{e}: the guardrail starts clear")),
        }
    }

    fn schedule_retry(&mut self, error: ErrorBody) {
        let delay = self.discipline.next_retry(Instant::now());
        self.next_attempt = Some(Instant::now() + delay);
        self.set_lifecycle(Lifecycle::Backoff {
            attempt: self.discipline.step(),
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
        self.due.clear();
        self.state.worker_pid = None;
        self.state.worker.session = SessionState::Disconnected;
    }

    fn set_lifecycle(&mut self, lifecycle: Lifecycle) {
        if lifecycle == Lifecycle::Connected {
            self.after_restart = false;
        }
        self.state.lifecycle = lifecycle;
        self.publish();
    }

    fn publish(&mut self) {
        self.state.changed_at_ms = crate::now_ms();
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

fn unresponsive() -> ErrorBody {
    ErrorBody::new(
        ErrorCode::WorkerUnresponsive,
        "Gateway Doctor's connection helper stopped answering, so it was restarted.",
    )
}

fn internal(message: String) -> ErrorBody {
    ErrorBody::new(ErrorCode::Internal, message)
}
