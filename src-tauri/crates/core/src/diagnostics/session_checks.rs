//! The checks that read the session: handshake, API start, heartbeat, the Gateway's link to IB and the data
//! farms. Without a session that tried, the handshake is "not tested" (a skip that says how to test), never
//! a pass.

use gateway_proto::{
    CheckId, CheckStatus, HandshakeStepName, LinkState, SessionState, WorkerStatus,
};

use super::assess::{Builder, RESTART_STEPS, SessionSource};
use super::session_test::{PingOutcome, api_was_tested};

/// The handshake check's detail when nothing tested the API.
pub(super) const NOT_TESTED: &str = "Not tested: nothing has connected to the Gateway's API. To test it, \
     click Connect or Diagnose in the Gateway Doctor app, or run `gateway-doctor diagnose --handshake`.";

pub(super) fn add_session_checks(
    b: &mut Builder,
    worker: Option<&WorkerStatus>,
    ping: Option<&PingOutcome>,
    source: SessionSource,
) {
    let worker = worker.filter(|w| api_was_tested(w));
    let Some(w) = worker else {
        b.add(
            CheckId::Handshake,
            "API handshake",
            CheckStatus::Skip,
            NOT_TESTED,
            None,
        );
        for (id, title) in [
            (CheckId::ApiStart, "API session start"),
            (CheckId::Heartbeat, "Heartbeat"),
            (CheckId::IbLink, "Gateway link to IB"),
            (CheckId::Farms, "Data farms"),
        ] {
            b.add(
                id,
                title,
                CheckStatus::Skip,
                "Not tested (no session).",
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
        let through = match source {
            SessionSource::App { app_pid } => {
                format!(
                    " Tested through the open Gateway Doctor app's session (process {app_pid})."
                )
            }
            SessionSource::Own | SessionSource::None => String::new(),
        };
        b.add(
            CheckId::Handshake,
            "API handshake",
            CheckStatus::Pass,
            format!(
                "Completed in {ms:.0} ms; server version {}.{through}",
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
    match (w.session, w.heartbeat.last_rtt_ms, ping) {
        (_, _, Some(PingOutcome::Unanswered { message })) => b.add(
            CheckId::Heartbeat,
            "Heartbeat",
            CheckStatus::Fail,
            format!("A test request just now got no answer ({message})."),
            Some(RESTART_STEPS),
        ),
        (_, _, Some(PingOutcome::Answered { rtt_ms })) => b.add(
            CheckId::Heartbeat,
            "Heartbeat",
            CheckStatus::Pass,
            format!("Answered a test request just now in {rtt_ms:.1} ms."),
            None,
        ),
        (SessionState::Unresponsive, _, None) => b.add(
            CheckId::Heartbeat,
            "Heartbeat",
            CheckStatus::Fail,
            format!(
                "{} heartbeat(s) in a row got no answer.",
                w.heartbeat.misses_in_a_row
            ),
            Some(RESTART_STEPS),
        ),
        (SessionState::Connected, Some(rtt), None) => b.add(
            CheckId::Heartbeat,
            "Heartbeat",
            CheckStatus::Pass,
            format!("Last round trip {rtt:.1} ms."),
            None,
        ),
        (SessionState::Connected, None, None) => b.add(
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
