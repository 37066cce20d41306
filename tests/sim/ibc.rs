//! gateway-sim's IBC command server (`--ibc`), against the real binary: the ready line carries its port,
//! commands are answered with IBC's lines, RESTART restarts the simulated Gateway with a healthy API layer,
//! STOP stops it, RECONNECTACCOUNT reaches live sessions as notices, ControlFrom refuses other addresses,
//! and the stats count each command. [`ibc_sim`] is shared with the core's IBC tests (tests/ibc/).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use gateway_testkit::{SimOptions, SimProcess, wait_until};

use super::{BOUND, connected, connected_with_notices, notice_codes};

/// A gateway-sim process with IBC's command server on a free loopback port, with extra arguments.
pub(crate) fn ibc_sim(args: &[&str]) -> SimProcess {
    ibc_sim_on("127.0.0.1:0", args)
}

/// The same with the command server on `ibc` (e.g. `[::]:0`, every address).
pub(crate) fn ibc_sim_on(ibc: &str, args: &[&str]) -> SimProcess {
    SimOptions::default().ibc(ibc).args(args).start()
}

/// Whether anything listens on `port` on this computer (the connection table; nothing connects).
pub(crate) fn listens(port: u16) -> bool {
    gateway_core::sockets::scan_quick(port)
        .expect("the connection table is readable")
        .listeners
        > 0
}

/// A raw command connection that reads whatever arrives within a short quiet time.
struct Line {
    stream: TcpStream,
}

impl Line {
    fn open(addr: SocketAddr) -> Line {
        let stream = TcpStream::connect(addr).expect("the command port accepts");
        stream
            .set_read_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
        Line { stream }
    }

    fn send(&mut self, line: &str) {
        self.stream
            .write_all(format!("{line}\r\n").as_bytes())
            .expect("write");
    }

    /// Everything received until `want` has arrived (or the connection closed / BOUND passed).
    fn read_until(&mut self, want: &str) -> String {
        let mut got = Vec::new();
        let deadline = Instant::now() + BOUND;
        let mut buf = [0u8; 512];
        while !String::from_utf8_lossy(&got).contains(want) && Instant::now() < deadline {
            match self.stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => break,
            }
        }
        String::from_utf8_lossy(&got).into_owned()
    }

    fn ask(&mut self, line: &str, want: &str) -> String {
        self.send(line);
        self.read_until(want)
    }

    /// Whether the server has closed the connection (EOF within BOUND).
    fn closed(&mut self) -> bool {
        let deadline = Instant::now() + BOUND;
        let mut buf = [0u8; 512];
        while Instant::now() < deadline {
            match self.stream.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => return true,
            }
        }
        false
    }
}

#[test]
fn without_ibc_the_ready_line_is_unchanged_and_no_command_port_is_opened() {
    let sim = SimProcess::start(&[]);
    assert_eq!(sim.stats().ibc, gateway_sim::IbcStats::default());
}

#[test]
fn commands_get_ibcs_replies_case_insensitively_and_are_counted() {
    let sim = ibc_sim(&[]);
    let mut line = Line::open(sim.ibc());
    assert_eq!(
        line.ask("enableapi", "\n"),
        "ERROR ENABLEAPI is not valid for the IB Gateway\n"
    );
    assert_eq!(line.ask("hello", "\n"), "ERROR Command invalid\n");
    assert_eq!(line.ask("ReconnectData", "\n"), "OK \n");
    line.send("");
    assert_eq!(
        line.ask("exit", "\n"),
        "OK Goodbye\n",
        "a blank line gets nothing without a prompt"
    );
    assert!(line.closed(), "EXIT closes the connection");
    let ibc = sim
        .wait_stats("the exit to be counted", BOUND, |s| s.ibc.exit == 1)
        .ibc;
    assert_eq!(
        (
            ibc.connections,
            ibc.enable_api,
            ibc.invalid,
            ibc.reconnect_data,
            ibc.restart,
            ibc.refused
        ),
        (1, 1, 1, 1, 0, 0)
    );
}

#[test]
fn the_prompt_and_info_lines_when_asked_for() {
    let sim = ibc_sim(&["--ibc-prompt", "ibc>", "--ibc-info"]);
    let mut line = Line::open(sim.ibc());
    assert_eq!(line.read_until("ibc>"), "INFO IBC Command Server\nibc>");
    assert_eq!(line.ask("bogus", "ibc>"), "ERROR Command invalid\nibc>");
    assert_eq!(
        line.ask("   ", "ibc>"),
        "ibc>",
        "a blank line gets the prompt again"
    );
    assert_eq!(line.ask("EXIT", "\n"), "OK Goodbye\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_answers_closes_and_brings_the_gateway_back_with_a_healthy_api_layer() {
    let sim = ibc_sim(&[
        "--fault",
        "red_after_disconnect",
        "--ibc-restart-down-ms",
        "1000",
        "--ibc-info",
    ]);
    let api_port = sim.api.port();
    drop(connected(&sim, 1).await); // closes within 5 s of starting its API session: the API layer goes RED
    sim.wait_stats("the API layer to turn RED", BOUND, |s| s.red);
    let mut line = Line::open(sim.ibc());
    let reply = line.ask("RESTART", "OK RESTART at");
    assert!(
        reply.starts_with(
            "INFO IBC Command Server\nINFO Restarting TWS\nOK RESTART in progress\nOK RESTART at "
        ),
        "{reply:?}"
    );
    assert!(line.closed(), "RESTART closes the command connection");
    assert!(
        wait_until(BOUND, || !listens(api_port)),
        "the API port went down"
    );
    assert!(
        wait_until(BOUND, || !listens(sim.ibc().port())),
        "IBC goes down with the Gateway"
    );
    assert!(
        wait_until(BOUND, || listens(api_port)),
        "the API port listens again"
    );
    let stats = sim.wait_stats("the restart to complete", BOUND, |s| s.restarts == 1);
    assert!(!stats.red, "a restart clears the RED latch");
    assert_eq!(stats.ibc.restart, 1);
    let _healthy = connected(&sim, 3).await;
    assert!(
        wait_until(BOUND, || listens(sim.ibc().port())),
        "IBC's command port is back too"
    );
}

#[test]
fn a_second_restart_while_one_is_pending_is_refused() {
    let sim = ibc_sim(&["--ibc-restart-after-ms", "60000"]);
    let mut first = Line::open(sim.ibc());
    assert!(
        first
            .ask("restart", "OK RESTART at")
            .contains("OK RESTART in progress")
    );
    let mut second = Line::open(sim.ibc());
    assert_eq!(
        second.ask("RESTART", "\n"),
        "ERROR RESTART already in progress\n"
    );
    assert!(second.closed());
    assert_eq!(sim.stats().restarts, 0, "the Gateway has not gone down yet");
}

#[test]
fn stop_stops_listening_until_the_gateway_is_started_again() {
    let sim = ibc_sim(&[]);
    let mut line = Line::open(sim.ibc());
    assert_eq!(line.ask("stop", "\n"), "OK Shutting down: STOP command\n");
    assert!(line.closed());
    assert!(wait_until(BOUND, || !listens(sim.api.port())));
    assert!(wait_until(BOUND, || !listens(sim.ibc().port())));
    assert_eq!(sim.stats().ibc.stop, 1);
    // The trader starts the Gateway again (the control port's restart stands for that).
    sim.control
        .restart(Duration::from_millis(10))
        .expect("start again");
    assert!(listens(sim.api.port()));
    assert!(wait_until(BOUND, || listens(sim.ibc().port())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnectaccount_sends_live_sessions_1100_then_1102() {
    let sim = ibc_sim(&[]);
    let (client, mut notices) = connected_with_notices(&sim, 1).await;
    let mut line = Line::open(sim.ibc());
    assert_eq!(line.ask("RECONNECTACCOUNT", "\n"), "OK \n");
    let codes = notice_codes(&mut notices, 1102, |code| code == 1100 || code == 1102).await;
    assert_eq!(codes, [1100, 1102]);
    assert_eq!(sim.stats().ibc.reconnect_account, 1);
    drop(client);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_from_refuses_other_addresses_without_a_word_and_admits_listed_ones() {
    let refused = ibc_sim(&[]);
    // 127.0.0.2 is this computer too, but IBC admits only 127.0.0.1 and the address it is bound to.
    let mut stream = from_127_0_0_2(refused.ibc()).await;
    let mut got = Vec::new();
    let read = tokio::time::timeout(
        BOUND,
        tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut got),
    )
    .await
    .expect("closed at once");
    assert!(read.is_ok_and(|n| n == 0), "nothing is written: {got:?}");
    let ibc = refused
        .wait_stats("the refusal", BOUND, |s| s.ibc.refused == 1)
        .ibc;
    assert_eq!(ibc.connections, 1);

    let admitted = ibc_sim(&["--ibc-control-from", "10.1.1.1,127.0.0.2"]);
    let mut stream = from_127_0_0_2(admitted.ibc()).await;
    tokio::io::AsyncWriteExt::write_all(&mut stream, b"EXIT\n")
        .await
        .expect("write");
    let mut got = Vec::new();
    tokio::time::timeout(
        BOUND,
        tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut got),
    )
    .await
    .expect("closed after EXIT")
    .expect("read");
    assert_eq!(String::from_utf8_lossy(&got), "OK Goodbye\n");
    assert_eq!(admitted.stats().ibc.refused, 0);
}

async fn from_127_0_0_2(to: SocketAddr) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.2:0".parse().expect("addr"))
        .expect("127.0.0.2 is a loopback address on Linux");
    socket.connect(to).await.expect("connects")
}
