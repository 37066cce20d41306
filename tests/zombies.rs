//! Zombie connections and their cleanup, with real processes holding real sockets.
//!
//! Recipe: a test opens a TWS API connection to gateway-sim (through the version handshake), hands the
//! socket to a child process (`sleep 600` with the socket as stdin) and drops its own copy; the
//! simulator's `drop_all` then closes its end, and the child's end sits in CLOSE_WAIT with remote port =
//! the simulator's port: a client zombie held by a known pid. Every simulator binds port 0, so tests run in
//! parallel without seeing each other's sockets. Children are killed and reaped when a test ends (`Kids`).

#[path = "zombies/kids.rs"]
pub(crate) mod kids;
#[path = "zombies/safety.rs"]
mod safety;
#[path = "zombies/unprivileged.rs"]
mod unprivileged;

use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use gateway_core::sockets::{
    self, CleanOptions, CleanResult, IdentityCheck, RefusalReason, TcpState, ZombieSide,
};

use gateway_testkit::SimProcess;
use kids::{
    Kids, SIGKILL, SIGTERM, api_connection, confirmation, own_uid, process, quick_clean,
    scan_with_client_zombies, target, wait_for_exec, wait_quick,
};

#[test]
fn client_zombies_are_listed_with_their_holder_pids_and_side() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let ([a, b], scan) = kids.zombie_sleepers(&sim);

    let mut holders: Vec<Vec<u32>> = scan.zombies.iter().map(|z| z.socket.pids.clone()).collect();
    holders.sort();
    let mut expected = vec![vec![a], vec![b]];
    expected.sort();
    assert_eq!(
        holders, expected,
        "each zombie's holder is its child: {scan:#?}"
    );
    for zombie in &scan.zombies {
        assert_eq!(zombie.side, ZombieSide::Client);
        assert_eq!(zombie.socket.state, TcpState::CloseWait);
        assert_eq!(zombie.socket.remote_port, sim.port());
        assert_eq!(zombie.socket.remote_addr, "127.0.0.1");
    }
    let child = process(&scan, a);
    assert_eq!(child.name, "sleep");
    assert_eq!(child.cmdline, ["sleep", "600"]);
    assert_eq!(child.uid, own_uid());
    assert!(!child.is_gateway && !child.has_live_session);
    let stat = std::fs::read_to_string(format!("/proc/{a}/stat")).expect("child's stat");
    let ticks = stat
        .rsplit(')')
        .next()
        .and_then(|rest| rest.split_whitespace().nth(19));
    assert_eq!(ticks, Some(child.start_ticks.to_string().as_str()));

    // The simulator is the listener, and so the Gateway.
    assert_eq!(scan.listeners.len(), 1);
    assert_eq!(scan.listeners[0].socket.pids, [sim.pid()]);
    assert_eq!(scan.listeners[0].accept_queue, Some(0));
    assert!(process(&scan, sim.pid()).is_gateway);
    assert!(scan.live_sessions.is_empty());
}

#[test]
fn scan_quick_counts_without_pids_and_reports_the_accept_queue() {
    let sim = SimProcess::start(&["--fault", "no_accept"]);
    // The kernel completes these connections; the paused listener never accepts them.
    let _waiting: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(sim.api).expect("connect"))
        .collect();
    let quick = wait_quick(sim.port(), "an accept queue of 3", |q| {
        q.accept_queue == Some(3)
    });
    assert_eq!(quick.listeners, 1);
    assert!(quick.listener_inode.is_some());
    // A connection still in the accept queue is ESTABLISHED at the client end.
    assert_eq!(quick.live_sessions, 3);
    assert_eq!(quick.client_zombies, 0);
}

#[test]
fn gateway_side_zombies_belong_to_the_listener_and_are_never_killed() {
    let sim = SimProcess::start(&["--fault", "hold_closed"]);
    drop(api_connection(sim.api));
    sim.wait_stats("the client's close", kids::BOUND, |s| s.client_closes == 1);
    wait_quick(sim.port(), "a Gateway-side zombie", |q| {
        q.gateway_zombies == 1
    });

    let scan = sockets::scan(sim.port()).expect("scan");
    let zombie = scan
        .zombies
        .iter()
        .find(|z| z.side == ZombieSide::Gateway)
        .expect("a Gateway-side zombie");
    assert_eq!(zombie.socket.local_port, sim.port());
    assert_eq!(zombie.socket.pids, [sim.pid()]);

    let report = sockets::clean(sim.port(), &quick_clean()).expect("clean");
    assert_eq!(report.outcomes.len(), 1, "{report:#?}");
    assert_eq!(report.outcomes[0].process.pid, sim.pid());
    assert_eq!(report.outcomes[0].result, CleanResult::Refused);
    assert_eq!(report.outcomes[0].reason, Some(RefusalReason::IsGateway));
    assert_eq!(report.gateway_zombies, 1);
    sim.stats(); // still answering: not signalled
}

#[test]
fn ipv6_mapped_addresses_are_normalised() {
    let sim = SimProcess::start_on("[::]:0", &[]);
    let port = sim.port();
    let mut kids = Kids::default();
    // An IPv6 socket talking to an IPv4 address: both its ends read ::ffff:127.0.0.1 in the kernel table.
    let mapped = format!("[::ffff:127.0.0.1]:{port}")
        .parse()
        .expect("a mapped address");
    let holder = kids.sleeper(api_connection(mapped));
    sim.wait_stats("one handshake", kids::BOUND, |s| s.handshakes == 1);
    sim.control.drop_all().expect("drop_all");
    let scan = scan_with_client_zombies(port, 1);

    let zombie = &scan.zombies[0];
    assert_eq!(zombie.side, ZombieSide::Client);
    assert_eq!(zombie.socket.pids, [holder]);
    assert_eq!(zombie.socket.local_addr, "127.0.0.1");
    assert_eq!(zombie.socket.remote_addr, "127.0.0.1");
    // The kernel keeps it in its IPv6 table, where the addresses are ::ffff:127.0.0.1.
    let tcp6 = std::fs::read_to_string("/proc/net/tcp6").expect("read /proc/net/tcp6");
    let inode = zombie.socket.inode.to_string();
    assert!(
        tcp6.lines()
            .any(|l| l.split_whitespace().nth(9) == Some(inode.as_str())),
        "the zombie is an IPv6 socket"
    );
    assert_eq!(scan.listeners[0].socket.local_addr, "::");
    assert_eq!(
        scan.listeners[0].accept_queue,
        Some(0),
        "read from /proc/net/tcp6"
    );
    let text = format!("{scan:?}");
    assert!(!text.contains("::ffff:"), "a mapped address leaked: {text}");
}

#[test]
fn clean_ends_client_zombie_holders_and_their_sockets_are_gone() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let ([holder], _) = kids.zombie_sleepers(&sim);

    let report = sockets::clean(sim.port(), &quick_clean()).expect("clean");

    assert_eq!(report.outcomes.len(), 1, "{report:#?}");
    assert_eq!(report.outcomes[0].process.pid, holder);
    assert_eq!(report.outcomes[0].result, CleanResult::Terminated);
    assert!(report.remaining_client_zombies.is_empty(), "{report:#?}");
    let after = sockets::scan_quick(sim.port()).expect("re-scan");
    assert_eq!(after.client_zombies, 0);
    assert_eq!(after.listeners, 1, "the Gateway still listens");
    kids.assert_killed_by(holder, SIGTERM);
}

#[test]
fn every_holder_of_a_shared_socket_is_ended() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let socket = api_connection(sim.api);
    let copy = socket.try_clone().expect("dup the socket");
    let first = kids.sleeper(socket);
    let second = kids.sleeper(copy);
    sim.control.drop_all().expect("drop_all");

    let scan = scan_with_client_zombies(sim.port(), 1);
    let mut expected = vec![first, second];
    expected.sort();
    assert_eq!(
        scan.zombies[0].socket.pids, expected,
        "both holders are listed"
    );

    let report = sockets::clean(sim.port(), &quick_clean()).expect("clean");
    let ended: Vec<(u32, CleanResult)> = report
        .outcomes
        .iter()
        .map(|o| (o.process.pid, o.result))
        .collect();
    assert_eq!(
        ended,
        expected
            .iter()
            .map(|&pid| (pid, CleanResult::Terminated))
            .collect::<Vec<_>>()
    );
    assert!(report.remaining_client_zombies.is_empty(), "{report:#?}");
    kids.assert_killed_by(first, SIGTERM);
    kids.assert_killed_by(second, SIGTERM);
}

#[test]
fn a_holder_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    // SIG_IGN survives exec, so the sleep that replaces bash ignores SIGTERM.
    let stubborn = kids.hold(
        "bash",
        &["-c", "trap '' TERM; exec sleep 600"],
        api_connection(sim.api),
        None,
    );
    wait_for_exec(stubborn, "sleep");
    sim.control.drop_all().expect("drop_all");
    scan_with_client_zombies(sim.port(), 1);

    let options = CleanOptions {
        grace: Duration::from_millis(300),
        ..CleanOptions::default()
    };
    let report = sockets::clean(sim.port(), &options).expect("clean");

    assert_eq!(report.outcomes.len(), 1, "{report:#?}");
    assert_eq!(report.outcomes[0].result, CleanResult::KilledAfterGrace);
    assert!(report.remaining_client_zombies.is_empty(), "{report:#?}");
    kids.assert_killed_by(stubborn, SIGKILL);
}

#[test]
fn a_holder_with_a_live_session_is_refused_unless_ticked() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let zombie = api_connection(sim.api);
    sim.control.drop_all().expect("drop_all");
    wait_quick(sim.port(), "a client zombie", |q| q.client_zombies == 1);
    // A second connection made after the drop stays ESTABLISHED: the same process now holds both.
    let live = api_connection(sim.api);
    let holder = kids.hold("sleep", &["600"], zombie, Some(live.into()));

    let scan = sockets::scan(sim.port()).expect("scan");
    assert_eq!(scan.live_sessions.len(), 1);
    assert_eq!(scan.live_sessions[0].pids, [holder]);
    assert!(process(&scan, holder).has_live_session);

    let refused = sockets::clean(sim.port(), &quick_clean()).expect("clean");
    assert_eq!(refused.outcomes.len(), 1, "{refused:#?}");
    assert_eq!(refused.outcomes[0].result, CleanResult::Refused);
    assert_eq!(
        refused.outcomes[0].reason,
        Some(RefusalReason::LiveSessionNeedsConfirmation)
    );
    assert!(kids.running(holder));
    assert_eq!(refused.remaining_client_zombies.len(), 1);

    // Confirmed without ticking its live session: still refused.
    let unticked = CleanOptions {
        confirmation: Some(confirmation(&scan, &[holder], &[])),
        ..quick_clean()
    };
    let refused = sockets::clean(sim.port(), &unticked).expect("clean");
    assert_eq!(
        refused.outcomes[0].reason,
        Some(RefusalReason::LiveSessionNeedsConfirmation)
    );
    assert!(kids.running(holder));

    let confirmed = CleanOptions {
        confirmation: Some(confirmation(&scan, &[holder], &[holder])),
        ..quick_clean()
    };
    let ended = sockets::clean(sim.port(), &confirmed).expect("clean with the live session ticked");
    assert_eq!(
        ended.outcomes[0].result,
        CleanResult::Terminated,
        "{ended:#?}"
    );
    kids.assert_killed_by(holder, SIGTERM);
}

#[test]
fn another_users_process_is_refused() {
    assert_eq!(
        own_uid(),
        0,
        "this test must run as root: it makes a process of uid 65534 with setpriv to prove cleanup \
         leaves other users' processes alone (CI and the dev machines run as root)"
    );
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let nobody = kids.hold(
        "setpriv",
        &[
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "sleep",
            "600",
        ],
        api_connection(sim.api),
        None,
    );
    wait_for_exec(nobody, "sleep");
    sim.control.drop_all().expect("drop_all");
    let scan = scan_with_client_zombies(sim.port(), 1);
    assert_eq!(process(&scan, nobody).uid, 65534);

    let report = sockets::clean(sim.port(), &quick_clean()).expect("clean");

    assert_eq!(report.outcomes.len(), 1, "{report:#?}");
    assert_eq!(report.outcomes[0].result, CleanResult::Refused);
    assert_eq!(report.outcomes[0].reason, Some(RefusalReason::OtherUser));
    assert!(kids.running(nobody));
    assert_eq!(report.remaining_client_zombies.len(), 1);
}

#[test]
fn the_listener_is_never_ended_even_when_it_holds_a_client_zombie() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let client = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let (accepted, _) = listener.accept().expect("accept");
    // The client sent nothing, so this close is a clean FIN: the client end goes to CLOSE_WAIT.
    drop(accepted);
    let mut kids = Kids::default();
    let gateway = kids.hold("sleep", &["600"], listener, Some(client.into()));

    let scan = scan_with_client_zombies(port, 1);
    assert_eq!(scan.listeners[0].socket.pids, [gateway]);
    assert_eq!(scan.zombies[0].socket.pids, [gateway]);
    assert!(process(&scan, gateway).is_gateway);

    let report = sockets::clean(port, &quick_clean()).expect("clean");
    assert_eq!(report.outcomes.len(), 1, "{report:#?}");
    assert_eq!(report.outcomes[0].reason, Some(RefusalReason::IsGateway));
    assert!(kids.running(gateway));
}

#[test]
fn the_test_process_itself_pid_1_and_the_parent_are_never_signalled() {
    let sim = SimProcess::start(&[]);
    // This process holds a client zombie of its own.
    let own = api_connection(sim.api);
    sim.control.drop_all().expect("drop_all");
    let scan = scan_with_client_zombies(sim.port(), 1);
    assert_eq!(scan.zombies[0].socket.pids, [std::process::id()]);

    let report = sockets::clean(sim.port(), &quick_clean()).expect("clean");
    assert_eq!(report.outcomes.len(), 1, "{report:#?}");
    assert_eq!(report.outcomes[0].reason, Some(RefusalReason::ProtectedPid));
    assert_eq!(report.remaining_client_zombies.len(), 1);
    drop(own);

    // terminate() applies the same rule to any record it is handed, whatever the caller decided.
    let me = process(&scan, std::process::id());
    let parent = std::os::unix::process::parent_id();
    let records: Vec<_> = [1, parent]
        .into_iter()
        .map(|pid| gateway_core::sockets::ProcessInfo { pid, ..me.clone() })
        .chain([me.clone()])
        .map(|record| target(&scan, record))
        .collect();
    for outcome in sockets::terminate(&records, Duration::from_millis(100)) {
        assert_eq!(outcome.result, CleanResult::Refused, "{outcome:#?}");
        assert_eq!(outcome.reason, Some(RefusalReason::ProtectedPid));
    }
}

#[test]
fn a_process_whose_identity_changed_is_refused() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let ([holder], scan) = kids.zombie_sleepers(&sim);
    let record = process(&scan, holder);
    assert_eq!(sockets::verify_identity(&record), IdentityCheck::Same);

    // As if the pid had been reused by a process started one tick later, or by another program.
    let reused = gateway_core::sockets::ProcessInfo {
        start_ticks: record.start_ticks + 1,
        ..record.clone()
    };
    let other_program = gateway_core::sockets::ProcessInfo {
        cmdline: vec!["sleep".into(), "601".into()],
        ..record.clone()
    };
    for tampered in [reused, other_program] {
        assert!(matches!(
            sockets::verify_identity(&tampered),
            IdentityCheck::Changed(_)
        ));
        let outcomes = sockets::terminate(&[target(&scan, tampered)], Duration::from_millis(100));
        assert_eq!(outcomes[0].result, CleanResult::Refused, "{outcomes:#?}");
        assert_eq!(outcomes[0].reason, Some(RefusalReason::IdentityChanged));
        assert!(kids.running(holder));
    }

    // Once the process has exited, its record is already gone rather than changed.
    kids.kill(holder);
    assert_eq!(sockets::verify_identity(&record), IdentityCheck::Gone);
    let outcomes = sockets::terminate(&[target(&scan, record)], Duration::from_millis(100));
    assert_eq!(outcomes[0].result, CleanResult::AlreadyGone);
}

#[test]
fn dry_run_reports_would_terminate_and_signals_nothing() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let ([holder], _) = kids.zombie_sleepers(&sim);

    let options = CleanOptions {
        dry_run: true,
        ..quick_clean()
    };
    let report = sockets::clean(sim.port(), &options).expect("dry run");
    assert!(report.dry_run);
    assert_eq!(report.outcomes[0].result, CleanResult::WouldTerminate);
    assert_eq!(report.remaining_client_zombies.len(), 1);
    assert!(kids.running(holder));
}

#[test]
fn only_the_confirmed_pids_are_ended() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let ([confirmed, unconfirmed], scan) = kids.zombie_sleepers(&sim);

    let options = CleanOptions {
        confirmation: Some(confirmation(&scan, &[confirmed], &[])),
        ..quick_clean()
    };
    let report = sockets::clean(sim.port(), &options).expect("clean");

    let outcome = |pid| {
        report
            .outcomes
            .iter()
            .find(|o| o.process.pid == pid)
            .unwrap_or_else(|| panic!("no outcome for {pid}: {report:#?}"))
    };
    assert_eq!(outcome(confirmed).result, CleanResult::Terminated);
    assert_eq!(outcome(unconfirmed).result, CleanResult::Refused);
    assert_eq!(
        outcome(unconfirmed).reason,
        Some(RefusalReason::NotConfirmed)
    );
    assert_eq!(report.remaining_client_zombies.len(), 1, "{report:#?}");
    assert_eq!(
        report.remaining_client_zombies[0].socket.pids,
        [unconfirmed]
    );
    kids.assert_killed_by(confirmed, SIGTERM);
    assert!(kids.running(unconfirmed));
}

#[test]
fn scan_of_a_port_nobody_uses_is_empty() {
    let port = {
        let probe = TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr").port()
    };
    let scan = sockets::scan(port).expect("scan");
    assert!(scan.listeners.is_empty() && scan.zombies.is_empty() && scan.live_sessions.is_empty());
    assert!(scan.processes.is_empty());
    let report = sockets::clean(port, &quick_clean()).expect("clean");
    assert!(report.outcomes.is_empty());
}
