//! The gateway-doctor CLI as a user runs it: the real binary as a subprocess against real gateway-sim
//! processes, real zombie-holding children and the real worker (see `doctor` for how each run is
//! isolated from this machine's settings).

#[path = "cli/connect.rs"]
mod connect;
#[path = "cli/doctor.rs"]
pub(crate) mod doctor;
#[path = "cli/guardrail.rs"]
mod guardrail;
#[path = "cli/restart.rs"]
mod restart;

use std::collections::BTreeSet;
use std::time::Duration;

use gateway_core::sockets::{self, PortScan, ZombieSide};
use gateway_proto::Verdict;

use crate::zombies::kids::{Kids, SIGTERM, api_connection, scan_with_client_zombies};
use doctor::{Doctor, assert_verdict};
use gateway_testkit::{SimProcess, assert_contains, free_port};

/// Two `sleep` children holding client zombies on the simulator's port.
fn two_zombie_holders(sim: &SimProcess, kids: &mut Kids) -> BTreeSet<u32> {
    let holders = [
        kids.sleeper(api_connection(sim.api)),
        kids.sleeper(api_connection(sim.api)),
    ];
    sim.wait_stats("two handshakes", Duration::from_secs(5), |s| {
        s.handshakes == 2
    });
    sim.control.drop_all().expect("drop_all");
    scan_with_client_zombies(sim.port(), 2);
    holders.into()
}

fn client_zombie_pids(scan: &PortScan) -> BTreeSet<u32> {
    scan.zombies
        .iter()
        .filter(|z| z.side == ZombieSide::Client)
        .flat_map(|z| z.socket.pids.iter().copied())
        .collect()
}

#[test]
fn diagnose_without_a_test_says_listening_not_tested_and_exits_3() {
    let sim = SimProcess::start(&[]);
    let doctor = Doctor::new();
    let port = sim.port().to_string();

    let json = doctor.run(&["diagnose", "--port", &port, "--json"]);
    json.assert_code(3);
    assert_eq!(json.report().verdict, Verdict::ListeningNotTested);

    let text = doctor.run(&["diagnose", "--port", &port]);
    text.assert_code(3);
    assert!(text.stdout.starts_with("? NOT TESTED:"), "{}", text.stdout);
    assert_contains(&text.stdout, "its API was not tested");
    assert_contains(&text.stdout, "✓ [PASS] Gateway port — ");
    assert_contains(&text.stdout, "[SKIP] Gateway's API answers — Not tested");
    assert_contains(&text.stdout, "Next step: ");
    assert_contains(&text.stdout, "--handshake");
    assert!(
        !text.stdout.contains('\x1b'),
        "no colour off a terminal: {}",
        text.stdout
    );
    assert_eq!(
        sim.stats().accepted,
        0,
        "a passive diagnose connects to nothing"
    );
}

#[test]
fn passive_diagnose_of_a_silent_gateway_is_not_healthy_and_exits_non_zero() {
    let sim = SimProcess::start(&["--fault", "silent"]);
    let run = Doctor::new().run(&["diagnose", "--port", &sim.port().to_string(), "--json"]);
    assert_ne!(run.code, Some(0), "{}", run.stdout);
    let report = run.report();
    assert_ne!(report.verdict, Verdict::Healthy, "{report:#?}");
    assert_verdict(&report, Verdict::ListeningNotTested);
}

#[test]
fn diagnose_with_nothing_listening_exits_1() {
    let doctor = Doctor::new();
    let run = doctor.run(&["diagnose", "--port", &free_port().to_string(), "--json"]);
    run.assert_code(1);
    assert_verdict(&run.report(), Verdict::GatewayNotRunning);
}

#[test]
fn diagnose_handshake_on_a_silent_gateway_is_unresponsive() {
    let sim = SimProcess::start(&["--fault", "silent"]);
    let doctor = Doctor::new();
    let port = sim.port().to_string();
    let args = ["diagnose", "--port", &port, "--handshake", "--timeout", "1"];

    let text = doctor.run(&args);
    text.assert_code(1);
    let json = doctor.run(&[&args[..], &["--json"][..]].concat());
    json.assert_code(1);
    let report = json.report();
    assert_verdict(&report, Verdict::GatewayUnresponsive);
    if report.verdict == Verdict::GatewayUnresponsive {
        assert_contains(&text.stdout, "Gateway API layer is unresponsive");
        assert_contains(&text.stdout, "✗ [FAIL] ");
    }
}

#[test]
fn bad_config_exits_2_with_every_message_and_json_still_reports() {
    let doctor = Doctor::new();
    let mut command = doctor.command(&["diagnose"]);
    command
        .env("IBKR_PORT", "70000")
        .env("IBKR_CLIENT_ID", "abc");
    let text = doctor.run_with(command);
    text.assert_code(2);
    assert_contains(&text.stderr, "IBKR_PORT=70000 is not a port");
    assert!(
        text.stderr.contains("IBKR_CLIENT_ID=abc"),
        "every bad value: {}",
        text.stderr
    );

    let mut command = doctor.command(&["diagnose", "--json"]);
    command.env("IBKR_PORT", "70000");
    let json = doctor.run_with(command);
    json.assert_code(2);
    assert_eq!(json.report().verdict, Verdict::BadConfig);
    assert_contains(&json.stderr, "IBKR_PORT=70000 is not a port");
}

#[test]
fn settings_come_from_the_working_directorys_env_file() {
    let sim = SimProcess::start(&[]);
    let doctor = Doctor::new();
    std::fs::write(
        doctor.dir().join(".env"),
        format!("IBKR_PORT={}\nIBKR_CLIENT_ID=31\n", sim.port()),
    )
    .expect("write .env");
    let run = doctor.run(&["diagnose", "--json"]);
    run.assert_code(3);
    let report = run.report();
    let config = report
        .checks
        .iter()
        .find(|c| c.id == gateway_proto::CheckId::Config)
        .expect("a config check");
    assert!(
        config.detail.contains(&format!("Port {}", sim.port())),
        "{report:#?}"
    );
}

#[test]
fn zombies_lists_the_holders_with_their_side() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let holders = two_zombie_holders(&sim, &mut kids);
    let doctor = Doctor::new();
    let port = sim.port().to_string();

    let json = doctor.run(&["zombies", "--port", &port, "--json"]);
    json.assert_code(1);
    let scan: PortScan = serde_json::from_str(&json.stdout)
        .unwrap_or_else(|e| panic!("stdout is not a PortScan ({e}):\n{}", json.stdout));
    assert_eq!(client_zombie_pids(&scan), holders, "{scan:#?}");
    assert!(scan.zombies.iter().all(|z| z.side == ZombieSide::Client));

    let text = doctor.run(&["zombies", "--port", &port]);
    text.assert_code(1);
    for pid in &holders {
        assert_contains(&text.stdout, &format!("pid {pid} sleep"));
    }
    assert_contains(&text.stdout, "! CLIENT");
    assert_contains(&text.stdout, "command: sleep 600");
    assert_contains(&text.stdout, "also has a live session: no");
}

#[test]
fn zombies_on_a_quiet_port_exits_0() {
    let sim = SimProcess::start(&[]);
    let run = Doctor::new().run(&["zombies", "--port", &sim.port().to_string()]);
    run.assert_code(0);
    assert_contains(&run.stdout, "no stale connections");
}

#[test]
fn clean_yes_ends_the_holders_and_their_sockets_are_gone() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let holders = two_zombie_holders(&sim, &mut kids);
    let run = Doctor::new().run(&["clean", "--port", &sim.port().to_string(), "--yes"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("2 programs hold stale connections"),
        "the list comes first: {}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches("✓ terminated").count(),
        2,
        "{}",
        run.stdout
    );
    for pid in holders {
        kids.assert_killed_by(pid, SIGTERM);
    }
    let after = sockets::scan(sim.port()).expect("scan");
    assert!(client_zombie_pids(&after).is_empty(), "{after:#?}");
    assert!(after.zombies.is_empty(), "{after:#?}");
}

#[test]
fn clean_without_yes_and_without_a_terminal_refuses_and_ends_nothing() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let holders = two_zombie_holders(&sim, &mut kids);
    let run = Doctor::new().run(&["clean", "--port", &sim.port().to_string()]);
    run.assert_code(2);
    assert_contains(&run.stderr, "--yes");
    for &pid in &holders {
        assert!(kids.running(pid), "{pid} was ended");
    }
    let after = sockets::scan(sim.port()).expect("scan");
    assert_eq!(client_zombie_pids(&after), holders);
}

#[test]
fn a_missing_worker_is_named_with_exit_2() {
    let doctor = Doctor::new();
    let mut command = doctor.command(&["connect", "--port", &free_port().to_string()]);
    command.env("GATEWAY_DOCTOR_WORKER", doctor.dir().join("no-such-worker"));
    let run = doctor.run_with(command);
    run.assert_code(2);
    assert_contains(&run.stderr, "no-such-worker");
}

#[test]
fn unknown_flags_exit_2_with_clap_message() {
    let run = Doctor::new().run(&["diagnose", "--bogus"]);
    run.assert_code(2);
    assert_contains(&run.stderr, "unexpected argument '--bogus'");
    Doctor::new().run(&["frobnicate"]).assert_code(2);
}

#[test]
fn every_subcommands_help_has_an_example() {
    let doctor = Doctor::new();
    for sub in ["diagnose", "zombies", "clean", "connect", "restart"] {
        let run = doctor.run(&[sub, "--help"]);
        run.assert_code(0);
        assert!(run.stdout.contains("Example"), "{sub}: {}", run.stdout);
        assert!(
            run.stdout.contains(&format!("gateway-doctor {sub}")),
            "{sub}: {}",
            run.stdout
        );
    }
    doctor.run(&["--help"]).assert_code(0);
}
