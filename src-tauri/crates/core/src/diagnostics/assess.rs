//! From observations to a checklist and one verdict. Pure: everything it knows is in [`Observations`], so
//! every verdict is table-tested without a Gateway, and the real-process tests only prove the observing.

use gateway_proto::words::{
    API_CLIENT_LIGHT_NOTE, API_SETTINGS_MENU, RESTART_BY_HAND, api_settings_steps,
};
use gateway_proto::{
    Check, CheckId, CheckStatus, ClientIdHolders, ClientLedger, GatewayProcess, PortScan, Report,
    Verdict, WorkerStatus, ZombieSide,
};

use super::local_checks::{
    check_accept_queue, check_account_mode, check_client_id, check_client_zombies, check_config,
    check_gateway_process, check_gateway_zombies, check_port_listening, check_reset_window,
    zombies,
};
use super::session_checks::add_session_checks;
use super::session_test::PingOutcome;
use super::verdict::{Conclusion, verdict};
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

/// Builds the checklist, one check after another in the report's order, and picks the verdict.
pub fn assess(obs: &Observations) -> Report {
    let mut b = Builder { checks: Vec::new() };
    let listener = obs.scan.as_ref().and_then(|s| s.listeners.first());
    let handshake_error = obs
        .worker
        .as_ref()
        .and_then(|w| w.last_error.as_ref())
        .map(|e| e.code.clone());
    let session = obs.worker.as_ref().map(|w| w.session);

    check_config(&mut b, obs);
    check_port_listening(&mut b, obs, listener);
    check_gateway_process(&mut b, obs, listener);
    check_accept_queue(&mut b, obs, listener);
    let client_zombies = zombies(obs, ZombieSide::Client);
    check_client_zombies(&mut b, client_zombies);
    check_gateway_zombies(&mut b, zombies(obs, ZombieSide::Gateway));
    check_client_id(&mut b, obs, handshake_error.as_ref());
    // handshake, api_start, heartbeat, ib_link, farms
    add_session_checks(&mut b, obs.worker.as_ref(), obs.ping.as_ref(), obs.source);
    check_reset_window(&mut b, obs);
    let mode = check_account_mode(&mut b, obs);

    let Conclusion {
        verdict,
        summary,
        next_step,
        remedy,
    } = verdict(obs, &b, handshake_error, session, client_zombies);
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
