//! The two background tasks of a live session: the heartbeat, and the watch on ibapi's notice stream,
//! whose end is how a dropped socket shows itself (ibapi, with reconnect off, retires the session and
//! closes the stream as soon as a read fails).

use std::sync::Arc;

use ibapi::subscriptions::NoticeStream;
use tokio::time::{Instant, MissedTickBehavior};

use crate::session::{CallError, Session};
use crate::worker::Worker;

/// A reqCurrentTime round trip every interval, each bounded by the timeout. Ticks are fixed in time, so
/// with the defaults (3 s, 2 s) a muted API is reported unresponsive 8 s after the last answer. The task
/// holds the session weakly: it never keeps a dropped session's socket open.
pub fn start_heartbeat(worker: Arc<Worker>, session: &Arc<Session>) {
    let weak = Arc::downgrade(session);
    let settings = session.heartbeat;
    let generation = session.generation;
    let task = tokio::spawn(async move {
        let mut ticks =
            tokio::time::interval_at(Instant::now() + settings.interval, settings.interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(session) = weak.upgrade() else {
                return;
            };
            let result = session.server_time(settings.timeout).await;
            drop(session);
            match result {
                Ok((_, rtt)) => worker.round_trip_answered(generation, rtt),
                Err(CallError::Timeout) => worker.heartbeat_missed(generation),
                // The notice watch reports the loss.
                Err(CallError::Lost) => return,
                Err(CallError::Failed(why)) => {
                    tracing::warn!("heartbeat failed: {why}");
                    worker.heartbeat_missed(generation);
                }
            }
        }
    });
    session.own_task(task);
}

/// Forwards the session's notices to the worker, then reports the session's end.
pub fn watch_notices(worker: Arc<Worker>, generation: u64, mut notices: NoticeStream) {
    tokio::spawn(async move {
        while let Some(notice) = notices.next().await {
            worker.notice(generation, notice.code, notice.message);
        }
        worker.session_ended(generation);
    });
}
