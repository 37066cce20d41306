//! The user's session controls with the real worker and simulator: Stop ends the session and every wait at
//! once and nothing more reaches the Gateway; Reconnect during a retry's wait connects now, and with the
//! connect budget spent it sends nothing and says when the next try can go. The simulator's stats judge
//! what reached the Gateway.

use std::time::Duration;

use gateway_core::supervisor::{Backoff, Lifecycle, Offered, Supervisor, SupervisorState};

use super::{BOUND, options, wait_for};
use crate::soak::api_client;
use gateway_testkit::{SimProcess, assert_contains};

fn backing_off(state: &SupervisorState) -> bool {
    matches!(state.lifecycle, Lifecycle::Backoff { .. })
}

/// Idle after the user's Stop, with no worker, and Connect the one control offered.
fn assert_stopped(state: &SupervisorState) {
    assert_eq!(state.lifecycle, Lifecycle::Idle, "{state:?}");
    assert!(state.stopped_by_user, "{state:?}");
    assert_eq!(state.worker_pid, None, "the worker ended");
    assert!(state.client_id_wait.is_none(), "no wait left: {state:?}");
    assert_eq!(
        state.offered,
        Offered {
            connect: true,
            reconnect: false,
            stop: false
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_during_a_retry_wait_ends_the_wait_at_once_and_nothing_more_reaches_the_gateway() {
    // Each session is dropped 300 ms after it starts: a retry follows 1 s (jittered) later.
    let sim = SimProcess::start(&["--fault", "drop_after:300"]);
    let mut opts = options(&sim, 61, "5", "3");
    opts.jitter_seed = Some(61);
    opts.backoff = Backoff {
        first: Duration::from_secs(1),
        max: Duration::from_secs(1),
    };
    let supervisor = Supervisor::start(opts);
    supervisor.connect().await.expect("running");
    let waiting = wait_for(&supervisor, "a retry's wait", BOUND, backing_off).await;
    assert!(
        waiting.offered.stop && waiting.offered.reconnect,
        "Stop and Reconnect are offered during a wait: {:?}",
        waiting.offered
    );
    let pid = waiting
        .worker_pid
        .expect("the worker waits with the session wanted");

    supervisor.stop().await.expect("running");
    let stopped = supervisor.state();
    assert_stopped(&stopped);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the worker was ended and reaped"
    );
    let accepted = sim.stats().accepted;
    let attempts = stopped.connect_attempts;

    // Three times the backoff's cap: the retry the wait was for would have gone long ago.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let stats = sim.stats();
    assert_eq!(
        stats.accepted, accepted,
        "nothing more reached the Gateway: {stats:?}"
    );
    let after = supervisor.state();
    assert_stopped(&after);
    assert_eq!(
        after.connect_attempts, attempts,
        "no connect was even asked"
    );
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_during_a_client_id_wait_ends_it_and_the_holder_leaving_brings_no_attempt() {
    let sim = SimProcess::start(&[]);
    let holder = api_client::hold_client_id(sim.api, 62, BOUND);
    let supervisor = Supervisor::start(options(&sim, 62, "5", "3"));
    supervisor.connect().await.expect("running");
    let waiting = wait_for(&supervisor, "the 326 wait", BOUND, |s| {
        s.client_id_wait.is_some()
    })
    .await;
    assert!(
        waiting.offered.stop,
        "the wait can be stopped: {:?}",
        waiting.offered
    );

    supervisor.stop().await.expect("running");
    assert_stopped(&supervisor.state());
    let accepted = sim.stats().accepted;
    holder.close();
    // Without the Stop, the holder leaving brings one attempt within a listener poll (200 ms here).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stats = sim.stats();
    assert_eq!(
        stats.accepted, accepted,
        "no attempt after the Stop: {stats:?}"
    );
    assert_stopped(&supervisor.state());
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_during_a_wait_connects_now_and_with_the_budget_spent_sends_nothing() {
    let sim = SimProcess::start(&["--fault", "drop_after:300"]);
    let mut opts = options(&sim, 63, "5", "3");
    opts.jitter_seed = Some(63);
    // Waits far longer than the test's bounds, so only a Reconnect can bring a connect in time.
    opts.backoff = Backoff {
        first: Duration::from_secs(60),
        max: Duration::from_secs(120),
    };
    // Two connects per minute, so the third click finds the budget spent.
    opts.connect_budget = [(Duration::from_secs(60), 2), (Duration::from_secs(300), 12)];
    let supervisor = Supervisor::start(opts);
    supervisor.connect().await.expect("running");
    wait_for(&supervisor, "the first retry's wait", BOUND, backing_off).await;
    assert_eq!(sim.stats().accepted, 1);

    // Reconnect: the 60 s wait is cut short; the connect goes now.
    supervisor.connect().await.expect("running");
    sim.wait_stats("the reconnect's connection", BOUND, |s| s.accepted == 2);
    let second = wait_for(&supervisor, "the second session's drop", BOUND, |s| {
        backing_off(s) && s.connect_attempts == 2
    })
    .await;
    assert!(second.offered.reconnect, "{:?}", second.offered);

    // Reconnect again: the budget (2 a minute) is spent, so nothing is sent and the wait says when.
    supervisor.connect().await.expect("running");
    let budget = wait_for(&supervisor, "the budget's wait", BOUND, |s| {
        matches!(&s.lifecycle, Lifecycle::Backoff { error, .. } if error.message.contains("connects at most"))
    })
    .await;
    let Lifecycle::Backoff {
        retry_in_ms, error, ..
    } = &budget.lifecycle
    else {
        unreachable!()
    };
    assert_contains(&error.message, "at most 2 times in 60 s");
    assert!(
        *retry_in_ms > 0 && *retry_in_ms <= 60_000,
        "the next try waits for the first connect to leave the minute: {retry_in_ms} ms"
    );
    assert!(
        budget.waiting_for_budget,
        "the wait is the budget's, said as such"
    );
    assert!(!second.waiting_for_budget, "a retry's own wait is not");
    assert!(budget.offered.stop && budget.offered.reconnect);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stats = sim.stats();
    assert_eq!(stats.accepted, 2, "nothing sent past the budget: {stats:?}");
    assert_eq!(supervisor.state().connect_attempts, 2);
    supervisor.shutdown().await;
}
