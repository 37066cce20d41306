//! Phase 2b: a process's identity and details straight from /proc, for the few pids phase 2a found.
//!
//! /proc is read directly rather than through sysinfo because the identity check needs the start time in
//! clock ticks (/proc/PID/stat field 22): sysinfo only gives it rounded to whole seconds, too coarse to tell a
//! process from one that reused its pid within the same second. The three small files give everything else
//! (name, uid, command line), so sysinfo would add a large dependency for nothing.

use std::collections::HashMap;
use std::fs;
use std::io::{self, ErrorKind};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::OnceLock;

use gateway_proto::ProcessInfo;

use crate::sockets::recognise::recognise;
use crate::sockets::sys::LiveIdentity;

/// The process as it is now; `Ok(None)` when there is no such process.
pub(crate) fn live_identity(pid: u32) -> io::Result<Option<LiveIdentity>> {
    let dir = format!("/proc/{pid}");
    let Some(stat) = read_if_exists(&format!("{dir}/stat"))? else {
        return Ok(None);
    };
    let Some(stat) = parse_stat(&String::from_utf8_lossy(&stat)) else {
        return Err(io::Error::new(
            ErrorKind::InvalidData,
            format!("{dir}/stat is not in the expected format"),
        ));
    };
    let Some(status) = read_if_exists(&format!("{dir}/status"))? else {
        return Ok(None);
    };
    let Some(uid) = parse_real_uid(&String::from_utf8_lossy(&status)) else {
        return Err(io::Error::new(
            ErrorKind::InvalidData,
            format!("{dir}/status has no Uid line"),
        ));
    };
    let Some(cmdline) = read_if_exists(&format!("{dir}/cmdline"))? else {
        return Ok(None);
    };
    Ok(Some(LiveIdentity {
        name: stat.name,
        exited: matches!(stat.state, 'Z' | 'X' | 'x'),
        start_ticks: stat.start_ticks,
        uid,
        owner_sid: None,
        cmdline: parse_cmdline(&cmdline),
    }))
}

/// Details for display and the identity to re-verify later; `Ok(None)` when the process is gone.
/// `users` caches uid -> login name across the processes of one scan.
pub(crate) fn process_info(
    pid: u32,
    users: &mut HashMap<u32, Option<String>>,
) -> io::Result<Option<ProcessInfo>> {
    let Some(live) = live_identity(pid)? else {
        return Ok(None);
    };
    let user = users
        .entry(live.uid)
        .or_insert_with(|| {
            uzers::get_user_by_uid(live.uid).map(|u| u.name().to_string_lossy().into_owned())
        })
        .clone();
    // Another user's program file cannot be read without root: its name and command line still tell.
    let exe = fs::read_link(format!("/proc/{pid}/exe")).ok();
    let exe = exe.as_deref().map(|p| p.to_string_lossy());
    Ok(Some(ProcessInfo {
        pid,
        product: recognise(&live.name, exe.as_deref(), &live.cmdline),
        name: live.name,
        cmdline: live.cmdline,
        uid: live.uid,
        owner_sid: None,
        user,
        start_ticks: live.start_ticks,
        started_at_ms: started_at_ms(live.start_ticks),
        is_gateway: false,
        has_live_session: false,
    }))
}

fn read_if_exists(path: &str) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        // ESRCH: the process died between opening and reading.
        Err(err) if err.kind() == ErrorKind::NotFound || err.raw_os_error() == Some(3) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Our parent, its parent, and so on up to pid 1: the processes that started Gateway Doctor, nearest
/// first. Walked afresh on each call (a parent that exits re-parents us). A link that cannot be read ends
/// the walk: what was found is still protected.
pub(crate) fn ancestors() -> Vec<u32> {
    let mut out = Vec::new();
    let mut pid = std::process::id();
    // A loop in the chain is impossible, but a bound keeps a bad read from spinning.
    while out.len() < 4096 {
        let parent = match read_if_exists(&format!("/proc/{pid}/stat")) {
            Ok(Some(raw)) => parse_stat(&String::from_utf8_lossy(&raw)).map(|s| s.ppid),
            _ => None,
        };
        match parent {
            Some(ppid) if ppid > 0 && !out.contains(&ppid) => {
                out.push(ppid);
                pid = ppid;
            }
            _ => break,
        }
    }
    out
}

/// Whether `pid` holds any of `inodes` right now (one of its /proc/PID/fd links reads `socket:[INODE]`).
/// `Ok(false)` when the process is gone; an error when its files cannot be read.
pub(crate) fn holds_any_socket(pid: u32, inodes: &[u64]) -> io::Result<bool> {
    let fds = match fs::read_dir(format!("/proc/{pid}/fd")) {
        Ok(fds) => fds,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(false),
        Err(err) => return Err(err),
    };
    for fd in fds.flatten() {
        let Ok(target) = fs::read_link(fd.path()) else {
            continue;
        };
        let held = super::holders::socket_inode(target.as_os_str().as_bytes());
        if held.is_some_and(|inode| inodes.contains(&inode)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The process's environment, NUL-separated (readable for one's own processes only).
pub(crate) fn environ(pid: u32) -> io::Result<Vec<u8>> {
    fs::read(format!("/proc/{pid}/environ"))
}

/// The process's working directory.
pub(crate) fn cwd(pid: u32) -> io::Result<PathBuf> {
    fs::read_link(format!("/proc/{pid}/cwd"))
}

#[derive(Debug, PartialEq, Eq)]
struct Stat {
    name: String,
    state: char,
    ppid: u32,
    start_ticks: u64,
}

/// `pid (comm) state ppid ... starttime ...`: comm may hold spaces and parentheses, so fields are counted
/// from the LAST `)`. ppid is field 4 and starttime field 22, the 2nd and 20th after comm.
fn parse_stat(stat: &str) -> Option<Stat> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_string();
    let mut rest = stat.get(close + 1..)?.split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    let start_ticks = rest.nth(17)?.parse().ok()?;
    Some(Stat {
        name,
        state,
        ppid,
        start_ticks,
    })
}

/// The real uid: the first number of `Uid:\treal\teffective\tsaved\tfs`.
fn parse_real_uid(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// NUL-separated arguments with a trailing NUL; empty for kernel threads and exited processes.
fn parse_cmdline(raw: &[u8]) -> Vec<String> {
    let raw = raw.strip_suffix(b"\0").unwrap_or(raw);
    if raw.is_empty() {
        return Vec::new();
    }
    raw.split(|b| *b == 0)
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect()
}

/// Boot time + start ticks, in Unix ms.
fn started_at_ms(start_ticks: u64) -> i64 {
    let ticks_per_second = rustix::param::clock_ticks_per_second().max(1);
    let since_boot_ms = start_ticks.saturating_mul(1000) / ticks_per_second;
    let since_boot_ms = i64::try_from(since_boot_ms).unwrap_or(i64::MAX);
    boot_time_ms().saturating_add(since_boot_ms)
}

/// `btime` from /proc/stat (seconds), read once; 0 if it cannot be read (the start time then reads as
/// time since boot, which is still ordered correctly).
fn boot_time_ms() -> i64 {
    static BOOT: OnceLock<i64> = OnceLock::new();
    *BOOT.get_or_init(|| {
        fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|stat| {
                stat.lines()
                    .find_map(|line| line.strip_prefix("btime "))
                    .and_then(|secs| secs.trim().parse::<i64>().ok())
            })
            .map_or(0, |secs| secs.saturating_mul(1000))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_stat_counts_fields_after_the_last_parenthesis() {
        let stat = "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100 18446744073709551615";
        assert_eq!(
            parse_stat(stat),
            Some(Stat {
                name: "my (odd) prog".into(),
                state: 'S',
                ppid: 1,
                start_ticks: 987654
            })
        );
    }

    #[test]
    fn parse_real_uid_takes_the_first_uid() {
        let status = "Name:\tsleep\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n";
        assert_eq!(parse_real_uid(status), Some(1000));
    }

    #[test]
    fn parse_cmdline_splits_on_nul() {
        assert_eq!(
            parse_cmdline(b"sleep\x00600\x00"),
            vec!["sleep".to_string(), "600".to_string()]
        );
        assert_eq!(parse_cmdline(b"sh\0-c\0\0"), vec!["sh", "-c", ""]);
        assert!(parse_cmdline(b"").is_empty());
    }

    #[test]
    fn ancestors_start_at_our_parent_and_walk_up() {
        let chain = ancestors();
        assert_eq!(
            chain.first().copied(),
            std::os::unix::process::parent_id().into()
        );
        assert!(!chain.contains(&std::process::id()));
        // Each entry is the parent of the one before.
        for pair in chain.windows(2) {
            let raw = fs::read_to_string(format!("/proc/{}/stat", pair[0])).expect("stat");
            assert_eq!(parse_stat(&raw).map(|s| s.ppid), Some(pair[1]));
        }
    }

    #[test]
    fn own_process_reads_back_with_a_start_time_after_boot() {
        let me = live_identity(std::process::id())
            .expect("read own /proc entry")
            .expect("own process exists");
        assert!(!me.exited);
        assert!(me.start_ticks > 0);
        assert!(started_at_ms(me.start_ticks) > boot_time_ms());
    }
}
