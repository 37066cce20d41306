//! Runs gateway-worker as a child process and talks to it line by line.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gateway_proto::WorkerOutput;
use serde_json::{Value, json};

use crate::util::{bin, wait_until};

/// The tests' bound on anything that must not hang.
pub const BOUND: Duration = Duration::from_secs(10);

/// Variables the worker reads; cleared so a developer's own settings cannot change a test.
const WORKER_VARS: [&str; 9] = [
    "IBKR_HOST",
    "IBKR_PORT",
    "IBKR_CLIENT_ID",
    "IBKR_READONLY",
    "IBKR_TIMEOUT",
    "IBKR_FORCE_DISCONNECT",
    "IBKR_MAX_TIMEOUTS",
    "IBKR_HEARTBEAT_INTERVAL",
    "IBKR_HEARTBEAT_TIMEOUT",
];

/// A gateway-worker process, killed when dropped.
pub struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    /// Each stdout line, or why it breaks the protocol.
    lines: mpsc::Receiver<Result<Value, String>>,
    /// Lines read but not yet taken by a test.
    pending: Vec<Value>,
}

impl Worker {
    pub fn start(env: &[(&str, &str)]) -> Worker {
        let mut command = Command::new(bin("gateway-worker"));
        for var in WORKER_VARS {
            command.env_remove(var);
        }
        let mut child = command
            .envs(env.iter().copied())
            .env("RUST_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn gateway-worker");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if sender.send(checked(&line)).is_err() {
                    return;
                }
            }
        });
        Worker {
            stdin: child.stdin.take(),
            child,
            lines,
            pending: Vec::new(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes one raw line (a `\n` is added).
    pub fn send_raw(&mut self, line: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(line).expect("write to the worker");
        stdin.write_all(b"\n").expect("write to the worker");
        stdin.flush().expect("flush to the worker");
    }

    pub fn send(&mut self, request: &Value) {
        self.send_raw(request.to_string().as_bytes());
    }

    /// Sends `request` (which must carry an `id`) and returns its response.
    pub fn request(&mut self, request: Value) -> Value {
        let id = request["id"].clone();
        assert!(!id.is_null(), "give the request an id: {request}");
        self.send(&request);
        self.response(&id, BOUND)
    }

    /// The response with this id; events read meanwhile stay available to `event`.
    pub fn response(&mut self, id: &Value, within: Duration) -> Value {
        self.take(within, &format!("the response to id {id}"), |line| {
            line.get("status").is_some() && line.get("id") == Some(id)
        })
    }

    /// The next line of any kind.
    pub fn next_line(&mut self, within: Duration) -> Value {
        self.take(within, "any line", |_| true)
    }

    /// The first event (read already or still to come) that satisfies `pred`.
    pub fn event(&mut self, what: &str, within: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        self.take(within, what, |line| {
            line.get("event").is_some() && pred(line)
        })
    }

    /// The first `state` event whose data satisfies `pred`.
    pub fn state(&mut self, what: &str, within: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        self.event(what, within, |line| {
            line["event"] == "state" && pred(&line["data"])
        })["data"]
            .clone()
    }

    fn take(&mut self, within: Duration, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self.pending.iter().position(&pred) {
            return self.pending.remove(at);
        }
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(Ok(line)) if pred(&line) => return line,
                Ok(Ok(line)) => self.pending.push(line),
                Ok(Err(broken)) => panic!("{broken}"),
                Err(_) => panic!(
                    "no {what} within {within:?}; lines seen: {:#?}",
                    self.pending
                ),
            }
        }
    }

    /// Lines read so far and not taken.
    pub fn drain(&mut self) -> Vec<Value> {
        while let Ok(line) = self.lines.try_recv() {
            self.pending
                .push(line.unwrap_or_else(|broken| panic!("{broken}")));
        }
        std::mem::take(&mut self.pending)
    }

    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let mut status = None;
        let exited = wait_until(within, || {
            status = self.child.try_wait().expect("try_wait");
            status.is_some()
        });
        assert!(exited, "the worker did not exit within {within:?}");
        status.expect("exited")
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Parses one stdout line; an error says how it breaks "one protocol object per line".
fn checked(line: &str) -> Result<Value, String> {
    let value: Value = serde_json::from_str(line)
        .map_err(|e| format!("stdout line is not one JSON value ({e}): {line:?}"))?;
    if !value.is_object() {
        return Err(format!("stdout line is not a JSON object: {line:?}"));
    }
    serde_json::from_value::<WorkerOutput>(value.clone())
        .map_err(|e| format!("stdout line does not match the protocol types ({e}): {line}"))?;
    Ok(value)
}

/// A connect request to the simulator with a handshake timeout in seconds.
pub fn connect(id: u32, port: u16, client_id: i32, timeout: f64) -> Value {
    json!({"id": id, "command": "connect", "params":
        {"host": "127.0.0.1", "port": port, "client_id": client_id, "readonly": true, "timeout": timeout}})
}

pub fn command(id: u32, name: &str) -> Value {
    json!({"id": id, "command": name})
}

/// The `data` of a success response.
pub fn success(response: &Value) -> &Value {
    assert_eq!(
        response["status"], "success",
        "expected success: {response}"
    );
    &response["data"]
}

/// The `error` of an error response, checked to carry `code`.
pub fn failure<'a>(response: &'a Value, code: &str) -> &'a Value {
    assert_eq!(response["status"], "error", "expected an error: {response}");
    assert_eq!(response["error"]["code"], code, "wrong code: {response}");
    &response["error"]
}

/// The step names of a handshake report or error.
pub fn step_names(steps: &Value) -> Vec<String> {
    steps
        .as_array()
        .unwrap_or_else(|| panic!("steps are not a list: {steps}"))
        .iter()
        .map(|s| s["step"].as_str().expect("step name").to_string())
        .collect()
}
