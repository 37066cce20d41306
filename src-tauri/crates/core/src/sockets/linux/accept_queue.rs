//! The listener's accept-queue length. netlink's inet_diag reports it (idiag_rqueue of a LISTEN socket),
//! but netstat2 does not pass it on, so it is read from /proc/net/tcp or /proc/net/tcp6 instead: for a LISTEN
//! socket the kernel prints sk_ack_backlog, the connections completed but not yet accepted, in the rx_queue
//! column. The kernel lists every listening socket before any other, so the read stops at the first line
//! in another state and stays cheap however many connections the machine has.

use std::fs::File;
use std::io::{BufRead, BufReader};

use crate::sockets::table::RawSocket;

/// `st` of a LISTEN socket in /proc/net/tcp.
const LISTEN_STATE: &str = "0A";

/// The accept-queue length of `listener`, or `None` if its line was not found (it closed meanwhile).
pub(crate) fn accept_queue(listener: &RawSocket) -> Option<u32> {
    let (first, second) = if listener.ipv6 {
        ("/proc/net/tcp6", "/proc/net/tcp")
    } else {
        ("/proc/net/tcp", "/proc/net/tcp6")
    };
    queue_in(first, listener.inode).or_else(|| queue_in(second, listener.inode))
}

fn queue_in(path: &str, inode: u64) -> Option<u32> {
    let file = File::open(path).ok()?;
    // Skip the header line.
    for line in BufReader::new(file).lines().skip(1) {
        let line = line.ok()?;
        match parse_listen_line(&line) {
            Line::Listen { inode: i, queue } if i == inode => return Some(queue),
            Line::Listen { .. } => {}
            Line::Other => return None,
        }
    }
    None
}

#[derive(Debug, PartialEq, Eq)]
enum Line {
    Listen { inode: u64, queue: u32 },
    Other,
}

/// `sl local rem st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...`
fn parse_listen_line(line: &str) -> Line {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (Some(state), Some(queues), Some(inode)) = (fields.get(3), fields.get(4), fields.get(9))
    else {
        return Line::Other;
    };
    if *state != LISTEN_STATE {
        return Line::Other;
    }
    let queue = queues
        .split_once(':')
        .and_then(|(_, rx)| u32::from_str_radix(rx, 16).ok());
    match (queue, inode.parse()) {
        (Some(queue), Ok(inode)) => Line::Listen { inode, queue },
        _ => Line::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_listen_line_reads_rx_queue_as_the_accept_backlog() {
        let line = "   0: 0100007F:0FA2 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 123456 1 0000000000000000 100 0 0 10 0";
        assert_eq!(
            parse_listen_line(line),
            Line::Listen {
                inode: 123456,
                queue: 3
            }
        );
    }

    #[test]
    fn parse_listen_line_stops_at_other_states() {
        let line = "   5: 0100007F:C350 0100007F:0FA2 08 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 20 4 30 10 -1";
        assert_eq!(parse_listen_line(line), Line::Other);
    }
}
