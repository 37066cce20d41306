//! Waiting with a deadline, and the small process and port helpers the tests share.

use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

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

/// The child's exit status once it exits by itself within `within`; `None` if it did not, and then it is
/// killed and reaped, so a failing test leaves nothing running.
pub fn wait_exit(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    let mut exit = None;
    let ended = wait_until(within, || {
        exit = child.try_wait().expect("try_wait");
        exit.is_some()
    });
    if !ended {
        let _ = child.kill();
        let _ = child.wait();
    }
    exit
}

/// Sends signal `name` (`TERM`, `INT`, `KILL`, `STOP`, ...) to `pid` with kill(1); panics if it fails.
pub fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{name} {pid} failed: {status}");
}

/// A free loopback port (bound and released: nothing listens on it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
