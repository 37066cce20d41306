//! A restart run: the guard checked up front, RESTART sent and followed through by gateway-core
//! (`ibc::restart`, which only watches the port, never connects), each step published on
//! `restart://progress`, then exactly one reconnect of the session once the Gateway listens again.

use std::sync::atomic::Ordering;
use std::time::Duration;

use gateway_core::ibc::{self, CommandServer, IbcError, RestartGuard, RestartLimits, RestartPlan};
use gateway_core::supervisor::Lifecycle;
use gateway_proto::{IbcErrorCode, IbcFailure, Level, RestartOutcome, RestartStep};
use std::sync::Arc;

use super::finding::find_for;
use super::screen::{held_back, is_live, local_time};
use super::{AUTOMATIC, RestartError, SESSION_MARGIN, gateway, guard, record};
use crate::Backend;
use crate::restart_view::{self, IbcFinding, RestartRun, RunResult, ViewInputs, not_back_message};
use crate::state::AppState;

/// Starts a restart through IBC and returns the run as it starts; it goes on in the background.
/// `automatic`: Gateway Doctor starts it by itself (the ibc_auto_restart setting), never with a confirmation.
pub fn start(
    backend: &Arc<Backend>,
    confirmed: bool,
    automatic: bool,
) -> Result<RestartRun, RestartError> {
    let state = &backend.state;
    let restarts = &backend.restarts;
    if restarts.running() {
        return Err(RestartError::InProgress);
    }
    let (finding, config) = find_for(state);
    let config = match (finding, config) {
        (_, Some(config)) => config,
        (IbcFinding::NotFound { looked_in }, None) => {
            return Err(RestartError::NotFound(format!(
                "no IBC settings file (config.ini) in {}",
                looked_in.join(", ")
            )));
        }
        (IbcFinding::Problem { failure, .. }, None) => {
            return Err(RestartError::NotFound(failure.message));
        }
        (IbcFinding::Found { .. }, None) => {
            return Err(RestartError::NotFound(
                "IBC's settings were not read".into(),
            ));
        }
    };
    let server = CommandServer::from_config(&config)?;
    let (host, port) = gateway(state);
    restarts.note_accounts(&state.supervisor.state());
    let now = jiff::Timestamp::now();
    let live = is_live(port, &restarts.accounts(), Some(&config));
    if let Some(question) = restart_view::view(ViewInputs {
        ibc: &IbcFinding::NotFound { looked_in: vec![] },
        configured_port: port,
        live,
        now,
        held_back: None,
        run: None,
        link: &gateway_proto::LinkStatus::default(),
        in_reset_window: false,
        start: None,
    })
    .confirm
        && !confirmed
    {
        return Err(RestartError::ConfirmationRequired(question));
    }
    let plan = RestartPlan::new(server, &host, port);
    let guard = guard(state)?;
    if let Some(failure) = held_back(&guard, &plan.gateway_key, now.as_millisecond()) {
        record(
            state,
            Level::Warn,
            format!(
                "restart held back by the restart guard: {}",
                failure.message
            ),
        );
        return Err(match failure.code {
            IbcErrorCode::RestartRecordUnusable => RestartError::RecordUnusable(failure.message),
            _ => RestartError::Ibc(guard_error(failure)),
        });
    }
    let run = RestartRun {
        id: restarts.next_id.fetch_add(1, Ordering::Relaxed),
        started_at_ms: now.as_millisecond(),
        steps: restart_view::steps(&[], None, false),
        result: RunResult::Running,
        message: if automatic {
            format!(
                "{AUTOMATIC} IB Gateway's API stopped answering, so Gateway Doctor restarts it through IBC."
            )
        } else {
            "Asking IBC to restart IB Gateway…".into()
        },
        automatic,
        details: format!(
            "RESTART to IBC's command server at {} (config {}); watching the API port {port}",
            plan.server.address(),
            config.path.display()
        ),
        failure: None,
        report: None,
        session_at_ms: None,
    };
    // Claimed in one step with the check: two clicks at once start one run.
    let claimed = restarts.run.send_if_modified(|current| {
        if current
            .as_ref()
            .is_some_and(|r| r.result == RunResult::Running)
        {
            return false;
        }
        *current = Some(run.clone());
        true
    });
    if !claimed {
        return Err(RestartError::InProgress);
    }
    record(
        state,
        Level::Info,
        format!(
            "sending RESTART to IBC's command server at {} (IB Gateway's API port {port}; IBC settings {}){}",
            plan.server.address(),
            config.path.display(),
            if automatic {
                "; automatic restart (the ibc_auto_restart setting)"
            } else {
                ""
            }
        ),
    );
    let backend = backend.clone();
    tokio::spawn(async move { follow(backend, plan, guard).await });
    Ok(run)
}

/// The guard's refusal as the typed error (the view computed it as a failure).
fn guard_error(failure: IbcFailure) -> IbcError {
    let next_allowed_ms = failure.next_allowed_ms.unwrap_or_default();
    let next_allowed = local_time(next_allowed_ms);
    let limits = RestartLimits::default();
    match failure.code {
        IbcErrorCode::RestartDailyCap => IbcError::RestartDailyCap {
            cap: limits.daily_cap,
            next_allowed,
            next_allowed_ms,
        },
        _ => IbcError::RestartTooSoon {
            period_min: limits.period.as_secs().div_ceil(60),
            next_allowed,
            next_allowed_ms,
        },
    }
}

/// The run in the background: RESTART followed through, then the session's one reconnect.
async fn follow(backend: Arc<Backend>, plan: RestartPlan, guard: RestartGuard) {
    let state = &backend.state;
    let restarts = &backend.restarts;
    let mut reached: Vec<RestartStep> = Vec::new();
    let result = ibc::restart(&plan, &guard, |step| {
        reached.push(*step);
        let steps = restart_view::steps(&reached, None, false);
        let message = match step.phase {
            gateway_proto::RestartPhase::Sent => {
                "IBC accepted the restart: waiting for IB Gateway to close (IBC restarts it at the next full minute)."
            }
            gateway_proto::RestartPhase::DownSeen => {
                "IB Gateway closed to restart: waiting for it to start again."
            }
            gateway_proto::RestartPhase::ListeningAgain => {
                "IB Gateway is listening again: Gateway Doctor reconnects once."
            }
        };
        restarts.update(|run| {
            run.steps = steps;
            run.message = message.into();
        });
    })
    .await;
    let report = match result {
        Ok(report) => report,
        Err(err) => {
            record(
                state,
                Level::Error,
                format!(
                    "RESTART through IBC at {} failed: {err} ({})",
                    plan.server.address(),
                    err.details()
                ),
            );
            restarts.update(|run| {
                run.steps = restart_view::steps(&reached, None, true);
                run.result = RunResult::Failed;
                run.message = err.to_string();
                run.details = err.details();
                run.failure = Some(err.to_failure());
            });
            return;
        }
    };
    record(
        state,
        if report.outcome == RestartOutcome::Back {
            Level::Info
        } else {
            Level::Warn
        },
        format!(
            "IBC answered RESTART with {:?}; outcome {:?}, down {:?} ms, followed for {} ms: {} ({})",
            report.reply,
            report.outcome,
            report.down_ms,
            report.took_ms,
            report.message,
            report.details
        ),
    );
    let back = report.outcome == RestartOutcome::Back;
    let details = report.details.clone();
    restarts.update(|run| {
        run.steps = restart_view::steps(&report.steps, None, !back);
        run.details = details;
        if !back {
            run.result = RunResult::Failed;
            run.message = not_back_message(&report);
        }
        run.report = Some(report);
    });
    if !back {
        return;
    }
    let session = one_reconnect(state).await;
    let steps_reached = reached;
    match session {
        Ok(at_ms) => {
            record(
                state,
                Level::Info,
                "the session is back after the restart".into(),
            );
            restarts.update(|run| {
                let listening = run
                    .report
                    .as_ref()
                    .and_then(|r| r.steps.last())
                    .map_or(at_ms, |s| s.at_ms);
                run.steps = restart_view::steps(&steps_reached, Some(at_ms), false);
                run.session_at_ms = Some(at_ms);
                run.result = RunResult::Back;
                run.message = "IB Gateway restarted and the session is back.".into();
                run.details = format!(
                    "{}; session back {} ms after the click, {} ms after IB Gateway listened again",
                    run.details,
                    at_ms - run.started_at_ms,
                    at_ms - listening
                );
            });
        }
        Err(why) => {
            record(
                state,
                Level::Warn,
                format!("IB Gateway restarted but the session did not come back: {why}"),
            );
            restarts.update(|run| {
                run.steps = restart_view::steps(&steps_reached, None, true);
                run.result = RunResult::Failed;
                run.message =
                    format!("IB Gateway restarted, but the session did not come back: {why}");
            });
        }
    }
}

/// Exactly one reconnect once the Gateway listens again: one attempt now unless a session is already up
/// or being opened. Returns when the session was seen connected, or why it was not.
async fn one_reconnect(state: &AppState) -> Result<i64, String> {
    let mut watch = state.supervisor.watch();
    let before = watch.borrow_and_update().clone();
    let attempts_before = before.connect_attempts;
    match before.lifecycle {
        Lifecycle::Connected => return Ok(gateway_core::now_ms()),
        Lifecycle::Connecting { .. } | Lifecycle::Unresponsive => {}
        Lifecycle::Idle
        | Lifecycle::Backoff { .. }
        | Lifecycle::Latched { .. }
        | Lifecycle::Failed { .. } => {
            record(
                state,
                Level::Info,
                "IB Gateway is listening again: one reconnect now".into(),
            );
            state.reset_guardrail().await.map_err(|e| e.to_string())?;
        }
    }
    let timeout = state
        .applied()
        .map_or(Duration::from_secs(30), |c| c.timeout())
        + SESSION_MARGIN;
    let wait = async {
        loop {
            let now = watch.borrow_and_update().clone();
            match &now.lifecycle {
                Lifecycle::Connected => return Ok(gateway_core::now_ms()),
                Lifecycle::Latched { error }
                | Lifecycle::Failed { error }
                | Lifecycle::Backoff { error, .. }
                    if now.connect_attempts > attempts_before =>
                {
                    return Err(error.message.clone());
                }
                _ => {}
            }
            if watch.changed().await.is_err() {
                return Err("Gateway Doctor is closing".to_string());
            }
        }
    };
    tokio::time::timeout(timeout, wait)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} s", timeout.as_secs())))
}
