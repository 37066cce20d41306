//! gateway-worker as a real process: started with a clean environment (no `IBKR_*` setting of the
//! developer's), returned once its stderr says it is ready, its stdout read on a thread and each line
//! checked to be one protocol object (`gateway_proto::WorkerOutput`); killed and reaped on drop.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gateway_proto::WorkerOutput;
use serde_json::Value;

use crate::started::{NotReady, Started};
use crate::{READY_WITHIN, StartError, bins, wait_until};

const PROGRAM: &str = "gateway-worker";
/// What the worker logs (at info) once it reads its stdin.
const READY_TEXT: &str = "gateway-worker ready";
/// The prefix of every setting the worker reads from its environment.
const SETTINGS_PREFIX: &str = "IBKR_";

/// How long [`Worker::request`] waits for the answer to a request that must not hang.
pub const REQUEST_WITHIN: Duration = Duration::from_secs(10);

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
    /// Starts it with `env` as its only settings; panics with the reason (and its stderr) if it does not
    /// become ready.
    pub fn start(env: &[(&str, &str)]) -> Worker {
        Worker::spawn(env).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn spawn(env: &[(&str, &str)]) -> Result<Worker, StartError> {
        let path = bins::locate(PROGRAM)?;
        let mut command = Command::new(&path);
        for (var, _) in std::env::vars_os() {
            if var.to_string_lossy().starts_with(SETTINGS_PREFIX) {
                command.env_remove(var);
            }
        }
        command
            .envs(env.iter().copied())
            .env("RUST_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        let started = Started::spawn(&mut command, PROGRAM, false)?;
        if !started
            .stderr
            .wait_for(READY_WITHIN, |line| line.contains(READY_TEXT))
        {
            return Err(started.fail(NotReady::Silent));
        }
        let mut child = started.child;
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
        Ok(Worker {
            stdin: child.stdin.take(),
            child,
            lines,
            pending: Vec::new(),
        })
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

    /// Sends `request` (which must carry an `id`) and returns its response within [`REQUEST_WITHIN`].
    pub fn request(&mut self, request: Value) -> Value {
        let id = request["id"].clone();
        assert!(!id.is_null(), "give the request an id: {request}");
        self.send(&request);
        self.response(&id, REQUEST_WITHIN)
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

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        crate::signal(self.pid(), "TERM");
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
