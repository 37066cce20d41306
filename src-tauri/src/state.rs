//! The app's state, managed by Tauri and shared by every command and background task: the one supervisor
//! (started at setup on Tauri's async runtime, so exactly one gateway-worker at a time), the configuration
//! store, the log store, the Gateway's presence on its port, the last diagnose report and the demo gateway.
//!
//! The supervisor runs with the configuration in force; [`AppState::apply_config`] re-resolves it after a
//! change (saved settings, the demo starting or stopping) and, when anything the worker reads differs, moves
//! the supervisor to it (the old worker ends without an API disconnect) and reconnects if a session was
//! wanted. A configuration with a bad value is never used: the supervisor keeps the last good one and
//! `connect` is refused with BAD_CONFIG until it is fixed.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use gateway_core::config::{Config, Inputs};
use gateway_core::supervisor::{Lifecycle, Supervisor, SupervisorOptions, SupervisorState};
use gateway_proto::Report;
use tokio::sync::watch;

use crate::config::ConfigStore;
use crate::demo::Demo;
use crate::dto::{DemoFault, DemoStatus, GatewayPresence};
use crate::error::AppError;
use crate::logstore::{DEFAULT_CAPACITY, LogStore};
use crate::paths;

/// How the app runs; tests build their own (temp settings dir, no desktop integrations).
#[derive(Debug, Clone)]
pub struct Options {
    pub worker_bin: PathBuf,
    pub sim_bin: PathBuf,
    /// The settings file save_settings writes (None: the platform has no config dir).
    pub settings_path: Option<PathBuf>,
    /// The guardrail latch file (None: kept in memory only).
    pub latch_path: Option<PathBuf>,
    /// Where `.env` is looked for.
    pub cwd: PathBuf,
    /// Tray, notifications, single instance, window state and the log plugin. Off under the mock runtime:
    /// the log plugin installs a process-wide logger, and tests build many apps in one process.
    pub desktop: bool,
    pub presence_poll: Duration,
    pub log_capacity: usize,
}

impl Options {
    /// The real app's options: helper programs beside the executable, the platform settings file.
    pub fn from_environment() -> Options {
        Options {
            worker_bin: paths::worker_bin(),
            sim_bin: paths::sim_bin(),
            settings_path: gateway_core::config::default_settings_path(),
            latch_path: gateway_core::supervisor::default_latch_path(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            desktop: true,
            presence_poll: Duration::from_secs(1),
            log_capacity: DEFAULT_CAPACITY,
        }
    }
}

/// What happens to the session after the configuration changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// Reconnect if a session was wanted (connecting, connected or retrying).
    KeepWanted,
    /// Connect (the demo just started).
    Connect,
    /// Stay idle (the demo stopped: nothing of the user's is known to be there).
    Idle,
}

pub struct AppState {
    pub options: Options,
    pub supervisor: Supervisor,
    pub config: ConfigStore,
    pub logs: Arc<LogStore>,
    pub presence: watch::Sender<GatewayPresence>,
    pub report: Mutex<Option<Report>>,
    pub demo: Demo,
    /// The configuration the supervisor runs with.
    applied: Mutex<Config>,
}

impl AppState {
    /// Resolves the configuration and starts the supervisor. Call inside the async runtime.
    pub fn start(options: Options, logs: Arc<LogStore>) -> Result<AppState, AppError> {
        let config = ConfigStore::new(options.settings_path.clone(), options.cwd.clone());
        let resolved = config.resolve();
        for skipped in &resolved.view.skipped {
            log::warn!("settings source left out: {skipped}");
        }
        let applied = match resolved.config {
            Ok(config) => config,
            Err(invalid) => {
                for bad in &invalid {
                    log::warn!("bad setting: {}", bad.message);
                }
                // Only the port matters until the settings are fixed: nothing connects with these.
                Config::resolve(&Inputs::default()).map_err(AppError::BadConfig)?
            }
        };
        let mut supervisor_options =
            SupervisorOptions::new(options.worker_bin.clone(), applied.clone());
        supervisor_options.latch_path = options.latch_path.clone();
        let supervisor = Supervisor::start(supervisor_options);
        let presence = watch::Sender::new(GatewayPresence {
            port: applied.port(),
            ..GatewayPresence::default()
        });
        Ok(AppState {
            options,
            supervisor,
            config,
            logs,
            presence,
            report: Mutex::new(None),
            demo: Demo::default(),
            applied: Mutex::new(applied),
        })
    }

    /// The port the session goes to.
    pub fn port(&self) -> u16 {
        self.applied
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .port()
    }

    /// The configuration the supervisor runs with.
    pub fn applied(&self) -> Config {
        self.applied
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The "connect at start-up" setting, when every setting is good.
    pub fn connects_at_startup(&self) -> bool {
        self.config
            .resolve()
            .config
            .is_ok_and(|config| config.connect_at_startup())
    }

    /// Asks for a session, unless a setting is wrong.
    pub async fn connect(&self) -> Result<SupervisorState, AppError> {
        self.config.resolve().config.map_err(AppError::BadConfig)?;
        self.supervisor.connect().await?;
        Ok(self.supervisor.state())
    }

    /// Re-resolves the configuration and moves the supervisor to it if the worker would see a difference.
    pub async fn apply_config(&self, then: Then) -> Result<(), AppError> {
        let Ok(config) = self.config.resolve().config else {
            // Keep running with the last good configuration; connect is refused until it is fixed.
            return Ok(());
        };
        let before = self.applied();
        let changed = config.worker_env() != before.worker_env()
            || config.max_timeouts() != before.max_timeouts();
        let wanted = matches!(
            self.supervisor.state().lifecycle,
            Lifecycle::Connecting { .. }
                | Lifecycle::Connected
                | Lifecycle::Unresponsive
                | Lifecycle::Backoff { .. }
        );
        if changed {
            *self.applied.lock().unwrap_or_else(PoisonError::into_inner) = config.clone();
            self.supervisor.reconfigure(config).await?;
        }
        let connect = match then {
            Then::Connect => true,
            Then::KeepWanted => changed && wanted,
            Then::Idle => false,
        };
        if connect {
            self.supervisor.connect().await?;
        }
        Ok(())
    }

    /// Starts the demo gateway and points the session at it.
    pub async fn start_demo(&self) -> Result<DemoStatus, AppError> {
        let status = self
            .demo
            .start(&self.options.sim_bin, self.logs.clone())
            .await?;
        self.config.set_demo_port(Some(status.port));
        // The demo's guardrail lives in memory only: it never reads or writes the real Gateway's.
        self.supervisor.use_latch_file(None).await?;
        self.apply_config(Then::Connect).await?;
        Ok(status)
    }

    /// Stops the demo gateway and points the session back at the configured port (idle).
    pub async fn stop_demo(&self) -> Result<(), AppError> {
        if self.demo.status().await.is_none() {
            return Ok(());
        }
        self.demo.stop().await;
        self.config.set_demo_port(None);
        self.apply_config(Then::Idle).await?;
        if self.supervisor.state().lifecycle != Lifecycle::Idle {
            self.supervisor.stop().await?;
        }
        // Back on the real Gateway: its guardrail as kept on disk (after the stop, which would lift it).
        self.supervisor
            .use_latch_file(self.options.latch_path.clone())
            .await?;
        Ok(())
    }

    pub async fn set_demo_fault(&self, fault: DemoFault) -> Result<DemoStatus, AppError> {
        self.demo.set_fault(fault, self.applied().client_id()).await
    }

    /// Quitting: ends the worker (no API disconnect) and the supervisor, then the demo gateway.
    pub async fn shutdown(&self) {
        self.supervisor.shutdown().await;
        self.demo.stop().await;
    }
}
