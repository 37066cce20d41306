//! `gateway-doctor restart` against gateway-sim's IBC command server (`--ibc`): the real CLI restarts the
//! simulated Gateway and follows it down and back; the restart limit holds a second one back with exit 4
//! and sends nothing; a missing or unusable config.ini is a clear error; without a terminal and without
//! `--yes` nothing is sent; on a terminal (util-linux `script` gives it one) the question decides. Each
//! test's Doctor has its own HOME and config folder, so its restarts.json is its own.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::doctor::{Doctor, Run};
use crate::sim::ibc::{ibc_sim, listens};
use gateway_testkit::{SimProcess, assert_contains, wait_until};

/// How long the simulated Gateway stays down after RESTART.
const DOWN_MS: &str = "1500";

fn restartable_sim() -> SimProcess {
    ibc_sim(&["--ibc-restart-down-ms", DOWN_MS])
}

/// IBC's config.ini naming the simulator's command server, in the Doctor's folder.
fn config_ini(doctor: &Doctor, sim: &SimProcess) -> PathBuf {
    let path = doctor.dir().join("config.ini");
    std::fs::write(
        &path,
        format!(
            "# IBC settings\nTradingMode=paper\nCommandServerPort={}\n",
            sim.ibc().port()
        ),
    )
    .expect("write config.ini");
    path
}

fn restart_args<'a>(port: &'a str, ini: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let ini = ini.to_str().expect("a UTF-8 temp path");
    let mut args = vec!["restart", "--port", port, "--ibc-config", ini];
    args.extend_from_slice(extra);
    args
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        )
    })
}

/// The restart times on record in the Doctor's restarts.json (all Gateways).
fn recorded_restarts(doctor: &Doctor) -> Vec<i64> {
    let path = doctor
        .dir()
        .join("config")
        .join("gateway-doctor")
        .join("restarts.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Vec::new();
    };
    let record: Value = serde_json::from_str(&text).expect("restarts.json is JSON");
    record["restarts"]
        .as_object()
        .expect("a map of Gateways")
        .values()
        .flat_map(|times| times.as_array().expect("a list").iter())
        .map(|t| t.as_i64().expect("a time"))
        .collect()
}

#[test]
fn restart_yes_json_restarts_the_gateway_and_reports_how_long_it_was_down() {
    let sim = restartable_sim();
    let doctor = Doctor::new();
    let ini = config_ini(&doctor, &sim);
    let port = sim.api.port().to_string();

    let run = doctor.run(&restart_args(&port, &ini, &["--yes", "--json"]));
    run.assert_code(0);
    let out = json(&run);
    assert_eq!(out["error"], Value::Null, "{out:#}");
    assert_eq!(out["ibc_config"], ini.display().to_string());
    let report = &out["report"];
    assert_eq!(report["outcome"], "back", "{out:#}");
    assert!(
        report["down_ms"].as_i64().is_some_and(|ms| ms > 0),
        "the time it was down: {out:#}"
    );
    let phases: Vec<&str> = report["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["phase"].as_str().expect("phase"))
        .collect();
    assert_eq!(phases, ["sent", "down_seen", "listening_again"]);
    assert_eq!(report["gateway_port"], sim.api.port());
    assert_eq!(
        report["command_server"],
        format!("127.0.0.1:{}", sim.ibc().port())
    );
    let stats = sim.stats();
    assert_eq!((stats.ibc.restart, stats.restarts), (1, 1), "{stats:?}");
    assert!(listens(sim.api.port()), "the Gateway is back");
    assert_eq!(
        recorded_restarts(&doctor).len(),
        1,
        "the restart is on record"
    );
}

#[test]
fn restart_in_text_says_each_step_in_plain_words() {
    let sim = restartable_sim();
    let doctor = Doctor::new();
    let ini = config_ini(&doctor, &sim);
    let port = sim.api.port().to_string();

    let run = doctor.run(&restart_args(&port, &ini, &["--yes"]));
    run.assert_code(0);
    let out = &run.stdout;
    let steps = [
        "Asking IB Gateway to restart…",
        "IBC accepted. Waiting for IB Gateway to stop",
        "IB Gateway has stopped after ",
        &format!("It is back, listening on port {port} after "),
        "No new login is needed",
    ];
    let mut from = 0;
    for step in steps {
        let at = out[from..]
            .find(step)
            .unwrap_or_else(|| panic!("no {step:?} after byte {from} in:\n{out}"));
        from += at + step.len();
    }
    for jargon in ["RESTART", "nextValidId", "socket", "inode"] {
        let main_text: String = out.lines().filter(|l| !l.starts_with("Details:")).collect();
        assert!(
            !main_text.contains(jargon),
            "{jargon:?} outside Details:\n{out}"
        );
    }
    assert!(out.contains("Details: "), "the technical part apart: {out}");
}

#[test]
fn a_second_restart_within_the_period_is_held_back_with_exit_4_and_sends_nothing() {
    let sim = restartable_sim();
    let doctor = Doctor::new();
    let ini = config_ini(&doctor, &sim);
    let port = sim.api.port().to_string();
    doctor
        .run(&restart_args(&port, &ini, &["--yes", "--json"]))
        .assert_code(0);
    let first = recorded_restarts(&doctor);
    assert_eq!(first.len(), 1);

    let held = doctor.run(&restart_args(&port, &ini, &["--yes", "--json"]));
    held.assert_code(4);
    let out = json(&held);
    assert_eq!(out["report"], Value::Null, "{out:#}");
    assert_eq!(out["error"]["code"], "RESTART_TOO_SOON", "{out:#}");
    assert_eq!(
        out["error"]["next_allowed_ms"].as_i64(),
        Some(first[0] + 10 * 60 * 1000),
        "{out:#}"
    );

    let text = doctor.run(&restart_args(&port, &ini, &["--yes"]));
    text.assert_code(4);
    assert_contains(
        &text.stderr,
        "IB Gateway was restarted less than 10 minutes ago",
    );
    assert_contains(&text.stderr, "the next restart is allowed at");
    let stats = sim.stats();
    assert_eq!(
        (stats.ibc.connections, stats.ibc.restart, stats.restarts),
        (1, 1, 1),
        "only the first restart reached IBC: {stats:?}"
    );
    assert_eq!(recorded_restarts(&doctor), first, "nothing more recorded");
}

#[test]
fn without_ibcs_config_the_error_says_where_it_looked_and_what_to_do() {
    // The usual places are ~/ibc/config.ini (HOME is the Doctor's empty folder) and /opt/ibc/config.ini.
    assert!(
        !Path::new("/opt/ibc/config.ini").exists(),
        "this machine has IBC's config.ini in /opt/ibc: the test needs a machine without IBC"
    );
    let doctor = Doctor::new();
    let port = gateway_testkit::free_port().to_string();

    let text = doctor.run(&["restart", "--yes", "--port", &port]);
    text.assert_code(2);
    assert_contains(&text.stderr, "IBC's config.ini was not found");
    let home_ini = doctor.dir().join("ibc").join("config.ini");
    assert_contains(&text.stderr, &home_ini.display().to_string());
    assert_contains(&text.stderr, "--ibc-config");

    let json_run = doctor.run(&["restart", "--yes", "--json", "--port", &port]);
    json_run.assert_code(2);
    let out = json(&json_run);
    assert_eq!(out["error"]["code"], "IBC_NOT_CONFIGURED", "{out:#}");
    assert_eq!(out["ibc_config"], Value::Null);

    // A config.ini with the command server off, and one that does not exist.
    let off = doctor.dir().join("off.ini");
    std::fs::write(&off, "TradingMode=paper\n").expect("write");
    let run = doctor.run(&restart_args(&port, &off, &["--yes", "--json"]));
    run.assert_code(2);
    let out = json(&run);
    assert_eq!(out["error"]["code"], "IBC_NOT_CONFIGURED", "{out:#}");
    assert!(
        out["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("CommandServerPort")),
        "{out:#}"
    );
    let missing = doctor.dir().join("nowhere").join("config.ini");
    let run = doctor.run(&restart_args(&port, &missing, &["--yes", "--json"]));
    run.assert_code(2);
    assert_eq!(json(&run)["error"]["code"], "IBC_CONFIG_UNREADABLE");
    assert!(recorded_restarts(&doctor).is_empty());
}

#[test]
fn without_a_terminal_and_without_yes_it_refuses_and_sends_nothing() {
    let sim = restartable_sim();
    let doctor = Doctor::new();
    let ini = config_ini(&doctor, &sim);
    let port = sim.api.port().to_string();

    let text = doctor.run(&restart_args(&port, &ini, &[]));
    text.assert_code(2);
    assert_contains(&text.stderr, "without a confirmation");
    assert_contains(&text.stderr, "--yes");
    let json_run = doctor.run(&restart_args(&port, &ini, &["--json"]));
    json_run.assert_code(2);
    assert_eq!(json(&json_run)["error"]["code"], "CONFIRMATION_NEEDED");

    assert_eq!(sim.stats().ibc.connections, 0, "nothing reached IBC");
    assert_eq!(sim.stats().restarts, 0);
    assert!(recorded_restarts(&doctor).is_empty(), "nothing recorded");
}

/// Runs gateway-doctor on a terminal (util-linux `script` gives it one), typing `answer` at the question.
fn run_on_terminal(doctor: &Doctor, args: &[&str], answer: &str) -> (Option<i32>, String) {
    let inner = doctor.command(args);
    let line = std::iter::once(inner.get_program())
        .chain(inner.get_args())
        .map(|a| format!("'{}'", a.to_str().expect("UTF-8").replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut command = Command::new("script");
    command
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .current_dir(doctor.dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in inner.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    let mut child = command.spawn().expect("spawn script (util-linux)");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    // Typed once the question is up; stdin stays open until the run ends (a closed one ends `script`).
    std::thread::sleep(Duration::from_millis(500));
    stdin.write_all(answer.as_bytes()).expect("type the answer");
    stdin.flush().expect("flush");
    let mut status = None;
    let ended = wait_until(Duration::from_secs(30), || {
        status = child.try_wait().expect("try_wait");
        status.is_some()
    });
    if !ended {
        let _ = child.kill();
        let _ = child.wait();
    }
    drop(stdin);
    let text = reader.join().expect("reader");
    assert!(ended, "still running after 30 s:\n{text}");
    (status.and_then(|s| s.code()), text)
}

#[test]
fn on_a_terminal_it_asks_first_and_no_sends_nothing_while_yes_restarts() {
    let sim = restartable_sim();
    let doctor = Doctor::new();
    let ini = config_ini(&doctor, &sim);
    let port = sim.api.port().to_string();
    let args = restart_args(&port, &ini, &[]);

    let (code, screen) = run_on_terminal(&doctor, &args, "n\n");
    assert!(
        screen.contains("Restart IB Gateway now? [y/N]"),
        "the question: {screen}"
    );
    assert!(
        screen.contains("No new login is needed"),
        "the question says what the restart costs: {screen}"
    );
    assert_eq!(code, Some(1), "{screen}");
    assert_contains(&screen, "you answered no");
    assert_eq!(sim.stats().ibc.connections, 0, "a no sends nothing");
    assert!(recorded_restarts(&doctor).is_empty());

    let (code, screen) = run_on_terminal(&doctor, &args, "y\n");
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains(&format!("It is back, listening on port {port}")),
        "{screen}"
    );
    assert_eq!(sim.stats().ibc.restart, 1);
}
