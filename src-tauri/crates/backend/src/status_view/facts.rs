//! The facts under the light: who listens on the port, the session's uptime and last heartbeat, its client
//! id and port, and the technical ones shown under "Details" (process id, API version, farms, error code).
//! Times go as absolute times: the UI words them against its clock ("1 h 2 min", "3 s ago").

use gateway_core::supervisor::{Lifecycle, SupervisorState};
use serde::Serialize;
use ts_rs::TS;

use crate::dto::GatewayPresence;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FactValue {
    Text {
        text: String,
    },
    /// How long since `at_ms` ("—" when null).
    Since {
        at_ms: Option<i64>,
    },
    /// The last heartbeat's round trip and when it was answered ("—" without a round trip). State events
    /// leave both out: the UI shows the worker's own answer (get_worker_status) while a session is up.
    Heartbeat {
        rtt_ms: Option<f64>,
        at_ms: Option<i64>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Fact {
    pub id: String,
    pub label: String,
    pub value: FactValue,
    /// Shown under "Details" only (process ids, protocol versions, farm names, error codes).
    pub technical: bool,
}

fn fact(id: &str, label: &str, value: FactValue, technical: bool) -> Fact {
    Fact {
        id: id.into(),
        label: label.into(),
        value,
        technical,
    }
}

fn text(text: impl Into<String>) -> FactValue {
    FactValue::Text { text: text.into() }
}

pub fn facts(state: &SupervisorState, presence: Option<&GatewayPresence>) -> Vec<Fact> {
    let worker = &state.worker;
    let connected = matches!(
        state.lifecycle,
        Lifecycle::Connected | Lifecycle::Unresponsive
    );
    let mut facts = vec![fact(
        "fact-gateway",
        "Gateway on the port",
        text(match presence {
            None => "Looking…".to_string(),
            Some(p) => match p.listening {
                Some(true) => format!(
                    "{} listens on port {}",
                    p.process_name.as_deref().unwrap_or("A program"),
                    p.port
                ),
                Some(false) => format!("Nothing listens on port {}", p.port),
                None => format!(
                    "Not known: this computer's connections could not be read (port {})",
                    p.port
                ),
            },
        }),
        false,
    )];
    if let Some(pid) = presence
        .filter(|p| p.listening == Some(true))
        .and_then(|p| p.pid)
    {
        facts.push(fact(
            "fact-gateway-pid",
            "Gateway process id (pid)",
            text(pid.to_string()),
            true,
        ));
    }
    facts.push(fact(
        "fact-server-version",
        "Gateway API version (server version)",
        text(worker.server_version.map_or("—".into(), |v| v.to_string())),
        true,
    ));
    facts.push(fact(
        "fact-uptime",
        "Session uptime",
        FactValue::Since {
            at_ms: worker.connected_at_ms.filter(|_| connected),
        },
        false,
    ));
    facts.push(fact(
        "fact-heartbeat",
        "Last heartbeat",
        FactValue::Heartbeat {
            rtt_ms: worker.heartbeat.last_rtt_ms,
            at_ms: worker.heartbeat.last_ok_at_ms,
        },
        false,
    ));
    if let Some(target) = &worker.target {
        facts.push(fact(
            "fact-client-id",
            "Client id",
            text(target.client_id.to_string()),
            false,
        ));
    }
    if let Some(port) = super::port_of(state, presence) {
        facts.push(fact("fact-port", "Port", text(port.to_string()), false));
    }
    if !worker.farms.is_empty() {
        let farms: Vec<String> = worker
            .farms
            .iter()
            .map(|f| format!("{} {} ({})", f.name, farm_state(f.state), f.code))
            .collect();
        facts.push(fact(
            "fact-farms",
            "Data farms (IB notices)",
            text(farms.join(", ")),
            true,
        ));
    }
    let error = match &state.lifecycle {
        Lifecycle::Backoff { error, .. }
        | Lifecycle::Latched { error }
        | Lifecycle::Failed { error } => Some(error),
        _ => None,
    };
    if let Some(error) = error {
        let detail = error
            .detail
            .as_ref()
            .map_or(String::new(), |d| format!(": {d}"));
        facts.push(fact(
            "fact-error-code",
            "Last error",
            text(format!("{}{detail}", error.code.as_str())),
            true,
        ));
    }
    facts
}

/// A farm's state as it travels (the same word the UI's Details showed).
fn farm_state(state: gateway_proto::FarmState) -> &'static str {
    match state {
        gateway_proto::FarmState::Ok => "ok",
        gateway_proto::FarmState::Broken => "broken",
        gateway_proto::FarmState::Inactive => "inactive",
    }
}
