//! gateway-sim against the ibapi crate's async client (the client our worker uses), each fault mode with the
//! outcome measured against real clients, and the control port's commands and counters.
//!
//! Tests run on a multi-threaded runtime: ibapi's client owns its socket in a background task, so a test
//! that blocks (polling the control port) must not starve it, or a dropped client never closes its socket.

use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::time::{Duration, Instant};

use ibapi::subscriptions::NoticeStream;
use ibapi::{Client, Error};

use gateway_testkit::{SimProcess, wait_until};

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

/// A connected client and its notices from the handshake on.
async fn connected_with_notices(sim: &SimProcess, client_id: i32) -> (Client, NoticeStream) {
    let builder = Client::builder()
        .address(sim.api.to_string())
        .client_id(client_id)
        .max_reconnect_attempts(0);
    tokio::time::timeout(BOUND, builder.connect_with_notice_stream())
        .await
        .expect("no hang")
        .expect("connects")
}

/// The codes `keep` accepts of the notices that arrive until `last` has (or BOUND passes), in order.
async fn notice_codes(
    notices: &mut NoticeStream,
    last: i32,
    keep: impl Fn(i32) -> bool,
) -> Vec<i32> {
    let mut codes = Vec::new();
    let deadline = Instant::now() + BOUND;
    while !codes.contains(&last) && Instant::now() < deadline {
        if let Ok(Some(notice)) =
            tokio::time::timeout(Duration::from_millis(200), notices.next()).await
            && keep(notice.code)
        {
            codes.push(notice.code);
        }
    }
    codes
}

/// A connected client that has also read the farm notices that follow the handshake, so dropping it closes
/// with FIN (a socket closed with unread data sends RST instead, and leaves no CLOSE_WAIT behind).
async fn connected_and_drained(sim: &SimProcess, client_id: i32) -> Client {
    let (client, mut notices) = connected_with_notices(sim, client_id).await;
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

mod control;
mod drop_after;
pub(crate) mod ibc;
