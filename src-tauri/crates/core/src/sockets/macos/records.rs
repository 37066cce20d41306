//! macOS's records of a TCP socket (proc_pidfdinfo's socket_fdinfo) and of a process (proc_bsdinfo), as
//! plain values, turned into what the platform-free logic reads. Pure, so it is compiled and tested on
//! every OS with records as macOS returns them.
//!
//! A socket's identity is its kernel address (`soi_so`): every process holding the socket (after a fork or
//! descriptor passing) sees the same one, as Linux's inode. Ports come in network byte order in the low 16
//! bits of an int; addresses in a 16-byte field where an IPv4 address takes the last 4 bytes. A process's
//! start time is kept to the microsecond (`pbi_start_tvsec` and `pbi_start_tvusec`), as microseconds since
//! the Unix epoch: precise enough to tell a process from one that reused its pid.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use gateway_proto::TcpState;

use crate::sockets::sys::LiveIdentity;
use crate::sockets::table::{RawSocket, normalise};

/// `insi_vflag` bits (netinet/in_pcb.h): which family the socket speaks.
const INI_IPV4: u8 = 0x1;
const INI_IPV6: u8 = 0x2;
/// `tcpsi_state` values (TSI_S_*) the scan reports.
const TSI_S_LISTEN: i32 = 1;
const TSI_S_ESTABLISHED: i32 = 4;
const TSI_S_CLOSE_WAIT: i32 = 5;
/// `pbi_status` of an exited process its parent has not reaped yet.
const SZOMB: u32 = 5;

/// One TCP socket as proc_pidfdinfo(PROC_PIDFDSOCKETINFO) describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TcpRecord {
    /// `soi_so`: the kernel's address of the socket.
    pub so: u64,
    /// `insi_vflag`.
    pub vflag: u8,
    pub local_addr: [u8; 16],
    /// `insi_lport`, network byte order in the low 16 bits.
    pub local_port: i32,
    pub remote_addr: [u8; 16],
    pub remote_port: i32,
    /// `tcpsi_state`.
    pub state: i32,
    /// `soi_qlen`: connections completed and waiting to be accepted (listeners).
    pub queue: i16,
    /// `soi_stat.vst_uid`: the socket's owner.
    pub uid: u32,
}

/// A process as proc_pidinfo(PROC_PIDTBSDINFO) describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BsdRecord {
    pub pid: u32,
    pub ppid: u32,
    /// `pbi_ruid`: the real uid, the one kill(2) checks.
    pub ruid: u32,
    pub status: u32,
    /// `pbi_name` (up to 32 bytes), else `pbi_comm` (up to 16).
    pub name: String,
    pub start_sec: u64,
    pub start_usec: u64,
}

impl BsdRecord {
    /// Microseconds since the Unix epoch.
    pub fn start_micros(&self) -> u64 {
        self.start_sec
            .saturating_mul(1_000_000)
            .saturating_add(self.start_usec)
    }

    pub fn started_at_ms(&self) -> i64 {
        i64::try_from(self.start_micros() / 1000).unwrap_or(i64::MAX)
    }

    /// The identity the scan records and cleanup compares; macOS has no owner SID.
    pub fn identity(&self, cmdline: Vec<String>) -> LiveIdentity {
        LiveIdentity {
            name: self.name.clone(),
            exited: self.status == SZOMB,
            start_ticks: self.start_micros(),
            uid: self.ruid,
            owner_sid: None,
            cmdline,
        }
    }
}

/// The socket as the scan reads it; `None` in a state the scan does not report.
pub(crate) fn raw_socket(record: &TcpRecord) -> Option<RawSocket> {
    let state = match record.state {
        TSI_S_LISTEN => TcpState::Listen,
        TSI_S_ESTABLISHED => TcpState::Established,
        TSI_S_CLOSE_WAIT => TcpState::CloseWait,
        _ => return None,
    };
    let end = |addr: [u8; 16], port: i32| {
        normalise(SocketAddr::new(ip(record.vflag, addr), port_of(port)))
    };
    Some(RawSocket {
        local: end(record.local_addr, record.local_port),
        remote: end(record.remote_addr, record.remote_port),
        state,
        inode: record.so,
        uid: record.uid,
        ipv6: record.vflag & INI_IPV6 != 0,
        accept_queue: (state == TcpState::Listen).then(|| u32::try_from(record.queue).unwrap_or(0)),
    })
}

/// The port from an `insi_*port` int: network byte order in its low 16 bits.
pub(crate) fn port_of(raw: i32) -> u16 {
    let low = (raw & 0xffff) as u16;
    u16::from_be(low)
}

/// An IPv4 socket (also an IPv6 socket talking to an IPv4 peer) keeps its address in the last 4 bytes.
fn ip(vflag: u8, addr: [u8; 16]) -> IpAddr {
    if vflag & INI_IPV4 != 0 {
        IpAddr::V4(Ipv4Addr::new(addr[12], addr[13], addr[14], addr[15]))
    } else {
        IpAddr::V6(Ipv6Addr::from(addr))
    }
}

/// A C string from a fixed array (up to its first NUL).
pub(crate) fn c_name(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A port as the kernel stores it: network byte order in memory, read as a host (little-endian) int.
    fn net_port(port: u16) -> i32 {
        i32::from(u16::from_ne_bytes(port.to_be_bytes()))
    }

    fn v4(a: [u8; 4]) -> [u8; 16] {
        let mut out = [0; 16];
        out[12..].copy_from_slice(&a);
        out
    }

    /// A stale client socket of a Python bot to IB Gateway on 4002, as recorded from proc_pidfdinfo.
    fn recorded_zombie() -> TcpRecord {
        TcpRecord {
            so: 0xffff_ff80_2c1e_9a00,
            vflag: INI_IPV4,
            local_addr: v4([127, 0, 0, 1]),
            local_port: net_port(53711),
            remote_addr: v4([127, 0, 0, 1]),
            remote_port: net_port(4002),
            state: TSI_S_CLOSE_WAIT,
            queue: 0,
            uid: 501,
        }
    }

    #[test]
    fn ports_are_read_in_network_byte_order() {
        assert_eq!(port_of(net_port(4002)), 4002);
        assert_eq!(port_of(net_port(53711)), 53711);
        // On a little-endian Mac 4002 (0x0FA2) reads as 0xA20F.
        if cfg!(target_endian = "little") {
            assert_eq!(port_of(0xA20F), 4002);
        }
    }

    #[test]
    fn a_tcp_record_becomes_a_raw_socket_keyed_by_its_kernel_address() {
        let raw = raw_socket(&recorded_zombie()).expect("close_wait is reported");
        assert_eq!(raw.local, "127.0.0.1:53711".parse().expect("address"));
        assert_eq!(raw.remote, "127.0.0.1:4002".parse().expect("address"));
        assert_eq!(raw.state, TcpState::CloseWait);
        assert_eq!(raw.inode, 0xffff_ff80_2c1e_9a00);
        assert_eq!(raw.uid, 501);
        assert!(!raw.ipv6);
        assert_eq!(raw.accept_queue, None);
    }

    #[test]
    fn a_listener_carries_its_accept_queue_and_ipv6_addresses_are_read_whole() {
        let listener = TcpRecord {
            vflag: INI_IPV6,
            local_addr: Ipv6Addr::UNSPECIFIED.octets(),
            remote_addr: Ipv6Addr::UNSPECIFIED.octets(),
            local_port: net_port(4002),
            remote_port: 0,
            state: TSI_S_LISTEN,
            queue: 3,
            ..recorded_zombie()
        };
        let raw = raw_socket(&listener).expect("listen is reported");
        assert_eq!(raw.local, "[::]:4002".parse().expect("address"));
        assert!(raw.ipv6);
        assert_eq!(raw.accept_queue, Some(3));
        // A dual-stack socket talking to an IPv4 peer: flagged IPv4, address in the last 4 bytes.
        let dual = TcpRecord {
            vflag: INI_IPV4 | INI_IPV6,
            ..recorded_zombie()
        };
        let raw = raw_socket(&dual).expect("reported");
        assert_eq!(raw.remote, "127.0.0.1:4002".parse().expect("address"));
        assert!(raw.ipv6);
    }

    #[test]
    fn other_states_are_left_out() {
        for state in [0, 2, 3, 6, 7, 8, 9, 10] {
            let record = TcpRecord {
                state,
                ..recorded_zombie()
            };
            assert_eq!(raw_socket(&record), None, "state {state}");
        }
    }

    #[test]
    fn bsd_info_gives_the_identity_with_a_microsecond_start_time() {
        let bsd = BsdRecord {
            pid: 812,
            ppid: 1,
            ruid: 501,
            status: 2,
            name: "Python".into(),
            start_sec: 1_733_130_000,
            start_usec: 123_456,
        };
        let id = bsd.identity(vec!["python3".into(), "bot.py".into()]);
        assert_eq!(id.start_ticks, 1_733_130_000_123_456);
        assert_eq!(id.uid, 501);
        assert!(!id.exited);
        assert_eq!(id.owner_sid, None);
        assert_eq!(bsd.started_at_ms(), 1_733_130_000_123);
        // A process one microsecond later is another process.
        let later = BsdRecord {
            start_usec: 123_457,
            ..bsd.clone()
        };
        assert_ne!(later.start_micros(), bsd.start_micros());
        let zombie = BsdRecord {
            status: SZOMB,
            ..bsd
        };
        assert!(zombie.identity(Vec::new()).exited);
    }

    #[test]
    fn c_names_stop_at_the_first_nul() {
        assert_eq!(c_name(b"JavaApplicationS"), "JavaApplicationS");
        assert_eq!(c_name(b"python3\0\0\0garbage"), "python3");
    }
}
