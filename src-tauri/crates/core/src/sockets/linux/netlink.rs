//! Phase 1: netlink sock_diag dumps of the TCP table, IPv4 and IPv6, keeping the sockets on the port in the
//! three states that matter. Costs about the same with 80 or 2,000 processes, because no process is looked
//! at (the measured timings are in docs/FACTS.md). A dump that asks for connections makes the kernel walk
//! its whole connection hash table, empty buckets too, which it sizes by the machine's memory: a few
//! milliseconds each on a large machine, whatever few sockets it holds. A dump of listeners alone skips that
//! table, so [`listening_sockets`] is what a frequent check of the listener uses. A listener's accept-queue
//! length comes in the same answer (idiag_rqueue of a LISTEN socket is its sk_ack_backlog).

use std::io;
use std::net::SocketAddr;

use gateway_proto::TcpState;
use netlink_packet_core::{
    NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_sock_diag::SockDiagMessage;
use netlink_packet_sock_diag::constants::{AF_INET, AF_INET6, IPPROTO_TCP};
use netlink_packet_sock_diag::inet::{
    ExtensionFlags, InetRequest, InetResponseHeader, SocketId, StateFlags,
};
use netlink_sys::protocols::NETLINK_SOCK_DIAG;
use netlink_sys::{Socket, SocketAddr as NetlinkAddr};

use crate::sockets::error::SocketError;
use crate::sockets::table::{RawSocket, normalise};

/// Room for one read of the dump (the kernel fills up to a page or two per read).
const RECEIVE_BYTES: usize = 32 * 1024;

/// TCP sockets with one of `ports` at either end, in LISTEN, ESTABLISHED or CLOSE_WAIT.
pub(crate) fn port_sockets(ports: &[u16]) -> Result<Vec<RawSocket>, SocketError> {
    sockets(
        ports,
        StateFlags::LISTEN | StateFlags::ESTABLISHED | StateFlags::CLOSE_WAIT,
    )
}

/// The sockets listening on one of `ports`: a dump the kernel answers from its listeners alone.
pub(crate) fn listening_sockets(ports: &[u16]) -> Result<Vec<RawSocket>, SocketError> {
    sockets(ports, StateFlags::LISTEN)
}

fn sockets(ports: &[u16], states: StateFlags) -> Result<Vec<RawSocket>, SocketError> {
    let mut out = Vec::new();
    for family in [AF_INET, AF_INET6] {
        dump(family, states, |header| {
            let id = &header.socket_id;
            if !ports.contains(&id.source_port) && !ports.contains(&id.destination_port) {
                return;
            }
            let Some(state) = tcp_state(header.state) else {
                return;
            };
            out.push(RawSocket {
                local: normalise(SocketAddr::new(id.source_address, id.source_port)),
                remote: normalise(SocketAddr::new(id.destination_address, id.destination_port)),
                state,
                inode: u64::from(header.inode),
                uid: header.uid,
                ipv6: family == AF_INET6,
                accept_queue: (state == TcpState::Listen).then_some(header.recv_queue),
            });
        })
        .map_err(|source| SocketError::SocketTable { source })?;
    }
    Ok(out)
}

/// The kernel's TCP state number (include/net/tcp_states.h) in the three states kept.
fn tcp_state(kernel: u8) -> Option<TcpState> {
    match kernel {
        1 => Some(TcpState::Established),
        8 => Some(TcpState::CloseWait),
        10 => Some(TcpState::Listen),
        _ => None,
    }
}

/// One sock_diag dump of `family`'s TCP sockets in `states`, each answer's header handed to `each`.
fn dump(
    family: u8,
    states: StateFlags,
    mut each: impl FnMut(&InetResponseHeader),
) -> io::Result<()> {
    let mut socket = Socket::new(NETLINK_SOCK_DIAG)?;
    socket.bind_auto()?;
    socket.connect(&NetlinkAddr::new(0, 0))?;
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    let socket_id = if family == AF_INET6 {
        SocketId::new_v6()
    } else {
        SocketId::new_v4()
    };
    let mut request = NetlinkMessage::new(
        header,
        SockDiagMessage::InetRequest(InetRequest {
            family,
            protocol: IPPROTO_TCP,
            extensions: ExtensionFlags::empty(),
            states,
            socket_id,
        })
        .into(),
    );
    request.finalize();
    let mut bytes = vec![0; request.buffer_len()];
    request.serialize(&mut bytes);
    socket.send(&bytes, 0)?;
    let mut buffer = vec![0u8; RECEIVE_BYTES];
    loop {
        let size = socket.recv(&mut &mut buffer[..], 0)?;
        if size == 0 {
            return Err(io::Error::other("the socket table's answer ended early"));
        }
        let mut offset = 0;
        while offset < size {
            let message: NetlinkMessage<SockDiagMessage> =
                NetlinkMessage::deserialize(&buffer[offset..size])
                    .map_err(|e| io::Error::other(format!("unreadable socket table: {e}")))?;
            let length = message.header.length as usize;
            match message.payload {
                NetlinkPayload::Done(_) => return Ok(()),
                NetlinkPayload::Error(e) => {
                    return Err(e.code.map_or_else(
                        || io::Error::other("socket table error"),
                        |code| io::Error::from_raw_os_error(-code.get()),
                    ));
                }
                NetlinkPayload::InnerMessage(SockDiagMessage::InetResponse(response)) => {
                    each(&response.header);
                }
                _ => {}
            }
            if length == 0 {
                return Err(io::Error::other("the socket table's answer is malformed"));
            }
            // Messages are 4-byte aligned in the buffer.
            offset += (length + 3) & !3;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;

    #[test]
    fn a_listener_is_found_by_the_listeners_only_dump_with_its_accept_queue() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let _waiting: Vec<_> = (0..2)
            .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect"))
            .collect();
        let found = listening_sockets(&[port]).expect("the table");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].state, TcpState::Listen);
        assert_eq!(
            found[0].accept_queue,
            Some(2),
            "two connections not accepted yet"
        );
        let all = port_sockets(&[port]).expect("the table");
        assert_eq!(
            all.iter()
                .filter(|s| s.state == TcpState::Established)
                .count(),
            4,
            "both ends of both connections: {all:?}"
        );
        assert_eq!(
            all.iter()
                .find(|s| s.state == TcpState::Listen)
                .map(|s| s.inode),
            Some(found[0].inode)
        );
    }
}
