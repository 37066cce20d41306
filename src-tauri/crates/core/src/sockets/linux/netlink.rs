//! Phase 1: one netlink sock_diag dump of every TCP socket, IPv4 and IPv6 (netstat2 without its pid scan),
//! keeping the sockets on the port in the three states that matter. Costs about the same with 80 or 2,000
//! processes, because no process is looked at (the measured timings are in docs/FACTS.md).

use std::net::SocketAddr;

use netstat2::{
    AddressFamilyFlags, ProtocolFlags, ProtocolSocketInfo, iterate_sockets_info_without_pids,
};

use crate::sockets::error::SocketError;
use crate::sockets::netstat::tcp_state;
use crate::sockets::table::{RawSocket, normalise};

/// TCP sockets with one of `ports` at either end, in LISTEN, ESTABLISHED or CLOSE_WAIT.
pub(crate) fn port_sockets(ports: &[u16]) -> Result<Vec<RawSocket>, SocketError> {
    let families = AddressFamilyFlags::IPV4 | AddressFamilyFlags::IPV6;
    let sockets = iterate_sockets_info_without_pids(families, ProtocolFlags::TCP)
        .map_err(SocketError::from)?;
    let mut out = Vec::new();
    for info in sockets {
        let info = info.map_err(SocketError::from)?;
        let ProtocolSocketInfo::Tcp(tcp) = &info.protocol_socket_info else {
            continue;
        };
        if !ports.contains(&tcp.local_port) && !ports.contains(&tcp.remote_port) {
            continue;
        }
        let Some(state) = tcp_state(tcp.state) else {
            continue;
        };
        out.push(RawSocket {
            local: normalise(SocketAddr::new(tcp.local_addr, tcp.local_port)),
            remote: normalise(SocketAddr::new(tcp.remote_addr, tcp.remote_port)),
            state,
            inode: u64::from(info.inode),
            uid: info.uid,
            ipv6: tcp.local_addr.is_ipv6(),
            // Read from /proc/net/tcp* for the listener alone (accept_queue.rs).
            accept_queue: None,
        });
    }
    Ok(out)
}
