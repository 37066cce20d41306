//! Windows' TCP table rows (GetExtendedTcpTable: addresses, state, owning pid) turned into what the
//! platform-free logic reads. Pure, so it is compiled and tested on every OS with rows as Windows returns
//! them.
//!
//! Windows gives a socket no identity of its own (no inode), yet scans, the user's confirmation and the
//! cleanup's "still holds it" check name sockets by one number. A TCP connection is unique in the machine's
//! table by its two ends, so the key is FNV-1a (64 bit, a fixed published algorithm: the same on every run
//! and every machine, unlike std's randomly seeded hasher) over the table family and both normalised
//! addresses and ports. The state is left out on purpose: a connection keeps its key when it goes from
//! ESTABLISHED to CLOSE_WAIT. 0 means "no socket" elsewhere, so a key of 0 becomes 1.
//!
//! The owning pid is the only holder Windows reports. Pid 0 (System Idle) and 4 (System) are not programs
//! anyone can end, and Wine reports 0 for every row: such a row has no visible holder (its pids list stays
//! empty, and it counts as one holder that could not be seen).

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};

use gateway_proto::{NO_UID, TcpState};

use crate::sockets::sys::Holders;
use crate::sockets::table::{RawSocket, normalise};

/// System Idle (0) and System (4): owners no program can end, and never shown as a holder.
pub(crate) const SYSTEM_PIDS: &[u32] = &[0, 4];

/// 1601-01-01 to 1970-01-01 in milliseconds: FILETIME's epoch to Unix's.
const FILETIME_UNIX_EPOCH_MS: i64 = 11_644_473_600_000;

/// One row of the TCP table, already filtered to the states the scan reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableRow {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub state: TcpState,
    pub owner_pid: u32,
    /// From the IPv6 table.
    pub ipv6: bool,
}

/// The row as the scan reads it: normalised addresses and the connection's key as its inode.
pub(crate) fn raw_socket(row: &TableRow) -> RawSocket {
    let local = normalise(row.local);
    let remote = normalise(row.remote);
    RawSocket {
        local,
        remote,
        state: row.state,
        inode: socket_key(local, remote, row.ipv6),
        uid: NO_UID,
        ipv6: row.ipv6,
        accept_queue: None,
    }
}

/// The pid of a row's owner when it is a program that can be looked at; `None` for System Idle / System
/// (and Wine's 0).
pub(crate) fn visible_owner(pid: u32) -> Option<u32> {
    (!SYSTEM_PIDS.contains(&pid)).then_some(pid)
}

/// The holders of the sockets whose keys are in `keys`, from the rows' owners. A matching row without a
/// visible owner counts as one holder that could not be seen.
pub(crate) fn holders(rows: &[TableRow], keys: &HashSet<u64>) -> Holders {
    let mut out = Holders::default();
    for row in rows {
        let key = raw_socket(row).inode;
        if !keys.contains(&key) {
            continue;
        }
        match visible_owner(row.owner_pid) {
            Some(pid) => {
                let pids = out.pids_by_inode.entry(key).or_default();
                if !pids.contains(&pid) {
                    pids.push(pid);
                    pids.sort_unstable();
                }
            }
            None => out.unreadable = out.unreadable.saturating_add(1),
        }
    }
    out
}

/// The 64-bit FNV-1a key of a connection: table family, then each end's address (16 bytes, IPv4 as
/// IPv4-mapped IPv6) and port (big-endian). Never 0.
pub(crate) fn socket_key(local: SocketAddr, remote: SocketAddr, ipv6: bool) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut bytes = Vec::with_capacity(37);
    bytes.push(if ipv6 { 6 } else { 4 });
    for end in [local, remote] {
        let octets = match end.ip() {
            IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
            IpAddr::V6(v6) => v6.octets(),
        };
        bytes.extend_from_slice(&octets);
        bytes.extend_from_slice(&end.port().to_be_bytes());
    }
    let hash = bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME));
    if hash == 0 { 1 } else { hash }
}

/// A FILETIME (100 ns units since 1601) as Unix ms; times before 1970 read as negative.
pub(crate) fn filetime_to_unix_ms(filetime: u64) -> i64 {
    i64::try_from(filetime / 10_000)
        .unwrap_or(i64::MAX)
        .saturating_sub(FILETIME_UNIX_EPOCH_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(local: &str, remote: &str, state: TcpState, pid: u32) -> TableRow {
        let local: SocketAddr = local.parse().expect("test address");
        TableRow {
            ipv6: local.is_ipv6(),
            local,
            remote: remote.parse().expect("test address"),
            state,
            owner_pid: pid,
        }
    }

    /// Rows as GetExtendedTcpTable returns them for a Gateway on 4002 with one live and one stale client
    /// (IPv4 table), plus the IPv6 listener.
    fn recorded() -> Vec<TableRow> {
        vec![
            row("0.0.0.0:4002", "0.0.0.0:0", TcpState::Listen, 7312),
            row("[::]:4002", "[::]:0", TcpState::Listen, 7312),
            row(
                "127.0.0.1:4002",
                "127.0.0.1:53710",
                TcpState::Established,
                7312,
            ),
            row(
                "127.0.0.1:53710",
                "127.0.0.1:4002",
                TcpState::Established,
                9120,
            ),
            row(
                "127.0.0.1:53711",
                "127.0.0.1:4002",
                TcpState::CloseWait,
                10044,
            ),
        ]
    }

    #[test]
    fn every_row_gets_a_distinct_nonzero_key_that_does_not_depend_on_the_run() {
        let keys: Vec<u64> = recorded().iter().map(|r| raw_socket(r).inode).collect();
        assert!(keys.iter().all(|k| *k != 0));
        let distinct: HashSet<u64> = keys.iter().copied().collect();
        assert_eq!(distinct.len(), keys.len());
        // Pinned: the key of a connection is the same in every scan, program and version.
        let zombie = &recorded()[4];
        assert_eq!(
            socket_key(zombie.local, zombie.remote, false),
            socket_key(
                "127.0.0.1:53711".parse().expect("address"),
                "127.0.0.1:4002".parse().expect("address"),
                false
            )
        );
        // Computed independently with the published FNV-1a parameters over the same 37 bytes.
        assert_eq!(raw_socket(zombie).inode, 0xfa80_7755_7853_fc1e);
    }

    #[test]
    fn the_key_follows_the_connection_not_its_state() {
        let live = row(
            "127.0.0.1:53710",
            "127.0.0.1:4002",
            TcpState::Established,
            9120,
        );
        let stale = TableRow {
            state: TcpState::CloseWait,
            ..live.clone()
        };
        assert_eq!(raw_socket(&live).inode, raw_socket(&stale).inode);
        // The two ends of one connection are two sockets.
        let other_end = row(
            "127.0.0.1:4002",
            "127.0.0.1:53710",
            TcpState::Established,
            7312,
        );
        assert_ne!(raw_socket(&live).inode, raw_socket(&other_end).inode);
    }

    #[test]
    fn mapped_addresses_are_normalised_and_the_socket_has_no_uid() {
        let dual = row(
            "[::ffff:127.0.0.1]:53712",
            "[::ffff:127.0.0.1]:4002",
            TcpState::CloseWait,
            1,
        );
        let raw = raw_socket(&dual);
        assert_eq!(raw.local, "127.0.0.1:53712".parse().expect("address"));
        assert_eq!(raw.remote, "127.0.0.1:4002".parse().expect("address"));
        assert!(raw.ipv6);
        assert_eq!(raw.uid, NO_UID);
        assert_eq!(raw.accept_queue, None);
    }

    #[test]
    fn holders_come_from_the_rows_owners_and_system_owners_are_never_holders() {
        let mut rows = recorded();
        // Wine: every row owned by pid 0; Windows: a kernel-owned row.
        rows.push(row(
            "127.0.0.1:53713",
            "127.0.0.1:4002",
            TcpState::CloseWait,
            0,
        ));
        rows.push(row(
            "127.0.0.1:53714",
            "127.0.0.1:4002",
            TcpState::CloseWait,
            4,
        ));
        let keys: HashSet<u64> = rows.iter().map(|r| raw_socket(r).inode).collect();
        let found = holders(&rows, &keys);
        let of = |i: usize| {
            found
                .pids_by_inode
                .get(&raw_socket(&rows[i]).inode)
                .cloned()
        };
        assert_eq!(of(4), Some(vec![10044]));
        assert_eq!(of(0), Some(vec![7312]));
        assert_eq!(of(5), None);
        assert_eq!(of(6), None);
        assert_eq!(found.unreadable, 2);
        assert!(
            found
                .pids_by_inode
                .values()
                .flatten()
                .all(|p| *p != 0 && *p != 4)
        );
        // Only the asked-for keys.
        let one: HashSet<u64> = [raw_socket(&rows[4]).inode].into();
        assert_eq!(holders(&rows, &one).pids_by_inode.len(), 1);
    }

    #[test]
    fn filetimes_convert_to_unix_milliseconds() {
        // 2024-01-01T00:00:00Z.
        assert_eq!(
            filetime_to_unix_ms(133_485_408_000_000_000),
            1_704_067_200_000
        );
        assert_eq!(filetime_to_unix_ms(116_444_736_000_000_000), 0);
    }
}
