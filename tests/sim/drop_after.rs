//! The drop_after fault: a Gateway that completes every handshake and then drops each session a set time
//! after its START_API (a half-dead API layer, a proxy that cuts connections).

use super::{BOUND, connected};
use gateway_testkit::SimProcess;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_after_ends_each_session_from_the_gateway_side_after_it_started() {
    let sim = SimProcess::start(&["--fault", "drop_after:300"]);
    assert_eq!(sim.stats().fault, "drop_after:300");
    let first = connected(&sim, 1).await;
    let stats = sim.wait_stats("the Gateway to drop the session", BOUND, |s| {
        s.live_clients.is_empty()
    });
    assert_eq!(stats.api_started, 1, "the session did start: {stats:?}");
    assert_eq!(
        stats.client_closes, 0,
        "the Gateway ended it, not the client"
    );
    let answer = tokio::time::timeout(BOUND, first.server_time())
        .await
        .expect("a dropped session fails at once");
    assert!(answer.is_err(), "the dropped session still answered");

    // Every session, not just the first; and the dropped one freed its client id.
    let _second = connected(&sim, 1).await;
    let stats = sim.wait_stats("the second drop", BOUND, |s| {
        s.api_started == 2 && s.live_clients.is_empty()
    });
    assert_eq!(stats.client_closes, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_after_set_at_run_time_applies_to_the_next_session_only() {
    let sim = SimProcess::start(&[]);
    let before = connected(&sim, 1).await;
    sim.set_fault("drop_after:200");
    let _after = connected(&sim, 2).await;
    sim.wait_stats("the new session's drop", BOUND, |s| s.client_ids() == [1]);
    tokio::time::timeout(BOUND, before.server_time())
        .await
        .expect("answered")
        .expect("the session from before the fault lives on");
    assert!(
        sim.control.set_fault("drop_after:soon").is_err(),
        "a malformed delay is refused"
    );
}
