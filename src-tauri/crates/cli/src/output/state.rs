//! One line per supervisor state, for `connect`. Heartbeats change the state every few seconds; the line
//! only says what a trader cares about, so the caller prints it only when it changes.

use gateway_core::config::Config;
use gateway_core::diagnostics::session_mode;
use gateway_core::supervisor::{Lifecycle, SupervisorState};
use gateway_proto::words::RESTART_BY_HAND;
use gateway_proto::{AccountMode, LinkState};

/// The state in one sentence (no timestamp).
pub fn state_line(state: &SupervisorState, config: &Config) -> String {
    let target = format!(
        "{}:{} as client id {}",
        config.host(),
        config.port(),
        config.client_id()
    );
    match &state.lifecycle {
        Lifecycle::Idle => "Not connected.".into(),
        Lifecycle::Connecting { attempt } => {
            format!("Connecting to {target} (attempt {attempt})...")
        }
        Lifecycle::Connected => {
            let worker = &state.worker;
            let mode = match session_mode(Some(config.port()), &worker.accounts) {
                Some(AccountMode::Live) => "LIVE",
                Some(AccountMode::Paper) => "PAPER",
                None => "PAPER or LIVE not known yet",
            };
            let accounts = if worker.accounts.is_empty() {
                "no accounts reported".to_string()
            } else {
                format!("account {}", worker.accounts.join(", "))
            };
            let version = worker
                .server_version
                .map(|v| format!(", server version {v}"))
                .unwrap_or_default();
            format!(
                "Connected to {target}: {accounts} ({mode}){version}.{}",
                link_note(worker.link.state)
            )
        }
        Lifecycle::Unresponsive => format!(
            "Connected to {target}, but the Gateway stopped answering (missed heartbeats): its API layer may be stuck."
        ),
        Lifecycle::Backoff {
            attempt,
            retry_in_ms,
            error,
        } => format!(
            "Could not connect (attempt {attempt}): {} Trying again in {:.1} s.",
            sentence(&error.message),
            *retry_in_ms as f64 / 1000.0
        ),
        Lifecycle::Latched { error } => format!(
            "Stopped trying: {} {RESTART_BY_HAND}",
            sentence(&error.message)
        ),
        Lifecycle::Failed { error } => {
            format!("Cannot connect: {}", sentence(&error.message))
        }
    }
}

fn link_note(link: LinkState) -> &'static str {
    match link {
        LinkState::Unknown | LinkState::Ok | LinkState::Restored => "",
        LinkState::Lost => " The Gateway has lost its connection to IBKR's servers.",
        LinkState::RestoredDataLost => {
            " The Gateway is back in touch with IBKR's servers; market data subscriptions were lost."
        }
        LinkState::SocketPortReset => " The Gateway reset its API port; this session is ending.",
        LinkState::ServerBroken => {
            " The Gateway's link to IBKR's servers is broken for now (it usually comes back by itself)."
        }
    }
}

/// A message as a sentence: ends with a full stop.
fn sentence(message: &str) -> String {
    let trimmed = message.trim_end();
    if trimmed.ends_with(['.', '!', '?']) {
        trimmed.to_string()
    } else {
        format!("{trimmed}.")
    }
}
