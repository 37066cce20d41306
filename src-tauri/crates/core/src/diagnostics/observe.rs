//! Gathering what diagnose looks at, without creating the problems it looks for: the socket table (two
//! samples of the listener's accept queue; with no listener, the IB Gateway / TWS processes running) and
//! the one session: the caller's supervisor (pinged when live,
//! connected and kept when `handshake` asks for it), or a session another program reported (the open app,
//! asked over the local link). No throwaway connection is ever opened here, TCP probe or worker.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gateway_proto::{CheckId, Report, WorkerStatus};
use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;

use super::assess::{KNOWN_PORTS, Observations, SessionSource, assess};
use super::session_test::{PingOutcome, nothing_listens, test_session};
use crate::config::{Config, DEFAULT_PORT, InvalidValue};
use crate::reset_window::{Region, current_window};
use crate::sockets;
use crate::supervisor::Supervisor;

/// The stages diagnose goes through, in order, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The session: pinged when live, connected (and kept) when asked.
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
            Stage::Session if handshake => "Testing the Gateway's API through the session",
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

/// A session another program holds and reported (the open app, over the local link).
#[derive(Debug, Clone)]
pub struct ReportedSession {
    /// The app's process.
    pub app_pid: u32,
    /// The app's worker process (its connection is the app's session, not another program's).
    pub worker_pid: Option<u32>,
    pub status: WorkerStatus,
    pub ping: Option<PingOutcome>,
}

/// How diagnose runs.
#[derive(Debug, Clone)]
pub struct DiagnoseOptions {
    /// Test the API through the given session: connect it when it is not up (and keep it), ping it when it
    /// is. Without it a live session is still pinged; an idle one is left alone ("not tested").
    pub handshake: bool,
    /// The longest the ping through a live session may take.
    pub ping_bound: Duration,
    /// The session the open app reported, used when no supervisor is given.
    pub reported: Option<ReportedSession>,
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

impl Default for DiagnoseOptions {
    fn default() -> DiagnoseOptions {
        DiagnoseOptions {
            handshake: false,
            ping_bound: Duration::from_secs(5),
            reported: None,
            now: Timestamp::now(),
            region: Region::default(),
            auto_restart: None,
            local_tz: TimeZone::system(),
            queue_sample_gap: Duration::from_millis(250),
            progress: Progress::default(),
        }
    }
}

/// Runs every check and returns the report. `session` is the caller's supervisor (the app's one session, or
/// the CLI's own with `--handshake`): a live session is pinged, and with `options.handshake` an idle one is
/// connected; the session is never ended here. Without a supervisor, `options.reported` is used; with
/// neither, the API is not tested and the verdict says so.
pub async fn diagnose(
    config: &Result<Config, Vec<InvalidValue>>,
    session: Option<&Supervisor>,
    options: &DiagnoseOptions,
) -> Report {
    let started = Instant::now();
    // Settings that need fixing give no client id (the config check says what to fix); the port is then the
    // default one, looked at only, as the app watches it.
    let port = config.as_ref().map_or(DEFAULT_PORT, Config::port);
    let mut obs = Observations {
        port,
        client_id: config.as_ref().ok().map(Config::client_id),
        ..Observations::default()
    };
    if let Err(errors) = config {
        obs.config_errors = errors.clone();
    }

    options.progress.tell(Stage::Session);
    let handshake_started = Instant::now();
    if let Ok(config) = config {
        match (session, &options.reported) {
            (Some(supervisor), _) => {
                let bound = config.timeout() + Duration::from_secs(5);
                // A session is wanted only where something listens: connecting to a closed port would
                // leave the supervisor retrying at nothing. (Unknown, where the table cannot be read: try.)
                let connect = options.handshake && !nothing_listens(port).await;
                let test = test_session(supervisor, connect, bound, options.ping_bound).await;
                obs.worker = Some(test.status);
                obs.ping = test.ping;
                obs.our_pids.extend(test.worker_pid);
                obs.source = SessionSource::Own;
            }
            (None, Some(reported)) => {
                obs.worker = Some(reported.status.clone());
                obs.ping = reported.ping.clone();
                obs.our_pids.extend(reported.worker_pid);
                obs.source = SessionSource::App {
                    app_pid: reported.app_pid,
                };
            }
            (None, None) => {}
        }
    }
    let handshake_ms = handshake_started.elapsed().as_secs_f64() * 1000.0;

    options.progress.tell(Stage::Sockets);
    let scan_started = Instant::now();
    match blocking(move || sockets::scan(port).map(|scan| (sockets::ledger_of(&scan), scan))).await
    {
        Ok((ledger, scan)) => {
            obs.ledger = Some(ledger);
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
        // Nothing listens: is IB Gateway (or TWS) running with its API off, or not running at all?
        if let Ok(found) = tokio::task::spawn_blocking(sockets::gateway_processes).await {
            obs.gateway_processes = found;
        }
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
    let mut report = assess(&obs);
    for check in &mut report.checks {
        // Only these were timed on their own; the others show no time rather than a made-up "0 ms".
        check.ms = match check.id {
            CheckId::PortListening | CheckId::ZombiesClient | CheckId::ZombiesGateway => {
                Some(scan_ms)
            }
            CheckId::Handshake if options.handshake => Some(handshake_ms),
            _ => None,
        };
    }
    report.took_ms = started.elapsed().as_secs_f64() * 1000.0;
    report
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
