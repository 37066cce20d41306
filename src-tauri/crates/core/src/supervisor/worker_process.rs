//! One gateway-worker child process: spawn it with the resolved settings in its environment, write
//! requests to its stdin, read its stdout as JSON lines, forward its stderr to the log, and end it.
//!
//! Ending it never sends anything to the Gateway: stdin is closed (the worker finishes what is in flight and
//! exits), then SIGTERM, then SIGKILL, each after a grace period, and the child is always reaped. The
//! socket closes because the process ends; there is no API-level disconnect. A worker that stopped
//! answering is killed outright ([`WorkerProcess::kill`]): it would not read its stdin anyway.
//!
//! Its output is read as bytes up to each newline, so a line that is not UTF-8 is reported (lossily
//! decoded) and skipped instead of ending the reading as if the worker had exited.

use std::path::Path;
use std::process::ExitStatus;
use std::time::Duration;

use gateway_proto::{ErrorBody, Event};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout};

use super::SupervisorError;
use super::log::{LogLine, LogSink};
use crate::helper_programs::piped_command;

/// A line the worker printed, understood.
#[derive(Debug)]
pub(crate) enum WorkerLine {
    Event(Event),
    Response {
        id: u64,
        result: Result<Value, ErrorBody>,
    },
    /// Not a line of the protocol: logged, never acted on.
    Unexpected(String),
    /// Not UTF-8 (shown lossily decoded): logged and skipped.
    NotUtf8(String),
}

/// How long writing one request may take; a pipe with room takes microseconds.
const SEND_WITHIN: Duration = Duration::from_secs(2);

pub(crate) struct WorkerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// The line being read: kept here, so a read cut off by the actor's `select!` resumes where it was.
    partial: Vec<u8>,
    next_id: u64,
    pub pid: u32,
}

impl WorkerProcess {
    pub fn spawn(
        bin: &Path,
        env: &[(&'static str, String)],
        log: &LogSink,
    ) -> Result<WorkerProcess, SupervisorError> {
        if !bin.is_file() {
            return Err(SupervisorError::WorkerMissing {
                path: bin.to_path_buf(),
            });
        }
        let mut child = piped_command(bin)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .spawn()
            .map_err(|source| SupervisorError::Spawn {
                path: bin.to_path_buf(),
                source,
            })?;
        let pid = child.id().unwrap_or_default();
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(SupervisorError::Spawn {
                path: bin.to_path_buf(),
                source: std::io::Error::other("no stdio pipes"),
            });
        };
        let log = log.clone();
        tokio::spawn(async move {
            // Bytes, not lines of text: a stderr line that is not UTF-8 must not stop the draining (the
            // worker would then block on a full pipe).
            let mut stderr = BufReader::new(stderr);
            let mut line = Vec::new();
            while let Ok(1..) = stderr.read_until(b'\n', &mut line).await {
                log.send(LogLine::from_worker(
                    pid,
                    &String::from_utf8_lossy(trim_newline(&line)),
                ));
                line.clear();
            }
        });
        Ok(WorkerProcess {
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
            partial: Vec::new(),
            next_id: 1,
            pid,
        })
    }

    /// Writes one request; returns its id. Bounded by [`SEND_WITHIN`]: a worker that stopped reading lets
    /// its stdin pipe fill, and the write would otherwise wait for it forever (the error is `TimedOut`).
    pub async fn send(&mut self, command: &str) -> std::io::Result<u64> {
        let id = self.next_id;
        self.next_id += 1;
        let mut line = json!({"id": id, "command": command}).to_string();
        line.push('\n');
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| std::io::Error::other("worker stdin is closed"))?;
        let write = async {
            stdin.write_all(line.as_bytes()).await?;
            stdin.flush().await
        };
        match tokio::time::timeout(SEND_WITHIN, write).await {
            Ok(written) => written.map(|()| id),
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the worker does not read its requests",
            )),
        }
    }

    /// The next line from the worker; `None` once its stdout closed or cannot be read (it exited, is
    /// exiting, or is broken: the caller ends it either way). Cancel-safe: a partial line is kept.
    pub async fn next_line(&mut self) -> Option<WorkerLine> {
        match self.stdout.read_until(b'\n', &mut self.partial).await {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                let bytes = std::mem::take(&mut self.partial);
                Some(match std::str::from_utf8(trim_newline(&bytes)) {
                    Ok(line) => parse_line(line),
                    Err(_) => {
                        WorkerLine::NotUtf8(String::from_utf8_lossy(&bytes).trim_end().into())
                    }
                })
            }
        }
    }

    /// Waits up to `grace` for the worker to exit by itself (its stdout closed), then kills it; always
    /// reaps it.
    pub async fn reap(mut self, grace: Duration) -> Option<ExitStatus> {
        if let Ok(Ok(status)) = tokio::time::timeout(grace, self.child.wait()).await {
            return Some(status);
        }
        self.kill().await
    }

    /// Ends a worker that stopped answering: SIGKILL (a stopped or hung process acts on nothing else), then
    /// reaps it. The Gateway sees the socket close; nothing is sent to it.
    pub async fn kill(mut self) -> Option<ExitStatus> {
        let _ = self.child.start_kill();
        self.child.wait().await.ok()
    }

    /// Ends the worker: close stdin, then SIGTERM, then SIGKILL, `grace` apart; always reaps it.
    pub async fn stop(mut self, grace: Duration) -> Option<ExitStatus> {
        drop(self.stdin.take());
        if let Ok(Ok(status)) = tokio::time::timeout(grace, self.child.wait()).await {
            return Some(status);
        }
        #[cfg(target_os = "linux")]
        if let Some(pid) = rustix::process::Pid::from_raw(self.pid as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            if let Ok(Ok(status)) = tokio::time::timeout(grace, self.child.wait()).await {
                return Some(status);
            }
        }
        let _ = self.child.start_kill();
        self.child.wait().await.ok()
    }
}

/// The line without its `\n` (and a `\r` before it).
fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn parse_line(line: &str) -> WorkerLine {
    let Ok(value) = serde_json::from_str::<Value>(line) else {
        return WorkerLine::Unexpected(line.to_string());
    };
    if value.get("event").is_some() {
        return match serde_json::from_value::<Event>(value) {
            Ok(event) => WorkerLine::Event(event),
            Err(_) => WorkerLine::Unexpected(line.to_string()),
        };
    }
    let id = value.get("id").and_then(Value::as_u64);
    match (id, value.get("status").and_then(Value::as_str)) {
        (Some(id), Some("success")) => WorkerLine::Response {
            id,
            result: Ok(value["data"].clone()),
        },
        (Some(id), Some("error")) => {
            match serde_json::from_value::<ErrorBody>(value["error"].clone()) {
                Ok(error) => WorkerLine::Response {
                    id,
                    result: Err(error),
                },
                Err(_) => WorkerLine::Unexpected(line.to_string()),
            }
        }
        _ => WorkerLine::Unexpected(line.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_proto::{ErrorCode, UnknownCode};

    #[test]
    fn parses_each_kind_of_line_and_never_acts_on_garbage() {
        assert!(matches!(
            parse_line(r#"{"id":3,"status":"success","data":{"connected":true}}"#),
            WorkerLine::Response {
                id: 3,
                result: Ok(_)
            }
        ));
        match parse_line(
            r#"{"id":4,"status":"error","error":{"code":"HANDSHAKE_TIMEOUT","message":"m"}}"#,
        ) {
            WorkerLine::Response {
                id: 4,
                result: Err(e),
            } => assert_eq!(e.code, ErrorCode::HandshakeTimeout),
            other => panic!("{other:?}"),
        }
        // A code this build does not know is an answer all the same, its code kept as sent (it was an
        // unexpected line before, so the request waited out its deadline and the worker was replaced).
        match parse_line(
            r#"{"id":5,"status":"error","error":{"code":"GATEWAY_ON_FIRE","message":"m"}}"#,
        ) {
            WorkerLine::Response {
                id: 5,
                result: Err(e),
            } => {
                assert_eq!(
                    e.code,
                    ErrorCode::Unknown(UnknownCode("GATEWAY_ON_FIRE".into()))
                );
                assert_eq!(e.message, "m");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_line(r#"{"event":"notice","data":{"code":1100,"message":"x"}}"#),
            WorkerLine::Event(_)
        ));
        for garbage in [
            "",
            "not json",
            r#"{"status":"success"}"#,
            r#"{"event":"bogus","data":1}"#,
            "[1]",
        ] {
            assert!(
                matches!(parse_line(garbage), WorkerLine::Unexpected(_)),
                "{garbage}"
            );
        }
    }
}
