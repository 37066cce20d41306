//! Desktop notifications (the session's alerts, stale connections building up) over D-Bus through
//! notify-rust, as the app shows them through tauri-plugin-notification. notify-rust's `show` waits for the
//! notification server's answer, so it runs on a blocking thread and the caller waits at most
//! [`SHOW_TIMEOUT`]: a hung server or bus costs the keeper a parked thread, never a stalled runtime, and
//! at most [`MAX_IN_FLIGHT`] of them (zbus waits for an answer without a limit of its own).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How long a caller waits for the notification server to take a notification.
pub const SHOW_TIMEOUT: Duration = Duration::from_secs(5);

/// Notifications still waiting for the server (past their bound or not) before new ones are refused.
pub const MAX_IN_FLIGHT: usize = 4;

/// The name notifications are shown under.
const APP_NAME: &str = "Gateway Doctor";
/// The icon the installed app's desktop entry uses (its binary's name, as the Tauri bundler installs it).
const ICON: &str = "gateway-doctor-app";

/// Why a notification was not shown.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// No session bus, no notification server on it, or the server refused it.
    #[error("show a notification: {0}")]
    Server(String),
    /// The server did not answer within the bound.
    #[error("show a notification: no answer from the notification server within {0:?}")]
    TimedOut(Duration),
    /// The thread showing it ended without an answer.
    #[error("show a notification: the sending thread ended without an answer")]
    Lost,
    /// Earlier notifications are still waiting for a server that does not answer.
    #[error("show a notification: {0} earlier ones are still waiting for the notification server")]
    Busy(usize),
}

/// The stable kinds of [`NotifyError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyErrorCode {
    NoNotificationServer,
    NotificationTimedOut,
    NotificationLost,
    NotificationServerBusy,
}

impl NotifyError {
    pub fn code(&self) -> NotifyErrorCode {
        match self {
            NotifyError::Server(_) => NotifyErrorCode::NoNotificationServer,
            NotifyError::TimedOut(_) => NotifyErrorCode::NotificationTimedOut,
            NotifyError::Lost => NotifyErrorCode::NotificationLost,
            NotifyError::Busy(_) => NotifyErrorCode::NotificationServerBusy,
        }
    }
}

/// Shows notifications; clones share the count of those in flight.
#[derive(Debug, Clone)]
pub struct Notifier {
    timeout: Duration,
    in_flight: Arc<AtomicUsize>,
}

impl Default for Notifier {
    fn default() -> Self {
        Notifier::with_timeout(SHOW_TIMEOUT)
    }
}

/// One notification in flight, counted until its thread ends.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Notifier {
    /// A notifier whose callers wait at most `timeout`.
    pub fn with_timeout(timeout: Duration) -> Notifier {
        Notifier {
            timeout,
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Shows one notification; returns once the server took it, or with the reason it did not.
    pub async fn show(&self, title: &str, body: &str) -> Result<(), NotifyError> {
        let waiting = self.in_flight.fetch_add(1, Ordering::AcqRel);
        let in_flight = InFlight(self.in_flight.clone());
        if waiting >= MAX_IN_FLIGHT {
            return Err(NotifyError::Busy(waiting));
        }
        let mut notification = notify_rust::Notification::new();
        notification
            .appname(APP_NAME)
            .icon(ICON)
            .summary(title)
            .body(body);
        let shown = tokio::task::spawn_blocking(move || {
            let _counted = in_flight;
            notification
                .show()
                .map(|_handle| ())
                .map_err(|e| NotifyError::Server(e.to_string()))
        });
        match tokio::time::timeout(self.timeout, shown).await {
            Ok(Ok(result)) => result,
            Ok(Err(_join)) => Err(NotifyError::Lost),
            Err(_elapsed) => Err(NotifyError::TimedOut(self.timeout)),
        }
    }
}
