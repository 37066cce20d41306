//! Diagnose as the app runs it: gateway-core's diagnose through the app's ONE session, with each stage
//! emitted as `diagnose://progress` while it runs (and a final "done"), and the report kept for the support
//! bundle. The API is always tested through that session: a live one answers one bounded ping; an idle one
//! (with the Gateway listening) is connected and KEPT, exactly as Connect would. No throwaway worker or probe
//! connection is ever made, and a bad setting is reported without connecting.

use gateway_core::diagnostics::{DiagnoseOptions, Progress, Stage, diagnose};
use gateway_proto::Report;
use std::sync::Arc;

use crate::Backend;

use crate::dto::DiagnoseProgress;
use crate::events::DIAGNOSE_PROGRESS;

pub async fn run(backend: &Arc<Backend>) -> Report {
    let state = &backend.state;
    let total = Stage::ALL.len() as u32;
    let config = state.config.resolve().config;
    // With a bad setting the supervisor still runs on the last good one: never connect it then (core's
    // diagnose also leaves the session alone when the settings are bad).
    let handshake = config.is_ok();
    let rules = state.config.time_rules();
    let emitter = backend.clone();
    let options = DiagnoseOptions {
        handshake,
        progress: Progress::new(move |stage, done| {
            let progress = DiagnoseProgress {
                step: stage.id().into(),
                label: stage.label(handshake).into(),
                done: done as u32,
                total,
            };
            emitter.emit(DIAGNOSE_PROGRESS, progress);
        }),
        now: state.schedule_now(),
        region: rules.region,
        auto_restart: rules.auto_restart,
        ..DiagnoseOptions::default()
    };
    let report = diagnose(&config, Some(&state.supervisor), &options).await;
    let done = DiagnoseProgress {
        step: "done".into(),
        label: report.summary.clone(),
        done: total,
        total,
    };
    backend.emit(DIAGNOSE_PROGRESS, done);
    log::info!("diagnose: {:?}: {}", report.verdict, report.summary);
    *state
        .report
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(report.clone());
    report
}
