//! The Restart screen's view now: IBC as found, the guard's answer, PAPER or LIVE, the link, the offer to
//! start IB Gateway (the rules themselves are in restart_view.rs).

use gateway_core::diagnostics::session_mode;
use gateway_core::ibc::{self, IbcConfig, IbcError, RestartGuard, RestartLimits};
use gateway_proto::{AccountMode, IbcFailure};

use super::finding::find_for;
use super::{Restarts, gateway, guard, plan_key};
use crate::restart_start::{self, GatewayInstall};
use crate::restart_view::{self, RestartView, ViewInputs};
use crate::state::AppState;

pub(super) fn is_live(port: u16, accounts: &[String], config: Option<&IbcConfig>) -> bool {
    let ibc_live = config
        .and_then(|c| c.trading_mode.as_ref())
        .is_some_and(|found| found.value == ibc::TradingMode::Live);
    session_mode(Some(port), accounts) == Some(AccountMode::Live) || ibc_live
}

/// Whether the guard would hold a restart back now (nothing is recorded).
pub(super) fn held_back(guard: &RestartGuard, key: &str, now_ms: i64) -> Option<IbcFailure> {
    let limits = RestartLimits::default();
    let history = match guard.history(key) {
        Ok(history) => history,
        Err(err) => return Some(IbcError::from(err).to_failure()),
    };
    match ibc::decide(&history, now_ms, &limits) {
        ibc::Decision::Allowed => None,
        ibc::Decision::TooSoon { next_allowed_ms } => Some(
            IbcError::RestartTooSoon {
                period_min: limits.period.as_secs().div_ceil(60),
                next_allowed: local_time(next_allowed_ms),
                next_allowed_ms,
            }
            .to_failure(),
        ),
        ibc::Decision::DailyCap { next_allowed_ms } => Some(
            IbcError::RestartDailyCap {
                cap: limits.daily_cap,
                next_allowed: local_time(next_allowed_ms),
                next_allowed_ms,
            }
            .to_failure(),
        ),
    }
}

/// `14:05 on Tue 3 Dec` in this computer's time zone.
pub(super) fn local_time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(
        |_| format!("{ms} ms after 1970"),
        |at| {
            at.to_zoned(jiff::tz::TimeZone::system())
                .strftime("%H:%M on %a %-d %b")
                .to_string()
        },
    )
}

/// The Restart screen's view now.
pub fn view(state: &AppState, restarts: &Restarts) -> RestartView {
    let (finding, config) = find_for(state);
    let (host, port) = gateway(state);
    let supervisor = state.supervisor.state();
    restarts.note_accounts(&supervisor);
    let now = jiff::Timestamp::now();
    let key = plan_key(&host, port);
    let held = guard(state)
        .ok()
        .and_then(|guard| held_back(&guard, &key, now.as_millisecond()));
    let in_reset_window = state.presence.borrow().reset_window.is_some();
    restart_view::view(ViewInputs {
        ibc: &finding,
        configured_port: port,
        live: is_live(port, &restarts.accounts(), config.as_ref()),
        now,
        held_back: held,
        run: restarts.current(),
        link: &supervisor.worker.link,
        in_reset_window,
        start: start_offer(state, port),
    })
}

/// "Start IB Gateway", when nothing listens on the port, no IB Gateway or TWS runs, and one is installed.
pub(super) fn start_offer(state: &AppState, port: u16) -> Option<GatewayInstall> {
    let found = match &state.options.gateway_installs {
        Some(candidates) => restart_start::find(candidates),
        None => restart_start::find(&restart_start::usual_places()),
    }?;
    // One kernel query; a table that cannot be read offers nothing (nothing is claimed).
    let listening = gateway_core::sockets::scan_quick(port)
        .map(|quick| quick.listeners > 0)
        .unwrap_or(true);
    let running = !listening && !gateway_core::sockets::gateway_processes().is_empty();
    restart_start::offer(port, listening, running, Some(&found))
}
