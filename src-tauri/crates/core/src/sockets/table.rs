//! Sorting the kernel's TCP table into what matters for one port. Pure logic, so the rules are unit-tested
//! without sockets: a listener has the port as local port; a CLOSE_WAIT with the port as REMOTE port is a
//! client zombie (the Gateway closed, the local program never did) and with it as LOCAL port a Gateway-side
//! zombie; an ESTABLISHED socket with the port as remote port is the client end of a live session (its
//! Gateway end, local port = the port, would count every session twice, so it is left out). ESTABLISHED
//! client ends to the host's other API ports are kept apart: a zombie holder with one of those to the same
//! Gateway host has a working session too.

use std::net::{IpAddr, SocketAddr};

use gateway_proto::TcpState;

/// The ports a Gateway or TWS serves the API on by default (live and paper Gateway, live and paper TWS).
/// A program with a working connection to any of them on the same host has a live session.
pub const API_PORTS: [u16; 4] = [4001, 4002, 7496, 7497];

/// One socket as the platform layer reads it, addresses already normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawSocket {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub state: TcpState,
    /// The socket's identity (see `SocketEntry::inode` for what it is on each OS).
    pub inode: u64,
    pub uid: u32,
    /// The kernel keeps it in the IPv6 table (also true for IPv4-mapped addresses).
    pub ipv6: bool,
    /// A listener's accept queue when the table read reports it (macOS); `None` where the platform reads
    /// it separately (Linux) or cannot (Windows).
    pub accept_queue: Option<u32>,
}

/// The port's sockets, sorted by role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PortSockets {
    pub listeners: Vec<RawSocket>,
    pub client_zombies: Vec<RawSocket>,
    pub gateway_zombies: Vec<RawSocket>,
    pub live_sessions: Vec<RawSocket>,
    /// ESTABLISHED client ends to the other API ports (not the scanned port).
    pub other_api_sessions: Vec<RawSocket>,
}

impl PortSockets {
    pub fn is_empty(&self) -> bool {
        self.listeners.is_empty()
            && self.client_zombies.is_empty()
            && self.gateway_zombies.is_empty()
            && self.live_sessions.is_empty()
    }

    /// Every inode in the table, for the holder scan. The other API ports' sessions only matter to tell
    /// whether a zombie holder has a working session, so they are left out when there is no client zombie.
    pub fn inodes(&self) -> impl Iterator<Item = u64> + '_ {
        let others: &[RawSocket] = if self.client_zombies.is_empty() {
            &[]
        } else {
            &self.other_api_sessions
        };
        self.listeners
            .iter()
            .chain(&self.client_zombies)
            .chain(&self.gateway_zombies)
            .chain(&self.live_sessions)
            .chain(others)
            .map(|s| s.inode)
    }
}

/// Keeps the sockets that matter for `port` and sorts them by role; `other_ports` are the host's other API
/// ports, whose ESTABLISHED client ends go to `other_api_sessions`.
pub(crate) fn classify(
    port: u16,
    other_ports: &[u16],
    sockets: impl IntoIterator<Item = RawSocket>,
) -> PortSockets {
    let mut out = PortSockets::default();
    for socket in sockets {
        let local = socket.local.port() == port;
        let remote = socket.remote.port() == port;
        let other = !remote && other_ports.contains(&socket.remote.port());
        match socket.state {
            TcpState::Listen if local => out.listeners.push(socket),
            TcpState::CloseWait if remote => out.client_zombies.push(socket),
            TcpState::CloseWait if local => out.gateway_zombies.push(socket),
            TcpState::Established if remote => out.live_sessions.push(socket),
            TcpState::Established if other && !local => out.other_api_sessions.push(socket),
            _ => {}
        }
    }
    out
}

/// Whether a session goes to the same Gateway host as a zombie: the same remote address, or both to this
/// machine (loopback or its own address).
pub(crate) fn same_gateway_host(zombie: &RawSocket, session: &RawSocket) -> bool {
    let here = |s: &RawSocket| points_here(s.local.ip(), s.remote.ip(), None);
    zombie.remote.ip() == session.remote.ip() || (here(zombie) && here(session))
}

/// `::ffff:a.b.c.d` (an IPv4 peer of a dual-stack IPv6 socket) becomes `a.b.c.d`, so one connection reads
/// the same whichever socket family the program used.
#[cfg_attr(
    not(any(target_os = "linux", target_os = "macos", windows, test)),
    allow(dead_code)
)] // the unsupported layer reads no addresses
pub(crate) fn normalise(addr: SocketAddr) -> SocketAddr {
    SocketAddr::new(addr.ip().to_canonical(), addr.port())
}

/// Whether a client zombie's remote end is a Gateway on this machine (loopback, or the machine's own
/// address: a connection to itself has the same address at both ends) or the configured Gateway host.
/// Zombies to another machine's port are that machine's business.
pub(crate) fn points_here(local: IpAddr, remote: IpAddr, host: Option<IpAddr>) -> bool {
    let remote = remote.to_canonical();
    remote.is_loopback()
        || remote == local.to_canonical()
        || host.is_some_and(|h| h.to_canonical() == remote)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sock(local: &str, remote: &str, state: TcpState, inode: u64) -> RawSocket {
        RawSocket {
            local: local.parse().expect("test address"),
            remote: remote.parse().expect("test address"),
            state,
            inode,
            uid: 1000,
            ipv6: false,
            accept_queue: None,
        }
    }

    #[test]
    fn classify_sorts_each_role_by_which_end_has_the_port() {
        let table = vec![
            sock("127.0.0.1:4002", "0.0.0.0:0", TcpState::Listen, 1),
            sock("127.0.0.1:50000", "127.0.0.1:4002", TcpState::CloseWait, 2),
            sock("127.0.0.1:4002", "127.0.0.1:50001", TcpState::CloseWait, 3),
            sock(
                "127.0.0.1:50002",
                "127.0.0.1:4002",
                TcpState::Established,
                4,
            ),
            // The Gateway's end of that live session: not counted a second time.
            sock(
                "127.0.0.1:4002",
                "127.0.0.1:50002",
                TcpState::Established,
                5,
            ),
            // Other ports, and a listener elsewhere.
            sock("127.0.0.1:50003", "127.0.0.1:7497", TcpState::CloseWait, 6),
            sock("0.0.0.0:22", "0.0.0.0:0", TcpState::Listen, 7),
        ];
        let sorted = classify(4002, &API_PORTS, table);
        let inodes = |v: &[RawSocket]| v.iter().map(|s| s.inode).collect::<Vec<_>>();
        assert_eq!(inodes(&sorted.listeners), [1]);
        assert_eq!(inodes(&sorted.client_zombies), [2]);
        assert_eq!(inodes(&sorted.gateway_zombies), [3]);
        assert_eq!(inodes(&sorted.live_sessions), [4]);
        assert_eq!(sorted.inodes().count(), 4);
        assert!(sorted.other_api_sessions.is_empty());
    }

    #[test]
    fn sessions_to_the_other_api_ports_are_kept_apart() {
        let table = vec![
            sock("127.0.0.1:50000", "127.0.0.1:4002", TcpState::CloseWait, 2),
            sock(
                "127.0.0.1:50001",
                "127.0.0.1:4001",
                TcpState::Established,
                3,
            ),
            sock(
                "127.0.0.1:50002",
                "127.0.0.1:7497",
                TcpState::Established,
                4,
            ),
            // Not an API port; and a zombie to another API port is not a working session.
            sock(
                "127.0.0.1:50003",
                "127.0.0.1:8080",
                TcpState::Established,
                5,
            ),
            sock("127.0.0.1:50004", "127.0.0.1:7496", TcpState::CloseWait, 6),
        ];
        let sorted = classify(4002, &API_PORTS, table);
        let inodes = |v: &[RawSocket]| v.iter().map(|s| s.inode).collect::<Vec<_>>();
        assert_eq!(inodes(&sorted.other_api_sessions), [3, 4]);
        assert_eq!(inodes(&sorted.client_zombies), [2]);
        assert!(sorted.live_sessions.is_empty());
        assert_eq!(sorted.inodes().count(), 3);
        // Without a client zombie the other ports' holders need not be looked up.
        let alone = classify(
            4002,
            &API_PORTS,
            vec![sock(
                "127.0.0.1:50001",
                "127.0.0.1:4001",
                TcpState::Established,
                3,
            )],
        );
        assert!(alone.is_empty());
        assert_eq!(alone.inodes().count(), 0);
    }

    #[test]
    fn same_gateway_host_matches_the_remote_address_or_this_machine() {
        let zombie = sock("127.0.0.1:50000", "127.0.0.1:4002", TcpState::CloseWait, 1);
        let local = sock(
            "127.0.0.1:50001",
            "127.0.0.1:4001",
            TcpState::Established,
            2,
        );
        let v6 = sock("[::1]:50001", "[::1]:4001", TcpState::Established, 3);
        let away = sock("10.0.0.5:50001", "10.0.0.9:4001", TcpState::Established, 4);
        assert!(same_gateway_host(&zombie, &local));
        assert!(same_gateway_host(&zombie, &v6));
        assert!(!same_gateway_host(&zombie, &away));
        let remote_zombie = sock("10.0.0.5:50000", "10.0.0.9:4002", TcpState::CloseWait, 5);
        assert!(same_gateway_host(&remote_zombie, &away));
        assert!(!same_gateway_host(&remote_zombie, &local));
    }

    #[test]
    fn classify_of_an_empty_port_is_empty() {
        let table = vec![sock("0.0.0.0:22", "0.0.0.0:0", TcpState::Listen, 7)];
        assert!(classify(4002, &API_PORTS, table).is_empty());
    }

    #[test]
    fn normalise_turns_ipv4_mapped_addresses_into_ipv4() {
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:4002".parse().expect("address");
        assert_eq!(
            normalise(mapped),
            "127.0.0.1:4002".parse().expect("address")
        );
        let v6: SocketAddr = "[::1]:4002".parse().expect("address");
        assert_eq!(normalise(v6), v6);
    }

    #[test]
    fn points_here_accepts_loopback_own_address_and_configured_host_only() {
        let ip = |s: &str| -> IpAddr { s.parse().expect("test ip") };
        assert!(points_here(ip("127.0.0.1"), ip("127.0.0.1"), None));
        assert!(points_here(ip("::1"), ip("::1"), None));
        // A connection to this machine's own LAN address has that address at both ends.
        assert!(points_here(ip("192.168.1.5"), ip("192.168.1.5"), None));
        assert!(!points_here(ip("192.168.1.5"), ip("192.168.1.9"), None));
        assert!(points_here(
            ip("192.168.1.5"),
            ip("192.168.1.9"),
            Some(ip("192.168.1.9"))
        ));
        assert!(points_here(
            ip("192.168.1.5"),
            ip("192.168.1.9"),
            Some(ip("::ffff:192.168.1.9"))
        ));
    }
}
