//! From observations to a checklist and one verdict. Pure: everything it knows is in [`Observations`], so
//! every verdict is table-tested without a Gateway, and the real-process tests only prove the observing.

use gateway_proto::{
    AccountMode, Check, CheckId, CheckStatus, ErrorCode, HandshakeStepName, LinkState, PortScan,
    Remedy, Report, SessionState, Verdict, WorkerStatus, ZombieSide,
};

use crate::config::InvalidValue;
use crate::reset_window::InWindow;

/// Ports IB Gateway and TWS use, for "the Gateway listens on another port".
pub const KNOWN_PORTS: [(u16, &str); 4] = [
    (4002, "IB Gateway paper"),
    (4001, "IB Gateway live"),
    (7497, "TWS paper"),
    (7496, "TWS live"),
];

const RESTART_STEPS: &str = "Restart IB Gateway: File -> Exit, start IB Gateway again, log in and approve the 2FA \
     prompt on your phone. Gateway Doctor reconnects by itself once it is back.";

/// Everything diagnose saw.
#[derive(Debug, Clone, Default)]
pub struct Observations {
    pub port: u16,
    pub client_id: i32,
    pub config_errors: Vec<InvalidValue>,
    pub scan: Option<PortScan>,
    pub scan_error: Option<String>,
    /// Accept-queue lengths of the listener, sampled a short time apart.
    pub accept_queue_samples: Vec<u32>,
    /// Other known IB ports that have a listener.
    pub other_listening_ports: Vec<u16>,
    /// The worker's status: the live session's, or the one handshake's.
    pub worker: Option<WorkerStatus>,
    /// Our own worker processes (their sessions are ours, not "other programs").
    pub our_pids: Vec<u32>,
    pub reset_window: Option<InWindow>,
}

struct Builder {
    checks: Vec<Check>,
}

impl Builder {
    fn add(
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
            ms: 0.0,
        });
    }

    fn status(&self, id: CheckId) -> CheckStatus {
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
            format!("Port {}, client id {}.", obs.port, obs.client_id),
            None,
        ),
    }

    // port_listening + gateway_process
    match (&obs.scan, listener) {
        (None, _) => b.add(
            CheckId::PortListening,
            "Gateway port",
            CheckStatus::Skip,
            format!("Could not read this computer's connections: {}", obs.scan_error.as_deref().unwrap_or("unknown error")),
            None,
        ),
        (Some(_), Some(_)) => b.add(CheckId::PortListening, "Gateway port", CheckStatus::Pass, format!("Something is listening on port {}.", obs.port), None),
        (Some(_), None) => b.add(
            CheckId::PortListening,
            "Gateway port",
            CheckStatus::Fail,
            format!("Nothing is listening on port {}.", obs.port),
            Some("Start IB Gateway and log in; check Configure -> Settings -> API -> Settings for the socket port."),
        ),
    }
    let gateway = obs
        .scan
        .as_ref()
        .and_then(|s| s.processes.iter().find(|p| p.is_gateway));
    match (listener, gateway) {
        (Some(_), Some(p)) => b.add(CheckId::GatewayProcess, "Gateway program", CheckStatus::Pass, format!("{} (process {}) owns the port.", p.name, p.pid), None),
        (Some(_), None) => b.add(CheckId::GatewayProcess, "Gateway program", CheckStatus::Skip, "The program that owns the port could not be identified (it may belong to another user).", None),
        (None, _) => b.add(CheckId::GatewayProcess, "Gateway program", CheckStatus::Skip, "No program owns the port.", None),
    }

    // accept_queue
    let stuck =
        !obs.accept_queue_samples.is_empty() && obs.accept_queue_samples.iter().all(|&q| q > 0);
    match (listener, stuck, obs.accept_queue_samples.iter().max()) {
        (None, _, _) | (_, _, None) => b.add(CheckId::AcceptQueue, "Gateway accepting connections", CheckStatus::Skip, "No listener to look at.", None),
        (Some(_), true, Some(q)) => b.add(
            CheckId::AcceptQueue,
            "Gateway accepting connections",
            CheckStatus::Fail,
            format!("{q} connection(s) are waiting and the Gateway is not taking them: its API layer has stopped."),
            Some(RESTART_STEPS),
        ),
        (Some(_), false, Some(_)) => b.add(CheckId::AcceptQueue, "Gateway accepting connections", CheckStatus::Pass, "New connections are taken at once.", None),
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
            Some("Clean up the stale connections (Connections -> Clean up)."),
        );
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
    if handshake_error == Some(ErrorCode::ClientIdInUse) {
        b.add(
            CheckId::ClientIdConflict,
            "Client id",
            CheckStatus::Fail,
            format!("Client id {} is already used by another connection to the Gateway.", obs.client_id),
            Some("Close the other program using this client id, clean up stale connections, or pick another client id in Settings."),
        );
    } else if others > 0 {
        b.add(CheckId::ClientIdConflict, "Client id", CheckStatus::Pass, format!("{others} other program(s) are connected to the Gateway; client id {} was not refused.", obs.client_id), None);
    } else {
        b.add(
            CheckId::ClientIdConflict,
            "Client id",
            CheckStatus::Pass,
            format!(
                "No other connection is using the Gateway; client id {} is free.",
                obs.client_id
            ),
            None,
        );
    }

    // handshake, api_start, heartbeat, ib_link, farms
    add_session_checks(&mut b, obs.worker.as_ref());

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
    let mode = account_mode(obs.port, &accounts);
    let mode_text = match mode {
        AccountMode::Live => "LIVE: orders placed through this Gateway use real money.",
        AccountMode::Paper => "PAPER trading.",
    };
    b.add(
        CheckId::AccountMode,
        "Paper or live",
        CheckStatus::Pass,
        mode_text,
        None,
    );

    let (verdict, summary, next_step, remedy) =
        verdict(obs, &b, handshake_error, session, client_zombies);
    Report {
        verdict,
        summary,
        next_step,
        remedy,
        account_mode: Some(mode),
        checks: b.checks,
        took_ms: 0.0,
    }
}

fn add_session_checks(b: &mut Builder, worker: Option<&WorkerStatus>) {
    let Some(w) = worker else {
        for (id, title) in [
            (CheckId::Handshake, "API handshake"),
            (CheckId::ApiStart, "API session start"),
            (CheckId::Heartbeat, "Heartbeat"),
            (CheckId::IbLink, "Gateway link to IB"),
            (CheckId::Farms, "Data farms"),
        ] {
            b.add(
                id,
                title,
                CheckStatus::Skip,
                "No session to look at (connect, or diagnose with a handshake).",
                None,
            );
        }
        return;
    };
    let reached = |step| {
        w.handshake
            .as_ref()
            .is_some_and(|h| h.steps.iter().any(|s| s.step == step))
    };
    let error = w.last_error.as_ref();
    let connected = matches!(
        w.session,
        SessionState::Connected | SessionState::Unresponsive
    );
    if connected {
        let ms = w.handshake.as_ref().map_or(0.0, |h| h.elapsed_ms);
        b.add(
            CheckId::Handshake,
            "API handshake",
            CheckStatus::Pass,
            format!(
                "Completed in {ms:.0} ms; server version {}.",
                w.server_version.unwrap_or_default()
            ),
            None,
        );
        b.add(
            CheckId::ApiStart,
            "API session start",
            CheckStatus::Pass,
            format!("Accounts: {}.", w.accounts.join(", ")),
            None,
        );
    } else if let Some(e) = error {
        b.add(
            CheckId::Handshake,
            "API handshake",
            CheckStatus::Fail,
            e.message.clone(),
            None,
        );
        if reached(HandshakeStepName::ManagedAccounts) && !reached(HandshakeStepName::NextValidId) {
            b.add(CheckId::ApiStart, "API session start", CheckStatus::Fail, "The Gateway sent the accounts but never the first order id (nextValidId): its API layer is stuck.", Some(RESTART_STEPS));
        } else {
            b.add(
                CheckId::ApiStart,
                "API session start",
                CheckStatus::Skip,
                "The handshake did not get that far.",
                None,
            );
        }
    } else {
        b.add(
            CheckId::Handshake,
            "API handshake",
            CheckStatus::Skip,
            "Not connected.",
            None,
        );
        b.add(
            CheckId::ApiStart,
            "API session start",
            CheckStatus::Skip,
            "Not connected.",
            None,
        );
    }
    match (w.session, w.heartbeat.last_rtt_ms) {
        (SessionState::Unresponsive, _) => b.add(
            CheckId::Heartbeat,
            "Heartbeat",
            CheckStatus::Fail,
            format!(
                "{} heartbeat(s) in a row got no answer.",
                w.heartbeat.misses_in_a_row
            ),
            Some(RESTART_STEPS),
        ),
        (SessionState::Connected, Some(rtt)) => b.add(
            CheckId::Heartbeat,
            "Heartbeat",
            CheckStatus::Pass,
            format!("Last round trip {rtt:.1} ms."),
            None,
        ),
        (SessionState::Connected, None) => b.add(
            CheckId::Heartbeat,
            "Heartbeat",
            CheckStatus::Pass,
            "Connected; no heartbeat yet.",
            None,
        ),
        _ => b.add(
            CheckId::Heartbeat,
            "Heartbeat",
            CheckStatus::Skip,
            "Not connected.",
            None,
        ),
    }
    match w.link.state {
        LinkState::Lost | LinkState::ServerBroken => b.add(
            CheckId::IbLink,
            "Gateway link to IB",
            CheckStatus::Fail,
            format!("The Gateway lost its connection to IB's servers ({}).", w.link.code.map_or(String::new(), |c| c.to_string())),
            Some("Wait a few minutes: the Gateway reconnects to IB by itself. Check this computer's internet connection."),
        ),
        LinkState::Unknown => b.add(CheckId::IbLink, "Gateway link to IB", CheckStatus::Pass, "No connectivity problem reported.", None),
        _ => b.add(CheckId::IbLink, "Gateway link to IB", CheckStatus::Pass, "Connected to IB's servers.", None),
    }
    let broken: Vec<&str> = w
        .farms
        .iter()
        .filter(|f| f.state == gateway_proto::FarmState::Broken)
        .map(|f| f.name.as_str())
        .collect();
    if broken.is_empty() {
        b.add(
            CheckId::Farms,
            "Data farms",
            CheckStatus::Pass,
            format!("{} farm(s) reported OK.", w.farms.len()),
            None,
        );
    } else {
        b.add(
            CheckId::Farms,
            "Data farms",
            CheckStatus::Warn,
            format!("Broken: {}.", broken.join(", ")),
            Some(
                "Usually temporary; market data from those farms is delayed until they reconnect.",
            ),
        );
    }
}

type Conclusion = (Verdict, String, String, Option<Remedy>);

fn verdict(
    obs: &Observations,
    b: &Builder,
    handshake_error: Option<ErrorCode>,
    session: Option<SessionState>,
    client_zombies: u32,
) -> Conclusion {
    let fail = |id| b.status(id) == CheckStatus::Fail;
    if let Some(first) = obs.config_errors.first() {
        return (
            Verdict::BadConfig,
            format!("A setting is wrong: {}.", first.message),
            "Open Settings and correct it.".into(),
            Some(Remedy::OpenSettings),
        );
    }
    let problem = fail(CheckId::PortListening)
        || fail(CheckId::IbLink)
        || fail(CheckId::Handshake)
        || fail(CheckId::Heartbeat)
        || fail(CheckId::AcceptQueue);
    if let (Some(w), true) = (&obs.reset_window, problem) {
        return (
            Verdict::ResetWindow,
            format!(
                "IBKR's servers are in their scheduled reset ({}); interruptions are normal now.",
                w.name
            ),
            format!(
                "Nothing to fix: wait until about {}. Gateway Doctor reconnects by itself.",
                w.ends_local
            ),
            Some(Remedy::WaitUntil {
                at_ms: w.ends_at_ms,
            }),
        );
    }
    if fail(CheckId::PortListening) {
        if let Some(&port) = obs.other_listening_ports.first() {
            let name = KNOWN_PORTS
                .iter()
                .find(|(p, _)| *p == port)
                .map_or("IB", |(_, n)| n);
            return (
                Verdict::WrongPortOrApiDisabled,
                format!(
                    "Nothing answers on port {}, but something listens on port {port} ({name}).",
                    obs.port
                ),
                format!(
                    "Switch to port {port}, or set the Gateway's API socket port to {} (Configure -> Settings -> API -> Settings).",
                    obs.port
                ),
                Some(Remedy::SwitchPort { port }),
            );
        }
        return (
            Verdict::GatewayNotRunning,
            format!("IB Gateway is not running (nothing is listening on port {}).", obs.port),
            "Start IB Gateway and log in. If it is running, enable the API in Configure -> Settings -> API -> Settings and check the socket port.".into(),
            Some(Remedy::Retry),
        );
    }
    match handshake_error {
        Some(ErrorCode::GatewayTooOld) => {
            return (Verdict::GatewayTooOld, "This IB Gateway is too old for Gateway Doctor.".into(), "Install the latest IB Gateway (stable or latest) from interactivebrokers.com, then start it again.".into(), None);
        }
        Some(ErrorCode::ClientIdInUse) => {
            let remedy = (client_zombies > 0).then_some(Remedy::CleanZombies {
                count: client_zombies,
            });
            return (
                Verdict::ClientIdInUse,
                format!(
                    "Client id {} is already in use by another connection to the Gateway.",
                    obs.client_id
                ),
                if client_zombies > 0 {
                    format!(
                        "Clean up the {client_zombies} stale connection(s) holding it, then connect again."
                    )
                } else {
                    "Close the other program that uses this client id, or choose another client id in Settings.".into()
                },
                remedy,
            );
        }
        Some(ErrorCode::ConnectionRefused)
            if obs.scan.as_ref().is_some_and(|s| !s.listeners.is_empty()) =>
        {
            return (
                Verdict::WrongPortOrApiDisabled,
                "The Gateway's port is open but it closed the API connection at once.".into(),
                "In IB Gateway, Configure -> Settings -> API -> Settings: allow connections from localhost (127.0.0.1 in Trusted IPs) and check the socket port.".into(),
                Some(Remedy::Retry),
            );
        }
        _ => {}
    }
    let unresponsive = fail(CheckId::AcceptQueue)
        || fail(CheckId::Heartbeat)
        || fail(CheckId::ApiStart)
        || matches!(
            handshake_error,
            Some(ErrorCode::HandshakeTimeout | ErrorCode::GatewayUnresponsive)
        )
        || session == Some(SessionState::Unresponsive);
    if unresponsive {
        return (
            Verdict::GatewayUnresponsive,
            "Gateway API layer is unresponsive: its port is open but it does not answer.".into(),
            RESTART_STEPS.into(),
            Some(Remedy::RestartGateway),
        );
    }
    if client_zombies > 0 {
        return (
            Verdict::ZombiesPresent,
            format!(
                "{client_zombies} stale connection(s) to the Gateway are left open by programs on this computer."
            ),
            "Clean them up: they can hold client ids and confuse the Gateway.".into(),
            Some(Remedy::CleanZombies {
                count: client_zombies,
            }),
        );
    }
    if fail(CheckId::IbLink) {
        return (
            Verdict::IbServersDisconnected,
            "The Gateway is running but has lost its connection to IB's servers.".into(),
            "Wait a few minutes: it reconnects by itself. If it does not, check this computer's internet connection.".into(),
            None,
        );
    }
    let summary = match session {
        Some(SessionState::Connected) => format!(
            "Connected to IB Gateway on port {}; everything answers.",
            obs.port
        ),
        _ => format!(
            "IB Gateway is running on port {} and accepting connections.",
            obs.port
        ),
    };
    (Verdict::Healthy, summary, "Nothing to do.".into(), None)
}

/// LIVE for the live ports or any account not starting with "D" (IB paper accounts are DU.../DF...).
pub fn account_mode(port: u16, accounts: &[String]) -> AccountMode {
    if matches!(port, 4001 | 7496) || accounts.iter().any(|a| !a.starts_with('D')) {
        AccountMode::Live
    } else {
        AccountMode::Paper
    }
}
