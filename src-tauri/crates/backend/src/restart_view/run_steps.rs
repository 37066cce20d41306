//! A restart run through IBC as the screen shows it: its steps, each in words for the state it is in.

use gateway_proto::{IbcFailure, RestartOutcome, RestartPhase, RestartReport, RestartStep};
use serde::Serialize;
use ts_rs::TS;

/// A step of a restart through IBC as the screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RunStepId {
    /// Asking IBC to restart IB Gateway.
    Asking,
    /// IB Gateway closed to restart.
    Down,
    /// IB Gateway is back and listening.
    Listening,
    /// The session is back.
    Session,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Done,
    /// Being waited for now.
    Active,
    Waiting,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunStep {
    pub id: RunStepId,
    /// In plain words, for the state it is in ("Waiting for IB Gateway to close" / "IB Gateway closed").
    pub label: String,
    pub state: StepState,
    /// When it was reached (Unix ms).
    pub at_ms: Option<i64>,
}

/// How a restart through the app ended (or that it is still going).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RunResult {
    Running,
    /// IB Gateway restarted and the session is back.
    Back,
    /// Something failed or did not happen in time: `message` says what, and what to do.
    Failed,
}

/// A restart through IBC, as far as it got: published on `restart://progress` at every step.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RestartRun {
    /// Counts up from 1 per app run.
    pub id: u32,
    /// When the trader clicked Restart (Unix ms).
    pub started_at_ms: i64,
    pub steps: Vec<RunStep>,
    pub result: RunResult,
    /// Gateway Doctor started it by itself (the ibc_auto_restart setting), not a click.
    pub automatic: bool,
    /// Plain words: where it is, or how it ended.
    pub message: String,
    /// What was sent, IBC's reply, the port watched, timings (for "Details").
    pub details: String,
    /// Why it failed, when IBC or the guard said no.
    pub failure: Option<IbcFailure>,
    /// The follow-through as core reported it, once it ended.
    pub report: Option<RestartReport>,
    /// When the session was seen back (Unix ms).
    pub session_at_ms: Option<i64>,
}

/// The steps of a restart run: from the phases core reported, whether the session is back, and whether
/// the run failed (the first step not done is then the failed one).
pub fn steps(reached: &[RestartStep], session_at_ms: Option<i64>, failed: bool) -> Vec<RunStep> {
    let at = |phase: RestartPhase| reached.iter().find(|s| s.phase == phase).map(|s| s.at_ms);
    let sent = at(RestartPhase::Sent);
    let listening = at(RestartPhase::ListeningAgain);
    // A restart faster than one look at the port: the new listener proves it went down.
    let down = at(RestartPhase::DownSeen).or(listening);
    let marks = [
        (RunStepId::Asking, sent),
        (RunStepId::Down, down),
        (RunStepId::Listening, listening),
        (RunStepId::Session, session_at_ms),
    ];
    let mut current_found = false;
    marks
        .into_iter()
        .map(|(id, at_ms)| {
            let state = if at_ms.is_some() {
                StepState::Done
            } else if current_found {
                StepState::Waiting
            } else {
                current_found = true;
                if failed {
                    StepState::Failed
                } else {
                    StepState::Active
                }
            };
            RunStep {
                id,
                label: step_label(id, state).into(),
                state,
                at_ms,
            }
        })
        .collect()
}

fn step_label(id: RunStepId, state: StepState) -> &'static str {
    match (id, state) {
        (RunStepId::Asking, StepState::Done) => "IBC accepted the restart",
        (RunStepId::Asking, StepState::Failed) => "IBC did not take the restart",
        (RunStepId::Asking, _) => "Asking IBC to restart IB Gateway",
        (RunStepId::Down, StepState::Done) => "IB Gateway closed to restart",
        (RunStepId::Down, StepState::Failed) => "IB Gateway did not close",
        (RunStepId::Down, _) => {
            "Waiting for IB Gateway to close (IBC restarts it at the next full minute)"
        }
        (RunStepId::Listening, StepState::Done) => "IB Gateway is back and listening",
        (RunStepId::Listening, StepState::Failed) => "IB Gateway did not come back in time",
        (RunStepId::Listening, _) => "Waiting for IB Gateway to start again",
        (RunStepId::Session, StepState::Done) => "Session back (Connected)",
        (RunStepId::Session, StepState::Failed) => "The session did not come back",
        (RunStepId::Session, _) => "Gateway Doctor reconnects once",
    }
}

/// The message of a run that core's follow-through ended without the Gateway back.
pub fn not_back_message(report: &RestartReport) -> String {
    match report.outcome {
        RestartOutcome::NotWatched => report.message.clone(),
        _ => format!(
            "{} If it does not come back, use the steps below to restart it by hand.",
            report.message
        ),
    }
}
