//! The help beside Status's headline that points into IB Gateway's own window: its API settings to look at
//! after the Gateway refused or dropped the connection while it listens, and the note that its "API client"
//! light is red whenever no program is connected (words from gateway-proto's words.rs).

use gateway_core::supervisor::{Lifecycle, SupervisorState};
use gateway_proto::SessionState;
use gateway_proto::words::{API_CLIENT_LIGHT_NOTE, api_settings_steps, settings_help_fits};
use serde::Serialize;
use ts_rs::TS;

use crate::dto::GatewayPresence;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct GatewayHelp {
    /// IB Gateway's API settings to walk through, one step each (empty: none to show).
    pub steps: Vec<String>,
    /// The "API client" light note, or null.
    pub note: Option<String>,
}

pub fn gateway_help(state: &SupervisorState, presence: Option<&GatewayPresence>) -> GatewayHelp {
    let listening = presence.is_some_and(|p| p.listening == Some(true));
    let note = GatewayHelp {
        steps: Vec::new(),
        note: Some(API_CLIENT_LIGHT_NOTE.to_string()),
    };
    match &state.lifecycle {
        // Reached, then refused or dropped at once: the Gateway's API settings are the usual cause.
        Lifecycle::Failed { error } | Lifecycle::Backoff { error, .. }
            if listening && settings_help_fits(&error.code) =>
        {
            GatewayHelp {
                steps: api_settings_steps(None),
                ..note
            }
        }
        // The Gateway runs and nothing is connected: its own light is red, and that is normal.
        Lifecycle::Idle if listening => note,
        Lifecycle::Unresponsive | Lifecycle::Latched { .. } => note,
        Lifecycle::Connected if state.worker.session == SessionState::Unresponsive => note,
        _ => GatewayHelp::default(),
    }
}
