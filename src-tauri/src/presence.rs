//! Who listens on the Gateway port, polled about once a second for the status screen, the tray and the
//! Restart Gateway checklist. Each tick is one cheap socket-table query (gateway-core's `scan_quick`), which
//! also counts the stale connections to the port (and stale.rs says whether they are growing); the
//! listener's process (pid and name) is looked up with the full `scan` only when the listening socket changes
//! (a different inode: the Gateway restarted) or the port does. The result is published in a `watch` channel
//! for `get_gateway_presence` and, on change, emitted as `gateway://presence`. Each tick also notes whether
//! an IBKR reset window is on, so the window's light and the tray's agree inside one.

use std::time::Duration;

use gateway_core::reset_window::current_window;
use gateway_core::schedule::{TimeRules, schedule};
use gateway_core::sockets::{self, QuickScan};
use tokio::sync::watch;

use crate::dto::{GatewayPresence, StaleConnections};
use crate::stale::StaleTrend;

/// The next presence from a quick scan of `port`; `true` when the listener's process must be looked up.
pub fn next(
    prev: &GatewayPresence,
    port: u16,
    quick: Option<&QuickScan>,
) -> (GatewayPresence, bool) {
    let listening = quick.is_some_and(|q| q.listeners > 0);
    let inode = quick.and_then(|q| q.listener_inode);
    let same_listener = prev.port == port && prev.listener_inode == inode;
    let mut presence = GatewayPresence {
        port,
        listening,
        listener_inode: inode,
        accept_queue: quick.and_then(|q| q.accept_queue),
        process_name: None,
        pid: None,
        reset_window: None,
        stale: quick.map(|q| StaleConnections {
            count: q.client_zombies,
            growing: false,
        }),
        schedule: None,
    };
    if same_listener {
        presence.process_name = prev.process_name.clone();
        presence.pid = prev.pid;
    }
    (presence, listening && !same_listener)
}

/// Polls `port()` every `every` and publishes each change on `publish` until every receiver is gone;
/// `rules()` gives "now" and the region and auto-restart time, for the reset window and the schedule.
pub async fn poll(
    port: impl Fn() -> u16 + Send + 'static,
    rules: impl Fn() -> (jiff::Timestamp, TimeRules) + Send + 'static,
    publish: watch::Sender<GatewayPresence>,
    every: Duration,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut warned = false;
    let mut trend = StaleTrend::default();
    loop {
        tick.tick().await;
        let port = port();
        let quick = match tokio::task::spawn_blocking(move || sockets::scan_quick(port)).await {
            Ok(Ok(quick)) => Some(quick),
            Ok(Err(e)) => {
                if !warned {
                    log::warn!("cannot read the socket table for the Gateway port: {e}");
                    warned = true;
                }
                None
            }
            Err(_) => None,
        };
        let prev = publish.borrow().clone();
        let (mut presence, look_up) = next(&prev, port, quick.as_ref());
        if look_up
            && let Ok(Ok(scan)) = tokio::task::spawn_blocking(move || sockets::scan(port)).await
        {
            let pid = scan
                .listeners
                .first()
                .and_then(|l| l.socket.pids.first().copied());
            presence.pid = pid;
            presence.process_name = scan
                .processes
                .iter()
                .find(|p| Some(p.pid) == pid)
                .map(|p| p.name.clone());
        }
        if prev.port != port {
            trend.clear();
        }
        if let Some(stale) = presence.stale.as_mut() {
            stale.growing = trend.note(std::time::Instant::now(), stale.count);
        }
        let ((now, rules), local) = (rules(), jiff::tz::TimeZone::system());
        presence.reset_window = current_window(now, rules.region, rules.auto_restart, &local);
        presence.schedule = Some(schedule(now, rules, &local));
        if presence != prev {
            publish.send_replace(presence);
        }
        if publish.is_closed() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick(inode: Option<u64>) -> QuickScan {
        QuickScan {
            port: 4002,
            listeners: u32::from(inode.is_some()),
            listener_inode: inode,
            accept_queue: inode.map(|_| 0),
            ..QuickScan::default()
        }
    }

    #[test]
    fn the_process_is_looked_up_only_when_the_listener_changes() {
        let nobody = GatewayPresence::default();
        let (first, look_up) = next(&nobody, 4002, Some(&quick(Some(7))));
        assert!(first.listening && look_up);
        let known = GatewayPresence {
            pid: Some(99),
            reset_window: None,
            process_name: Some("java".into()),
            ..first
        };
        let (same, look_up) = next(&known, 4002, Some(&quick(Some(7))));
        assert!(!look_up);
        assert_eq!(same, known, "unchanged: nothing to emit");
        let (restarted, look_up) = next(&known, 4002, Some(&quick(Some(8))));
        assert!(look_up && restarted.pid.is_none());
        let (gone, look_up) = next(&known, 4002, Some(&quick(None)));
        assert!(!gone.listening && !look_up && gone.pid.is_none());
        let (unknown, _) = next(&known, 4002, None);
        assert!(!unknown.listening);
    }

    #[test]
    fn the_stale_connections_are_the_client_side_close_waits_of_the_scan() {
        let scan = QuickScan {
            client_zombies: 3,
            gateway_zombies: 5,
            ..quick(Some(7))
        };
        let (presence, _) = next(&GatewayPresence::default(), 4002, Some(&scan));
        assert_eq!(
            presence.stale.map(|s| s.count),
            Some(3),
            "held by local programs, not the Gateway's"
        );
        let (unread, _) = next(&presence, 4002, None);
        assert_eq!(unread.stale, None, "no table: not known, not zero");
    }
}
