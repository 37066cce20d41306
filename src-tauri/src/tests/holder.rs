//! The program holding our client id, named end to end: a real child process connected to a real
//! gateway-sim with `IBKR_CLIENT_ID` in its environment is "the trader's program", the simulator holds that id
//! (its control port's hold_client_id), and the app's real supervisor and worker meet the refusal.

use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use gateway_testkit::{SimProcess, wait_until};

use super::settings::{another_client_id_after_in_use, live};
use super::{BOUND, TestApp, phase, wait_call};

/// A local program connected to the Gateway port with `IBKR_CLIENT_ID=id` in its environment: bash opens the
/// connection and becomes `sleep`, which keeps it. Ended when dropped.
struct TradingProgram {
    child: Child,
}

impl TradingProgram {
    fn start(port: u16, id: i64) -> TradingProgram {
        let child = Command::new("bash")
            .args([
                "-c",
                &format!("exec 3<>/dev/tcp/127.0.0.1/{port} && exec sleep 60"),
            ])
            .env("IBKR_CLIENT_ID", id.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn bash");
        TradingProgram { child }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for TradingProgram {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the client-id ledger shows `program` connected with `id`.
fn wait_in_ledger(app: &TestApp, program: &TradingProgram, id: i64) {
    wait_call(app, "get_client_ledger", "the program in the ledger", |l| {
        l["entries"].as_array().is_some_and(|entries| {
            entries.iter().any(|e| {
                e["process"]["pid"] == program.pid()
                    && e["process"]["name"] == "sleep"
                    && e["client_id"] == id
            })
        })
    });
}

#[test]
fn client_id_in_use_names_the_local_program_holding_it() {
    let sim = SimProcess::start(&[]);
    sim.control.hold_client_id(7470).expect("hold 7470");
    let program = TradingProgram::start(sim.port(), 7470);
    let app = TestApp::start(json!({"port": sim.port(), "client_id": 7470}));
    wait_in_ledger(&app, &program, 7470);

    app.call("connect_gateway", Value::Null);
    let refused = wait_call(&app, "get_status", "client id in use", |s| {
        s["lifecycle"]["error"]["code"] == "CLIENT_ID_IN_USE"
    });
    assert_eq!(phase(&refused), "failed");
    assert_eq!(refused["client_id_wait"]["client_id"], 7470, "{refused}");
    assert!(
        refused["client_id_wait"]["watched_connections"].as_u64() >= Some(1),
        "the program's connection is watched: {refused}"
    );

    let holders = app.call("get_client_id_holders", Value::Null);
    assert_eq!(holders["client_id"], 7470);
    assert_eq!(
        holders["holders"][0]["process"]["pid"],
        program.pid(),
        "{holders}"
    );
    assert_eq!(holders["holder_name"], "sleep");
    assert_eq!(
        holders["summary"],
        "sleep (sleep 60) uses client id 7470 (seen in its environment).",
    );
    assert_eq!(holders["candidates"], json!([]));
    let details = holders["details"].to_string();
    assert!(
        details.contains(&format!("pid {}", program.pid())),
        "{details}"
    );

    // The log says it too, for the Logs screen and the support bundle.
    let said = "IB Gateway refused client id 7470 as in use: sleep (sleep 60) uses client id 7470 (seen in its environment).";
    let logged = wait_until(BOUND, || {
        let lines = app.call("get_logs", json!({"limit": 1000}));
        lines
            .as_array()
            .is_some_and(|lines| lines.iter().any(|l| l["message"] == said))
    });
    assert!(logged, "no log line: {said}");

    // Diagnose says the same about the holder (the same function over its own scan).
    let report = app.call("run_diagnose", Value::Null);
    let conflict = report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "client_id_conflict"))
        .cloned()
        .expect("the client id check");
    assert_eq!(conflict["status"], "fail", "{report}");
    assert!(
        conflict["detail"].as_str().is_some_and(
            |d| d.ends_with("sleep (sleep 60) uses client id 7470 (seen in its environment).")
        ),
        "{conflict}"
    );
}

#[test]
fn use_another_client_id_passes_over_an_id_a_local_program_uses() {
    let sim = SimProcess::start(&[]);
    sim.control.hold_client_id(7460).expect("hold 7460");
    // 7461 is the id the picker tries first after 7460: a program on this computer uses it.
    let program = TradingProgram::start(sim.port(), 7461);
    let app = TestApp::start(json!({"port": sim.port(), "client_id": 7460}));
    wait_in_ledger(&app, &program, 7461);
    let change = another_client_id_after_in_use(&app, 7460);
    assert_eq!(change["client_id"], 7462, "{change}");
    wait_call(&app, "get_status", "a session as 7462", |s| {
        phase(s) == "connected" && s["worker"]["target"]["client_id"] == 7462
    });
    let ids: Vec<i32> = live(&sim.stats()).into_iter().map(|(id, _)| id).collect();
    assert!(ids.contains(&7462) && !ids.contains(&7461), "{ids:?}");
}
