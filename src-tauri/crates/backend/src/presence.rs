//! Who listens on the Gateway port, polled about once a second for the status screen, the tray and the
//! Restart Gateway checklist. Each tick asks the socket table for the port's listener alone (gateway-core's
//! `scan_listener`, which the kernel answers without walking its connections); the stale connections to
//! the port are counted with the full query (`scan_quick`) every [`COUNT_EVERY`] ticks, and at once when the
//! listener or the port changes (stale.rs says whether they are growing). The listener's process (pid and
//! name) is looked up with the full `scan` only when the listening socket changes (a different inode: the
//! Gateway restarted) or the port does. The result is published in a `watch` channel for
//! `get_gateway_presence` and, on change, emitted as `gateway://presence`. Each tick also notes whether an
//! IBKR reset window is on, so the window's light and the tray's agree inside one; the schedule is worked
//! out again only when the minute, the rules or the system time zone changed.

use std::time::Duration;

use gateway_core::reset_window::current_window;
use gateway_core::schedule::{Schedule, TimeRules, schedule};
use gateway_core::sockets::{self, ListenerLook, QuickScan};
use tokio::sync::watch;

use crate::dto::{GatewayPresence, StaleConnections};
use crate::stale::StaleTrend;

/// The stale connections are counted every this many ticks: the full socket-table query makes the kernel
/// walk every connection bucket of the machine (milliseconds on a large one), and a count that moves
/// within seconds is not worth that each second.
pub const COUNT_EVERY: u32 = 5;

/// What one tick read from the socket table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// The listener alone: the stale count stays what it was.
    Listener(ListenerLook),
    /// The listener and the connection counts.
    Counted(ListenerLook, u32),
    /// Nothing: the table could not be read.
    Unread,
}

impl Seen {
    fn from_quick(quick: &QuickScan) -> Seen {
        let look = ListenerLook {
            listeners: quick.listeners,
            listener_inode: quick.listener_inode,
            accept_queue: quick.accept_queue,
        };
        Seen::Counted(look, quick.client_zombies)
    }

    fn listener(&self) -> Option<&ListenerLook> {
        match self {
            Seen::Listener(look) | Seen::Counted(look, _) => Some(look),
            Seen::Unread => None,
        }
    }
}

/// The next presence from what a tick saw on `port`; `true` when the listener's process must be looked up.
pub fn next(prev: &GatewayPresence, port: u16, seen: Seen) -> (GatewayPresence, bool) {
    let look = seen.listener();
    let listening = look.map(|l| l.listeners > 0);
    let inode = look.and_then(|l| l.listener_inode);
    let same_listener = prev.port == port && prev.listener_inode == inode;
    let stale = match seen {
        Seen::Counted(_, count) => Some(StaleConnections {
            count,
            growing: false,
        }),
        Seen::Listener(_) if prev.port == port => prev.stale,
        Seen::Listener(_) | Seen::Unread => None,
    };
    let mut presence = GatewayPresence {
        port,
        listening,
        listener_inode: inode,
        accept_queue: look.and_then(|l| l.accept_queue),
        process_name: None,
        pid: None,
        reset_window: None,
        stale,
        schedule: None,
    };
    if same_listener {
        presence.process_name = prev.process_name.clone();
        presence.pid = prev.pid;
    }
    (presence, listening == Some(true) && !same_listener)
}

/// Reads the socket table for `port`: the listener alone, or with the counts when `count` is true.
fn read(port: u16, count: bool) -> Result<Seen, sockets::SocketError> {
    if count {
        sockets::scan_quick(port).map(|quick| Seen::from_quick(&quick))
    } else {
        sockets::scan_listener(port).map(Seen::Listener)
    }
}

/// The schedule, worked out again only when what it depends on changed: the minute (it names times to
/// the minute), the rules, the system time zone.
#[derive(Default)]
struct ScheduleCache {
    key: Option<(i64, TimeRules, jiff::tz::TimeZone)>,
    value: Option<Schedule>,
}

impl ScheduleCache {
    fn get(
        &mut self,
        now: jiff::Timestamp,
        rules: TimeRules,
        local: &jiff::tz::TimeZone,
    ) -> Schedule {
        let key = (now.as_second().div_euclid(60), rules, local.clone());
        match (&self.key, &self.value) {
            (Some(k), Some(value)) if *k == key => value.clone(),
            _ => {
                let value = schedule(now, rules, local);
                self.key = Some(key);
                self.value = Some(value.clone());
                value
            }
        }
    }
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
    let mut schedules = ScheduleCache::default();
    let mut since_count = COUNT_EVERY;
    loop {
        tick.tick().await;
        let port = port();
        let prev = publish.borrow().clone();
        // Counted at once when the port or the listener may have changed, else every COUNT_EVERY ticks.
        let count = since_count >= COUNT_EVERY || prev.port != port || prev.stale.is_none();
        let seen = match tokio::task::spawn_blocking(move || read(port, count)).await {
            Ok(Ok(seen)) => seen,
            Ok(Err(e)) => {
                if !warned {
                    log::warn!("cannot read the socket table for the Gateway port: {e}");
                    warned = true;
                }
                Seen::Unread
            }
            Err(_) => Seen::Unread,
        };
        let seen = match seen {
            // The Gateway restarted or went: its connections changed too, count them now.
            Seen::Listener(look) if look.listener_inode != prev.listener_inode => {
                match tokio::task::spawn_blocking(move || read(port, true)).await {
                    Ok(Ok(counted)) => counted,
                    _ => Seen::Listener(look),
                }
            }
            seen => seen,
        };
        since_count = if matches!(seen, Seen::Counted(..)) {
            1
        } else {
            since_count + 1
        };
        let (mut presence, look_up) = next(&prev, port, seen);
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
        if let (Seen::Counted(..), Some(stale)) = (seen, presence.stale.as_mut()) {
            stale.growing = trend.note(std::time::Instant::now(), stale.count);
        }
        let ((now, rules), local) = (rules(), jiff::tz::TimeZone::system());
        presence.reset_window = current_window(now, rules.region, rules.auto_restart, &local);
        presence.schedule = Some(schedules.get(now, rules, &local));
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

    fn counted(inode: Option<u64>) -> Seen {
        Seen::from_quick(&quick(inode))
    }

    #[test]
    fn the_process_is_looked_up_only_when_the_listener_changes() {
        let nobody = GatewayPresence::default();
        let (first, look_up) = next(&nobody, 4002, counted(Some(7)));
        assert!(first.listening == Some(true) && look_up);
        let known = GatewayPresence {
            pid: Some(99),
            reset_window: None,
            process_name: Some("java".into()),
            ..first
        };
        let (same, look_up) = next(&known, 4002, counted(Some(7)));
        assert!(!look_up);
        assert_eq!(same, known, "unchanged: nothing to emit");
        let (restarted, look_up) = next(&known, 4002, counted(Some(8)));
        assert!(look_up && restarted.pid.is_none());
        let (gone, look_up) = next(&known, 4002, counted(None));
        assert!(gone.listening == Some(false) && !look_up && gone.pid.is_none());
        let (unknown, _) = next(&known, 4002, Seen::Unread);
        assert_eq!(unknown.listening, None, "an unread table says neither");
    }

    #[test]
    fn the_stale_connections_are_the_client_side_close_waits_of_the_scan() {
        let scan = QuickScan {
            client_zombies: 3,
            gateway_zombies: 5,
            ..quick(Some(7))
        };
        let (presence, _) = next(&GatewayPresence::default(), 4002, Seen::from_quick(&scan));
        assert_eq!(
            presence.stale.map(|s| s.count),
            Some(3),
            "held by local programs, not the Gateway's"
        );
        let (unread, _) = next(&presence, 4002, Seen::Unread);
        assert_eq!(unread.stale, None, "no table: not known, not zero");
    }

    #[test]
    fn a_tick_that_reads_the_listener_alone_keeps_the_count_of_the_same_port_only() {
        let scan = QuickScan {
            client_zombies: 2,
            ..quick(Some(7))
        };
        let (counted, _) = next(&GatewayPresence::default(), 4002, Seen::from_quick(&scan));
        let growing = GatewayPresence {
            stale: Some(StaleConnections {
                count: 2,
                growing: true,
            }),
            ..counted
        };
        let look = ListenerLook {
            listeners: 1,
            listener_inode: Some(7),
            accept_queue: Some(1),
        };
        let (kept, look_up) = next(&growing, 4002, Seen::Listener(look));
        assert!(!look_up);
        assert_eq!(
            kept.stale, growing.stale,
            "the last count and its trend stay"
        );
        assert_eq!(
            kept.accept_queue,
            Some(1),
            "the listener's fields are fresh"
        );
        let (other_port, _) = next(&growing, 4003, Seen::Listener(look));
        assert_eq!(
            other_port.stale, None,
            "another port's count is not known yet"
        );
    }

    #[test]
    fn the_schedule_is_worked_out_again_when_the_minute_or_the_rules_change() {
        let local = jiff::tz::TimeZone::get("Europe/Berlin").expect("bundled time zone");
        let rules = TimeRules::default();
        let mut cache = ScheduleCache::default();
        let at = |s: &str| s.parse::<jiff::Timestamp>().expect("a time");
        // 05:59:30 in Berlin, then 06:00:10: the daily reset's words may change on the minute.
        for now in [
            "2026-11-25T04:59:30Z",
            "2026-11-25T04:59:59Z",
            "2026-11-25T05:00:10Z",
        ] {
            assert_eq!(
                cache.get(at(now), rules, &local),
                schedule(at(now), rules, &local)
            );
        }
        let europe = TimeRules {
            region: gateway_core::reset_window::Region::Europe,
            ..rules
        };
        let now = at("2026-11-25T05:00:20Z");
        assert_eq!(
            cache.get(now, europe, &local),
            schedule(now, europe, &local)
        );
    }
}
