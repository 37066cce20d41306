//! The TCP table through netstat2 (GetExtendedTcpTable with owning pids, IPv4 and IPv6), kept to the
//! sockets on the wanted ports in the three states that matter. One call lists the whole machine; no
//! process is opened.

use std::collections::HashSet;
use std::io;
use std::net::SocketAddr;

use netstat2::{AddressFamilyFlags, ProtocolFlags, ProtocolSocketInfo, iterate_sockets_info};

use super::rows::{TableRow, holders, raw_socket};
use crate::sockets::error::SocketError;
use crate::sockets::netstat::tcp_state;
use crate::sockets::sys::Holders;
use crate::sockets::table::RawSocket;

/// TCP sockets with one of `ports` at either end, in LISTEN, ESTABLISHED or CLOSE_WAIT.
pub(crate) fn port_sockets(ports: &[u16]) -> Result<Vec<RawSocket>, SocketError> {
    Ok(rows(ports)?.iter().map(raw_socket).collect())
}

/// Which processes hold `keys`: the table is read again (a cheap call) and each row's owner taken.
pub(crate) fn socket_holders(keys: &HashSet<u64>) -> Holders {
    if keys.is_empty() {
        return Holders::default();
    }
    // A table that cannot be read now shows no holder: nothing is then ended.
    rows(&[]).map_or_else(|_| Holders::default(), |rows| holders(&rows, keys))
}

/// Whether `pid` owns one of `keys` right now.
pub(crate) fn holds_any_socket(pid: u32, keys: &[u64]) -> io::Result<bool> {
    let rows = rows(&[]).map_err(|e| match e {
        SocketError::SocketTable { source } => source,
        other => io::Error::other(other.to_string()),
    })?;
    Ok(rows
        .iter()
        .any(|r| r.owner_pid == pid && keys.contains(&raw_socket(r).inode)))
}

/// The table's rows in the three states; only those touching `ports` unless `ports` is empty.
fn rows(ports: &[u16]) -> Result<Vec<TableRow>, SocketError> {
    let families = AddressFamilyFlags::IPV4 | AddressFamilyFlags::IPV6;
    let sockets = iterate_sockets_info(families, ProtocolFlags::TCP).map_err(SocketError::from)?;
    let mut out = Vec::new();
    for info in sockets {
        let info = info.map_err(SocketError::from)?;
        let ProtocolSocketInfo::Tcp(tcp) = &info.protocol_socket_info else {
            continue;
        };
        if !ports.is_empty()
            && !ports.contains(&tcp.local_port)
            && !ports.contains(&tcp.remote_port)
        {
            continue;
        }
        let Some(state) = tcp_state(tcp.state) else {
            continue;
        };
        out.push(TableRow {
            local: SocketAddr::new(tcp.local_addr, tcp.local_port),
            remote: SocketAddr::new(tcp.remote_addr, tcp.remote_port),
            state,
            // GetExtendedTcpTable names exactly one owner per row.
            owner_pid: info.associated_pids.first().copied().unwrap_or(0),
            ipv6: tcp.local_addr.is_ipv6(),
        });
    }
    Ok(out)
}
