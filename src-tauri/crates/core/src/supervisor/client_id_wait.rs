//! After error 326 (another connection holds our client id) the supervisor stops retrying at once and
//! waits for the holder to leave instead of fighting it on a timer. It notes the connections to the
//! Gateway's port that exist at the 326 (leaving out our own worker's); the holder is one of them. When one
//! of those disappears, the holder may have gone: the supervisor tries once by itself. If none was visible
//! (the holder runs on another computer), nothing is tried until the user acts.

use std::collections::BTreeSet;

use serde::Serialize;
use ts_rs::TS;

/// What the UI shows while the supervisor waits for a client id to be freed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ClientIdWait {
    /// The client id another connection holds.
    pub client_id: i32,
    /// Connections to the Gateway's port from this computer that were open at the refusal and still are;
    /// 0 means the holder is not visible here, so Gateway Doctor will not try again by itself.
    pub watched_connections: u32,
}

/// The connections being watched.
#[derive(Debug, Clone)]
pub(crate) struct HolderWatch {
    pub client_id: i32,
    watched: BTreeSet<u64>,
}

impl HolderWatch {
    pub fn new(client_id: i32, watched: BTreeSet<u64>) -> HolderWatch {
        HolderWatch { client_id, watched }
    }

    /// True when a connection open at the refusal is gone from `live` (the connections open now).
    pub fn holder_left(&self, live: &BTreeSet<u64>) -> bool {
        self.watched.iter().any(|inode| !live.contains(inode))
    }

    pub fn published(&self) -> ClientIdWait {
        ClientIdWait {
            client_id: self.client_id,
            watched_connections: u32::try_from(self.watched.len()).unwrap_or(u32::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_connection_that_was_there_at_the_refusal_leaving_counts() {
        let watch = HolderWatch::new(5, [10, 11].into());
        assert!(!watch.holder_left(&[10, 11].into()));
        assert!(
            !watch.holder_left(&[10, 11, 12].into()),
            "a newcomer is not the holder leaving"
        );
        assert!(watch.holder_left(&[11, 12].into()));
        let nothing_seen = HolderWatch::new(5, BTreeSet::new());
        assert!(!nothing_seen.holder_left(&BTreeSet::new()));
        assert_eq!(nothing_seen.published().watched_connections, 0);
    }
}
