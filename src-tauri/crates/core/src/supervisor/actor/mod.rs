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
//! and a Gateway restart), `budget` (the connect budget shared with other processes), `worker` (the
//! worker's end, deadlines and replacement), `commands` (what each command from a handle does) and `attempt`
//! (one connect attempt). This file holds the state, the loop and the worker's lines.

mod attempt;
mod budget;
mod client_id;
mod commands;
mod guardrail;
mod outcome;
mod worker;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use gateway_proto::{ErrorBody, ErrorCode, Event, Level};
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
                    Level::Info,
                    format!("IB notice {}: {}", notice.code, notice.message),
                );
            }
            WorkerLine::Unexpected(text) => self.log(
                Level::Warn,
                format!("unexpected line from the worker: {text}"),
            ),
            WorkerLine::NotUtf8(text) => self.log(
                Level::Warn,
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

    fn log(&self, level: Level, message: impl Into<String>) {
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
