//! Desktop notifications for what a trader must know with the window closed: the session was lost, it is
//! back, the Gateway's API layer stopped answering (alerts.rs decides), and stale connections building up
//! (stale.rs decides, at most once per 15 minutes). Quiet inside IBKR's reset windows, when a lost session
//! is expected. The program running the backend shows them ([`Notify`]: Tauri's notification plugin, or the
//! keeper's D-Bus notifications).

use std::sync::Arc;
use std::time::{Duration, Instant};

use gateway_core::reset_window::current_window;
use gateway_core::supervisor::Lifecycle;

use crate::Backend;
use crate::alerts::Alerter;
use crate::stale::{self, StaleAlerter};

/// Shows one notification (title, body); Err says why it could not.
pub type Notify = Arc<dyn Fn(&str, &str) -> Result<(), String> + Send + Sync>;

/// Starts both notification tasks.
pub fn spawn(backend: &Arc<Backend>, notify: Notify) {
    tokio::spawn(session(backend.clone(), notify.clone()));
    tokio::spawn(stale_connections(backend.clone(), notify));
}

/// Loss, recovery and an unresponsive Gateway.
async fn session(backend: Arc<Backend>, notify: Notify) {
    let state = &backend.state;
    let mut watch = state.supervisor.watch();
    let mut prev: Lifecycle = watch.borrow_and_update().lifecycle.clone();
    let mut alerter = Alerter::default();
    while watch.changed().await.is_ok() {
        let next = watch.borrow_and_update().lifecycle.clone();
        let alert = alerter.on_change(&prev, &next);
        prev = next;
        let Some(alert) = alert else { continue };
        let rules = state.config.time_rules();
        if let Some(window) = current_window(
            state.schedule_now(),
            rules.region,
            rules.auto_restart,
            &jiff::tz::TimeZone::system(),
        ) {
            log::info!(
                "{} (no notification: {} until {})",
                alert.title(),
                window.name,
                window.ends_local
            );
            continue;
        }
        log::info!("notification: {}", alert.title());
        if let Err(e) = notify(alert.title(), alert.body()) {
            log::warn!("cannot show a notification: {e}");
        }
    }
}

/// Stale connections to the Gateway port building up (rate-limited: stale.rs).
async fn stale_connections(backend: Arc<Backend>, notify: Notify) {
    let mut presence = backend.state.presence.subscribe();
    let mut alerter = StaleAlerter::default();
    let mut port = None;
    // A rise kept quiet by the gap is said once it is over, even if nothing changes meanwhile.
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        let now = presence.borrow_and_update().clone();
        if port.replace(now.port) != Some(now.port) {
            // Another port: its count is a new baseline, not a rise.
            alerter = StaleAlerter::default();
        }
        let counted = now.stale.map(|s| s.count);
        if let Some(count) = counted.and_then(|c| alerter.on_count(Instant::now(), c)) {
            let (title, body) = stale::notification(count);
            log::info!("notification: {title} ({count})");
            if let Err(e) = notify(title, &body) {
                log::warn!("cannot show a notification: {e}");
            }
        }
        tokio::select! {
            changed = presence.changed() => if changed.is_err() { return },
            _ = tick.tick() => {}
        }
    }
}
