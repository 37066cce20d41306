//! gateway-sim's control port: each command changes behaviour as documented, stats count exactly, and the
//! options that tie it to a parent process.

use std::net::SocketAddr;
use std::time::Duration;

use ibapi::Error;

use gateway_testkit::{SimOptions, SimProcess, wait_until};

use super::{
    BOUND, assert_no_answer, connect_error, connected, connected_and_drained,
    connected_with_notices, notice_codes,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_all_closes_sessions_from_the_gateway_side() {
    let sim = SimProcess::start(&[]);
    let client = connected(&sim, 1).await;
    sim.control.drop_all().expect("drop_all");
    let answer = tokio::time::timeout(BOUND, client.server_time())
        .await
        .expect("a dropped session fails at once");
    assert!(
        answer.is_err(),
        "the session was dropped, yet reqCurrentTime was answered"
    );
    // The simulator forgets the session when its session task ends, a moment after the socket closed: a
    // loaded machine can ask for the stats in between.
    assert!(
        wait_until(BOUND, || sim.stats().live_clients.is_empty()),
        "the dropped session is still listed: {:?}",
        sim.stats().live_clients
    );
    assert_eq!(
        sim.stats().client_closes,
        0,
        "the Gateway closed it, not the client"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_reach_live_sessions() {
    let sim = SimProcess::start(&[]);
    let (client, mut notices) = connected_with_notices(&sim, 1).await;
    sim.control.notice(1100, None).expect("notice");
    sim.control.notice(1102, Some("restored")).expect("notice");
    let codes = notice_codes(&mut notices, 1102, |_| true).await;
    assert!(
        codes.contains(&1100) && codes.contains(&1102),
        "notices seen: {codes:?}"
    );
    drop(client);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_fault_at_run_time_applies_to_new_connections_and_bad_names_are_refused() {
    let sim = SimProcess::start(&[]);
    sim.set_fault("silent");
    assert_no_answer(&sim, 1).await;
    let err = sim.control.set_fault("loud").expect_err("unknown fault");
    assert!(
        err.to_string().contains("no_next_valid_id"),
        "the error lists the modes: {err}"
    );
    assert_eq!(sim.stats().fault, "silent");
    sim.set_fault("normal");
    let _client = connected(&sim, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_refuses_while_down_then_listens_on_a_new_socket() {
    let sim = SimProcess::start(&[]);
    let client = connected(&sim, 1).await;
    let control = sim.control;
    let restarting = std::thread::spawn(move || control.restart(Duration::from_millis(1500)));
    assert!(
        wait_until(BOUND, || std::net::TcpStream::connect(sim.api).is_err()),
        "the port kept accepting during the restart"
    );
    restarting.join().expect("thread").expect("restart");
    assert!(
        tokio::time::timeout(BOUND, client.server_time())
            .await
            .expect("fails at once")
            .is_err()
    );
    let stats = sim.stats();
    assert_eq!((stats.restarts, stats.live_clients.len()), (1, 0));
    let _again = connected(&sim, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_into_a_fault_comes_back_with_that_fault() {
    let sim = SimProcess::start(&["--fault", "silent"]);
    assert_no_answer(&sim, 1).await;
    sim.control
        .restart_into(Duration::from_millis(50), "normal")
        .expect("restart into normal");
    let _healthy = connected(&sim, 2).await;
    sim.control
        .restart_into(Duration::from_millis(50), "silent")
        .expect("restart into silent");
    assert_no_answer(&sim, 3).await;
    assert_eq!(sim.stats().restarts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_count_exactly() {
    let sim = SimProcess::start(&[]);
    let a = connected(&sim, 1).await;
    let b = connected(&sim, 2).await;
    for _ in 0..3 {
        tokio::time::timeout(BOUND, a.server_time())
            .await
            .expect("answered")
            .expect("time");
    }
    drop(b);
    let stats = sim.wait_stats("b's close", BOUND, |s| s.client_closes == 1);
    assert_eq!(
        (stats.accepted, stats.handshakes, stats.api_started),
        (2, 2, 2)
    );
    assert_eq!(stats.heartbeat_requests, 3);
    assert_eq!(stats.client_ids(), [1]);
    assert!(!stats.red);
    assert_eq!(stats.fault, "normal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_port_rejects_malformed_requests_with_a_reason() {
    let sim = SimProcess::start(&[]);
    for (request, needle) in [
        (serde_json::json!({"command": "explode"}), "unknown variant"),
        (
            serde_json::json!({"command": "stats", "extra": 1}),
            "unknown field",
        ),
        (serde_json::json!({"command": "notice"}), "code"),
        (
            serde_json::json!({"command": "restart", "fault": "nope"}),
            "unknown fault",
        ),
    ] {
        let err = sim.control.call(&request, BOUND).expect_err("refused");
        assert!(err.to_string().contains(needle), "{request}: {err}");
    }
    assert_eq!(sim.stats().accepted, 0, "nothing reached the API port");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_peer_closes_only_the_connections_from_that_address() {
    let sim = SimProcess::start(&[]);
    let kept = connected(&sim, 1).await;
    let dropped = connected(&sim, 2).await;
    let stats = sim.stats();
    let peer_of = |id: i32| -> SocketAddr {
        stats
            .live_clients
            .iter()
            .find(|c| c.client_id == id)
            .and_then(|c| c.peer.parse().ok())
            .unwrap_or_else(|| panic!("client {id} is live with a peer address: {stats:?}"))
    };
    sim.control.drop_peer(peer_of(2)).expect("drop_peer");
    sim.wait_stats("client 2's session to end", BOUND, |s| {
        s.client_ids() == [1]
    });
    let answer = tokio::time::timeout(BOUND, dropped.server_time())
        .await
        .expect("a dropped session fails at once");
    assert!(answer.is_err(), "client 2 was dropped, yet it was answered");
    tokio::time::timeout(BOUND, kept.server_time())
        .await
        .expect("no hang")
        .expect("client 1 is still served");
    assert_eq!(sim.stats().client_closes, 0, "the Gateway closed it");
    // An address nobody connects from drops nothing.
    sim.control
        .drop_peer("127.0.0.1:9".parse().expect("addr"))
        .expect("drop_peer");
    assert_eq!(sim.stats().client_ids(), [1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_client_id_gets_326_until_released_or_restart() {
    let sim = SimProcess::start(&[]);
    sim.control.hold_client_id(7).expect("hold_client_id");
    let stats = sim.stats();
    assert_eq!(stats.client_ids(), [7]);
    assert_eq!(stats.live_clients[0].peer, gateway_sim::HELD_PEER);
    let (err, _) = connect_error(&sim, 7).await;
    assert!(
        matches!(err, Error::ClientIdInUse { client_id: 7 }),
        "got {err:?}"
    );
    let _other = connected(&sim, 8).await;

    sim.control
        .release_client_ids()
        .expect("release_client_ids");
    let _seven = connected(&sim, 7).await;

    sim.control.hold_client_id(9).expect("hold_client_id");
    sim.control
        .restart(Duration::from_millis(50))
        .expect("restart");
    let _nine = connected(&sim, 9).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_client_closes_counts_only_sessions_the_client_ended() {
    let sim = SimProcess::start(&[]);
    // A connection that never starts an API session: a client close, not an API client close.
    drop(std::net::TcpStream::connect(sim.api).expect("connect"));
    sim.wait_stats("the bare close", BOUND, |s| s.client_closes == 1);
    // A session the Gateway drops: neither.
    let dropped = connected(&sim, 1).await;
    sim.control.drop_all().expect("drop_all");
    sim.wait_stats("the drop", BOUND, |s| s.live_clients.is_empty());
    drop(dropped);
    // A live session the client ends: both.
    drop(connected_and_drained(&sim, 2).await);
    let stats = sim.wait_stats("the session's close", BOUND, |s| s.client_closes == 2);
    assert_eq!(stats.api_client_closes, 1, "{stats:?}");
    assert!(stats.live_clients.is_empty());
}

#[test]
fn exit_with_stdin_ties_the_simulator_to_its_parent() {
    // The ready line comes first: starting waits for it.
    let mut sim = SimOptions::default().exit_with_stdin().quiet().start();
    assert!(sim.running(), "runs while stdin is open");
    sim.close_stdin(); // the parent goes away
    assert!(
        wait_until(Duration::from_secs(5), || !sim.running()),
        "gateway-sim kept running after its stdin closed"
    );
}
