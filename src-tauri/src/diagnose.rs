//! Diagnose as the app runs it: gateway-core's diagnose over the live session, with each stage emitted as
//! `diagnose://progress` while it runs (and a final "done"), and the report kept for the support bundle.

use gateway_core::diagnostics::{DiagnoseOptions, Progress, Stage, diagnose};
use gateway_proto::Report;
use tauri::{AppHandle, Emitter, Runtime};

use crate::dto::DiagnoseProgress;
use crate::events::DIAGNOSE_PROGRESS;
use crate::state::AppState;

pub async fn run<R: Runtime>(app: &AppHandle<R>, state: &AppState, handshake: bool) -> Report {
    let total = Stage::ALL.len() as u32;
    let mut options = DiagnoseOptions::new(state.options.worker_bin.clone());
    options.handshake = handshake;
    let emitter = app.clone();
    options.progress = Progress::new(move |stage, done| {
        let progress = DiagnoseProgress {
            step: stage.id().into(),
            label: stage.label(handshake).into(),
            done: done as u32,
            total,
        };
        let _ = emitter.emit(DIAGNOSE_PROGRESS, progress);
    });
    let config = state.config.resolve().config;
    let report = diagnose(&config, Some(&state.supervisor), &options).await;
    let done = DiagnoseProgress {
        step: "done".into(),
        label: report.summary.clone(),
        done: total,
        total,
    };
    let _ = app.emit(DIAGNOSE_PROGRESS, done);
    log::info!("diagnose: {:?}: {}", report.verdict, report.summary);
    *state
        .report
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(report.clone());
    report
}
