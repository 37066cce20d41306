//! The cleanup guards of issue 9, each with real processes: a working connection to another API port of
//! the same host, a reused pid in the confirmation, a process that no longer holds its zombie at signal
//! time, an ancestor of the cleaner (through the real CLI, run by a shell that holds the zombie), and a
//! zombie that closes by itself between the CLI's two scans. Plus the client-id ledger.

use std::fs::File;
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::time::Duration;

use gateway_core::config::Key;
use gateway_core::sockets::{
    self, CleanOptions, CleanResult, ClientIdSource, ProcessKey, RefusalReason,
};
use serde_json::Value;

use super::kids::{
    self, Kids, SIGTERM, api_connection, confirmation, process, quick_clean,
    scan_with_client_zombies, target, wait_for_exec,
};
use gateway_testkit::{SimProcess, bin, wait_until};

#[test]
fn a_working_connection_to_another_api_port_of_the_same_host_is_a_live_session() {
    // `other` stands for the Gateway's other API port (4001 beside 4002): a test cannot own 4001.
    let sim = SimProcess::start(&[]);
    let other = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let zombie = api_connection(sim.api);
    sim.control.drop_all().expect("drop_all");
    let live = api_connection(other.api);
    let bot = kids.hold("sleep", &["600"], zombie, Some(live.into()));
    scan_with_client_zombies(sim.port(), 1);

    let scan = sockets::scan_with_api_ports(sim.port(), &[other.port()]).expect("scan");
    assert!(process(&scan, bot).has_live_session, "{scan:#?}");
    let blind = sockets::scan_with_api_ports(sim.port(), &[]).expect("scan");
    assert!(
        !process(&blind, bot).has_live_session,
        "only the other port's session makes it live"
    );

    let options = CleanOptions {
        api_ports: vec![other.port()],
        ..quick_clean()
    };
    let refused = sockets::clean(sim.port(), &options).expect("clean");
    assert_eq!(
        refused.outcomes[0].reason,
        Some(RefusalReason::LiveSessionNeedsConfirmation),
        "{refused:#?}"
    );
    assert!(kids.running(bot));
    assert_eq!(other.stats().client_closes, 0, "its session is untouched");

    let ticked = CleanOptions {
        confirmation: Some(confirmation(&scan, &[bot], &[bot])),
        ..options
    };
    let ended = sockets::clean(sim.port(), &ticked).expect("clean");
    assert_eq!(
        ended.outcomes[0].result,
        CleanResult::Terminated,
        "{ended:#?}"
    );
    kids.assert_killed_by(bot, SIGTERM);
}

#[test]
fn a_confirmed_pid_whose_start_time_differs_is_refused_as_reused() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let ([holder], scan) = kids.zombie_sleepers(&sim);

    let mut confirmed = confirmation(&scan, &[holder], &[]);
    confirmed.processes = vec![ProcessKey {
        pid: holder,
        start_ticks: process(&scan, holder).start_ticks - 1,
    }];
    let options = CleanOptions {
        confirmation: Some(confirmed),
        ..quick_clean()
    };
    let report = sockets::clean(sim.port(), &options).expect("clean");
    assert_eq!(
        report.outcomes[0].result,
        CleanResult::Refused,
        "{report:#?}"
    );
    assert_eq!(
        report.outcomes[0].reason,
        Some(RefusalReason::IdentityChanged)
    );
    assert!(kids.running(holder));
}

#[test]
fn a_process_that_no_longer_holds_the_zombie_at_signal_time_is_not_signalled() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let ([first, second], scan) = kids.zombie_sleepers(&sim);

    // `first`, same identity, chosen for `second`'s socket: as if it had closed its own and the inode
    // had been reused by then.
    let mut wrong = target(&scan, process(&scan, first));
    wrong.zombie_inodes = target(&scan, process(&scan, second)).zombie_inodes;
    let outcomes = sockets::terminate(&[wrong], Duration::from_millis(100));
    assert_eq!(outcomes[0].result, CleanResult::Refused, "{outcomes:#?}");
    assert_eq!(outcomes[0].reason, Some(RefusalReason::NoLongerHoldsZombie));
    assert!(kids.running(first));

    // The holder that still holds its socket is ended.
    let right = target(&scan, process(&scan, second));
    let outcomes = sockets::terminate(&[right], Duration::from_millis(100));
    assert_eq!(outcomes[0].result, CleanResult::Terminated, "{outcomes:#?}");
    kids.assert_killed_by(second, SIGTERM);
}

/// gateway-doctor run as a user would, with nothing of this machine's settings: `dir` as HOME and working
/// directory, no IBKR_* variables, stdin not a terminal.
pub fn doctor_env(command: &mut Command, dir: &std::path::Path) {
    command
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("GATEWAY_DOCTOR_WORKER", bin("gateway-worker"));
    for key in Key::ALL {
        command.env_remove(key.env_var());
    }
}

/// Waits for `path` to hold one complete JSON document and returns it.
pub fn wait_json(path: &std::path::Path) -> Value {
    let mut parsed = None;
    let ok = wait_until(Duration::from_secs(20), || {
        parsed = std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok());
        parsed.is_some()
    });
    assert!(ok, "no JSON in {}", path.display());
    parsed.expect("parsed")
}

#[test]
fn clean_never_ends_a_grandparent_that_holds_a_zombie() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("clean.json");
    // A bot's shell (holding the zombie on stdin) runs `sh -c 'gateway-doctor clean --yes'`: the shell is
    // the CLI's grandparent. The `; true` keeps sh from exec'ing the CLI, so sh stays between them.
    let mut shell = Command::new("bash");
    shell
        .arg("-c")
        .arg(r#"sh -c '"$0" clean --yes --json --port "$1"; true' "$0" "$1" </dev/null; exec sleep 600"#)
        .arg(bin("gateway-doctor"))
        .arg(sim.port().to_string())
        .stdin(Stdio::from(OwnedFd::from(api_connection(sim.api))))
        .stdout(File::create(&out).expect("output file"))
        .stderr(Stdio::inherit());
    doctor_env(&mut shell, dir.path());
    sim.wait_stats("one handshake", kids::BOUND, |s| s.handshakes == 1);
    sim.control.drop_all().expect("drop_all");
    let grandparent = kids.spawn(shell);

    let report = wait_json(&out);
    wait_for_exec(grandparent, "sleep");
    let outcomes = report["plan"]["outcomes"].as_array().expect("outcomes");
    let outcome = outcomes
        .iter()
        .find(|o| o["process"]["pid"] == grandparent)
        .unwrap_or_else(|| panic!("the shell is listed: {report:#}"));
    assert_eq!(outcome["result"], "refused", "{report:#}");
    assert_eq!(outcome["reason"], "protected_pid", "{report:#}");
    assert!(
        kids.running(grandparent),
        "the grandparent was not signalled"
    );
}

#[test]
fn clean_yes_leaves_a_socket_that_closed_by_itself_between_its_two_scans() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    // Holds the zombie for half a second, then closes it and lives on.
    let closer = kids.hold(
        "bash",
        &["-c", "sleep 0.5; exec 0<&-; exec sleep 600"],
        api_connection(sim.api),
        None,
    );
    sim.control.drop_all().expect("drop_all");
    scan_with_client_zombies(sim.port(), 1);

    let dir = tempfile::tempdir().expect("temp dir");
    let mut doctor = Command::new(bin("gateway-doctor"));
    doctor
        .args([
            "clean",
            "--yes",
            "--json",
            "--port",
            &sim.port().to_string(),
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    doctor_env(&mut doctor, dir.path());
    let output = doctor.output().expect("run gateway-doctor");
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");

    assert_eq!(
        report["plan"]["outcomes"][0]["result"], "would_terminate",
        "the first scan saw it: {report:#}"
    );
    assert!(
        report["result"]["outcomes"]
            .as_array()
            .is_some_and(|o| o.is_empty()),
        "{report:#}"
    );
    assert!(
        kids.running(closer),
        "a socket closed meanwhile was no zombie"
    );
    assert_eq!(output.status.code(), Some(0), "nothing stale is left");
}

#[test]
fn the_ledger_shows_a_programs_client_id_from_its_environment() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let mut bot = Command::new("sleep");
    bot.arg("600")
        .env("IBKR_CLIENT_ID", "1")
        .stdin(Stdio::from(OwnedFd::from(api_connection(sim.api))))
        .stdout(Stdio::null());
    let bot = kids.spawn(bot);
    let mut plain = Command::new("sleep");
    plain
        .arg("601")
        .env_remove("IBKR_CLIENT_ID")
        .stdin(Stdio::from(OwnedFd::from(api_connection(sim.api))))
        .stdout(Stdio::null());
    let plain = kids.spawn(plain);
    sim.wait_stats("two handshakes", kids::BOUND, |s| s.handshakes == 2);

    let ledger = sockets::client_ledger(sim.port()).expect("ledger");
    let entry = |pid: u32| {
        ledger
            .entries
            .iter()
            .find(|e| e.process.as_ref().is_some_and(|p| p.pid == pid))
            .unwrap_or_else(|| panic!("{pid} not in the ledger: {ledger:#?}"))
    };
    assert_eq!(entry(bot).client_id, Some(1));
    assert_eq!(entry(bot).client_id_source, ClientIdSource::Environment);
    assert!(!entry(bot).is_own_worker);
    assert_eq!(entry(bot).connection.remote_port, sim.port());
    assert_eq!(entry(plain).client_id, None);
    assert_eq!(entry(plain).client_id_source, ClientIdSource::NotVisible);
    assert_eq!(ledger.entries.len(), 2);
}

/// `n` `sleep`s, each holding a client zombie on stdin and a working connection on stdout: bots with one
/// stale socket beside their live session. All stale sockets are made first (drop_all closes every
/// session), then the live ones.
fn live_bots(sim: &SimProcess, kids: &mut Kids, n: usize) -> Vec<u32> {
    let zombies: Vec<_> = (0..n).map(|_| api_connection(sim.api)).collect();
    sim.control.drop_all().expect("drop_all");
    zombies
        .into_iter()
        .map(|zombie| {
            let live = api_connection(sim.api);
            kids.hold("sleep", &["600"], zombie, Some(live.into()))
        })
        .collect()
}

#[test]
fn ticking_one_live_program_does_not_lift_the_protection_of_another() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let bots = live_bots(&sim, &mut kids, 2);
    let (ticked, untouched) = (bots[0], bots[1]);
    let scan = scan_with_client_zombies(sim.port(), 2);
    assert!(process(&scan, ticked).has_live_session && process(&scan, untouched).has_live_session);

    let options = CleanOptions {
        confirmation: Some(confirmation(&scan, &[ticked, untouched], &[ticked])),
        ..quick_clean()
    };
    let report = sockets::clean(sim.port(), &options).expect("clean");
    let result = |pid: u32| {
        let o = report
            .outcomes
            .iter()
            .find(|o| o.process.pid == pid)
            .unwrap_or_else(|| panic!("no outcome for {pid}: {report:#?}"));
        (o.result, o.reason)
    };
    assert_eq!(result(ticked), (CleanResult::Terminated, None));
    assert_eq!(
        result(untouched),
        (
            CleanResult::Refused,
            Some(RefusalReason::LiveSessionNeedsConfirmation)
        )
    );
    kids.assert_killed_by(ticked, SIGTERM);
    assert!(kids.running(untouched));
}

#[test]
fn clean_yes_ends_a_live_program_only_with_include_live() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let bot = live_bots(&sim, &mut kids, 1)[0];
    scan_with_client_zombies(sim.port(), 1);
    let dir = tempfile::tempdir().expect("temp dir");
    let port = sim.port().to_string();
    let run = |extra: &[&str]| -> Value {
        let mut doctor = Command::new(bin("gateway-doctor"));
        doctor
            .args(["clean", "--yes", "--json", "--port", &port])
            .args(extra)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        doctor_env(&mut doctor, dir.path());
        let output = doctor.output().expect("run gateway-doctor");
        serde_json::from_slice(&output.stdout).expect("JSON")
    };

    let refused = run(&[]);
    assert_eq!(
        refused["plan"]["outcomes"][0]["reason"], "live_session_needs_confirmation",
        "{refused:#}"
    );
    assert!(kids.running(bot));

    let ended = run(&["--include-live"]);
    assert_eq!(
        ended["plan"]["outcomes"][0]["result"], "would_terminate",
        "the plan shows it will be ended: {ended:#}"
    );
    assert_eq!(
        ended["result"]["outcomes"][0]["result"], "terminated",
        "{ended:#}"
    );
    kids.assert_killed_by(bot, SIGTERM);
}
