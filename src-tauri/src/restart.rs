//! Restarting IB Gateway through IBC from the app: finding IBC's config.ini (the file named in Settings,
//! else IBC's usual places), the Restart screen's view (rules in restart_view.rs), and a restart run: the
//! guard checked up front, RESTART sent and followed through by gateway-core (`ibc::restart`, which only
//! watches the port, never connects), each step published on `restart://progress`, then exactly one
//! reconnect of the session once the Gateway listens again. "Stop IB Gateway" sends STOP.
//!
//! Every command sent to IBC, its reply and the outcome go to the log store (source "restart"), so the Logs
//! screen and the support bundle have them. The restart record (the guard's `restarts.json`, Options) is the
//! one `gateway-doctor restart` uses, so the limits hold across the app and the terminal.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use gateway_core::config::{Key, SettingValue};
use gateway_core::diagnostics::session_mode;
use gateway_core::ibc::{
    self, CommandServer, IbcCommand, IbcConfig, IbcError, RestartGuard, RestartLimits, RestartPlan,
    Timeouts,
};
use gateway_core::supervisor::{Lifecycle, LogLine, SupervisorState};
use gateway_proto::{
    AccountMode, ErrorCode, IbcErrorCode, IbcFailure, RestartOutcome, RestartStep,
};
use serde_json::json;
use tauri::{AppHandle, Manager, Runtime};
use tokio::sync::watch;

use crate::error::{AppError, CommandError};
use crate::restart_start::{self, GatewayInstall};
use crate::restart_view::{
    self, IbcFinding, RestartRun, RestartView, RunResult, ViewInputs, not_back_message,
};
use crate::state::AppState;

/// How an automatic restart's messages start.
const AUTOMATIC: &str = "Automatic restart (on in Settings):";

/// How long the one reconnect after the restart may take beyond the connect timeout.
const SESSION_MARGIN: Duration = Duration::from_secs(10);

/// Why a restart or stop through IBC was not started.
#[derive(Debug, thiserror::Error)]
pub enum RestartError {
    #[error("{0}")]
    Ibc(#[from] IbcError),
    #[error("IBC is not set up for restarts: {0}")]
    NotFound(String),
    #[error("{0}")]
    ConfirmationRequired(String),
    #[error("a restart of IB Gateway is already running: wait for it to finish")]
    InProgress,
    /// The shared restart record cannot be used, so no restart is sent (the guard must hold).
    #[error("{0}")]
    RecordUnusable(String),
    #[error("{0}")]
    CannotStart(String),
    #[error("{0}")]
    App(#[from] AppError),
}

impl RestartError {
    pub fn code(&self) -> String {
        match self {
            RestartError::Ibc(err) => ibc_code(err.code()),
            RestartError::NotFound(_) => ibc_code(IbcErrorCode::IbcNotConfigured),
            RestartError::ConfirmationRequired(_) => "CONFIRMATION_REQUIRED".into(),
            RestartError::InProgress => "RESTART_IN_PROGRESS".into(),
            RestartError::RecordUnusable(_) => ibc_code(IbcErrorCode::RestartRecordUnusable),
            RestartError::CannotStart(_) => "GATEWAY_NOT_STARTED".into(),
            RestartError::App(err) => err.code().into(),
        }
    }
}

impl From<RestartError> for CommandError {
    fn from(err: RestartError) -> CommandError {
        match err {
            RestartError::App(app) => app.into(),
            other => {
                let detail = match &other {
                    RestartError::Ibc(ibc) => serde_json::to_value(ibc.to_failure()).ok(),
                    RestartError::ConfirmationRequired(question) => {
                        Some(json!({ "question": question }))
                    }
                    _ => None,
                };
                CommandError {
                    code: other.code(),
                    message: other.to_string(),
                    detail,
                }
            }
        }
    }
}

/// IbcErrorCode as it goes on the wire (SCREAMING_SNAKE_CASE).
fn ibc_code(code: IbcErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "IBC_ERROR".into())
}

/// The app's restarts through IBC: the run in progress (or the last one), published to the UI.
pub struct Restarts {
    run: watch::Sender<Option<RestartRun>>,
    next_id: AtomicU32,
    /// Accounts last seen in a session, so a LIVE account is known while the session is down.
    last_accounts: Mutex<Vec<String>>,
}

impl Default for Restarts {
    fn default() -> Self {
        Restarts {
            run: watch::Sender::new(None),
            next_id: AtomicU32::new(1),
            last_accounts: Mutex::new(Vec::new()),
        }
    }
}

impl Restarts {
    pub fn watch(&self) -> watch::Receiver<Option<RestartRun>> {
        self.run.subscribe()
    }

    pub fn current(&self) -> Option<RestartRun> {
        self.run.borrow().clone()
    }

    fn running(&self) -> bool {
        self.run
            .borrow()
            .as_ref()
            .is_some_and(|run| run.result == RunResult::Running)
    }

    fn update(&self, change: impl FnOnce(&mut RestartRun)) {
        self.run.send_modify(|run| {
            if let Some(run) = run.as_mut() {
                change(run);
                // Whatever step it is at, the trader sees that nobody clicked.
                if run.automatic && !run.message.starts_with(AUTOMATIC) {
                    run.message = format!("{AUTOMATIC} {}", run.message);
                }
            }
        });
    }

    fn note_accounts(&self, state: &SupervisorState) {
        if !state.worker.accounts.is_empty() {
            *self
                .last_accounts
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = state.worker.accounts.clone();
        }
    }

    fn accounts(&self) -> Vec<String> {
        self.last_accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The config.ini named in Settings (`ibc_config`), if any.
fn named_ibc_config(state: &AppState) -> Option<PathBuf> {
    state
        .config
        .resolve()
        .view
        .settings
        .into_iter()
        .find(|s| s.key == Key::IbcConfig)
        .and_then(|s| match s.value {
            SettingValue::Text(path) if !path.is_empty() => Some(PathBuf::from(path)),
            _ => None,
        })
}

/// Finds and reads IBC's config.ini: the file named in Settings, else the first of `candidates` there.
pub fn find_ibc(named: Option<PathBuf>, candidates: &[PathBuf]) -> (IbcFinding, Option<IbcConfig>) {
    let problem = |path: String, err: ibc::IbcConfigError| {
        let failure = IbcError::from(err).to_failure();
        (IbcFinding::Problem { path, failure }, None)
    };
    match named {
        Some(path) => match IbcConfig::load(&path) {
            Ok(config) => (
                IbcFinding::Found {
                    config: config.view(),
                    picked: true,
                },
                Some(config),
            ),
            Err(ibc::IbcConfigError::Unreadable { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                (
                    IbcFinding::NotFound {
                        looked_in: vec![path.display().to_string()],
                    },
                    None,
                )
            }
            Err(err) => problem(path.display().to_string(), err),
        },
        None => match ibc::discover(candidates) {
            Ok(Some(config)) => (
                IbcFinding::Found {
                    config: config.view(),
                    picked: false,
                },
                Some(config),
            ),
            Ok(None) => (
                IbcFinding::NotFound {
                    looked_in: candidates.iter().map(|p| p.display().to_string()).collect(),
                },
                None,
            ),
            Err(err) => {
                let path = match &err {
                    ibc::IbcConfigError::Unreadable { path, .. }
                    | ibc::IbcConfigError::Syntax { path, .. }
                    | ibc::IbcConfigError::BadValue { path, .. } => path.display().to_string(),
                };
                problem(path, err)
            }
        },
    }
}

fn find_for(state: &AppState) -> (IbcFinding, Option<IbcConfig>) {
    find_ibc(named_ibc_config(state), &state.options.ibc_candidates)
}

/// The restart record shared with every Gateway Doctor program (`restarts.json` in the settings folder).
fn guard(state: &AppState) -> Result<RestartGuard, RestartError> {
    state
        .options
        .restarts_path
        .clone()
        .map(RestartGuard::new)
        .ok_or_else(|| {
            RestartError::RecordUnusable(
                "this computer has no settings folder for the restart record, so Gateway Doctor does not \
                 restart IB Gateway (the limit on restarts could not hold)"
                    .into(),
            )
        })
}

/// The Gateway's host and API port the session uses (the demo's while the demo runs).
fn gateway(state: &AppState) -> (String, u16) {
    let host = state
        .applied()
        .map_or_else(|| "127.0.0.1".to_string(), |config| config.host());
    (host, state.port())
}

fn is_live(port: u16, accounts: &[String], config: Option<&IbcConfig>) -> bool {
    let ibc_live = config
        .and_then(|c| c.trading_mode.as_ref())
        .is_some_and(|found| found.value == ibc::TradingMode::Live);
    session_mode(Some(port), accounts) == Some(AccountMode::Live) || ibc_live
}

/// Whether the guard would hold a restart back now (nothing is recorded).
fn held_back(guard: &RestartGuard, key: &str, now_ms: i64) -> Option<IbcFailure> {
    let limits = RestartLimits::default();
    let history = match guard.history(key) {
        Ok(history) => history,
        Err(err) => return Some(IbcError::from(err).to_failure()),
    };
    match ibc::decide(&history, now_ms, &limits) {
        ibc::Decision::Allowed => None,
        ibc::Decision::TooSoon { next_allowed_ms } => Some(
            IbcError::RestartTooSoon {
                period_min: limits.period.as_secs().div_ceil(60),
                next_allowed: local_time(next_allowed_ms),
                next_allowed_ms,
            }
            .to_failure(),
        ),
        ibc::Decision::DailyCap { next_allowed_ms } => Some(
            IbcError::RestartDailyCap {
                cap: limits.daily_cap,
                next_allowed: local_time(next_allowed_ms),
                next_allowed_ms,
            }
            .to_failure(),
        ),
    }
}

/// `14:05 on Tue 3 Dec` in this computer's time zone.
fn local_time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(
        |_| format!("{ms} ms after 1970"),
        |at| {
            at.to_zoned(jiff::tz::TimeZone::system())
                .strftime("%H:%M on %a %-d %b")
                .to_string()
        },
    )
}

/// The Restart screen's view now.
pub fn view(state: &AppState, restarts: &Restarts) -> RestartView {
    let (finding, config) = find_for(state);
    let (host, port) = gateway(state);
    let supervisor = state.supervisor.state();
    restarts.note_accounts(&supervisor);
    let now = jiff::Timestamp::now();
    let key = plan_key(&host, port);
    let held = guard(state)
        .ok()
        .and_then(|guard| held_back(&guard, &key, now.as_millisecond()));
    let in_reset_window = state.presence.borrow().reset_window.is_some();
    restart_view::view(ViewInputs {
        ibc: &finding,
        configured_port: port,
        live: is_live(port, &restarts.accounts(), config.as_ref()),
        now,
        held_back: held,
        run: restarts.current(),
        link: &supervisor.worker.link,
        in_reset_window,
        start: start_offer(state, port),
    })
}

fn plan_key(host: &str, port: u16) -> String {
    RestartPlan::new(CommandServer::loopback(0), host, port).gateway_key
}

fn record(state: &AppState, level: &str, message: String) {
    state.logs.record(LogLine {
        at_ms: gateway_core::now_ms(),
        level: level.into(),
        source: "restart".into(),
        message,
    });
}

/// Starts a restart through IBC and returns the run as it starts; it goes on in the background.
/// `automatic`: Gateway Doctor starts it by itself (the ibc_auto_restart setting), never with a confirmation.
pub fn start<R: Runtime>(
    app: &AppHandle<R>,
    confirmed: bool,
    automatic: bool,
) -> Result<RestartRun, RestartError> {
    let state = app.state::<AppState>();
    let restarts = app.state::<Restarts>();
    if restarts.running() {
        return Err(RestartError::InProgress);
    }
    let (finding, config) = find_for(&state);
    let config = match (finding, config) {
        (_, Some(config)) => config,
        (IbcFinding::NotFound { looked_in }, None) => {
            return Err(RestartError::NotFound(format!(
                "no IBC settings file (config.ini) in {}",
                looked_in.join(", ")
            )));
        }
        (IbcFinding::Problem { failure, .. }, None) => {
            return Err(RestartError::NotFound(failure.message));
        }
        (IbcFinding::Found { .. }, None) => {
            return Err(RestartError::NotFound(
                "IBC's settings were not read".into(),
            ));
        }
    };
    let server = CommandServer::from_config(&config)?;
    let (host, port) = gateway(&state);
    restarts.note_accounts(&state.supervisor.state());
    let now = jiff::Timestamp::now();
    let live = is_live(port, &restarts.accounts(), Some(&config));
    if let Some(question) = restart_view::view(ViewInputs {
        ibc: &IbcFinding::NotFound { looked_in: vec![] },
        configured_port: port,
        live,
        now,
        held_back: None,
        run: None,
        link: &gateway_proto::LinkStatus::default(),
        in_reset_window: false,
        start: None,
    })
    .confirm
        && !confirmed
    {
        return Err(RestartError::ConfirmationRequired(question));
    }
    let plan = RestartPlan::new(server, &host, port);
    let guard = guard(&state)?;
    if let Some(failure) = held_back(&guard, &plan.gateway_key, now.as_millisecond()) {
        record(
            &state,
            "warn",
            format!(
                "restart held back by the restart guard: {}",
                failure.message
            ),
        );
        return Err(match failure.code {
            IbcErrorCode::RestartRecordUnusable => RestartError::RecordUnusable(failure.message),
            _ => RestartError::Ibc(guard_error(failure)),
        });
    }
    let run = RestartRun {
        id: restarts.next_id.fetch_add(1, Ordering::Relaxed),
        started_at_ms: now.as_millisecond(),
        steps: restart_view::steps(&[], None, false),
        result: RunResult::Running,
        message: if automatic {
            format!(
                "{AUTOMATIC} IB Gateway's API stopped answering, so Gateway Doctor restarts it through IBC."
            )
        } else {
            "Asking IBC to restart IB Gateway…".into()
        },
        automatic,
        details: format!(
            "RESTART to IBC's command server at {} (config {}); watching the API port {port}",
            plan.server.address(),
            config.path.display()
        ),
        failure: None,
        report: None,
        session_at_ms: None,
    };
    // Claimed in one step with the check: two clicks at once start one run.
    let claimed = restarts.run.send_if_modified(|current| {
        if current
            .as_ref()
            .is_some_and(|r| r.result == RunResult::Running)
        {
            return false;
        }
        *current = Some(run.clone());
        true
    });
    if !claimed {
        return Err(RestartError::InProgress);
    }
    record(
        &state,
        "info",
        format!(
            "sending RESTART to IBC's command server at {} (IB Gateway's API port {port}; IBC settings {}){}",
            plan.server.address(),
            config.path.display(),
            if automatic {
                "; automatic restart (the ibc_auto_restart setting)"
            } else {
                ""
            }
        ),
    );
    let handle = app.clone();
    tauri::async_runtime::spawn(async move { follow(handle, plan, guard).await });
    Ok(run)
}

/// The guard's refusal as the typed error (the view computed it as a failure).
fn guard_error(failure: IbcFailure) -> IbcError {
    let next_allowed_ms = failure.next_allowed_ms.unwrap_or_default();
    let next_allowed = local_time(next_allowed_ms);
    let limits = RestartLimits::default();
    match failure.code {
        IbcErrorCode::RestartDailyCap => IbcError::RestartDailyCap {
            cap: limits.daily_cap,
            next_allowed,
            next_allowed_ms,
        },
        _ => IbcError::RestartTooSoon {
            period_min: limits.period.as_secs().div_ceil(60),
            next_allowed,
            next_allowed_ms,
        },
    }
}

/// The run in the background: RESTART followed through, then the session's one reconnect.
async fn follow<R: Runtime>(app: AppHandle<R>, plan: RestartPlan, guard: RestartGuard) {
    let state = app.state::<AppState>();
    let restarts = app.state::<Restarts>();
    let mut reached: Vec<RestartStep> = Vec::new();
    let result = ibc::restart(&plan, &guard, |step| {
        reached.push(*step);
        let steps = restart_view::steps(&reached, None, false);
        let message = match step.phase {
            gateway_proto::RestartPhase::Sent => {
                "IBC accepted the restart: waiting for IB Gateway to close (IBC restarts it at the next full minute)."
            }
            gateway_proto::RestartPhase::DownSeen => {
                "IB Gateway closed to restart: waiting for it to start again."
            }
            gateway_proto::RestartPhase::ListeningAgain => {
                "IB Gateway is listening again: Gateway Doctor reconnects once."
            }
        };
        restarts.update(|run| {
            run.steps = steps;
            run.message = message.into();
        });
    })
    .await;
    let report = match result {
        Ok(report) => report,
        Err(err) => {
            record(
                &state,
                "error",
                format!(
                    "RESTART through IBC at {} failed: {err} ({})",
                    plan.server.address(),
                    err.details()
                ),
            );
            restarts.update(|run| {
                run.steps = restart_view::steps(&reached, None, true);
                run.result = RunResult::Failed;
                run.message = err.to_string();
                run.details = err.details();
                run.failure = Some(err.to_failure());
            });
            return;
        }
    };
    record(
        &state,
        if report.outcome == RestartOutcome::Back {
            "info"
        } else {
            "warn"
        },
        format!(
            "IBC answered RESTART with {:?}; outcome {:?}, down {:?} ms, followed for {} ms: {} ({})",
            report.reply,
            report.outcome,
            report.down_ms,
            report.took_ms,
            report.message,
            report.details
        ),
    );
    let back = report.outcome == RestartOutcome::Back;
    let details = report.details.clone();
    restarts.update(|run| {
        run.steps = restart_view::steps(&report.steps, None, !back);
        run.details = details;
        if !back {
            run.result = RunResult::Failed;
            run.message = not_back_message(&report);
        }
        run.report = Some(report);
    });
    if !back {
        return;
    }
    let session = one_reconnect(&state).await;
    let steps_reached = reached;
    match session {
        Ok(at_ms) => {
            record(
                &state,
                "info",
                "the session is back after the restart".into(),
            );
            restarts.update(|run| {
                let listening = run
                    .report
                    .as_ref()
                    .and_then(|r| r.steps.last())
                    .map_or(at_ms, |s| s.at_ms);
                run.steps = restart_view::steps(&steps_reached, Some(at_ms), false);
                run.session_at_ms = Some(at_ms);
                run.result = RunResult::Back;
                run.message = "IB Gateway restarted and the session is back.".into();
                run.details = format!(
                    "{}; session back {} ms after the click, {} ms after IB Gateway listened again",
                    run.details,
                    at_ms - run.started_at_ms,
                    at_ms - listening
                );
            });
        }
        Err(why) => {
            record(
                &state,
                "warn",
                format!("IB Gateway restarted but the session did not come back: {why}"),
            );
            restarts.update(|run| {
                run.steps = restart_view::steps(&steps_reached, None, true);
                run.result = RunResult::Failed;
                run.message =
                    format!("IB Gateway restarted, but the session did not come back: {why}");
            });
        }
    }
}

/// Exactly one reconnect once the Gateway listens again: one attempt now unless a session is already up
/// or being opened. Returns when the session was seen connected, or why it was not.
async fn one_reconnect(state: &AppState) -> Result<i64, String> {
    let mut watch = state.supervisor.watch();
    let before = watch.borrow_and_update().clone();
    let attempts_before = before.connect_attempts;
    match before.lifecycle {
        Lifecycle::Connected => return Ok(gateway_core::now_ms()),
        Lifecycle::Connecting { .. } | Lifecycle::Unresponsive => {}
        Lifecycle::Idle
        | Lifecycle::Backoff { .. }
        | Lifecycle::Latched { .. }
        | Lifecycle::Failed { .. } => {
            record(
                state,
                "info",
                "IB Gateway is listening again: one reconnect now".into(),
            );
            state.reset_guardrail().await.map_err(|e| e.to_string())?;
        }
    }
    let timeout = state
        .applied()
        .map_or(Duration::from_secs(30), |c| c.timeout())
        + SESSION_MARGIN;
    let wait = async {
        loop {
            let now = watch.borrow_and_update().clone();
            match &now.lifecycle {
                Lifecycle::Connected => return Ok(gateway_core::now_ms()),
                Lifecycle::Latched { error }
                | Lifecycle::Failed { error }
                | Lifecycle::Backoff { error, .. }
                    if now.connect_attempts > attempts_before =>
                {
                    return Err(error.message.clone());
                }
                _ => {}
            }
            if watch.changed().await.is_err() {
                return Err("Gateway Doctor is closing".to_string());
            }
        }
    };
    tokio::time::timeout(timeout, wait)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} s", timeout.as_secs())))
}

/// Automatic restart (the ibc_auto_restart setting, off unless the trader turns it on): when the guardrail
/// latches while the app runs (the API layer stopped answering, or the Gateway kept dropping sessions), one
/// restart through IBC with the same guard as the button. Never for the demo gateway, never when IBC sets the
/// Gateway to another port than the session's (it may be another Gateway), never inside an IBKR reset window
/// (restart_view.rs: `auto_restart_hold`), and never for a LIVE account during market hours (that needs the
/// trader's yes): each of these is logged instead.
pub async fn auto<R: Runtime>(app: AppHandle<R>) {
    let state = app.state::<AppState>();
    let mut watch = state.supervisor.watch();
    let mut was_latched = matches!(
        watch.borrow_and_update().lifecycle,
        Lifecycle::Latched { .. }
    );
    while watch.changed().await.is_ok() {
        let code = match &watch.borrow_and_update().lifecycle {
            Lifecycle::Latched { error } => Some(error.code),
            _ => None,
        };
        let entered = code.is_some() && !was_latched;
        was_latched = code.is_some();
        let dead_api = matches!(
            code,
            Some(ErrorCode::GatewayUnresponsive | ErrorCode::GatewayDropsSessions)
        );
        if !entered || !dead_api || !ibc_auto_restart_on(&state) {
            continue;
        }
        let demo = state.demo.status().await.is_some();
        let view = view(&state, &app.state::<Restarts>());
        let window = state.presence.borrow().reset_window.clone();
        if let Some(why) =
            restart_view::auto_restart_hold(demo, view.port_fix.as_ref(), window.as_ref())
        {
            record(&state, "warn", format!("automatic restart not sent: {why}"));
            continue;
        }
        match start(&app, false, true) {
            Ok(_) => {}
            Err(err) => record(&state, "warn", format!("automatic restart not sent: {err}")),
        }
    }
}

/// The ibc_auto_restart setting as it is now (off while it cannot be read).
fn ibc_auto_restart_on(state: &AppState) -> bool {
    state
        .config
        .resolve()
        .view
        .settings
        .iter()
        .any(|s| s.key == Key::IbcAutoRestart && s.value == SettingValue::Bool(true))
}

/// "Reconnect the Gateway's account link": RECONNECTACCOUNT to IBC (after a long loss of the Gateway's link
/// to IBKR). No restart, no new login: IB Gateway reconnects to IBKR's servers. Returns IBC's reply.
pub async fn reconnect_account(state: &AppState) -> Result<String, RestartError> {
    send_logged(state, IbcCommand::ReconnectAccount).await
}

/// Sends one command to IBC's command server, with what was sent and IBC's reply in the log; IBC's ERROR
/// is an error.
async fn send_logged(state: &AppState, command: IbcCommand) -> Result<String, RestartError> {
    let (_, config) = find_for(state);
    let config = config.ok_or_else(|| {
        RestartError::NotFound("no IBC settings file (config.ini) was found".into())
    })?;
    let server = CommandServer::from_config(&config)?;
    let word = command.word();
    record(
        state,
        "info",
        format!(
            "sending {word} to IBC's command server at {}",
            server.address()
        ),
    );
    let exchange = match ibc::send(&server, command, Timeouts::default()).await {
        Ok(exchange) => exchange,
        Err(err) => {
            record(
                state,
                "error",
                format!("{word} through IBC failed: {err} ({})", err.details()),
            );
            return Err(err.into());
        }
    };
    record(
        state,
        "info",
        format!("IBC answered {word} with {:?}", exchange.reply_line),
    );
    match exchange.reply {
        ibc::Reply::Ok(_) => Ok(exchange.reply_line),
        ibc::Reply::Error(text) => Err(RestartError::Ibc(IbcError::CommandFailed {
            server: server.address(),
            command: word,
            text,
        })),
    }
}

/// "Start IB Gateway", when nothing listens on the port, no IB Gateway or TWS runs, and one is installed.
fn start_offer(state: &AppState, port: u16) -> Option<GatewayInstall> {
    let found = match &state.options.gateway_installs {
        Some(candidates) => restart_start::find(candidates),
        None => restart_start::find(&restart_start::usual_places()),
    }?;
    // One kernel query; a table that cannot be read offers nothing (nothing is claimed).
    let listening = gateway_core::sockets::scan_quick(port)
        .map(|quick| quick.listeners > 0)
        .unwrap_or(true);
    let running = !listening && !gateway_core::sockets::gateway_processes().is_empty();
    restart_start::offer(port, listening, running, Some(&found))
}

/// Starts IB Gateway when the view offers it (checked again now), and logs it.
pub fn start_gateway(state: &AppState) -> Result<String, RestartError> {
    let (_, port) = gateway(state);
    let install = start_offer(state, port).ok_or_else(|| {
        RestartError::CannotStart(format!(
            "IB Gateway was not started: it is running already (or something listens on port {port}), or \
             no installation was found in its usual places"
        ))
    })?;
    let pid = restart_start::launch(std::path::Path::new(&install.path)).map_err(|err| {
        record(
            state,
            "error",
            format!("starting IB Gateway with {} failed: {err}", install.path),
        );
        RestartError::CannotStart(format!(
            "IB Gateway could not be started from {}: {err}",
            install.path
        ))
    })?;
    record(
        state,
        "info",
        format!(
            "started IB Gateway with {} (pid {pid}){}",
            install.path,
            if install.via_ibc {
                ", IBC's start script"
            } else {
                ""
            }
        ),
    );
    Ok(if install.via_ibc {
        "IB Gateway is starting through IBC. It logs in by itself; approve the 2FA on your phone if asked.".into()
    } else {
        "IB Gateway is starting. Log in, and approve the 2FA on your phone.".into()
    })
}

/// "Stop IB Gateway": STOP to IBC (after the trader confirmed), and the session stopped so it does not
/// retry against a Gateway that is gone on purpose. Returns IBC's reply.
pub async fn stop(state: &AppState, confirmed: bool) -> Result<String, RestartError> {
    if !confirmed {
        return Err(RestartError::ConfirmationRequired(
            "Stop IB Gateway? It closes and stays closed until you start it again (then it asks for a login \
             and a 2FA approval on your phone)."
                .into(),
        ));
    }
    let reply = send_logged(state, IbcCommand::Stop).await?;
    state.supervisor.stop().await.map_err(AppError::from)?;
    Ok(reply)
}
