//! Shared test plumbing: find the workspace's binaries, run gateway-sim as a real process and talk to its
//! control port, wait for conditions with a deadline.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gateway_sim::{ControlClient, Ready, Stats};

/// Path of a binary built from this workspace (`cargo build --workspace --bins` puts them beside `deps/`).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test executable lives in target/<profile>/deps");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` before the tests (make test does)",
        path.display()
    );
    path
}

/// A gateway-sim process on free loopback ports, killed when dropped.
pub struct SimProcess {
    child: Child,
    pub api: SocketAddr,
    pub control: ControlClient,
}

impl SimProcess {
    /// Starts `gateway-sim --listen 127.0.0.1:0` with extra arguments (e.g. `["--fault", "silent"]`).
    pub fn start(args: &[&str]) -> SimProcess {
        SimProcess::start_on("127.0.0.1:0", args)
    }

    /// Starts gateway-sim listening on `listen` (e.g. `[::]:0` for a dual-stack listener).
    pub fn start_on(listen: &str, args: &[&str]) -> SimProcess {
        let mut child = Command::new(bin("gateway-sim"))
            .args(["--listen", listen, "--control", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn gateway-sim");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read gateway-sim's first line");
        let ready = Ready::parse(&line).unwrap_or_else(|e| panic!("{e}"));
        SimProcess {
            child,
            api: ready.listening,
            control: ControlClient::new(ready.control),
        }
    }

    /// The simulator's process id: the Gateway as far as the socket table is concerned.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn port(&self) -> u16 {
        self.api.port()
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
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `cond` every 20 ms until it holds or `timeout` passes; returns whether it held.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
