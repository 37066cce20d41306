//! The checks that read this computer: the settings, the Gateway's port and program, its accept queue, stale
//! connections on either side, the client id, the reset window and paper or live. One function per check,
//! each adding its line to the checklist; `assess` calls them in the report's order.

use gateway_proto::{AccountMode, CheckId, CheckStatus, ErrorCode, ListenerSocket, ZombieSide};

use super::account::session_mode;
use super::assess::{API_STEPS, Builder, Observations, RESTART_STEPS, holders_words};

const SETTINGS: &str = "Settings";
const GATEWAY_PORT: &str = "Gateway port";
const GATEWAY_PROGRAM: &str = "Gateway program";
const ACCEPTING: &str = "Gateway accepting connections";
const CLIENT_ID: &str = "Client id";
const FIX_SETTINGS: &str = "Open Settings and correct the value.";

pub(super) fn check_config(b: &mut Builder, obs: &Observations) {
    match obs.config_errors.first() {
        Some(first) => b.add(
            CheckId::Config,
            SETTINGS,
            CheckStatus::Fail,
            first.message.clone(),
            Some(FIX_SETTINGS),
        ),
        None => b.add(
            CheckId::Config,
            SETTINGS,
            CheckStatus::Pass,
            match obs.client_id {
                Some(id) => format!("Port {}, client id {id}.", obs.port),
                None => format!("Port {}.", obs.port),
            },
            None,
        ),
    }
}

pub(super) fn check_port_listening(
    b: &mut Builder,
    obs: &Observations,
    listener: Option<&ListenerSocket>,
) {
    match (&obs.scan, listener) {
        (None, _) => {
            b.add(
                CheckId::PortListening,
                GATEWAY_PORT,
                CheckStatus::Skip,
                "Could not read this computer's connections.",
                Some("Run Gateway Doctor as the same user as IB Gateway."),
            );
            b.technical(obs.scan_error.as_deref().unwrap_or("unknown error"));
        }
        (Some(_), Some(_)) => b.add(
            CheckId::PortListening,
            GATEWAY_PORT,
            CheckStatus::Pass,
            format!("Something is listening on port {}.", obs.port),
            None,
        ),
        (Some(_), None) => b.add(
            CheckId::PortListening,
            GATEWAY_PORT,
            CheckStatus::Fail,
            format!("Nothing is listening on port {}.", obs.port),
            Some(
                "Start IB Gateway and log in; check the \u{201c}Socket port\u{201d} in Configure \u{2192} Settings \u{2192} API \u{2192} Settings.",
            ),
        ),
    }
}

pub(super) fn check_gateway_process(
    b: &mut Builder,
    obs: &Observations,
    listener: Option<&ListenerSocket>,
) {
    let gateway = obs
        .scan
        .as_ref()
        .and_then(|s| s.processes.iter().find(|p| p.is_gateway));
    match (listener, gateway) {
        (Some(_), Some(p)) => {
            b.add(
                CheckId::GatewayProcess,
                GATEWAY_PROGRAM,
                CheckStatus::Pass,
                format!("{} has the port open.", p.name),
                None,
            );
            b.technical(format!("pid {}", p.pid));
        }
        (Some(_), None) => b.add(
            CheckId::GatewayProcess,
            GATEWAY_PROGRAM,
            CheckStatus::Skip,
            "The program that owns the port could not be identified (it may belong to another user).",
            None,
        ),
        (None, _) => match obs.gateway_processes.first() {
            Some(p) => {
                b.add(
                    CheckId::GatewayProcess,
                    GATEWAY_PROGRAM,
                    CheckStatus::Warn,
                    format!(
                        "{} is running, but nothing listens on port {}.",
                        p.product.label(),
                        obs.port
                    ),
                    Some(API_STEPS),
                );
                b.technical(format!("pid {}", p.pid));
            }
            None => b.add(
                CheckId::GatewayProcess,
                GATEWAY_PROGRAM,
                CheckStatus::Skip,
                "No program owns the port.",
                None,
            ),
        },
    }
}

pub(super) fn check_accept_queue(
    b: &mut Builder,
    obs: &Observations,
    listener: Option<&ListenerSocket>,
) {
    let stuck =
        !obs.accept_queue_samples.is_empty() && obs.accept_queue_samples.iter().all(|&q| q > 0);
    match (listener, stuck, obs.accept_queue_samples.iter().max()) {
        (None, _, _) | (_, _, None) => b.add(
            CheckId::AcceptQueue,
            ACCEPTING,
            CheckStatus::Skip,
            "No listener to look at.",
            None,
        ),
        (Some(_), true, Some(q)) => {
            b.add(
                CheckId::AcceptQueue,
                ACCEPTING,
                CheckStatus::Fail,
                format!(
                    "{q} connection(s) are waiting and the Gateway is not taking them: its API layer has stopped."
                ),
                Some(RESTART_STEPS),
            );
            b.technical(format!(
                "accept queue samples: {:?}",
                obs.accept_queue_samples
            ));
        }
        (Some(_), false, Some(_)) => b.add(
            CheckId::AcceptQueue,
            ACCEPTING,
            CheckStatus::Pass,
            "New connections are taken at once.",
            None,
        ),
    }
}

/// How many stale connections the scan saw on `side`.
pub(super) fn zombies(obs: &Observations, side: ZombieSide) -> u32 {
    obs.scan.as_ref().map_or(0, |s| {
        s.zombies.iter().filter(|z| z.side == side).count() as u32
    })
}

pub(super) fn check_client_zombies(b: &mut Builder, count: u32) {
    check_zombies(
        b,
        CheckId::ZombiesClient,
        "Stale connections (programs)",
        count,
        || {
            (
                format!(
                    "{count} stale connection(s) to the Gateway are still held open by programs on this computer; they can keep a client id taken."
                ),
                "Clean up the stale connections (Connections \u{2192} Clean up).",
                format!("{count} CLOSE_WAIT socket(s) held by local processes"),
            )
        },
    );
}

pub(super) fn check_gateway_zombies(b: &mut Builder, count: u32) {
    check_zombies(
        b,
        CheckId::ZombiesGateway,
        "Stale connections (Gateway side)",
        count,
        || {
            (
                format!(
                    "The Gateway holds {count} closed connection(s) it never finished; only a Gateway restart clears them."
                ),
                RESTART_STEPS,
                format!("{count} CLOSE_WAIT socket(s) with the Gateway port as local port"),
            )
        },
    );
}

/// "None." when there are no stale connections; else a warning with its detail, next step and technical
/// facts from `found`.
fn check_zombies(
    b: &mut Builder,
    id: CheckId,
    title: &str,
    count: u32,
    found: impl FnOnce() -> (String, &'static str, String),
) {
    if count == 0 {
        return b.add(id, title, CheckStatus::Pass, "None.", None);
    }
    let (detail, next_step, technical) = found();
    b.add(id, title, CheckStatus::Warn, detail, Some(next_step));
    b.technical(technical);
}

pub(super) fn check_client_id(
    b: &mut Builder,
    obs: &Observations,
    handshake_error: Option<&ErrorCode>,
) {
    let others = obs.scan.as_ref().map_or(0, |s| {
        s.live_sessions
            .iter()
            .filter(|e| !e.pids.iter().any(|p| obs.our_pids.contains(p)))
            .count()
    });
    match obs.client_id {
        None => b.add(
            CheckId::ClientIdConflict,
            CLIENT_ID,
            CheckStatus::Skip,
            "Not checked: the settings need fixing first.",
            Some(FIX_SETTINGS),
        ),
        Some(id) if handshake_error == Some(&ErrorCode::ClientIdInUse) => {
            let holder = holders_words(obs)
                .map(|h| format!(" {}", h.summary))
                .unwrap_or_default();
            b.add(
                CheckId::ClientIdConflict,
                CLIENT_ID,
                CheckStatus::Fail,
                format!(
                    "Client id {id} is already used by another connection to the Gateway.{holder}"
                ),
                Some(
                    "Close the other program using this client id, clean up stale connections, or pick another client id in Settings.",
                ),
            );
        }
        Some(id) if others > 0 => b.add(
            CheckId::ClientIdConflict,
            CLIENT_ID,
            CheckStatus::Pass,
            format!(
                "{others} other program(s) are connected to the Gateway; client id {id} was not refused."
            ),
            None,
        ),
        Some(id) => b.add(
            CheckId::ClientIdConflict,
            CLIENT_ID,
            CheckStatus::Pass,
            format!("No other connection is using the Gateway; client id {id} is free."),
            None,
        ),
    }
}

pub(super) fn check_reset_window(b: &mut Builder, obs: &Observations) {
    const TITLE: &str = "IBKR reset window";
    match &obs.reset_window {
        Some(w) => b.add(
            CheckId::ResetWindow,
            TITLE,
            CheckStatus::Warn,
            format!("Now inside the {} until {}.", w.name, w.ends_local),
            None,
        ),
        None => b.add(
            CheckId::ResetWindow,
            TITLE,
            CheckStatus::Pass,
            "Not inside a scheduled reset.",
            None,
        ),
    }
}

/// Paper or live, from the port and the session's accounts (core's one rule, account.rs); the report carries
/// the mode too, `None` while nothing tells (never guessed).
pub(super) fn check_account_mode(b: &mut Builder, obs: &Observations) -> Option<AccountMode> {
    let accounts = obs
        .worker
        .as_ref()
        .map(|w| w.accounts.clone())
        .unwrap_or_default();
    let mode = session_mode(Some(obs.port), &accounts);
    let (status, text) = match mode {
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
    b.add(CheckId::AccountMode, "Paper or live", status, text, None);
    mode
}
