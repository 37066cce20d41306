//! The reconnect discipline with the real worker and simulator: a Gateway that drops every session is
//! latched after a few, and even a user clicking Reset without pause stays inside the connect budget; a
//! client id held by another program gets one attempt and then one more only when that program leaves;
//! only a session that stayed up for the stable period starts the backoff over; and two supervisors keeping
//! their guardrail in one folder share one connect budget.

use std::time::{Duration, Instant};

use gateway_core::config::Key;
use gateway_core::supervisor::{
    CONNECT_BUDGET, DROPS_TO_LATCH, Lifecycle, Supervisor, SupervisorState,
};
use gateway_proto::ErrorCode;

use super::{BOUND, connected, options, options_with, wait_for};
use crate::soak::api_client;
use gateway_testkit::{SimProcess, assert_contains};

fn latched_with(state: &SupervisorState, code: ErrorCode) -> bool {
    matches!(&state.lifecycle, Lifecycle::Latched { error } if error.code == code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_that_drops_every_session_is_latched_and_the_budget_holds_against_reset_clicks() {
    let sim = SimProcess::start(&["--fault", "drop_after:300"]);
    let mut opts = options(&sim, 51, "5", "3");
    opts.jitter_seed = Some(51);
    let supervisor = Supervisor::start(opts);
    let started = Instant::now();
    supervisor.connect().await.expect("running");
    let latched = wait_for(&supervisor, "the dropped-sessions latch", BOUND, |s| {
        latched_with(s, ErrorCode::GatewayDropsSessions)
    })
    .await;
    let Lifecycle::Latched { error } = &latched.lifecycle else {
        unreachable!()
    };
    assert_contains(&error.message, "keeps dropping");
    assert_contains(&error.message, gateway_proto::words::RESTART_BY_HAND);
    assert_eq!(latched.short_sessions_in_a_row, DROPS_TO_LATCH);
    assert_eq!(sim.stats().accepted, u64::from(DROPS_TO_LATCH));

    // The user clicks Reset again and again: the budget, not the user, decides.
    let (window, limit) = CONNECT_BUDGET[0];
    let budget_wait = loop {
        supervisor.reset().await.expect("running");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let state = supervisor.state();
        if let Lifecycle::Backoff {
            retry_in_ms, error, ..
        } = &state.lifecycle
            && error.message.contains("connects at most")
        {
            break Duration::from_millis(*retry_in_ms);
        }
        assert!(
            started.elapsed() < window,
            "no budget wait within {window:?}: {state:?}, {:?}",
            sim.stats()
        );
    };
    assert_eq!(
        sim.stats().accepted,
        limit as u64,
        "the budget's {limit} connects"
    );
    assert!(
        started.elapsed() + budget_wait >= window - Duration::from_secs(1),
        "the next connect waits until the first leaves the {window:?} window (waits {budget_wait:?})"
    );
    for _ in 0..10 {
        supervisor.reset().await.expect("running");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        sim.stats().accepted,
        limit as u64,
        "clicks do not get past the budget"
    );
    supervisor.shutdown().await;
}

/// A supervisor (jitter seeded with the id) asked to connect as `client_id`, which the Gateway refuses
/// with 326: it, and its state once it waits for the id.
async fn waiting_on_client_id(sim: &SimProcess, client_id: i32) -> (Supervisor, SupervisorState) {
    let mut opts = options(sim, client_id, "5", "3");
    opts.jitter_seed = Some(client_id as u64);
    let supervisor = Supervisor::start(opts);
    supervisor.connect().await.expect("running");
    let waiting = wait_for(&supervisor, "the 326 wait", BOUND, |s| {
        s.client_id_wait.is_some()
    })
    .await;
    (supervisor, waiting)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_client_id_gets_one_attempt_then_one_more_when_its_holder_leaves() {
    let sim = SimProcess::start(&[]);
    let holder = api_client::hold_client_id(sim.api, 52, BOUND);
    let (supervisor, waiting) = waiting_on_client_id(&sim, 52).await;
    let wait = waiting.client_id_wait.clone().expect("waiting");
    assert_eq!(wait.client_id, 52);
    assert_eq!(
        wait.watched_connections, 1,
        "the holder's connection, not ours"
    );
    let Lifecycle::Failed { error } = &waiting.lifecycle else {
        panic!("no retry timer after a 326: {:?}", waiting.lifecycle)
    };
    assert_eq!(error.code, ErrorCode::ClientIdInUse);
    assert_contains(&error.message, "client id 52");

    // Several (test) backoff periods: no second attempt while the holder stays.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let stats = sim.stats();
    assert_eq!(
        stats.accepted, 2,
        "the holder's and our one attempt: {stats:?}"
    );
    assert_eq!(supervisor.state().connect_attempts, 1);

    holder.close();
    let back = wait_for(
        &supervisor,
        "the one attempt after the holder left",
        BOUND,
        connected,
    )
    .await;
    assert_eq!(back.connect_attempts, 2);
    assert!(back.client_id_wait.is_none());
    let stats = sim.stats();
    assert_eq!(stats.accepted, 3, "exactly one more: {stats:?}");
    assert_eq!(stats.client_ids(), [52]);
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_id_held_out_of_sight_waits_for_the_user_not_a_timer() {
    let sim = SimProcess::start(&[]);
    // Held inside the Gateway with no connection on this computer (another machine's program).
    sim.control.hold_client_id(54).expect("hold_client_id");
    let (supervisor, waiting) = waiting_on_client_id(&sim, 54).await;
    assert_eq!(
        waiting
            .client_id_wait
            .as_ref()
            .map(|w| w.watched_connections),
        Some(0),
        "nothing of the holder is visible here"
    );
    let Lifecycle::Failed { error } = &waiting.lifecycle else {
        panic!("no retry timer after a 326: {:?}", waiting.lifecycle)
    };
    assert_contains(&error.message, "not on this computer");

    sim.control.release_client_ids().expect("release");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        sim.stats().accepted,
        1,
        "no attempt without a sign the id is free"
    );

    // The user's Connect is the next step: one attempt, and it works now.
    supervisor.connect().await.expect("running");
    let back = wait_for(&supervisor, "the user's attempt", BOUND, connected).await;
    assert_eq!(back.connect_attempts, 2);
    assert!(back.client_id_wait.is_none());
    assert_eq!(sim.stats().accepted, 2);
    supervisor.shutdown().await;
}

fn backoff_attempt(state: &SupervisorState) -> Option<u32> {
    match state.lifecycle {
        Lifecycle::Backoff { attempt, .. } => Some(attempt),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_session_that_stayed_up_for_the_stable_period_starts_the_backoff_over() {
    let sim = SimProcess::start(&[]);
    let mut opts = options_with(&sim, 53, "5", "3", &[(Key::StableAfter, "1")]);
    opts.backoff.first = Duration::from_millis(600);
    opts.backoff.max = Duration::from_secs(2);
    opts.jitter_seed = Some(53);
    let supervisor = Supervisor::start(opts);
    supervisor.connect().await.expect("running");

    // Two sessions dropped at once: each a failure, so the step grows.
    for expected in [1, 2] {
        wait_for(&supervisor, "a session", BOUND, connected).await;
        sim.control.drop_all().expect("drop_all");
        let state = wait_for(&supervisor, "the backoff after the drop", BOUND, |s| {
            backoff_attempt(s).is_some()
        })
        .await;
        assert_eq!(backoff_attempt(&state), Some(expected), "{state:?}");
        assert_eq!(state.short_sessions_in_a_row, expected);
    }

    // A session that stays up past the stable period (1 s) starts the count over.
    wait_for(&supervisor, "a session", BOUND, connected).await;
    let settled = wait_for(&supervisor, "the session to count as stable", BOUND, |s| {
        connected(s) && s.short_sessions_in_a_row == 0
    })
    .await;
    assert_eq!(settled.connect_attempts, 3);
    sim.control.drop_all().expect("drop_all");
    let state = wait_for(&supervisor, "the backoff after the drop", BOUND, |s| {
        backoff_attempt(s).is_some()
    })
    .await;
    assert_eq!(backoff_attempt(&state), Some(1), "{state:?}");
    supervisor.shutdown().await;
}

/// Waiting for the connect budget (the message every budget wait carries).
fn budget_waiting(state: &SupervisorState) -> bool {
    matches!(&state.lifecycle, Lifecycle::Backoff { error, .. } if error.message.contains("connects at most"))
}

/// Two supervisors keeping their guardrail in one folder (the app and `gateway-doctor connect` of one
/// user) against a Gateway that drops every session: each alone would connect DROPS_TO_LATCH times before
/// it latches, 8 in all; the budget they share on disk lets 6 through in 20 s, whoever sends them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_supervisors_sharing_the_guardrail_folder_share_one_connect_budget() {
    let sim = SimProcess::start(&["--fault", "drop_after:300"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let start = |client_id: i32| {
        let mut opts = options(&sim, client_id, "5", "3");
        opts.jitter_seed = Some(client_id as u64);
        opts.latch_path = Some(dir.path().join("guardrail.json"));
        Supervisor::start(opts)
    };
    let (app, cli) = (start(61), start(62));
    let started = Instant::now();
    app.connect().await.expect("running");
    cli.connect().await.expect("running");
    let done =
        |s: &SupervisorState| latched_with(s, ErrorCode::GatewayDropsSessions) || budget_waiting(s);
    let (window, limit) = CONNECT_BUDGET[0];
    let app_end = wait_for(&app, "a latch or a budget wait", BOUND, done).await;
    let cli_end = wait_for(&cli, "a latch or a budget wait", BOUND, done).await;
    let accepted = sim.stats().accepted;
    assert!(
        accepted <= limit as u64,
        "{accepted} connects from two supervisors; the shared budget is {limit} in {window:?}"
    );
    if started.elapsed() < window {
        assert_eq!(accepted, limit as u64);
        assert!(
            budget_waiting(&app_end) || budget_waiting(&cli_end),
            "one of them waits for the budget: {app_end:?} {cli_end:?}"
        );
    }
    app.shutdown().await;
    cli.shutdown().await;
}
