//! Plumbing for the zombie tests: API connections to gateway-sim, child processes that hold those sockets
//! (and are always killed and reaped), and waits on the socket table.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::OwnedFd;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use gateway_core::sockets::{
    self, CleanConfirmation, CleanOptions, CleanTarget, PortScan, ProcessInfo, ProcessKey,
    QuickScan, ZombieSide,
};

use gateway_testkit::{SimProcess, wait_until};

/// The tests' bound on anything that must not hang.
pub const BOUND: Duration = Duration::from_secs(5);
pub const SIGTERM: i32 = 15;
pub const SIGKILL: i32 = 9;

/// Cleanup with a shorter grace than the default 3 s (a `sleep` exits on SIGTERM at once anyway).
pub fn quick_clean() -> CleanOptions {
    CleanOptions {
        grace: Duration::from_secs(2),
        ..CleanOptions::default()
    }
}

/// A TWS API connection that got through the version handshake, so gateway-sim's `drop_all` closes it
/// (the simulator closes its end; this end, never closed, goes to CLOSE_WAIT).
pub fn api_connection(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect_timeout(&addr, BOUND).expect("connect to gateway-sim");
    stream.set_read_timeout(Some(BOUND)).expect("read timeout");
    let offer = b"v100..187";
    let mut hello = b"API\0".to_vec();
    hello.extend_from_slice(&u32::try_from(offer.len()).expect("short").to_be_bytes());
    hello.extend_from_slice(offer);
    stream.write_all(&hello).expect("send the API hello");
    // Read the whole version reply: the session is then past the hello and in its main loop.
    let mut len = [0u8; 4];
    stream
        .read_exact(&mut len)
        .expect("the handshake reply's length");
    let mut reply = vec![0u8; u32::from_be_bytes(len) as usize];
    stream.read_exact(&mut reply).expect("the handshake reply");
    stream
}

/// Child processes started by a test; each is killed and reaped when the test ends, however it ends.
#[derive(Default)]
pub struct Kids {
    children: Vec<Child>,
}

impl Kids {
    /// Runs `program args` with `stdin` (and, if given, `stdout`) set to sockets: the child holds them,
    /// and once the caller drops its own copies, only the child does. Returns the child's pid.
    pub fn hold(
        &mut self,
        program: &str,
        args: &[&str],
        stdin: impl Into<OwnedFd>,
        stdout: Option<OwnedFd>,
    ) -> u32 {
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::from(stdin.into()))
            .stderr(Stdio::inherit());
        command.stdout(stdout.map_or_else(Stdio::null, Stdio::from));
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
        // `command` still owns the parent's copies of the sockets until it is dropped.
        drop(command);
        let pid = child.id();
        self.children.push(child);
        pid
    }

    /// Spawns a prepared command (its stdin/stdout already set to what it must hold); returns its pid.
    pub fn spawn(&mut self, mut command: Command) -> u32 {
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {command:?}: {e}"));
        drop(command);
        let pid = child.id();
        self.children.push(child);
        pid
    }

    /// `sleep 600` holding `socket` on stdin.
    pub fn sleeper(&mut self, socket: impl Into<OwnedFd>) -> u32 {
        self.hold("sleep", &["600"], socket, None)
    }

    /// `N` client zombies on `sim`'s port, each held by a sleeper of its own: TWS API connections past the
    /// handshake, then closed by the simulator. The sleepers' pids, and the scan that lists the zombies.
    pub fn zombie_sleepers<const N: usize>(&mut self, sim: &SimProcess) -> ([u32; N], PortScan) {
        let pids = std::array::from_fn(|_| self.sleeper(api_connection(sim.api)));
        sim.wait_stats("the handshakes", BOUND, |s| s.handshakes == N as u64);
        sim.control.drop_all().expect("drop_all");
        (pids, scan_with_client_zombies(sim.port(), N as u32))
    }

    /// Whether the child `pid` is still running (not exited).
    pub fn running(&mut self, pid: u32) -> bool {
        self.child(pid)
            .try_wait()
            .expect("try_wait on a child")
            .is_none()
    }

    /// Reaps the child `pid`, which must exit within [`BOUND`]; returns how it ended.
    pub fn reap(&mut self, pid: u32) -> ExitStatus {
        let child = self.child(pid);
        let mut status = None;
        let exited = wait_until(BOUND, || {
            status = child.try_wait().expect("try_wait on a child");
            status.is_some()
        });
        assert!(exited, "child {pid} still running after {BOUND:?}");
        status.expect("exited")
    }

    /// Reaps `pid` and asserts it died of `signal`.
    pub fn assert_killed_by(&mut self, pid: u32, signal: i32) {
        let status = self.reap(pid);
        assert_eq!(
            status.signal(),
            Some(signal),
            "child {pid} ended with {status}"
        );
    }

    /// Kills and reaps the child `pid` now.
    pub fn kill(&mut self, pid: u32) {
        let child = self.child(pid);
        child.kill().expect("kill a child");
        child.wait().expect("reap a child");
    }

    fn child(&mut self, pid: u32) -> &mut Child {
        self.children
            .iter_mut()
            .find(|c| c.id() == pid)
            .unwrap_or_else(|| panic!("{pid} is not a child of this test"))
    }
}

impl Drop for Kids {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits until `pred` holds for the port's quick scan; panics with the last scan otherwise.
pub fn wait_quick(port: u16, what: &str, pred: impl Fn(&QuickScan) -> bool) -> QuickScan {
    let mut last = None;
    let ok = wait_until(BOUND, || {
        let scan = sockets::scan_quick(port).expect("scan_quick");
        let done = pred(&scan);
        last = Some(scan);
        done
    });
    assert!(
        ok,
        "timed out waiting for {what}; last quick scan: {last:?}"
    );
    last.expect("scanned at least once")
}

/// The full scan, once the port shows `n` client zombies.
pub fn scan_with_client_zombies(port: u16, n: u32) -> PortScan {
    wait_quick(port, &format!("{n} client zombies"), |q| {
        q.client_zombies == n
    });
    sockets::scan(port).expect("scan")
}

/// The scan's record of `pid`.
pub fn process(scan: &PortScan, pid: u32) -> ProcessInfo {
    scan.processes
        .iter()
        .find(|p| p.pid == pid)
        .cloned()
        .unwrap_or_else(|| panic!("pid {pid} not among the scan's processes: {scan:#?}"))
}

/// Waits until `pid`'s command line is `expected` (a child that exec's another program gets there a
/// moment after spawn returns).
pub fn wait_for_exec(pid: u32, expected: &str) {
    let path = format!("/proc/{pid}/cmdline");
    let ok = wait_until(BOUND, || {
        std::fs::read(&path)
            .is_ok_and(|raw| raw.split(|b| *b == 0).next() == Some(expected.as_bytes()))
    });
    assert!(ok, "pid {pid} never exec'd {expected}");
}

/// Our real uid, from /proc.
pub fn own_uid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|uids| uids.split_whitespace().next())
        .and_then(|uid| uid.parse().ok())
        .expect("a Uid line in /proc/self/status")
}

/// What a user who saw `scan` confirms: the processes `pids` (by pid and start time), their client zombies,
/// and the working connections of those in `live`.
pub fn confirmation(scan: &PortScan, pids: &[u32], live: &[u32]) -> CleanConfirmation {
    let key = |pid: &u32| ProcessKey::of(&process(scan, *pid));
    CleanConfirmation {
        processes: pids.iter().map(key).collect(),
        include_live: live.iter().map(key).collect(),
        zombie_inodes: scan
            .zombies
            .iter()
            .filter(|z| {
                z.side == ZombieSide::Client && z.socket.pids.iter().any(|p| pids.contains(p))
            })
            .map(|z| z.socket.inode)
            .collect(),
    }
}

/// `record` as a target of `terminate`, chosen for the client zombies it holds in `scan`.
pub fn target(scan: &PortScan, record: ProcessInfo) -> CleanTarget {
    let zombie_inodes = scan
        .zombies
        .iter()
        .filter(|z| z.side == ZombieSide::Client && z.socket.pids.contains(&record.pid))
        .map(|z| z.socket.inode)
        .collect();
    CleanTarget {
        process: record,
        zombie_inodes,
    }
}
