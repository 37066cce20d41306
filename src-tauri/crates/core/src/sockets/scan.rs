//! The scans. [`scan_listener`] looks at the port's listener alone, which the kernel answers without walking
//! its connections: the cheapest check, for polling whether the Gateway listens and whether it restarted.
//! [`scan_quick`] is phase 1 alone (one socket-table query, with the listener's accept queue): it also
//! counts the connections. [`scan`] adds phase 2 when phase 1 found anything: the holder
//! pids of those sockets and the details of just those processes. A zombie holder has a live session when
//! it also holds a working connection to the port or to another API port ([`API_PORTS`]) of the same
//! Gateway host.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use gateway_proto::{
    ListenerSocket, PortScan, ProcessInfo, QuickScan, SocketEntry, ZombieSide, ZombieSocket,
};

use super::error::SocketError;
use super::platform;
use super::sys::Holders;
use super::table::{API_PORTS, PortSockets, RawSocket, classify, same_gateway_host};

/// The listener on the port, looked at alone (no connection is counted, no process looked at).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListenerLook {
    /// How many sockets listen on the port (IPv4 and IPv6 listeners count separately).
    pub listeners: u32,
    /// Kernel inode of the first listening socket: a new one means the Gateway restarted.
    pub listener_inode: Option<u64>,
    /// Connections waiting in the first listener's accept queue.
    pub accept_queue: Option<u32>,
}

/// Whether anything listens on `port`, and which socket: [`scan_quick`]'s listener fields at a fraction of
/// its cost where the OS can be asked for listeners alone (Linux).
pub fn scan_listener(port: u16) -> Result<ListenerLook, SocketError> {
    let sockets = classify(port, &[], listening_sockets(&[port])?);
    let first = sockets.listeners.first();
    Ok(ListenerLook {
        listeners: count(&sockets.listeners),
        listener_inode: first.map(|l| l.inode),
        accept_queue: first.and_then(platform::accept_queue),
    })
}

#[cfg(target_os = "linux")]
use platform::listening_sockets;

/// Elsewhere the table comes whole: its listeners.
#[cfg(not(target_os = "linux"))]
fn listening_sockets(ports: &[u16]) -> Result<Vec<RawSocket>, SocketError> {
    let mut sockets = platform::port_sockets(ports)?;
    sockets.retain(|s| s.state == gateway_proto::TcpState::Listen);
    Ok(sockets)
}

/// Phase 1 only: counts, the listener's accept queue and inode; no process is looked at.
pub fn scan_quick(port: u16) -> Result<QuickScan, SocketError> {
    let started = Instant::now();
    let sockets = classify(port, &[], platform::port_sockets(&[port])?);
    let first_listener = sockets.listeners.first();
    Ok(QuickScan {
        port,
        listeners: count(&sockets.listeners),
        accept_queue: first_listener.and_then(platform::accept_queue),
        listener_inode: first_listener.map(|l| l.inode),
        client_zombies: count(&sockets.client_zombies),
        gateway_zombies: count(&sockets.gateway_zombies),
        live_sessions: count(&sockets.live_sessions),
        took_ms: elapsed_ms(started),
    })
}

/// The kernel inodes of the ESTABLISHED client ends of connections to `port` (the programs connected to
/// the Gateway), leaving out those `except_pid` holds (our own worker's). A connection that leaves this set
/// has ended. Walks /proc only when `except_pid` is given and something is connected.
pub fn live_session_inodes(
    port: u16,
    except_pid: Option<u32>,
) -> Result<BTreeSet<u64>, SocketError> {
    let sockets = classify(port, &[], platform::port_sockets(&[port])?);
    let mut inodes: BTreeSet<u64> = sockets
        .live_sessions
        .iter()
        .map(|s| s.inode)
        .filter(|&i| i != 0)
        .collect();
    if let Some(pid) = except_pid
        && !inodes.is_empty()
    {
        let holders = platform::socket_holders(&inodes.iter().copied().collect());
        inodes.retain(|i| {
            !holders
                .pids_by_inode
                .get(i)
                .is_some_and(|pids| pids.contains(&pid))
        });
    }
    Ok(inodes)
}

/// Phase 1, then (only if it found something) phase 2: who holds each socket, and those processes' details.
/// The listener's holders are marked `is_gateway`; a client-zombie holder that also holds a live session to
/// the port (or to another of the default API ports on the same host) is marked `has_live_session`.
pub fn scan(port: u16) -> Result<PortScan, SocketError> {
    scan_with_api_ports(port, &API_PORTS)
}

/// [`scan`] with another list of the host's API ports (the scanned port always counts): a test cannot own
/// 4001 on a shared machine, so it names the port of a second simulator instead.
pub fn scan_with_api_ports(port: u16, api_ports: &[u16]) -> Result<PortScan, SocketError> {
    let started = Instant::now();
    let mut ports = vec![port];
    ports.extend(api_ports.iter().copied().filter(|&p| p != port));
    let sockets = classify(port, &ports[1..], platform::port_sockets(&ports)?);
    let holders = if sockets.is_empty() {
        Holders::default()
    } else {
        // Inode 0: a connection still in the accept queue, which no process holds yet.
        let inodes: HashSet<u64> = sockets.inodes().filter(|&i| i != 0).collect();
        platform::socket_holders(&inodes)
    };
    let (processes, unreadable) = processes(&sockets, &holders);
    let entry = |s: &RawSocket| socket_entry(s, &holders);
    let zombie = |side: ZombieSide, s: &RawSocket| ZombieSocket {
        side,
        socket: entry(s),
    };
    let zombies = (sockets.client_zombies.iter())
        .map(|s| zombie(ZombieSide::Client, s))
        .chain((sockets.gateway_zombies.iter()).map(|s| zombie(ZombieSide::Gateway, s)))
        .collect();
    Ok(PortScan {
        port,
        listeners: sockets
            .listeners
            .iter()
            .map(|l| ListenerSocket {
                socket: entry(l),
                accept_queue: platform::accept_queue(l),
            })
            .collect(),
        zombies,
        live_sessions: sockets.live_sessions.iter().map(entry).collect(),
        processes,
        unreadable_processes: holders.unreadable + unreadable,
        scanned_at_ms: unix_ms(),
        took_ms: elapsed_ms(started),
    })
}

/// Every holder once, with its role flags; also how many holders' details could not be read.
fn processes(sockets: &PortSockets, holders: &Holders) -> (Vec<ProcessInfo>, u32) {
    let pids_of = |list: &[RawSocket]| -> BTreeSet<u32> {
        list.iter()
            .filter_map(|s| holders.pids_by_inode.get(&s.inode))
            .flatten()
            .copied()
            .collect()
    };
    let gateway = pids_of(&sockets.listeners);
    let live = pids_of(&sockets.live_sessions);
    let client_zombie_holders = pids_of(&sockets.client_zombies);
    let live_elsewhere = live_on_other_ports(sockets, holders);
    // The other ports' session holders matter only as zombie holders; they are not the port's processes.
    let all: BTreeSet<u32> = client_zombie_holders
        .iter()
        .chain(&gateway)
        .chain(&live)
        .chain(&pids_of(&sockets.gateway_zombies))
        .copied()
        .collect();
    let mut users = HashMap::new();
    let mut out = Vec::with_capacity(all.len());
    let mut unreadable = 0;
    for pid in all {
        let mut info = match platform::process_info(pid, &mut users) {
            Ok(Some(info)) => info,
            // Exited since the fd walk: it holds nothing any more.
            Ok(None) => continue,
            // Its sockets still list the pid; without details cleanup will not touch it.
            Err(_) => {
                unreadable += 1;
                continue;
            }
        };
        info.is_gateway = gateway.contains(&pid);
        info.has_live_session = client_zombie_holders.contains(&pid)
            && (live.contains(&pid) || live_elsewhere.contains(&pid));
        out.push(info);
    }
    (out, unreadable)
}

/// Holders of a client zombie that also hold a working connection to another API port of the same host.
fn live_on_other_ports(sockets: &PortSockets, holders: &Holders) -> BTreeSet<u32> {
    let pids = |s: &RawSocket| {
        holders
            .pids_by_inode
            .get(&s.inode)
            .cloned()
            .unwrap_or_default()
    };
    let mut out = BTreeSet::new();
    for zombie in &sockets.client_zombies {
        let zombie_pids = pids(zombie);
        for session in &sockets.other_api_sessions {
            if same_gateway_host(zombie, session) {
                out.extend(
                    pids(session)
                        .into_iter()
                        .filter(|p| zombie_pids.contains(p)),
                );
            }
        }
    }
    out
}

fn socket_entry(socket: &RawSocket, holders: &Holders) -> SocketEntry {
    SocketEntry {
        local_addr: socket.local.ip().to_string(),
        local_port: socket.local.port(),
        remote_addr: socket.remote.ip().to_string(),
        remote_port: socket.remote.port(),
        state: socket.state,
        inode: socket.inode,
        uid: socket.uid,
        pids: holders
            .pids_by_inode
            .get(&socket.inode)
            .cloned()
            .unwrap_or_default(),
    }
}

fn count(list: &[RawSocket]) -> u32 {
    u32::try_from(list.len()).unwrap_or(u32::MAX)
}

fn elapsed_ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
