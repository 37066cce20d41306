//! Cleanup as an ordinary user, whose view of other users' processes is blind: their /proc/PID/fd cannot be
//! read, so a socket they hold shows without a holder. CI runs as root, so when root these tests drop to
//! uid/gid 65534 (nobody) for the CLI and for the zombie holders it may end, and add one holder run as root
//! that the CLI must list as "cannot be ended" and never signal. Not root: everything runs as the current
//! user (the same unprivileged path, without the other user's holder). The CLI binary is copied to a
//! 0755 temp dir, since the build's target dir may not be reachable for that user.

use std::fs;
use std::os::fd::OwnedFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::kids::{self, Kids, SIGTERM, api_connection, own_uid, scan_with_client_zombies};
use super::safety::doctor_env;
use gateway_testkit::{SimProcess, bin};

const NOBODY: u32 = 65534;

/// The user the unprivileged runs use: nobody when we are root, else ourselves (`None`: no change).
fn unprivileged() -> Option<u32> {
    (own_uid() == 0).then_some(NOBODY)
}

fn as_user(command: &mut Command) -> &mut Command {
    if let Some(uid) = unprivileged() {
        // std clears the supplementary groups when it changes the uid.
        command.uid(uid).gid(uid);
    }
    command
}

/// A 0755 temp dir holding a 0755 copy of gateway-doctor.
fn reachable_doctor() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).expect("chmod dir");
    let copy = dir.path().join("gateway-doctor");
    fs::copy(bin("gateway-doctor"), &copy).expect("copy gateway-doctor");
    fs::set_permissions(&copy, fs::Permissions::from_mode(0o755)).expect("chmod binary");
    (dir, copy)
}

fn sleeper(kids: &mut Kids, socket: impl Into<OwnedFd>, unprivileged: bool) -> u32 {
    let mut command = Command::new("sleep");
    command
        .arg("600")
        .stdin(Stdio::from(socket.into()))
        .stdout(Stdio::null());
    if unprivileged {
        as_user(&mut command);
    }
    kids.spawn(command)
}

/// `mine` client zombies held by the unprivileged user and, when the tests run as root, one held by root: TWS
/// API connections past the handshake, then dropped by the simulator. Returns the holders' pids.
fn zombies(sim: &SimProcess, kids: &mut Kids, mine: usize) -> (Vec<u32>, Option<u32>) {
    let held: Vec<u32> = (0..mine)
        .map(|_| sleeper(kids, api_connection(sim.api), true))
        .collect();
    let root_holder = unprivileged().map(|_| sleeper(kids, api_connection(sim.api), false));
    let zombies = mine as u32 + u32::from(root_holder.is_some());
    sim.wait_stats("the handshakes", kids::BOUND, |s| {
        s.handshakes == u64::from(zombies)
    });
    sim.control.drop_all().expect("drop_all");
    scan_with_client_zombies(sim.port(), zombies);
    (held, root_holder)
}

fn run_doctor(doctor: &Path, dir: &Path, args: &[&str]) -> std::process::Output {
    let mut command = Command::new(doctor);
    command.args(args).stdin(Stdio::null());
    doctor_env(&mut command, dir);
    as_user(&mut command).output().expect("run gateway-doctor")
}

#[test]
fn clean_as_an_ordinary_user_ends_that_users_programs_and_lists_others_as_cannot_be_ended() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let (mine, root_holder) = zombies(&sim, &mut kids, 2);

    let (dir, doctor) = reachable_doctor();
    let port = sim.port().to_string();
    let run = run_doctor(&doctor, dir.path(), &["clean", "--yes", "--port", &port]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);

    for pid in mine {
        kids.assert_killed_by(pid, SIGTERM);
    }
    match root_holder {
        Some(root) => {
            assert!(kids.running(root), "another user's holder was signalled");
            assert!(
                stdout.contains("cannot be ended") && stdout.contains("another user"),
                "the root-held connection is listed with the reason:\n{stdout}\n{stderr}"
            );
            assert_eq!(run.status.code(), Some(1), "one stale connection is left");
        }
        None => assert_eq!(run.status.code(), Some(0), "{stdout}\n{stderr}"),
    }
}

#[test]
fn zombies_as_an_ordinary_user_lists_its_holders_and_counts_the_unreadable() {
    let sim = SimProcess::start(&[]);
    let mut kids = Kids::default();
    let (mine, root_holder) = zombies(&sim, &mut kids, 1);
    let mine = mine[0];

    let (dir, doctor) = reachable_doctor();
    let port = sim.port().to_string();
    let run = run_doctor(&doctor, dir.path(), &["zombies", "--json", "--port", &port]);
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    let scan: serde_json::Value = serde_json::from_slice(&run.stdout).expect("JSON");
    let holders: Vec<&serde_json::Value> = scan["zombies"]
        .as_array()
        .expect("zombies")
        .iter()
        .map(|z| &z["pids"])
        .collect();
    assert!(holders.contains(&&serde_json::json!([mine])), "{scan:#}");
    if root_holder.is_some() {
        assert!(
            holders.contains(&&serde_json::json!([])),
            "root's is unseen: {scan:#}"
        );
        assert!(scan["unreadable_processes"].as_u64() > Some(0), "{scan:#}");
    }
    assert!(
        scan["ledger"]["entries"].is_array(),
        "the ledger is there: {scan:#}"
    );
    drop(dir);
}
