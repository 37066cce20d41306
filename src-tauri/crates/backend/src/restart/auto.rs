//! The automatic restart (the ibc_auto_restart setting) when the guardrail latches.

use gateway_core::config::{Key, SettingValue};
use gateway_core::supervisor::Lifecycle;
use gateway_proto::{ErrorCode, Level};
use std::sync::Arc;

use super::{record, start, view};
use crate::Backend;
use crate::restart_view;
use crate::state::AppState;

/// Automatic restart (the ibc_auto_restart setting, off unless the trader turns it on): when the guardrail
/// latches while the app runs (the API layer stopped answering, or the Gateway kept dropping sessions), one
/// restart through IBC with the same guard as the button. Never for the demo gateway, never when IBC sets the
/// Gateway to another port than the session's (it may be another Gateway), never inside an IBKR reset window
/// (restart_view.rs: `auto_restart_hold`), and never for a LIVE account during market hours (that needs the
/// trader's yes): each of these is logged instead.
pub async fn auto(backend: Arc<Backend>) {
    let state = &backend.state;
    let mut watch = state.supervisor.watch();
    let mut was_latched = matches!(
        watch.borrow_and_update().lifecycle,
        Lifecycle::Latched { .. }
    );
    while watch.changed().await.is_ok() {
        let code = match &watch.borrow_and_update().lifecycle {
            Lifecycle::Latched { error } => Some(error.code.clone()),
            _ => None,
        };
        let entered = code.is_some() && !was_latched;
        was_latched = code.is_some();
        let dead_api = matches!(
            code,
            Some(ErrorCode::GatewayUnresponsive | ErrorCode::GatewayDropsSessions)
        );
        if !entered || !dead_api || !ibc_auto_restart_on(state) {
            continue;
        }
        let demo = state.demo.status().await.is_some();
        let view = view(state, &backend.restarts);
        let window = state.presence.borrow().reset_window.clone();
        if let Some(why) =
            restart_view::auto_restart_hold(demo, view.port_fix.as_ref(), window.as_ref())
        {
            record(
                state,
                Level::Warn,
                format!("automatic restart not sent: {why}"),
            );
            continue;
        }
        match start(&backend, false, true) {
            Ok(_) => {}
            Err(err) => record(
                state,
                Level::Warn,
                format!("automatic restart not sent: {err}"),
            ),
        }
    }
}

/// The ibc_auto_restart setting as it is now (off while it cannot be read).
fn ibc_auto_restart_on(state: &AppState) -> bool {
    state
        .config
        .resolve()
        .view
        .settings
        .iter()
        .any(|s| s.key == Key::IbcAutoRestart && s.value == SettingValue::Bool(true))
}
