//! gateway-sim against the ibapi crate's async client (the client our worker uses), each fault mode with the
//! outcome measured in research/protocol.md, and the control port's commands and counters.
//!
//! Tests run on a multi-threaded runtime: ibapi's client owns its socket in a background task, so a test
//! that blocks (polling the control port) must not starve it, or a dropped client never closes its socket.

use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::time::{Duration, Instant};

use ibapi::{Client, Error};

use crate::util::{SimProcess, wait_until};

/// The test's own bound on anything that must not hang.
const BOUND: Duration = Duration::from_secs(5);
/// How long "no answer" is given before the test concludes the Gateway is silent.
const SILENCE: Duration = Duration::from_millis(1500);

async fn connect(
    addr: SocketAddr,
    client_id: i32,
    within: Duration,
) -> Result<Result<Client, Error>, tokio::time::error::Elapsed> {
    let builder = Client::builder()
        .address(addr.to_string())
        .client_id(client_id)
        .max_reconnect_attempts(0);
    tokio::time::timeout(within, builder.connect()).await
}

async fn connected(sim: &SimProcess, client_id: i32) -> Client {
    match connect(sim.api, client_id, BOUND).await {
        Ok(Ok(client)) => client,
        Ok(Err(err)) => panic!("ibapi could not connect: {err}"),
        Err(_) => panic!("ibapi connect hung for {BOUND:?}"),
    }
}

/// A connected client that has also read the farm notices that follow the handshake, so dropping it closes
/// with FIN (a socket closed with unread data sends RST instead, and leaves no CLOSE_WAIT behind).
async fn connected_and_drained(sim: &SimProcess, client_id: i32) -> Client {
    let builder = Client::builder()
        .address(sim.api.to_string())
        .client_id(client_id)
        .max_reconnect_attempts(0);
    let (client, mut notices) = tokio::time::timeout(BOUND, builder.connect_with_notice_stream())
        .await
        .expect("no hang")
        .expect("connects");
    let last_farm_notice = async {
        while let Some(notice) = notices.next().await {
            if notice.code == 2158 {
                return;
            }
        }
    };
    tokio::time::timeout(BOUND, last_farm_notice)
        .await
        .expect("the farm notices arrive");
    client
}

async fn connect_error(sim: &SimProcess, client_id: i32) -> (Error, Duration) {
    let started = Instant::now();
    match connect(sim.api, client_id, BOUND).await {
        Ok(Ok(_)) => panic!("connect succeeded but the fault should have stopped it"),
        Ok(Err(err)) => (err, started.elapsed()),
        Err(_) => panic!("connect hung for {BOUND:?} instead of failing"),
    }
}

async fn assert_no_answer(sim: &SimProcess, client_id: i32) {
    assert!(
        connect(sim.api, client_id, SILENCE).await.is_err(),
        "expected no answer within {SILENCE:?}, but the connect finished"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ibapi_connects_and_reads_accounts_version_and_time() {
    let sim = SimProcess::start(&["--accounts", "DU1234567,DU7654321"]);
    let client = connected(&sim, 7).await;
    assert_eq!(
        client.handshake_managed_accounts(),
        ["DU1234567", "DU7654321"]
    );
    assert_eq!(client.server_version(), 226);
    assert!(
        client.connection_time().is_some(),
        "connection time must parse (US/Eastern)"
    );
    let accounts = tokio::time::timeout(BOUND, client.managed_accounts())
        .await
        .expect("answered");
    assert_eq!(accounts.expect("accounts"), ["DU1234567", "DU7654321"]);
    let now = time::OffsetDateTime::now_utc();
    let server_time = tokio::time::timeout(BOUND, client.server_time())
        .await
        .expect("answered");
    assert!((server_time.expect("server time") - now).abs() < time::Duration::seconds(5));
    let millis = tokio::time::timeout(BOUND, client.server_time_millis())
        .await
        .expect("answered");
    assert!((millis.expect("server time millis") - now).abs() < time::Duration::seconds(5));
    let stats = sim.stats();
    assert_eq!(
        (stats.accepted, stats.handshakes, stats.api_started),
        (1, 1, 1)
    );
    assert_eq!(stats.live_clients.len(), 1);
    assert_eq!(stats.live_clients[0].client_id, 7);
    assert_eq!(stats.heartbeat_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_while_the_gateway_is_down() {
    let port = {
        let probe = TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr").port()
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    match connect(addr, 1, BOUND).await.expect("refusal is immediate") {
        Err(Error::Io(err)) => assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused),
        other => panic!(
            "expected ConnectionRefused, got {:?}",
            other.map(|_| "a client")
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_after_handshake_is_an_early_close_not_a_hang() {
    let sim = SimProcess::start(&["--fault", "close_after_handshake"]);
    let (err, took) = connect_error(&sim, 1).await;
    assert!(
        matches!(
            err,
            Error::ConnectionReset
                | Error::ConnectionRejected(_)
                | Error::Io(_)
                | Error::EndOfStream
                | Error::UnexpectedEndOfStream
                | Error::ConnectionFailed
        ),
        "unexpected error {err:?}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_eq!(sim.stats().handshakes, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_live_client_with_the_same_id_gets_326() {
    let sim = SimProcess::start(&[]);
    let _first = connected(&sim, 42).await;
    let (err, _) = connect_error(&sim, 42).await;
    assert!(
        matches!(err, Error::ClientIdInUse { client_id: 42 }),
        "got {err:?}"
    );
    let stats = sim.stats();
    assert_eq!(
        stats.api_started, 1,
        "the collision is not a started session"
    );
    assert_eq!(stats.live_clients.len(), 1);
    // A different id is fine at the same time.
    let _other = connected(&sim, 43).await;
    assert_eq!(sim.stats().live_clients.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_id_is_free_again_once_its_holder_closes() {
    let sim = SimProcess::start(&[]);
    drop(connected(&sim, 5).await);
    sim.wait_stats("the first client to close", BOUND, |s| {
        s.live_clients.is_empty()
    });
    let _again = connected(&sim, 5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_is_a_frame_error() {
    let sim = SimProcess::start(&["--fault", "garbage"]);
    let (err, _) = connect_error(&sim, 1).await;
    assert!(matches!(err, Error::InvalidFrame(_)), "got {err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_version_is_refused_by_ibapi_with_the_version_seen() {
    let sim = SimProcess::start(&["--fault", "old_version"]);
    let (err, _) = connect_error(&sim, 1).await;
    assert!(
        matches!(err, Error::ServerVersion(213, 187, _)),
        "got {err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_version_below_protobuf_is_the_same_as_an_old_gateway() {
    let sim = SimProcess::start(&["--max-version", "200"]);
    let (err, _) = connect_error(&sim, 1).await;
    assert!(
        matches!(err, Error::ServerVersion(213, 200, _)),
        "got {err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_accepts_but_never_answers() {
    let sim = SimProcess::start(&["--fault", "silent"]);
    assert_no_answer(&sim, 1).await;
    let stats = sim.stats();
    assert_eq!(
        (stats.accepted, stats.handshakes, stats.api_started),
        (1, 0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_next_valid_id_sends_accounts_but_connect_never_completes() {
    let sim = SimProcess::start(&["--fault", "no_next_valid_id"]);
    assert_no_answer(&sim, 1).await;
    let stats = sim.stats();
    assert_eq!(
        (stats.handshakes, stats.api_started),
        (1, 1),
        "accounts were sent after START_API"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_handshake_delays_but_completes() {
    let sim = SimProcess::start(&["--fault", "slow_handshake:700"]);
    let started = Instant::now();
    let _client = connected(&sim, 1).await;
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "took {:?}",
        started.elapsed()
    );
}

/// Recv-Q of the LISTEN socket on `port`, as `ss` shows it: the connections waiting to be accepted.
fn accept_queue(port: u16) -> u32 {
    let out = Command::new("ss")
        .args(["-Hltn", &format!("sport = :{port}")])
        .output()
        .expect("ss (iproute2) is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .nth(1)
        .and_then(|q| q.parse().ok())
        .unwrap_or_else(|| panic!("no LISTEN line for {port}: {text:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_accept_leaves_connections_in_the_accept_queue() {
    let sim = SimProcess::start(&["--fault", "no_accept"]);
    let pending: Vec<_> = (0..3)
        .map(|_| std::net::TcpStream::connect(sim.api).expect("kernel completes the TCP handshake"))
        .collect();
    assert!(
        wait_until(BOUND, || accept_queue(sim.port()) == 3),
        "Recv-Q is {}",
        accept_queue(sim.port())
    );
    assert_no_answer(&sim, 1).await;
    assert_eq!(sim.stats().accepted, 0);
    // Back to normal: the queued connections are accepted.
    sim.set_fault("normal");
    sim.wait_stats("the queue to drain", BOUND, |s| s.accepted >= 4);
    drop(pending);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignore_heartbeat_answers_everything_but_current_time() {
    let sim = SimProcess::start(&[]);
    let client = connected(&sim, 1).await;
    sim.set_fault("ignore_heartbeat");
    assert!(
        tokio::time::timeout(SILENCE, client.server_time())
            .await
            .is_err(),
        "reqCurrentTime was answered"
    );
    let accounts = tokio::time::timeout(BOUND, client.managed_accounts())
        .await
        .expect("other requests are answered");
    assert_eq!(accounts.expect("accounts"), ["DU1234567"]);
    assert_eq!(
        sim.stats().heartbeat_requests,
        1,
        "the request arrived; it was not answered"
    );
}

/// Local ports of CLOSE-WAIT sockets whose local port is `port` (the Gateway side).
fn gateway_side_close_wait(port: u16) -> usize {
    let out = Command::new("ss")
        .args(["-Htan", "state", "close-wait", &format!("sport = :{port}")])
        .output()
        .expect("ss");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_closed_leaves_gateway_side_close_wait_until_restart() {
    let sim = SimProcess::start(&["--fault", "hold_closed"]);
    drop(connected_and_drained(&sim, 1).await);
    drop(connected_and_drained(&sim, 2).await);
    sim.wait_stats("both closes to be seen", BOUND, |s| s.client_closes == 2);
    let all = || {
        String::from_utf8_lossy(
            &Command::new("ss")
                .args(["-tan"])
                .output()
                .expect("ss")
                .stdout,
        )
        .to_string()
    };
    assert!(
        wait_until(BOUND, || gateway_side_close_wait(sim.port()) == 2),
        "ss shows {}",
        all()
    );
    assert_eq!(sim.stats().held_closed, 2);
    sim.control
        .restart(Duration::from_millis(100))
        .expect("restart");
    assert!(wait_until(BOUND, || gateway_side_close_wait(sim.port()) == 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn red_after_disconnect_goes_silent_for_everyone_until_restart() {
    let sim = SimProcess::start(&["--fault", "red_after_disconnect"]);
    let survivor = connected(&sim, 2).await;
    drop(connected(&sim, 1).await); // closes within 5 s of starting its API session: the trigger
    sim.wait_stats("the API layer to turn RED", BOUND, |s| s.red);
    let handshakes = sim.stats().handshakes;
    assert_no_answer(&sim, 3).await;
    assert_eq!(
        sim.stats().handshakes,
        handshakes,
        "no new handshake was answered"
    );
    assert!(
        tokio::time::timeout(SILENCE, survivor.server_time())
            .await
            .is_err(),
        "live sessions are muted too"
    );
    drop(survivor);
    sim.control
        .restart(Duration::from_millis(200))
        .expect("restart");
    assert!(!sim.stats().red);
    let _client = connected(&sim, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn red_after_disconnect_trips_on_connect_close_cycles() {
    let sim = SimProcess::start(&["--fault", "red_after_disconnect:0:3"]);
    for round in 0..3 {
        assert!(!sim.stats().red, "RED too early, before cycle {round}");
        drop(connected(&sim, 1).await);
        sim.wait_stats("the close", BOUND, |s| s.client_closes == round + 1);
    }
    assert!(sim.stats().red);
}

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
    let stats = sim.stats();
    assert!(stats.live_clients.is_empty());
    assert_eq!(
        stats.client_closes, 0,
        "the Gateway closed it, not the client"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_reach_live_sessions() {
    let sim = SimProcess::start(&[]);
    let (client, mut notices) = tokio::time::timeout(
        BOUND,
        Client::builder()
            .address(sim.api.to_string())
            .client_id(1)
            .max_reconnect_attempts(0)
            .connect_with_notice_stream(),
    )
    .await
    .expect("no hang")
    .expect("connects");
    sim.control.notice(1100, None).expect("notice");
    sim.control.notice(1102, Some("restored")).expect("notice");
    let mut codes = Vec::new();
    let deadline = Instant::now() + BOUND;
    while !codes.contains(&1102) && Instant::now() < deadline {
        if let Ok(Some(notice)) =
            tokio::time::timeout(Duration::from_millis(200), notices.next()).await
        {
            codes.push(notice.code);
        }
    }
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
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(crate::util::bin("gateway-sim"))
        .args(["--listen", "127.0.0.1:0", "--exit-with-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn gateway-sim");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    assert!(line.contains("listening"), "{line}");
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "runs while stdin is open"
    );
    drop(child.stdin.take()); // the parent goes away
    let exited = wait_until(Duration::from_secs(5), || {
        child.try_wait().expect("try_wait").is_some()
    });
    if !exited {
        let _ = child.kill();
    }
    let _ = child.wait();
    assert!(exited, "gateway-sim kept running after its stdin closed");
}
