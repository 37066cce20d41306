//! The status rule's tests, by subject: every phase as a row (phases.rs) and the rules on top (rule.rs); the
//! small parts of the view (parts.rs); the named situations the UI's tests render, with the jargon scan
//! (situations.rs).
//! The builders of states and presences they share are here.

mod parts;
mod phases;
mod rule;
mod situations;

use gateway_core::reset_window::InWindow;
use gateway_core::supervisor::{Lifecycle, Offered, SupervisorState};
use gateway_proto::{
    AccountMode, ErrorBody, ErrorCode, FarmKind, FarmState, FarmStatus, HeartbeatStatus, LinkState,
    LinkStatus, SessionState, Target, WorkerStatus,
};

use super::facts::FactValue;
use super::*;
use crate::dto::{GatewayPresence, StaleConnections};

const NOW: i64 = 1_800_000_000_000;

fn state(lifecycle: Lifecycle) -> SupervisorState {
    let mut s = SupervisorState::new(3);
    s.offered = Offered::for_state(&lifecycle, false);
    s.lifecycle = lifecycle;
    s.changed_at_ms = NOW - 2000;
    s
}

fn connected_state(worker: WorkerStatus) -> SupervisorState {
    let mut s = state(Lifecycle::Connected);
    s.worker = worker;
    s
}

fn connected_worker() -> WorkerStatus {
    WorkerStatus {
        session: SessionState::Connected,
        target: Some(Target {
            host: "127.0.0.1".into(),
            port: 4002,
            client_id: 1,
            readonly: true,
            timeout_s: 30.0,
        }),
        accounts: vec!["DU1234567".into()],
        server_version: Some(176),
        connected_at_ms: Some(NOW - 3_723_000),
        heartbeat: HeartbeatStatus {
            last_rtt_ms: Some(12.0),
            last_ok_at_ms: Some(NOW - 1000),
            ..HeartbeatStatus::default()
        },
        link: LinkStatus {
            state: LinkState::Ok,
            code: Some(2104),
            message: None,
            at_ms: Some(NOW),
        },
        farms: vec![farm(FarmKind::MarketData, "usfarm", FarmState::Ok)],
        ..WorkerStatus::default()
    }
}

fn farm(kind: FarmKind, name: &str, state: FarmState) -> FarmStatus {
    FarmStatus {
        kind,
        name: name.into(),
        state,
        code: 2104,
        at_ms: NOW,
    }
}

fn err(code: ErrorCode, message: &str) -> ErrorBody {
    ErrorBody::new(code, message)
}

fn backoff(retry_in_ms: u64, error: ErrorBody) -> Lifecycle {
    Lifecycle::Backoff {
        attempt: 2,
        retry_in_ms,
        error,
    }
}

fn up() -> GatewayPresence {
    GatewayPresence {
        port: 4002,
        listening: Some(true),
        listener_inode: Some(111),
        accept_queue: Some(0),
        process_name: Some("java".into()),
        pid: Some(4242),
        stale: Some(StaleConnections::default()),
        ..GatewayPresence::default()
    }
}

fn down() -> GatewayPresence {
    GatewayPresence {
        port: 4002,
        listening: Some(false),
        ..GatewayPresence::default()
    }
}

/// The socket table could not be read: whether anything listens is not known.
fn unread() -> GatewayPresence {
    GatewayPresence {
        port: 4002,
        listening: None,
        ..GatewayPresence::default()
    }
}

fn window() -> InWindow {
    InWindow {
        name: "IBKR daily reset (North America)".into(),
        ends_at_ms: NOW + 600_000,
        ends_local: "01:45".into(),
    }
}

use Light::{Amber, Green, Grey, Red};
use PrimaryKind::{Busy, Connect, Diagnose, Reconnect, RestartHelp};
use StatusReason as R;
