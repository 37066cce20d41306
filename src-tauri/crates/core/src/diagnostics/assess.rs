//! From observations to a checklist and one verdict. Pure: everything it knows is in [`Observations`], so
//! every verdict is table-tested without a Gateway, and the real-process tests only prove the observing.

use gateway_proto::words::{
    API_CLIENT_LIGHT_NOTE, API_SETTINGS_MENU, RESTART_BY_HAND, api_settings_steps,
};
use gateway_proto::{
    AccountMode, Check, CheckId, CheckStatus, ClientIdHolders, ClientLedger, ErrorCode,
    GatewayProcess, PortScan, Report, Verdict, WorkerStatus, ZombieSide,
};

use super::account::session_mode;
use super::session_checks::add_session_checks;
use super::session_test::PingOutcome;
use super::verdict::verdict;
use crate::config::InvalidValue;
use crate::reset_window::InWindow;
use crate::sockets::client_id_holders;

/// Ports IB Gateway and TWS use, for "the Gateway listens on another port".
pub const KNOWN_PORTS: [(u16, &str); 4] = [
    (4002, "IB Gateway paper"),
    (4001, "IB Gateway live"),
    (7497, "TWS paper"),
    (7496, "TWS live"),
];

/// Where the API is turned on and its port set, in IB Gateway and TWS alike.
pub(super) const API_STEPS: &str = "Turn on its API: in Configure \u{2192} Settings \u{2192} API \u{2192} \
     Settings, tick \u{201c}Enable ActiveX and Socket Clients\u{201d} (where it is shown) and check the \
     \u{201c}Socket port\u{201d}.";

pub(super) const RESTART_STEPS: &str = RESTART_BY_HAND;

/// Everything diagnose saw.
#[derive(Debug, Clone, Default)]
pub struct Observations {
    pub port: u16,
    /// The session's client id; `None` while the settings need fixing (no id is made up then).
    pub client_id: Option<i32>,
    pub config_errors: Vec<InvalidValue>,
    pub scan: Option<PortScan>,
    /// The client-id ledger of `scan`: the programs connected, and the client id each is seen using.
    pub ledger: Option<ClientLedger>,
    pub scan_error: Option<String>,
    /// Accept-queue lengths of the listener, sampled a short time apart.
    pub accept_queue_samples: Vec<u32>,
    /// Other known IB ports that have a listener.
    pub other_listening_ports: Vec<u16>,
    /// IB Gateway / TWS processes running, looked for only when nothing listens on the port.
    pub gateway_processes: Vec<GatewayProcess>,
    /// The session's status (ours, or the open app's), when there was one to look at.
    pub worker: Option<WorkerStatus>,
    /// The bounded ping through a session that was already live.
    pub ping: Option<PingOutcome>,
    /// Whose session `worker` describes.
    pub source: SessionSource,
    /// Our own worker processes (their sessions are ours, not "other programs").
    pub our_pids: Vec<u32>,
    pub reset_window: Option<InWindow>,
}

/// Who holds the session's client id, from the ledger (the same words Status shows); `None` without a
/// ledger or a client id.
pub(super) fn holders_words(obs: &Observations) -> Option<ClientIdHolders> {
    let ledger = obs.ledger.as_ref()?;
    Some(client_id_holders(ledger, i64::from(obs.client_id?)))
}

/// Whose session tested the API, for the checklist's details.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SessionSource {
    /// No session was looked at: the API was not tested.
    #[default]
    None,
    /// This program's own session (the app's supervisor, or the CLI's `--handshake`).
    Own,
    /// The session of the Gateway Doctor app that is open, asked over its local link.
    App { app_pid: u32 },
}

pub(super) struct Builder {
    pub(super) checks: Vec<Check>,
}

impl Builder {
    pub(super) fn add(
        &mut self,
        id: CheckId,
        title: &str,
        status: CheckStatus,
        detail: impl Into<String>,
        next_step: Option<&str>,
    ) {
        self.checks.push(Check {
            id,
            title: title.into(),
            status,
            detail: detail.into(),
            next_step: next_step.map(str::to_string),
            technical: None,
            ms: None,
        });
    }

    /// The technical facts behind the check just added, for "Details".
    pub(super) fn technical(&mut self, text: impl Into<String>) {
        if let Some(last) = self.checks.last_mut() {
            last.technical = Some(text.into());
        }
    }

    pub(super) fn status(&self, id: CheckId) -> CheckStatus {
        self.checks
            .iter()
            .find(|c| c.id == id)
            .map_or(CheckStatus::Skip, |c| c.status)
    }
}

/// Builds the checklist and picks the verdict.
pub fn assess(obs: &Observations) -> Report {
    let mut b = Builder { checks: Vec::new() };
    let listener = obs.scan.as_ref().and_then(|s| s.listeners.first());
    let handshake_error = obs
        .worker
        .as_ref()
        .and_then(|w| w.last_error.as_ref())
        .map(|e| e.code);
    let session = obs.worker.as_ref().map(|w| w.session);

    // config
    match obs.config_errors.first() {
        Some(first) => b.add(
            CheckId::Config,
            "Settings",
            CheckStatus::Fail,
            first.message.clone(),
            Some("Open Settings and correct the value."),
        ),
        None => b.add(
            CheckId::Config,
            "Settings",
            CheckStatus::Pass,
            match obs.client_id {
                Some(id) => format!("Port {}, client id {id}.", obs.port),
                None => format!("Port {}.", obs.port),
            },
            None,
        ),
    }

    // port_listening + gateway_process
    match (&obs.scan, listener) {
        (None, _) => {
            b.add(
                CheckId::PortListening,
                "Gateway port",
                CheckStatus::Skip,
                "Could not read this computer's connections.",
                Some("Run Gateway Doctor as the same user as IB Gateway."),
            );
            b.technical(obs.scan_error.as_deref().unwrap_or("unknown error"));
        }
        (Some(_), Some(_)) => b.add(CheckId::PortListening, "Gateway port", CheckStatus::Pass, format!("Something is listening on port {}.", obs.port), None),
        (Some(_), None) => b.add(
            CheckId::PortListening,
            "Gateway port",
            CheckStatus::Fail,
            format!("Nothing is listening on port {}.", obs.port),
            Some("Start IB Gateway and log in; check the \u{201c}Socket port\u{201d} in Configure \u{2192} Settings \u{2192} API \u{2192} Settings."),
        ),
    }
    let gateway = obs
        .scan
        .as_ref()
        .and_then(|s| s.processes.iter().find(|p| p.is_gateway));
    match (listener, gateway) {
        (Some(_), Some(p)) => {
            b.add(CheckId::GatewayProcess, "Gateway program", CheckStatus::Pass, format!("{} has the port open.", p.name), None);
            b.technical(format!("pid {}", p.pid));
        }
        (Some(_), None) => b.add(CheckId::GatewayProcess, "Gateway program", CheckStatus::Skip, "The program that owns the port could not be identified (it may belong to another user).", None),
        (None, _) => match obs.gateway_processes.first() {
            Some(p) => {
                b.add(
                    CheckId::GatewayProcess,
                    "Gateway program",
                    CheckStatus::Warn,
                    format!("{} is running, but nothing listens on port {}.", p.product.label(), obs.port),
                    Some(API_STEPS),
                );
                b.technical(format!("pid {}", p.pid));
            }
            None => b.add(CheckId::GatewayProcess, "Gateway program", CheckStatus::Skip, "No program owns the port.", None),
        },
    }

    // accept_queue
    let stuck =
        !obs.accept_queue_samples.is_empty() && obs.accept_queue_samples.iter().all(|&q| q > 0);
    match (listener, stuck, obs.accept_queue_samples.iter().max()) {
        (None, _, _) | (_, _, None) => b.add(
            CheckId::AcceptQueue,
            "Gateway accepting connections",
            CheckStatus::Skip,
            "No listener to look at.",
            None,
        ),
        (Some(_), true, Some(q)) => {
            b.add(
                CheckId::AcceptQueue,
                "Gateway accepting connections",
                CheckStatus::Fail,
                format!("{q} connection(s) are waiting and the Gateway is not taking them: its API layer has stopped."),
                Some(RESTART_STEPS),
            );
            b.technical(format!(
                "accept queue samples: {:?}",
                obs.accept_queue_samples
            ));
        }
        (Some(_), false, Some(_)) => b.add(
            CheckId::AcceptQueue,
            "Gateway accepting connections",
            CheckStatus::Pass,
            "New connections are taken at once.",
            None,
        ),
    }

    // zombies
    let zombies = |side| {
        obs.scan.as_ref().map_or(0, |s| {
            s.zombies.iter().filter(|z| z.side == side).count() as u32
        })
    };
    let (client_zombies, gateway_zombies) =
        (zombies(ZombieSide::Client), zombies(ZombieSide::Gateway));
    if client_zombies > 0 {
        b.add(
            CheckId::ZombiesClient,
            "Stale connections (programs)",
            CheckStatus::Warn,
            format!("{client_zombies} stale connection(s) to the Gateway are still held open by programs on this computer; they can keep a client id taken."),
            Some("Clean up the stale connections (Connections \u{2192} Clean up)."),
        );
        b.technical(format!(
            "{client_zombies} CLOSE_WAIT socket(s) held by local processes"
        ));
    } else {
        b.add(
            CheckId::ZombiesClient,
            "Stale connections (programs)",
            CheckStatus::Pass,
            "None.",
            None,
        );
    }
    if gateway_zombies > 0 {
        b.add(
            CheckId::ZombiesGateway,
            "Stale connections (Gateway side)",
            CheckStatus::Warn,
            format!("The Gateway holds {gateway_zombies} closed connection(s) it never finished; only a Gateway restart clears them."),
            Some(RESTART_STEPS),
        );
        b.technical(format!(
            "{gateway_zombies} CLOSE_WAIT socket(s) with the Gateway port as local port"
        ));
    } else {
        b.add(
            CheckId::ZombiesGateway,
            "Stale connections (Gateway side)",
            CheckStatus::Pass,
            "None.",
            None,
        );
    }

    // client_id_conflict
    let others = obs.scan.as_ref().map_or(0, |s| {
        s.live_sessions
            .iter()
            .filter(|e| !e.pids.iter().any(|p| obs.our_pids.contains(p)))
            .count()
    });
    match obs.client_id {
        None => b.add(
            CheckId::ClientIdConflict,
            "Client id",
            CheckStatus::Skip,
            "Not checked: the settings need fixing first.",
            Some("Open Settings and correct the value."),
        ),
        Some(id) if handshake_error == Some(ErrorCode::ClientIdInUse) => {
            let holder = holders_words(obs)
                .map(|h| format!(" {}", h.summary))
                .unwrap_or_default();
            b.add(
                CheckId::ClientIdConflict,
                "Client id",
                CheckStatus::Fail,
                format!("Client id {id} is already used by another connection to the Gateway.{holder}"),
                Some("Close the other program using this client id, clean up stale connections, or pick another client id in Settings."),
            );
        }
        Some(id) if others > 0 => b.add(CheckId::ClientIdConflict, "Client id", CheckStatus::Pass, format!("{others} other program(s) are connected to the Gateway; client id {id} was not refused."), None),
        Some(id) => b.add(
            CheckId::ClientIdConflict,
            "Client id",
            CheckStatus::Pass,
            format!("No other connection is using the Gateway; client id {id} is free."),
            None,
        ),
    }

    // handshake, api_start, heartbeat, ib_link, farms
    add_session_checks(&mut b, obs.worker.as_ref(), obs.ping.as_ref(), obs.source);

    // reset_window
    match &obs.reset_window {
        Some(w) => b.add(
            CheckId::ResetWindow,
            "IBKR reset window",
            CheckStatus::Warn,
            format!("Now inside the {} until {}.", w.name, w.ends_local),
            None,
        ),
        None => b.add(
            CheckId::ResetWindow,
            "IBKR reset window",
            CheckStatus::Pass,
            "Not inside a scheduled reset.",
            None,
        ),
    }

    // account_mode
    let accounts = obs
        .worker
        .as_ref()
        .map(|w| w.accounts.clone())
        .unwrap_or_default();
    let mode = session_mode(Some(obs.port), &accounts);
    let (mode_status, mode_text) = match mode {
        Some(AccountMode::Live) => (
            CheckStatus::Pass,
            "LIVE: orders placed through this Gateway use real money.",
        ),
        Some(AccountMode::Paper) => (CheckStatus::Pass, "PAPER trading."),
        None => (
            CheckStatus::Skip,
            "Not known yet: IB Gateway names its accounts once a session is open.",
        ),
    };
    b.add(
        CheckId::AccountMode,
        "Paper or live",
        mode_status,
        mode_text,
        None,
    );

    let (verdict, summary, next_step, remedy) =
        verdict(obs, &b, handshake_error, session, client_zombies);
    Report {
        verdict,
        summary,
        next_step,
        settings_to_check: settings_for(verdict, obs.port),
        note: note_for(verdict),
        remedy,
        account_mode: mode,
        checks: b.checks,
        took_ms: 0.0,
    }
}

/// The Gateway's API settings to walk through, for a verdict: when the Gateway refused or dropped the
/// connection, or listens elsewhere.
pub(super) fn settings_for(verdict: Verdict, port: u16) -> Vec<String> {
    match verdict {
        Verdict::WrongPortOrApiDisabled => api_settings_steps(Some(port)),
        _ => Vec::new(),
    }
}

/// The note on the Gateway's "API client" light, wherever a red light in the Gateway's own window could be
/// taken for the problem (or for a new one).
pub(super) fn note_for(verdict: Verdict) -> Option<String> {
    matches!(
        verdict,
        Verdict::WrongPortOrApiDisabled
            | Verdict::ListeningNotTested
            | Verdict::GatewayUnresponsive
    )
    .then(|| API_CLIENT_LIGHT_NOTE.to_string())
}

/// The menu path in the verdict's next steps, from the one definition.
pub(super) fn api_menu() -> &'static str {
    API_SETTINGS_MENU
}
