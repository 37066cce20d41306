//! Gathering what diagnose looks at, without creating the problems it looks for: the socket table (two
//! samples of the listener's accept queue), the live session's status when there is one, and only when the
//! user asks, one handshake through a worker. No throwaway TCP probe is ever opened.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gateway_proto::{CheckId, Report, WorkerStatus};
use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;

use super::assess::{KNOWN_PORTS, Observations, assess};
use crate::config::{Config, InvalidValue};
use crate::reset_window::{Region, current_window};
use crate::sockets;
use crate::supervisor::{Lifecycle, Supervisor, SupervisorOptions};

/// The stages diagnose goes through, in order, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The session's live status (or the one handshake, when asked).
    Session,
    /// The socket table of the port: listener, zombies, live sessions, their processes.
    Sockets,
    /// The listener's accept queue a second time, and the other known IB ports.
    Ports,
    /// Reset windows, then the verdict.
    Verdict,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Session, Stage::Sockets, Stage::Ports, Stage::Verdict];

    /// A stable id (`session`, `sockets`, `ports`, `verdict`).
    pub fn id(self) -> &'static str {
        match self {
            Stage::Session => "session",
            Stage::Sockets => "sockets",
            Stage::Ports => "ports",
            Stage::Verdict => "verdict",
        }
    }

    /// What the stage does, in plain words.
    pub fn label(self, handshake: bool) -> &'static str {
        match self {
            Stage::Session if handshake => "Connecting once to test the handshake",
            Stage::Session => "Reading the session's status",
            Stage::Sockets => "Looking at the Gateway port's connections",
            Stage::Ports => "Checking the other IB ports",
            Stage::Verdict => "Working out what is wrong",
        }
    }
}

/// Told when each stage starts: `(stage, stages done before it)`; the total is [`Stage::ALL`]'s length.
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<dyn Fn(Stage, usize) + Send + Sync>>);

impl Progress {
    pub fn new(f: impl Fn(Stage, usize) + Send + Sync + 'static) -> Progress {
        Progress(Some(Arc::new(f)))
    }

    fn tell(&self, stage: Stage) {
        if let Some(f) = &self.0 {
            f(
                stage,
                Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0),
            );
        }
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress(..)"
        } else {
            "Progress(none)"
        })
    }
}

/// How diagnose runs.
#[derive(Debug, Clone)]
pub struct DiagnoseOptions {
    /// Make one handshake through a worker when no session is live (the user asked for it).
    pub handshake: bool,
    /// The gateway-worker binary, for that handshake.
    pub worker_bin: PathBuf,
    /// The clock, fixed in tests.
    pub now: Timestamp,
    pub region: Region,
    /// The Gateway's auto-restart time, local.
    pub auto_restart: Option<Time>,
    pub local_tz: TimeZone,
    /// Gap between the two accept-queue samples.
    pub queue_sample_gap: Duration,
    /// Told as each stage starts (nothing by default).
    pub progress: Progress,
}

impl DiagnoseOptions {
    pub fn new(worker_bin: PathBuf) -> DiagnoseOptions {
        DiagnoseOptions {
            handshake: false,
            worker_bin,
            now: Timestamp::now(),
            region: Region::default(),
            auto_restart: None,
            local_tz: TimeZone::system(),
            queue_sample_gap: Duration::from_millis(250),
            progress: Progress::default(),
        }
    }
}

/// Runs every check and returns the report. `session` is the app's supervisor, when one runs: its live
/// state is used, and a requested handshake goes through it (so the session it opens is kept).
pub async fn diagnose(
    config: &Result<Config, Vec<InvalidValue>>,
    session: Option<&Supervisor>,
    options: &DiagnoseOptions,
) -> Report {
    let started = Instant::now();
    let (port, client_id) = config
        .as_ref()
        .map_or((4002, 1), |c| (c.port(), c.client_id()));
    let mut obs = Observations {
        port,
        client_id,
        ..Observations::default()
    };
    if let Err(errors) = config {
        obs.config_errors = errors.clone();
    }

    options.progress.tell(Stage::Session);
    let handshake_started = Instant::now();
    let mut temporary = None;
    if let Ok(config) = config {
        match session {
            Some(supervisor) => {
                obs.worker = Some(live_or_fresh(supervisor, options.handshake, config).await)
            }
            None if options.handshake => {
                let supervisor = Supervisor::start(SupervisorOptions::new(
                    options.worker_bin.clone(),
                    config.clone(),
                ));
                obs.worker = Some(live_or_fresh(&supervisor, true, config).await);
                temporary = Some(supervisor);
            }
            None => {}
        }
    }
    let handshake_ms = handshake_started.elapsed().as_secs_f64() * 1000.0;
    if let Some(supervisor) = session.or(temporary.as_ref()) {
        obs.our_pids.extend(supervisor.state().worker_pid);
    }

    options.progress.tell(Stage::Sockets);
    let scan_started = Instant::now();
    match blocking(move || sockets::scan(port)).await {
        Ok(scan) => {
            obs.accept_queue_samples
                .extend(scan.listeners.first().and_then(|l| l.accept_queue));
            obs.scan = Some(scan);
        }
        Err(e) => obs.scan_error = Some(e),
    }
    let scan_ms = scan_started.elapsed().as_secs_f64() * 1000.0;
    options.progress.tell(Stage::Ports);
    if obs.accept_queue_samples.first().is_some_and(|&q| q > 0) {
        // One non-empty sample can be a connection arriving this instant; a queue that stays is a stuck Gateway.
        tokio::time::sleep(options.queue_sample_gap).await;
        if let Ok(Ok(quick)) = tokio::task::spawn_blocking(move || sockets::scan_quick(port)).await
        {
            obs.accept_queue_samples.extend(quick.accept_queue);
        }
    }
    if obs.scan.as_ref().is_some_and(|s| s.listeners.is_empty()) {
        for (other, _) in KNOWN_PORTS.iter().filter(|(p, _)| *p != port) {
            let other = *other;
            if let Ok(Ok(quick)) =
                tokio::task::spawn_blocking(move || sockets::scan_quick(other)).await
                && quick.listeners > 0
            {
                obs.other_listening_ports.push(other);
            }
        }
    }
    options.progress.tell(Stage::Verdict);
    obs.reset_window = current_window(
        options.now,
        options.region,
        options.auto_restart,
        &options.local_tz,
    );
    if let Some(supervisor) = temporary {
        supervisor.shutdown().await;
    }

    let mut report = assess(&obs);
    for check in &mut report.checks {
        check.ms = match check.id {
            CheckId::PortListening | CheckId::ZombiesClient | CheckId::ZombiesGateway => scan_ms,
            CheckId::Handshake if options.handshake => handshake_ms,
            _ => 0.0,
        };
    }
    report.took_ms = started.elapsed().as_secs_f64() * 1000.0;
    report
}

/// The session's status; with `handshake`, first makes sure one attempt has finished (connecting if idle).
async fn live_or_fresh(supervisor: &Supervisor, handshake: bool, config: &Config) -> WorkerStatus {
    let settled = |l: &Lifecycle| !matches!(l, Lifecycle::Idle | Lifecycle::Connecting { .. });
    if handshake && !settled(&supervisor.state().lifecycle) {
        let _ = supervisor.connect().await;
        let mut watch = supervisor.watch();
        let bound = config.timeout() + Duration::from_secs(5);
        let _ = tokio::time::timeout(bound, async {
            // Skip the Idle state the supervisor is in before the attempt starts.
            let mut seen_attempt = false;
            loop {
                let lifecycle = watch.borrow_and_update().lifecycle.clone();
                seen_attempt |= matches!(lifecycle, Lifecycle::Connecting { .. });
                if seen_attempt && settled(&lifecycle) {
                    return;
                }
                if watch.changed().await.is_err() {
                    return;
                }
            }
        })
        .await;
    }
    supervisor.state().worker
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, sockets::SocketError> + Send + 'static,
) -> Result<T, String> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(format!("the socket scan stopped: {e}")),
    }
}
