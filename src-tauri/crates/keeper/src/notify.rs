//! Desktop notifications (the session's alerts, stale connections building up) over D-Bus through
//! notify-rust, as the app shows them through tauri-plugin-notification. notify-rust's `show` waits for the
//! notification server's answer, so it runs on a blocking thread and the caller waits at most
//! [`SHOW_TIMEOUT`]: a hung server or bus costs the keeper one parked thread, never a stalled runtime.

use std::time::Duration;

/// How long a caller waits for the notification server to take a notification.
pub const SHOW_TIMEOUT: Duration = Duration::from_secs(5);

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
}

/// The stable kinds of [`NotifyError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyErrorCode {
    NoNotificationServer,
    NotificationTimedOut,
    NotificationLost,
}

impl NotifyError {
    pub fn code(&self) -> NotifyErrorCode {
        match self {
            NotifyError::Server(_) => NotifyErrorCode::NoNotificationServer,
            NotifyError::TimedOut(_) => NotifyErrorCode::NotificationTimedOut,
            NotifyError::Lost => NotifyErrorCode::NotificationLost,
        }
    }
}

/// Shows notifications; cheap to clone.
#[derive(Debug, Clone)]
pub struct Notifier {
    timeout: Duration,
}

impl Default for Notifier {
    fn default() -> Self {
        Notifier {
            timeout: SHOW_TIMEOUT,
        }
    }
}

impl Notifier {
    /// A notifier whose callers wait at most `timeout`.
    pub fn with_timeout(timeout: Duration) -> Notifier {
        Notifier { timeout }
    }

    /// Shows one notification; returns once the server took it, or with the reason it did not.
    pub async fn show(&self, title: &str, body: &str) -> Result<(), NotifyError> {
        let mut notification = notify_rust::Notification::new();
        notification
            .appname(APP_NAME)
            .icon(ICON)
            .summary(title)
            .body(body);
        let shown = tokio::task::spawn_blocking(move || {
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
