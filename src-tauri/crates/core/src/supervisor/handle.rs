//! The supervisor's handle: commands go in through a channel, state comes out through a `watch`.
//!
//! Every call that waits for an answer is bounded: the actor answers a worker request within
//! `request_timeout` (it ends a worker that does not), and the handle itself gives up a little later still,
//! with [`SupervisorError::Timeout`], so no caller (a screen of the app, the CLI) can wait forever.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use gateway_proto::{ErrorBody, ErrorCode};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

use super::actor::{Actor, Cmd};
use super::backoff::Backoff;
use super::budget::{LIMITS, Limits};
use super::log::LogSink;
use super::state::SupervisorState;
use crate::config::Config;

/// How the supervisor runs its worker.
#[derive(Debug, Clone)]
pub struct SupervisorOptions {
    /// The gateway-worker binary.
    pub worker_bin: PathBuf,
    /// Resolved settings; the worker gets them as IBKR_* variables.
    pub config: Config,
    pub backoff: Backoff,
    /// How often the Gateway's listening socket is looked at (a cheap netlink query).
    pub listener_poll: Duration,
    /// Wait after a Gateway restart is seen before the one new attempt (it may still be logging in).
    pub cool_down: Duration,
    /// Grace between closing the worker's stdin, SIGTERM and SIGKILL.
    pub stop_grace: Duration,
    /// Deadline of a request to the worker other than connect: a worker that does not answer in time is
    /// ended and replaced.
    pub request_timeout: Duration,
    /// The guardrail latch kept on disk (`guardrail.json` beside the settings), so a restart of the app or
    /// the CLI does not spend handshakes on an API layer already seen dead. None: kept in memory only (the
    /// demo gateway, tests that do not ask for it).
    pub latch_path: Option<PathBuf>,
    /// Seed of the backoff jitter: fixed in tests so a schedule replays; `None` seeds from the clock.
    pub jitter_seed: Option<u64>,
    /// Most connects in any window: the app keeps [`LIMITS`] (6 in 20 s, 12 in 5 minutes); only tests that
    /// compress every other timing too pass smaller windows.
    pub connect_budget: Limits,
}

impl SupervisorOptions {
    pub fn new(worker_bin: PathBuf, config: Config) -> SupervisorOptions {
        SupervisorOptions {
            worker_bin,
            config,
            backoff: Backoff::default(),
            listener_poll: Duration::from_millis(500),
            cool_down: Duration::from_millis(1000),
            stop_grace: Duration::from_secs(2),
            request_timeout: Duration::from_secs(5),
            latch_path: None,
            jitter_seed: None,
            connect_budget: LIMITS,
        }
    }

    /// How long a connect may go unanswered before the worker is taken for hung: the worker's own
    /// handshake timeout plus a margin for starting up and reporting.
    pub(crate) fn connect_deadline(&self) -> Duration {
        self.config.timeout() + self.request_timeout
    }

    /// How long the handle waits for the actor on a call that may end a worker (stop, reconfigure): the
    /// whole close-stdin, SIGTERM, SIGKILL sequence plus a request's deadline.
    fn ending_deadline(&self) -> Duration {
        self.stop_grace * 2 + self.request_timeout + HANDLE_MARGIN
    }
}

/// What the handle adds to the actor's own deadlines before it gives up on the actor itself.
const HANDLE_MARGIN: Duration = Duration::from_secs(1);

/// Why a supervisor call failed.
#[derive(Debug, thiserror::Error)]
pub enum SupervisorError {
    #[error("the worker program is missing at {path}: reinstall Gateway Doctor")]
    WorkerMissing { path: PathBuf },
    #[error("cannot start the worker program {path}: {source}")]
    Spawn {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the supervisor has stopped")]
    Stopped,
    #[error("Gateway Doctor did not answer within {} s ({what}): try again", .after.as_secs())]
    Timeout { what: &'static str, after: Duration },
    #[error("{}", .0.message)]
    Worker(ErrorBody),
}

impl SupervisorError {
    /// The stable code the UI branches on: the one typed enum the worker's answers use too.
    pub fn code(&self) -> ErrorCode {
        match self {
            SupervisorError::WorkerMissing { .. } => ErrorCode::WorkerMissing,
            SupervisorError::Spawn { .. } => ErrorCode::WorkerSpawnFailed,
            SupervisorError::Stopped => ErrorCode::SupervisorStopped,
            SupervisorError::Timeout { .. } => ErrorCode::RequestTimeout,
            SupervisorError::Worker(body) => body.code.clone(),
        }
    }
}

impl From<SupervisorError> for ErrorBody {
    fn from(e: SupervisorError) -> ErrorBody {
        match e {
            SupervisorError::Worker(body) => body,
            other => ErrorBody::new(other.code(), other.to_string()),
        }
    }
}

/// When new settings took effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// At once: the worker (if any) ended and the supervisor is idle.
    Now,
    /// A healthy session kept running; they apply at the next connect.
    AtNextConnect,
}

/// A running supervisor. Dropping every clone ends it (and its worker).
#[derive(Debug, Clone)]
pub struct Supervisor {
    commands: mpsc::Sender<Cmd>,
    state: watch::Receiver<SupervisorState>,
    log: LogSink,
    /// How long a worker request may take, as the actor enforces it, plus [`HANDLE_MARGIN`].
    request_deadline: Duration,
    /// How long stop and reconfigure may take.
    ending_deadline: Duration,
    /// Settings wait for the next connect (see [`Supervisor::reconfigure_keeping_session`]).
    has_pending: Arc<AtomicBool>,
}

impl Supervisor {
    /// Starts the supervisor on the current tokio runtime. No worker runs until [`Supervisor::connect`].
    pub fn start(options: SupervisorOptions) -> Supervisor {
        let log = LogSink::default();
        let request_deadline = options.request_timeout + HANDLE_MARGIN;
        let ending_deadline = options.ending_deadline();
        let (commands, inbox) = mpsc::channel(32);
        let has_pending = Arc::new(AtomicBool::new(false));
        let (actor, state) = Actor::new(options, log.clone(), has_pending.clone());
        tokio::spawn(actor.run(inbox));
        Supervisor {
            commands,
            state,
            log,
            request_deadline,
            ending_deadline,
            has_pending,
        }
    }

    /// The current state.
    pub fn state(&self) -> SupervisorState {
        self.state.borrow().clone()
    }

    /// Every state change, as it happens.
    pub fn watch(&self) -> watch::Receiver<SupervisorState> {
        self.state.clone()
    }

    pub fn log(&self) -> &LogSink {
        &self.log
    }

    /// Wants a session: starts a worker if needed and connects, retrying with backoff until the guardrail.
    /// During a retry's wait it is the user's Reconnect: one try now, still within the connect budget (a
    /// spent budget turns it into a wait that says when the next try can go). A latched guardrail ignores
    /// it (see [`Supervisor::reset`]).
    pub async fn connect(&self) -> Result<(), SupervisorError> {
        self.commands
            .send(Cmd::Connect)
            .await
            .map_err(|_| SupervisorError::Stopped)
    }

    /// The user restarted the Gateway: clear the guardrail and try once.
    pub async fn reset(&self) -> Result<(), SupervisorError> {
        self.commands
            .send(Cmd::Reset)
            .await
            .map_err(|_| SupervisorError::Stopped)
    }

    /// Ends the session by ending the worker process (never an API-level disconnect), cancels every wait
    /// (a retry's backoff, the wait for a client id's holder or for the Gateway to listen), and stays idle
    /// with `stopped_by_user` set.
    pub async fn stop(&self) -> Result<(), SupervisorError> {
        let (done, wait) = oneshot::channel();
        self.call("stop", self.ending_deadline, Cmd::Stop(done), wait)
            .await
    }

    /// Uses `config` from now on: ends the worker (never an API disconnect), clears the timeout count and
    /// the guardrail (they were about the old target), and stays idle until [`Supervisor::connect`].
    pub async fn reconfigure(&self, config: Config) -> Result<(), SupervisorError> {
        self.send_config(config, false).await.map(|_| ())
    }

    /// Like [`Supervisor::reconfigure`], except that a healthy session keeps running: the settings are kept
    /// as pending and used from the next connect on (the session ending, Stop then Connect, or
    /// [`Supervisor::reconnect_now`]). Without a healthy session they apply at once.
    pub async fn reconfigure_keeping_session(
        &self,
        config: Config,
    ) -> Result<Applied, SupervisorError> {
        self.send_config(config, true).await
    }

    async fn send_config(
        &self,
        config: Config,
        keep_session: bool,
    ) -> Result<Applied, SupervisorError> {
        let (done, wait) = oneshot::channel();
        let cmd = Cmd::Reconfigure {
            config: Box::new(config),
            keep_session,
            done,
        };
        self.call("reconfigure", self.ending_deadline, cmd, wait)
            .await
    }

    /// Keeps the guardrail latch in `path` from now on (None: in memory only), and honours the latch kept
    /// there for the current target when idle. The app switches it off while the demo gateway is the
    /// target, so the demo never reads or writes the real Gateway's latch.
    pub async fn use_latch_file(&self, path: Option<PathBuf>) -> Result<(), SupervisorError> {
        let (done, wait) = oneshot::channel();
        let cmd = Cmd::LatchFile(path, done);
        self.call("latch file", self.request_deadline, cmd, wait)
            .await
    }

    /// Settings saved during a healthy session wait for the next connect.
    pub fn has_pending_config(&self) -> bool {
        self.has_pending.load(Ordering::Relaxed)
    }

    /// Ends the worker (never an API disconnect), so pending settings apply, and connects with them.
    pub async fn reconnect_now(&self) -> Result<(), SupervisorError> {
        self.stop().await?;
        self.connect().await
    }

    /// Sends a worker command (status, ping, accounts) and returns its `data`.
    pub async fn request(&self, command: &'static str) -> Result<Value, SupervisorError> {
        let (reply, wait) = oneshot::channel();
        let cmd = Cmd::Request(command, reply);
        self.call(command, self.request_deadline, cmd, wait)
            .await?
            .map_err(SupervisorError::Worker)
    }

    /// Sends `cmd` and waits for its answer on `wait`, both within `deadline`.
    async fn call<T>(
        &self,
        what: &'static str,
        deadline: Duration,
        cmd: Cmd,
        wait: oneshot::Receiver<T>,
    ) -> Result<T, SupervisorError> {
        let answered = tokio::time::timeout(deadline, async {
            self.commands
                .send(cmd)
                .await
                .map_err(|_| SupervisorError::Stopped)?;
            wait.await.map_err(|_| SupervisorError::Stopped)
        })
        .await;
        answered.unwrap_or(Err(SupervisorError::Timeout {
            what,
            after: deadline,
        }))
    }

    /// Ends the worker and the supervisor.
    pub async fn shutdown(&self) {
        let (done, wait) = oneshot::channel();
        let cmd = Cmd::Shutdown(done);
        // Stopped or timed out: either way there is nothing more to wait for.
        let _ = self.call("shutdown", self.ending_deadline, cmd, wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supervisor_error_has_its_own_typed_code_and_worker_bodies_pass_through() {
        let path = PathBuf::from("/nowhere/gateway-worker");
        let cases = [
            (
                SupervisorError::WorkerMissing { path: path.clone() },
                ErrorCode::WorkerMissing,
            ),
            (
                SupervisorError::Spawn {
                    path,
                    source: std::io::Error::other("denied"),
                },
                ErrorCode::WorkerSpawnFailed,
            ),
            (SupervisorError::Stopped, ErrorCode::SupervisorStopped),
            (
                SupervisorError::Timeout {
                    what: "status",
                    after: Duration::from_secs(6),
                },
                ErrorCode::RequestTimeout,
            ),
        ];
        for (error, code) in cases {
            let message = error.to_string();
            assert_eq!(error.code(), code);
            let body = ErrorBody::from(error);
            assert_eq!((body.code, body.message), (code, message));
        }
        let worker = ErrorBody::new(ErrorCode::ClientIdInUse, "326");
        assert_eq!(
            ErrorBody::from(SupervisorError::Worker(worker.clone())),
            worker
        );
    }
}
