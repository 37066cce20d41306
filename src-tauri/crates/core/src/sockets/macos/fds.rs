//! The TCP sockets each process holds, through libproc: proc_listpids for the pids, PROC_PIDLISTFDS for a
//! process's descriptors, PROC_PIDFDSOCKETINFO for each socket's record (records.rs turns it into the
//! scan's terms). Only one's own processes' descriptors can be listed without root; the others are counted
//! as unreadable, as on Linux. This also means another user's sockets are not seen at all on macOS (the
//! Gateway of another user, or its clients), unless Gateway Doctor runs as root.
//!
//! netstat2 is not used on macOS: its macOS build runs bindgen against the macOS SDK, which cannot be
//! built or checked from the Linux machines the project is built and checked on; libproc ships committed
//! bindings.
//!
//! The socket record holds C unions (the protocol part, the addresses); reading them is the one unsafe
//! step here, allowed on this module alone.

#![allow(unsafe_code)]

use std::collections::{HashMap, HashSet};
use std::io;

use libproc::bsd_info::BSDInfo;
use libproc::file_info::{ListFDs, ProcFDType, pidfdinfo};
use libproc::net_info::{SocketFDInfo, SocketInfoKind};
use libproc::proc_pid::{listpidinfo, pidinfo};
use libproc::processes::{ProcFilter, pids_by_type};

use super::records::TcpRecord;
use crate::sockets::sys::Holders;

/// Every TCP socket of every process whose descriptors can be read, each with the pids holding it, and
/// how many processes could not be read.
pub(crate) struct Walk {
    pub sockets: HashMap<u64, (TcpRecord, Vec<u32>)>,
    pub unreadable: u32,
}

/// Walks every process's descriptors once, keeping the TCP sockets `keep` accepts. Fails only when the
/// process list itself cannot be read.
pub(crate) fn walk(keep: impl Fn(&TcpRecord) -> bool) -> io::Result<Walk> {
    let mut out = Walk {
        sockets: HashMap::new(),
        unreadable: 0,
    };
    let pids = pids_by_type(ProcFilter::All)?;
    for pid in pids.into_iter().filter(|&p| p != 0) {
        match tcp_sockets(pid) {
            Some(records) => {
                for record in records.into_iter().filter(|r| keep(r)) {
                    let entry = out.sockets.entry(record.so).or_insert((record, Vec::new()));
                    if !entry.1.contains(&pid) {
                        entry.1.push(pid);
                    }
                }
            }
            None => out.unreadable = out.unreadable.saturating_add(1),
        }
    }
    for (_, pids) in out.sockets.values_mut() {
        pids.sort_unstable();
    }
    Ok(out)
}

/// The holders of `sockets` (kernel addresses).
pub(crate) fn holders(sockets: &HashSet<u64>) -> Holders {
    if sockets.is_empty() {
        return Holders::default();
    }
    // A process list that cannot be read shows no holder: nothing is then ended.
    let Ok(walk) = walk(|r| sockets.contains(&r.so)) else {
        return Holders::default();
    };
    Holders {
        pids_by_inode: walk
            .sockets
            .into_iter()
            .map(|(so, (_, pids))| (so, pids))
            .collect(),
        unreadable: walk.unreadable,
    }
}

/// The TCP sockets `pid` holds; `None` when its descriptors cannot be listed (another user's process
/// without root, or it exited meanwhile).
pub(crate) fn tcp_sockets(pid: u32) -> Option<Vec<TcpRecord>> {
    let raw = i32::try_from(pid).ok()?;
    let info = pidinfo::<BSDInfo>(raw, 0).ok()?;
    let fds = listpidinfo::<ListFDs>(raw, info.pbi_nfiles as usize).ok()?;
    Some(
        fds.iter()
            .filter(|fd| matches!(ProcFDType::from(fd.proc_fdtype), ProcFDType::Socket))
            // A descriptor closed since the listing is simply not there any more.
            .filter_map(|fd| pidfdinfo::<SocketFDInfo>(raw, fd.proc_fd).ok())
            .filter_map(|info| record(&info))
            .collect(),
    )
}

/// The TCP part of a socket's info; `None` for any other kind of socket.
fn record(info: &SocketFDInfo) -> Option<TcpRecord> {
    let psi = &info.psi;
    if psi.soi_kind != SocketInfoKind::Tcp as i32 {
        return None;
    }
    // SAFETY: the kernel fills `soi_proto` according to `soi_kind`, checked above to be TCP, so `pri_tcp`
    // is the member it wrote; every field is a plain integer, valid for any bits.
    let tcp = unsafe { psi.soi_proto.pri_tcp };
    let ini = tcp.tcpsi_ini;
    // SAFETY: both members of the address union are 16 bytes of plain integers; `ina_6` reads all 16
    // (an IPv4 address sits in the last 4, see records.rs).
    let (local, remote) = unsafe { (ini.insi_laddr.ina_6.s6_addr, ini.insi_faddr.ina_6.s6_addr) };
    Some(TcpRecord {
        so: psi.soi_so,
        vflag: ini.insi_vflag,
        local_addr: local,
        local_port: ini.insi_lport,
        remote_addr: remote,
        remote_port: ini.insi_fport,
        state: tcp.tcpsi_state,
        queue: psi.soi_qlen,
        uid: psi.soi_stat.vst_uid,
    })
}
