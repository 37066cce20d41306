//! What /proc says about processes and descriptors: the soak's leak checks read it rather than trusting the
//! supervisor's own account. Linux only, like the soak.

use std::path::PathBuf;

/// Open file descriptors of this process (sockets, pipes, files).
pub fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .count()
}

/// A child process of ours as /proc shows it.
#[derive(Debug)]
pub struct Child {
    pub pid: u32,
    /// One of R, S, D, Z (an exited child nobody reaped), ...
    pub state: char,
    /// `None` once it exited (a zombie has no executable).
    pub exe: Option<PathBuf>,
}

/// Every process whose parent is this process, zombies included.
pub fn children() -> Vec<Child> {
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
            let rest = &stat[stat.rfind(')')? + 1..];
            let mut fields = rest.split_whitespace();
            let state = fields.next()?.chars().next()?;
            let ppid: u32 = fields.next()?.parse().ok()?;
            (ppid == me).then(|| Child {
                pid,
                state,
                exe: std::fs::read_link(format!("/proc/{pid}/exe")).ok(),
            })
        })
        .collect()
}

/// Resident memory of `pid` in KiB, `None` once it is gone.
pub fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[test]
fn sees_its_own_children_and_memory() {
    let mut sleeper = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("spawn sleep");
    let pid = sleeper.id();
    let mine = children();
    assert!(mine.iter().any(|c| c.pid == pid), "{mine:?}");
    assert!(vm_rss_kib(std::process::id()).is_some_and(|kib| kib > 0));
    sleeper.kill().expect("kill");
    sleeper.wait().expect("reap");
    assert!(!children().iter().any(|c| c.pid == pid), "reaped");
    assert!(fd_count() > 2);
}
