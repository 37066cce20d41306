//! Phase 2a: which processes hold the sockets phase 1 found. Every open file of every process shows up in
//! /proc/PID/fd as a symlink; a socket's reads `socket:[INODE]`. One pass over /proc reads those links and
//! keeps only the wanted inodes. This is the expensive part of a scan (one readlink per open file on the
//! machine), which is why it runs only when phase 1 found something. Without root only one's own processes'
//! fd directories can be read; the others are counted, not treated as errors.

use std::collections::HashSet;
use std::fs;
use std::io::ErrorKind;
use std::os::unix::ffi::OsStrExt;

use crate::sockets::sys::Holders;

/// Holders of `inodes`. Processes that exit during the walk are skipped.
pub(crate) fn socket_holders(inodes: &HashSet<u64>) -> Holders {
    let mut holders = Holders::default();
    if inodes.is_empty() {
        return holders;
    }
    let Ok(proc_dir) = fs::read_dir("/proc") else {
        return holders;
    };
    for entry in proc_dir.flatten() {
        let Some(pid) = parse_pid(entry.file_name().as_bytes()) else {
            continue;
        };
        let fds = match fs::read_dir(entry.path().join("fd")) {
            Ok(fds) => fds,
            Err(err) if err.kind() == ErrorKind::PermissionDenied => {
                holders.unreadable += 1;
                continue;
            }
            // Gone meanwhile, or a kernel thread without files.
            Err(_) => continue,
        };
        for fd in fds.flatten() {
            let Ok(target) = fs::read_link(fd.path()) else {
                continue;
            };
            let Some(inode) = socket_inode(target.as_os_str().as_bytes()) else {
                continue;
            };
            if inodes.contains(&inode) {
                let pids = holders.pids_by_inode.entry(inode).or_default();
                // A process may hold one socket under several fds (dup).
                if pids.last() != Some(&pid) {
                    pids.push(pid);
                }
            }
        }
    }
    for pids in holders.pids_by_inode.values_mut() {
        pids.sort_unstable();
        pids.dedup();
    }
    holders
}

fn parse_pid(name: &[u8]) -> Option<u32> {
    if name.is_empty() || !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(name).ok()?.parse().ok()
}

/// `socket:[12345]` -> 12345.
pub(super) fn socket_inode(link: &[u8]) -> Option<u64> {
    let digits = link.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_inode_reads_only_socket_links() {
        assert_eq!(socket_inode(b"socket:[12345]"), Some(12345));
        assert_eq!(socket_inode(b"pipe:[12345]"), None);
        assert_eq!(socket_inode(b"/dev/null"), None);
        assert_eq!(socket_inode(b"socket:[]"), None);
    }

    #[test]
    fn parse_pid_takes_only_numeric_entries() {
        assert_eq!(parse_pid(b"1234"), Some(1234));
        assert_eq!(parse_pid(b"self"), None);
        assert_eq!(parse_pid(b""), None);
    }
}
