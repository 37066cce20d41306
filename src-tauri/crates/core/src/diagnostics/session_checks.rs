//! The checks that read the worker's session: handshake, API start, heartbeat, the Gateway's link to IB
//! and the data farms.

use gateway_proto::{
    CheckId, CheckStatus, HandshakeStepName, LinkState, SessionState, WorkerStatus,
};

use super::assess::{Builder, RESTART_STEPS};

pub(super) fn add_session_checks(b: &mut Builder, worker: Option<&WorkerStatus>) {
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
