//! The checks that read the session: handshake, API start, heartbeat, the Gateway's link to IB and the data
//! farms. Without a session that tried, the handshake is "not tested" (a skip that says how to test), never
//! a pass. Titles and details are plain words; protocol facts (versions, steps, notice codes, farm names) go
//! to each check's `technical`, shown under "Details".

use gateway_proto::{
    CheckId, CheckStatus, FarmKind, HandshakeStepName, LinkState, SessionState, WorkerStatus,
};

use super::assess::{Builder, RESTART_STEPS, SessionSource};
use super::session_test::{PingOutcome, api_was_tested};

/// The handshake check's detail when nothing tested the API.
pub(super) const NOT_TESTED: &str = "Not tested: nothing has connected to the Gateway's API. To test it, \
     click Connect or Diagnose in the Gateway Doctor app, or run `gateway-doctor diagnose --handshake`.";

/// The checks' titles: what each one asks, in a trader's words.
pub(super) const HANDSHAKE: &str = "Gateway's API answers";
const API_START: &str = "API ready for programs";
const HEARTBEAT: &str = "Heartbeat";
const IB_LINK: &str = "Gateway link to IB";
const FARMS: &str = "Data farms";

/// A data farm kind as the Gateway's window names it.
fn farm_kind(kind: FarmKind) -> &'static str {
    match kind {
        FarmKind::MarketData => "Market data",
        FarmKind::HistoricalData => "Historical data",
        FarmKind::SecurityDefinition => "Contract details",
    }
}

pub(super) fn add_session_checks(
    b: &mut Builder,
    worker: Option<&WorkerStatus>,
    ping: Option<&PingOutcome>,
    source: SessionSource,
) {
    let Some(w) = worker.filter(|w| api_was_tested(w)) else {
        return add_untested(b);
    };
    check_handshake(b, w, source);
    check_api_start(b, w);
    check_heartbeat(b, w, ping);
    check_ib_link(b, w);
    check_farms(b, w);
}

/// No session tried: the handshake says how to test, the rest are skipped.
fn add_untested(b: &mut Builder) {
    b.add(
        CheckId::Handshake,
        HANDSHAKE,
        CheckStatus::Skip,
        NOT_TESTED,
        None,
    );
    for (id, title) in [
        (CheckId::ApiStart, API_START),
        (CheckId::Heartbeat, HEARTBEAT),
        (CheckId::IbLink, IB_LINK),
        (CheckId::Farms, FARMS),
    ] {
        b.add(
            id,
            title,
            CheckStatus::Skip,
            "Not tested (no session).",
            None,
        );
    }
}

/// Up (answering or not) since a handshake that went through.
fn connected(w: &WorkerStatus) -> bool {
    matches!(
        w.session,
        SessionState::Connected | SessionState::Unresponsive
    )
}

fn check_handshake(b: &mut Builder, w: &WorkerStatus, source: SessionSource) {
    if connected(w) {
        let ms = w.handshake.as_ref().map_or(0.0, |h| h.elapsed_ms);
        let (through, app) = match source {
            SessionSource::App { app_pid } => (
                " Tested through the open Gateway Doctor app's session.",
                format!("; through the open app, pid {app_pid}"),
            ),
            SessionSource::Own | SessionSource::None => ("", String::new()),
        };
        b.add(
            CheckId::Handshake,
            HANDSHAKE,
            CheckStatus::Pass,
            format!("The Gateway let Gateway Doctor in and answered in {ms:.0} ms.{through}"),
            None,
        );
        b.technical(format!(
            "handshake {ms:.0} ms; server version {}{app}",
            w.server_version.unwrap_or_default()
        ));
    } else if let Some(e) = w.last_error.as_ref() {
        b.add(
            CheckId::Handshake,
            HANDSHAKE,
            CheckStatus::Fail,
            e.message.clone(),
            None,
        );
        let steps: Vec<&str> = w
            .handshake
            .as_ref()
            .map(|h| h.steps.iter().map(|s| step_name(s.step)).collect())
            .unwrap_or_default();
        b.technical(format!(
            "{}; handshake steps reached: {}{}",
            e.code,
            if steps.is_empty() {
                "none".to_string()
            } else {
                steps.join(", ")
            },
            e.detail
                .as_ref()
                .map_or(String::new(), |d| format!("; {d}"))
        ));
    } else {
        b.add(
            CheckId::Handshake,
            HANDSHAKE,
            CheckStatus::Skip,
            "Not connected.",
            None,
        );
    }
}

fn check_api_start(b: &mut Builder, w: &WorkerStatus) {
    let reached = |step| {
        w.handshake
            .as_ref()
            .is_some_and(|h| h.steps.iter().any(|s| s.step == step))
    };
    if connected(w) {
        b.add(
            CheckId::ApiStart,
            API_START,
            CheckStatus::Pass,
            format!("Accounts: {}.", w.accounts.join(", ")),
            None,
        );
    } else if w.last_error.is_none() {
        b.add(
            CheckId::ApiStart,
            API_START,
            CheckStatus::Skip,
            "Not connected.",
            None,
        );
    } else if reached(HandshakeStepName::ManagedAccounts)
        && !reached(HandshakeStepName::NextValidId)
    {
        b.add(CheckId::ApiStart, API_START, CheckStatus::Fail, "The Gateway sent the account list but never said it was ready for orders: its API layer is stuck.", Some(RESTART_STEPS));
        b.technical("managedAccounts arrived, nextValidId never did");
    } else {
        b.add(
            CheckId::ApiStart,
            API_START,
            CheckStatus::Skip,
            "The connection did not get that far.",
            None,
        );
    }
}

fn check_heartbeat(b: &mut Builder, w: &WorkerStatus, ping: Option<&PingOutcome>) {
    match (w.session, w.heartbeat.last_rtt_ms, ping) {
        (_, _, Some(PingOutcome::Unanswered { message })) => {
            b.add(
                CheckId::Heartbeat,
                HEARTBEAT,
                CheckStatus::Fail,
                "A test request just now got no answer.",
                Some(RESTART_STEPS),
            );
            b.technical(format!("reqCurrentTime ping: {message}"));
        }
        (_, _, Some(PingOutcome::Answered { rtt_ms })) => b.add(
            CheckId::Heartbeat,
            HEARTBEAT,
            CheckStatus::Pass,
            format!("Answered a test request just now in {rtt_ms:.1} ms."),
            None,
        ),
        (SessionState::Unresponsive, _, None) => b.add(
            CheckId::Heartbeat,
            HEARTBEAT,
            CheckStatus::Fail,
            format!(
                "{} heartbeat(s) in a row got no answer.",
                w.heartbeat.misses_in_a_row
            ),
            Some(RESTART_STEPS),
        ),
        (SessionState::Connected, Some(rtt), None) => b.add(
            CheckId::Heartbeat,
            HEARTBEAT,
            CheckStatus::Pass,
            format!("Last round trip {rtt:.1} ms."),
            None,
        ),
        (SessionState::Connected, None, None) => b.add(
            CheckId::Heartbeat,
            HEARTBEAT,
            CheckStatus::Pass,
            "Connected; no heartbeat yet.",
            None,
        ),
        _ => b.add(
            CheckId::Heartbeat,
            HEARTBEAT,
            CheckStatus::Skip,
            "Not connected.",
            None,
        ),
    }
}

fn check_ib_link(b: &mut Builder, w: &WorkerStatus) {
    match w.link.state {
        LinkState::Lost | LinkState::ServerBroken => {
            b.add(
                CheckId::IbLink,
                IB_LINK,
                CheckStatus::Fail,
                "The Gateway lost its connection to IB's servers.",
                Some("Wait a few minutes: the Gateway reconnects to IB by itself. Check this computer's internet connection."),
            );
            b.technical(format!(
                "IB notice {}: {}",
                w.link.code.map_or("?".to_string(), |c| c.to_string()),
                w.link.message.as_deref().unwrap_or("")
            ));
        }
        LinkState::Unknown => b.add(
            CheckId::IbLink,
            IB_LINK,
            CheckStatus::Pass,
            "No connectivity problem reported.",
            None,
        ),
        _ => b.add(
            CheckId::IbLink,
            IB_LINK,
            CheckStatus::Pass,
            "Connected to IB's servers.",
            None,
        ),
    }
}

fn check_farms(b: &mut Builder, w: &WorkerStatus) {
    let broken: Vec<&gateway_proto::FarmStatus> = w
        .farms
        .iter()
        .filter(|f| f.state == gateway_proto::FarmState::Broken)
        .collect();
    let names = |farms: &mut dyn Iterator<Item = &gateway_proto::FarmStatus>| {
        farms
            .map(|f| format!("{} ({})", f.name, f.code))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if broken.is_empty() {
        b.add(
            CheckId::Farms,
            FARMS,
            CheckStatus::Pass,
            format!("{} farm(s) reported OK.", w.farms.len()),
            None,
        );
    } else {
        let mut kinds: Vec<&str> = broken.iter().map(|f| farm_kind(f.kind)).collect();
        kinds.sort_unstable();
        kinds.dedup();
        b.add(
            CheckId::Farms,
            FARMS,
            CheckStatus::Warn,
            format!("Not available right now: {}.", kinds.join(", ")),
            Some("Usually temporary; that data is delayed until the farm reconnects."),
        );
    }
    if !w.farms.is_empty() {
        b.technical(format!("farms: {}", names(&mut w.farms.iter())));
    }
}

/// A handshake step's protocol name, for "Details".
fn step_name(step: HandshakeStepName) -> &'static str {
    match step {
        HandshakeStepName::TcpConnected => "TCP connected",
        HandshakeStepName::ServerVersion => "server version",
        HandshakeStepName::ManagedAccounts => "managedAccounts",
        HandshakeStepName::NextValidId => "nextValidId",
    }
}
