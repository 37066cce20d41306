//! The supervisor's handle: commands go in through a channel, state comes out through a `watch`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use gateway_proto::ErrorBody;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

use super::actor::{Actor, Cmd};
use super::backoff::Backoff;
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
    /// Timeout of the supervisor's own requests to the worker other than connect.
    pub request_timeout: Duration,
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
        }
    }
}

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
    #[error("{}", .0.message)]
    Worker(ErrorBody),
}

impl SupervisorError {
    /// The stable code the UI branches on.
    pub fn code(&self) -> &'static str {
        match self {
            SupervisorError::WorkerMissing { .. } => "WORKER_MISSING",
            SupervisorError::Spawn { .. } => "WORKER_SPAWN_FAILED",
            SupervisorError::Stopped => "SUPERVISOR_STOPPED",
            SupervisorError::Worker(body) => body.code.as_str(),
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
    /// Settings wait for the next connect (see [`Supervisor::reconfigure_keeping_session`]).
    has_pending: Arc<AtomicBool>,
}

impl Supervisor {
    /// Starts the supervisor on the current tokio runtime. No worker runs until [`Supervisor::connect`].
    pub fn start(options: SupervisorOptions) -> Supervisor {
        let log = LogSink::default();
        let (commands, inbox) = mpsc::channel(32);
        let has_pending = Arc::new(AtomicBool::new(false));
        let (actor, state) = Actor::new(options, log.clone(), has_pending.clone());
        tokio::spawn(actor.run(inbox));
        Supervisor {
            commands,
            state,
            log,
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

    /// Ends the session by ending the worker process (never an API-level disconnect), and stays idle.
    pub async fn stop(&self) -> Result<(), SupervisorError> {
        let (done, wait) = oneshot::channel();
        self.commands
            .send(Cmd::Stop(done))
            .await
            .map_err(|_| SupervisorError::Stopped)?;
        wait.await.map_err(|_| SupervisorError::Stopped)
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
        self.commands
            .send(Cmd::Reconfigure {
                config: Box::new(config),
                keep_session,
                done,
            })
            .await
            .map_err(|_| SupervisorError::Stopped)?;
        wait.await.map_err(|_| SupervisorError::Stopped)
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
        self.commands
            .send(Cmd::Request(command, reply))
            .await
            .map_err(|_| SupervisorError::Stopped)?;
        wait.await
            .map_err(|_| SupervisorError::Stopped)?
            .map_err(SupervisorError::Worker)
    }

    /// Ends the worker and the supervisor.
    pub async fn shutdown(&self) {
        let (done, wait) = oneshot::channel();
        if self.commands.send(Cmd::Shutdown(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}
