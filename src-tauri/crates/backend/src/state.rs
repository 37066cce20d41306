//! The app's state, managed by Tauri and shared by every command and background task: the one supervisor
//! (started at setup on Tauri's async runtime, so exactly one gateway-worker at a time), the configuration
//! store, the log store, the Gateway's presence on its port, the last diagnose report and the demo gateway.
//!
//! The supervisor runs with the configuration in force; [`AppState::apply_config`] re-resolves it after a
//! change (saved settings, the demo starting or stopping) and, when anything the worker reads differs, moves
//! the supervisor to it. Saved settings never drop a healthy session: they wait for the next connect (the
//! session ending, Stop then Connect, or [`AppState::reconnect_now`]); without a healthy session they apply at
//! once (the old worker ends without an API disconnect) and it reconnects if a session was wanted. The demo
//! starting or stopping moves the session at once.
//!
//! A configuration with a bad value is never used, and never replaced by defaults: with bad settings at
//! start-up the app is in "settings need fixing" (no configuration applied; connect, "I restarted Gateway"
//! and "Reconnect now" are refused with BAD_CONFIG, the Settings screen says what is wrong); after a good
//! start the supervisor keeps the last good one until the settings are fixed.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use std::collections::BTreeSet;

use gateway_core::config::{Config, Inputs, Key, SettingValue, pick_client_id};
use gateway_core::supervisor::{
    Applied, Lifecycle, Supervisor, SupervisorOptions, SupervisorState,
};
use gateway_proto::Report;
use tokio::sync::watch;

use crate::config::ConfigStore;
use crate::demo::Demo;
use crate::dto::{
    AppInfo, ClientIdChange, ConfigView, DemoFault, DemoStatus, EnvImport, GatewayPresence,
    SettingsReset,
};
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
    /// The restart guard's record, shared with `gateway-doctor restart` (None: no restart through IBC).
    pub restarts_path: Option<PathBuf>,
    /// Where IBC's config.ini is looked for when the ibc_config setting is empty (tests: none, so they never
    /// reach an IBC of the machine's).
    pub ibc_candidates: Vec<PathBuf>,
    /// Where "Start IB Gateway" looks for an installation; None: the usual places, looked at each time
    /// (restart_start.rs).
    pub gateway_installs: Option<Vec<PathBuf>>,
    /// Where `.env` is looked for.
    pub cwd: PathBuf,
    /// Tray, notifications, single instance, window state and the log plugin. Off under the mock runtime:
    /// the log plugin installs a process-wide logger, and tests build many apps in one process.
    pub desktop: bool,
    pub presence_poll: Duration,
    pub log_capacity: usize,
    /// A fixed "now" for IBKR's reset windows and the schedule only; None: the real clock. The tests pin
    /// it to a weekday noon so the hour they run at never decides their outcome (a reset window turns the
    /// light amber and a diagnose verdict into "wait"). The real app reads [`SCHEDULE_CLOCK_VAR`].
    pub schedule_clock: Option<jiff::Timestamp>,
    /// The app's name and version, as get_app_info answers.
    pub app: AppInfo,
    /// The program the backend runs in, for the support bundle ("Tauri 2.x" with the window, or the keeper).
    pub shell: String,
    /// The folder of the log files, for the support bundle and "Open logs folder" (None: no log file).
    pub log_dir: Option<PathBuf>,
}

/// An RFC 3339 time for [`Options::schedule_clock`] (the WebDriver tests set it); unset in real use.
pub const SCHEDULE_CLOCK_VAR: &str = "GATEWAY_DOCTOR_SCHEDULE_CLOCK";

impl Options {
    /// The real app's options: helper programs beside the executable, the platform settings file.
    pub fn from_environment(app: AppInfo, shell: String, log_dir: Option<PathBuf>) -> Options {
        Options {
            worker_bin: paths::worker_bin(),
            sim_bin: paths::sim_bin(),
            settings_path: gateway_core::config::default_settings_path(),
            latch_path: gateway_core::supervisor::default_latch_path(),
            restarts_path: gateway_core::ibc::default_restarts_path(),
            ibc_candidates: gateway_core::ibc::default_candidates(),
            gateway_installs: None,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            desktop: true,
            presence_poll: Duration::from_secs(1),
            log_capacity: DEFAULT_CAPACITY,
            schedule_clock: std::env::var(SCHEDULE_CLOCK_VAR).ok().and_then(|text| {
                text.parse()
                    .inspect_err(|e| log::warn!("{SCHEDULE_CLOCK_VAR}={text:?} is not a time: {e}"))
                    .ok()
            }),
            app,
            shell,
            log_dir,
        }
    }
}

/// What happens to the session after the configuration changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// Settings were saved: a healthy session keeps running (they apply at its next connect); otherwise
    /// reconnect if a session was wanted (connecting or retrying).
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
    /// The configuration the supervisor runs with; None: the settings were bad from the start and nothing
    /// has been applied ("settings need fixing").
    applied: Mutex<Option<Config>>,
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
            Ok(config) => Some(config),
            Err(invalid) => {
                for bad in &invalid {
                    log::warn!("settings need fixing: {}", bad.message);
                }
                None
            }
        };
        // With bad settings the supervisor gets the defaults only because it needs a configuration: every
        // way to a connect checks `applied` first (see `usable`), so it never connects with them.
        let supervisor_config = match &applied {
            Some(config) => config.clone(),
            None => Config::resolve(&Inputs::default()).map_err(AppError::BadConfig)?,
        };
        let mut supervisor_options =
            SupervisorOptions::new(options.worker_bin.clone(), supervisor_config);
        supervisor_options.latch_path = options.latch_path.clone();
        let supervisor = Supervisor::start(supervisor_options);
        let presence = watch::Sender::new(GatewayPresence {
            port: watched_port(applied.as_ref(), &resolved.view),
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

    /// The port the session goes to (with settings that need fixing: the port they name if it is good,
    /// else the default one, watched only: nothing connects).
    pub fn port(&self) -> u16 {
        match self.applied() {
            Some(config) => config.port(),
            None => watched_port(None, &self.config.resolve().view),
        }
    }

    /// The configuration the supervisor runs with; `None` while the settings need fixing.
    pub fn applied(&self) -> Option<Config> {
        self.applied
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The settings as they are now, when every value is good; BAD_CONFIG (with every bad value) if not.
    fn usable(&self) -> Result<Config, AppError> {
        self.config.resolve().config.map_err(AppError::BadConfig)
    }

    /// The settings view with what only the running supervisor knows.
    pub fn config_view(&self) -> ConfigView {
        let mut view = self.config.resolve().view;
        view.applies_at_next_connect = self.supervisor.has_pending_config();
        view
    }

    /// The client id the Gateway refused: the one the supervisor waits on, else the one the settings give.
    pub fn refused_client_id(&self) -> i64 {
        let waited = self.supervisor.state().client_id_wait.map(|w| w.client_id);
        let configured = self.applied().map(|c| c.client_id());
        waited
            .or(configured)
            .map_or(gateway_core::config::DEFAULT_CLIENT_ID, i64::from)
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
        self.usable()?;
        if self.applied().is_none() {
            // The settings were fixed outside the app (the file edited): move the supervisor to them first.
            self.apply_config(Then::Idle).await?;
        }
        self.supervisor.connect().await?;
        Ok(self.supervisor.state())
    }

    /// "I restarted Gateway": clears the guardrail and tries once, unless a setting is wrong.
    pub async fn reset_guardrail(&self) -> Result<SupervisorState, AppError> {
        self.usable()?;
        if self.applied().is_none() {
            self.apply_config(Then::Idle).await?;
        }
        self.supervisor.reset().await?;
        Ok(self.supervisor.state())
    }

    /// Saves `changes` and applies them (a healthy session is kept: see the module doc).
    pub async fn save_settings(
        &self,
        changes: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<ConfigView, AppError> {
        self.config.save(changes)?;
        self.apply_config(Then::KeepWanted).await?;
        Ok(self.config_view())
    }

    /// "Now" for IBKR's reset windows and the schedule ([`Options::schedule_clock`]).
    pub fn schedule_now(&self) -> jiff::Timestamp {
        self.options
            .schedule_clock
            .unwrap_or_else(jiff::Timestamp::now)
    }

    /// "Import from the trading program": copies its `.env` values into the settings file and applies them
    /// as a save does (a healthy session is kept; they wait for the next connect).
    pub async fn import_trading_env(&self, path: &str) -> Result<EnvImport, AppError> {
        let mut import = self.config.import_env(path)?;
        self.apply_config(Then::KeepWanted).await?;
        import.config = self.config_view();
        Ok(import)
    }

    /// "Reconnect now": ends the worker (no API disconnect) so settings waiting for the next connect apply,
    /// and connects with them.
    pub async fn reconnect_now(&self) -> Result<SupervisorState, AppError> {
        self.usable()?;
        self.supervisor.reconnect_now().await?;
        Ok(self.supervisor.state())
    }

    /// "Reset to defaults": keeps a backup of the settings file, empties it, applies the defaults.
    pub async fn reset_settings(&self) -> Result<SettingsReset, AppError> {
        let backup = self.config.reset()?;
        if let Some(path) = &backup {
            log::info!(
                "settings reset to defaults; the old file is kept at {}",
                path.display()
            );
        }
        self.apply_config(Then::KeepWanted).await?;
        Ok(SettingsReset {
            backup_path: backup.map(|p| p.display().to_string()),
            config: self.config_view(),
        })
    }

    /// "Use another client id" (the Gateway said ours is in use): picks a spare id that is neither the
    /// refused one nor one a local program is seen using, saves it, and connects with it.
    pub async fn use_another_client_id(&self) -> Result<ClientIdChange, AppError> {
        let config = self.usable()?;
        let previous = config.client_id();
        let mut avoid = BTreeSet::from([i64::from(previous)]);
        avoid.extend(self.client_ids_seen_in_use().await);
        // The trading program's own id (from its imported .env), even while it is not connected.
        avoid.extend(self.config.program_client_id());
        let picked = pick_client_id(i64::from(previous), &avoid).ok_or_else(|| {
            AppError::Internal("every spare client id (7400-7499) is in use".into())
        })?;
        let changes =
            serde_json::Map::from_iter([(Key::ClientId.name().to_string(), picked.into())]);
        self.config.save(&changes)?;
        let now = self.usable()?;
        if i64::from(now.client_id()) != picked {
            let source = self
                .config
                .resolve()
                .view
                .settings
                .into_iter()
                .find(|s| s.key == Key::ClientId)
                .map(|s| s.source);
            return Err(AppError::SettingOverridden(format!(
                "client id {picked} was saved, but {} still sets client id {}: change or remove it there",
                match source {
                    Some(gateway_core::config::Source::Environment { var }) =>
                        format!("{var} in the environment"),
                    Some(gateway_core::config::Source::DotEnv { path }) =>
                        format!("the .env file {}", path.display()),
                    _ => "a higher source".into(),
                },
                now.client_id()
            )));
        }
        self.apply_config(Then::KeepWanted).await?;
        self.supervisor.connect().await?;
        Ok(ClientIdChange {
            previous,
            client_id: now.client_id(),
            config: self.config_view(),
        })
    }

    /// Client ids local programs are seen using on the Gateway: every id the client-id ledger shows (an
    /// environment, a command line or a `.env` of a connected program), and our own worker's. A ledger that
    /// cannot be read (another platform) leaves only our own.
    async fn client_ids_seen_in_use(&self) -> BTreeSet<i64> {
        let mut ids: BTreeSet<i64> = self
            .supervisor
            .state()
            .worker
            .target
            .map(|t| i64::from(t.client_id))
            .into_iter()
            .collect();
        match crate::connections::ledger(self.port()).await {
            Ok(ledger) => ids.extend(gateway_core::sockets::client_ids_in_use(&ledger)),
            Err(e) => log::warn!("the client-id ledger could not be read for the pick: {e}"),
        }
        ids
    }

    /// Re-resolves the configuration and moves the supervisor to it if the worker would see a difference.
    pub async fn apply_config(&self, then: Then) -> Result<(), AppError> {
        let Ok(config) = self.config.resolve().config else {
            // Keep running with the last good configuration; connect is refused until it is fixed.
            return Ok(());
        };
        let changed = self.applied().is_none_or(|before| {
            config.worker_env() != before.worker_env()
                || config.max_timeouts() != before.max_timeouts()
        });
        let wanted = matches!(
            self.supervisor.state().lifecycle,
            Lifecycle::Connecting { .. }
                | Lifecycle::Connected
                | Lifecycle::Unresponsive
                | Lifecycle::Backoff { .. }
        );
        let mut applied_now = true;
        if changed {
            *self.applied.lock().unwrap_or_else(PoisonError::into_inner) = Some(config.clone());
            if then == Then::KeepWanted {
                applied_now =
                    self.supervisor.reconfigure_keeping_session(config).await? == Applied::Now;
            } else {
                self.supervisor.reconfigure(config).await?;
            }
        }
        let connect = match then {
            Then::Connect => true,
            Then::KeepWanted => changed && wanted && applied_now,
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
        let client_id = self.applied().ok_or_else(|| {
            AppError::Demo("the settings need fixing first (see Settings)".into())
        })?;
        self.demo.set_fault(fault, client_id.client_id()).await
    }

    /// Quitting: ends the worker (no API disconnect) and the supervisor, then the demo gateway.
    pub async fn shutdown(&self) {
        self.supervisor.shutdown().await;
        self.demo.stop().await;
    }
}

/// The port to watch for the Gateway: the applied one; with settings that need fixing the port they name
/// if it is good, else the default (watching only: nothing connects).
fn watched_port(applied: Option<&Config>, view: &ConfigView) -> u16 {
    if let Some(config) = applied {
        return config.port();
    }
    view.settings
        .iter()
        .find(|s| s.key == Key::Port)
        .and_then(|s| match s.value {
            SettingValue::Int(port) => u16::try_from(port).ok(),
            _ => None,
        })
        .unwrap_or(gateway_core::config::DEFAULT_PORT)
}
