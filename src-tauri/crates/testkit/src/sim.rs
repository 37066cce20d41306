//! gateway-sim as a real process: `--listen 127.0.0.1:0 --control 127.0.0.1:0` plus the caller's
//! arguments, its ready line (`gateway_sim::Ready`) read with a bounded wait, the ports it picked, its
//! control port as a `gateway_sim::ControlClient`, and the child killed and reaped on drop.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use gateway_sim::{ControlClient, Ready, Stats};

use crate::started::{NotReady, Started};
use crate::{READY_WITHIN, StartError, bins, wait_until};

const PROGRAM: &str = "gateway-sim";

/// How gateway-sim is started; [`SimOptions::start`] or [`SimOptions::spawn`] starts it.
#[derive(Debug, Clone)]
pub struct SimOptions {
    listen: String,
    ibc: Option<String>,
    args: Vec<String>,
    env: Vec<(String, String)>,
    quiet: bool,
    exit_with_stdin: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: "127.0.0.1:0".into(),
            ibc: None,
            args: Vec::new(),
            env: Vec::new(),
            quiet: false,
            exit_with_stdin: false,
        }
    }
}

impl SimOptions {
    /// The API port on `addr` (e.g. `[::]:0` for a dual-stack listener) instead of `127.0.0.1:0`.
    pub fn listen(mut self, addr: &str) -> Self {
        self.listen = addr.into();
        self
    }

    /// IBC's command server on `addr` (`--ibc`); its port is then [`SimProcess::ibc`].
    pub fn ibc(mut self, addr: &str) -> Self {
        self.ibc = Some(addr.into());
        self
    }

    /// Extra arguments (e.g. `["--fault", "silent"]`).
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Its stderr is kept for errors but not echoed, and it logs warnings only (benchmarks: nothing may
    /// compete with what they measure).
    pub fn quiet(mut self) -> Self {
        self.quiet = true;
        self.env.push(("RUST_LOG".into(), "warn".into()));
        self
    }

    /// `--exit-with-stdin`, with its stdin a pipe this side holds ([`SimProcess::close_stdin`]).
    pub fn exit_with_stdin(mut self) -> Self {
        self.exit_with_stdin = true;
        self
    }

    /// Starts it; the error says why it did not become ready and quotes its stderr.
    pub fn spawn(self) -> Result<SimProcess, StartError> {
        let path = bins::locate(PROGRAM)?;
        let mut command = Command::new(&path);
        command.args(["--listen", &self.listen, "--control", "127.0.0.1:0"]);
        if let Some(ibc) = &self.ibc {
            command.args(["--ibc", ibc]);
        }
        if self.exit_with_stdin {
            command.arg("--exit-with-stdin");
        }
        command
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(if self.exit_with_stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped());
        let mut started = Started::spawn(&mut command, PROGRAM, self.quiet)?;
        let stdout = started.child.stdout.take().expect("piped stdout");
        match ready_line(stdout) {
            Ok(ready) => Ok(SimProcess {
                stdin: started.child.stdin.take(),
                child: started.child,
                api: ready.listening,
                control: ControlClient::new(ready.control),
                ready,
            }),
            Err(why) => Err(started.fail(why)),
        }
    }

    /// [`SimOptions::spawn`], panicking with its error.
    pub fn start(self) -> SimProcess {
        self.spawn().unwrap_or_else(|e| panic!("{e}"))
    }
}

/// The first stdout line, read on a thread so the wait is bounded by [`READY_WITHIN`].
fn ready_line(stdout: std::process::ChildStdout) -> Result<Ready, NotReady> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let _ = send.send(read.map(|n| (n, line)));
    });
    match receive.recv_timeout(READY_WITHIN) {
        Ok(Ok((0, _))) | Ok(Err(_)) => Err(NotReady::Ended),
        Ok(Ok((_, line))) => Ready::parse(&line).map_err(|e| NotReady::Garbled(e.to_string())),
        Err(_) => Err(NotReady::Silent),
    }
}

/// A gateway-sim process on free loopback ports, killed and reaped when dropped.
pub struct SimProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    /// The API port's address.
    pub api: SocketAddr,
    pub control: ControlClient,
    /// The whole ready line (the IBC port is in it when started with `--ibc`).
    pub ready: Ready,
}

impl SimProcess {
    /// Starts gateway-sim on `127.0.0.1:0` with extra arguments (e.g. `["--fault", "silent"]`).
    pub fn start(args: &[&str]) -> SimProcess {
        SimOptions::default().args(args).start()
    }

    /// Starts gateway-sim listening on `listen` (e.g. `[::]:0` for a dual-stack listener).
    pub fn start_on(listen: &str, args: &[&str]) -> SimProcess {
        SimOptions::default().listen(listen).args(args).start()
    }

    /// The simulator's process id: the Gateway as far as the socket table is concerned.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn port(&self) -> u16 {
        self.api.port()
    }

    /// IBC's command port; panics if it was started without [`SimOptions::ibc`].
    pub fn ibc(&self) -> SocketAddr {
        self.ready
            .ibc
            .expect("the simulator was started with --ibc, so its ready line carries the IBC port")
    }

    pub fn stats(&self) -> Stats {
        self.control.stats().expect("gateway-sim stats")
    }

    pub fn set_fault(&self, fault: &str) {
        self.control
            .set_fault(fault)
            .expect("gateway-sim set_fault");
    }

    /// Waits until the stats satisfy `pred`, or panics with the last stats seen.
    pub fn wait_stats(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Stats) -> bool,
    ) -> Stats {
        let mut last = self.stats();
        let ok = wait_until(timeout, || {
            last = self.stats();
            pred(&last)
        });
        assert!(
            ok,
            "timed out after {timeout:?} waiting for {what}; last stats: {last:?}"
        );
        last
    }

    /// Closes its stdin (with [`SimOptions::exit_with_stdin`]: as if the parent went away).
    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
