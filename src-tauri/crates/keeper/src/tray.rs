//! The keeper's tray icon on Linux: a StatusNotifierItem with a com.canonical.dbusmenu menu, served over the
//! session bus by ksni (no GTK). It looks and reads as the app's tray (src-tauri/src/tray.rs): the status
//! light's soft-edged dot, "Gateway Doctor: <title>" as its tooltip, and Open / Connect or Stop / Diagnose /
//! Quit with the labels of gateway-proto's words. Clicks come back as [`TrayAction`]s on a channel; what
//! they do is the keeper's business.
//!
//! Without a StatusNotifierWatcher (no panel yet, or none at all, as on the tests' private bus) the item and
//! its menu are still served on the bus under a well-known name, and ksni registers them with the watcher
//! when one appears.

use gateway_proto::words::{
    TRAY_CONNECT, TRAY_DIAGNOSE, TRAY_OPEN, TRAY_QUIT, TRAY_STOP, tray_tooltip,
};
use gateway_proto::{TRAY_DOT_SIZE, tray_dot_rgba};
use ksni::menu::{MenuItem, StandardItem};
use ksni::{Icon, OfflineReason, ToolTip, TrayMethods};
use tokio::sync::{mpsc, watch};

/// The item's id on the bus (part of its well-known name for panels).
const TRAY_ID: &str = "gateway-doctor";

/// What the session item offers: Stop whenever the supervisor offers it, else Connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionItem {
    Connect,
    Stop,
}

impl SessionItem {
    fn label(self) -> &'static str {
        match self {
            SessionItem::Connect => TRAY_CONNECT,
            SessionItem::Stop => TRAY_STOP,
        }
    }
}

/// What the tray shows: the light's colour, the tooltip and the session item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayLook {
    pub rgb: [u8; 3],
    pub tooltip: String,
    pub session: SessionItem,
}

impl TrayLook {
    /// The look for a status view titled `title` (the tooltip reads "Gateway Doctor: <title>").
    pub fn new(rgb: [u8; 3], title: &str, session: SessionItem) -> TrayLook {
        TrayLook {
            rgb,
            tooltip: tray_tooltip(title),
            session,
        }
    }
}

/// A click on a menu item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayAction {
    Open,
    ToggleSession,
    Diagnose,
    Quit,
}

/// Why the tray could not be shown or changed.
#[derive(Debug, thiserror::Error)]
pub enum TrayError {
    /// No session bus, or the bus refused the item's objects or name.
    #[error("show the tray icon: the desktop's session bus: {0}")]
    Bus(String),
    /// A StatusNotifierWatcher is there but refused the item.
    #[error("show the tray icon: the panel refused it: {0}")]
    Refused(String),
    /// The tray's service has ended.
    #[error("change the tray icon: it is no longer shown")]
    Closed,
}

/// The stable kinds of [`TrayError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayErrorCode {
    NoSessionBus,
    TrayRefused,
    TrayClosed,
}

impl TrayError {
    pub fn code(&self) -> TrayErrorCode {
        match self {
            TrayError::Bus(_) => TrayErrorCode::NoSessionBus,
            TrayError::Refused(_) => TrayErrorCode::TrayRefused,
            TrayError::Closed => TrayErrorCode::TrayClosed,
        }
    }
}

impl From<ksni::Error> for TrayError {
    fn from(e: ksni::Error) -> Self {
        match e {
            ksni::Error::Dbus(e) => TrayError::Bus(e.to_string()),
            other => TrayError::Refused(other.to_string()),
        }
    }
}

/// The tray's service.
pub struct Tray {
    look: TrayLook,
    actions: mpsc::UnboundedSender<TrayAction>,
    /// Whether a panel shows the icon (a StatusNotifierWatcher took it); assumed until ksni says otherwise.
    panel: watch::Sender<bool>,
}

impl Tray {
    /// Shows the tray with `look`; the receiver gets the trader's clicks.
    pub async fn spawn(
        look: TrayLook,
    ) -> Result<(TrayHandle, mpsc::UnboundedReceiver<TrayAction>), TrayError> {
        let (actions, clicks) = mpsc::unbounded_channel();
        let (panel, shows) = watch::channel(true);
        let tray = Tray {
            look: look.clone(),
            actions,
            panel,
        };
        // Served even with no watcher on the bus: a panel started later still finds it.
        let inner = tray.assume_sni_available(true).spawn().await?;
        let handle = TrayHandle {
            inner,
            shown: look,
            shows,
        };
        Ok((handle, clicks))
    }

    fn send(&self, action: TrayAction) {
        // A closed receiver means the keeper is ending: the click has nobody left to act on it.
        let _ = self.actions.send(action);
    }
}

/// Changes what a running tray shows.
pub struct TrayHandle {
    inner: ksni::Handle<Tray>,
    shown: TrayLook,
    shows: watch::Receiver<bool>,
}

impl TrayHandle {
    /// Whether a panel shows the icon, now and on every change (none does on a desktop without a tray area,
    /// such as GNOME without its AppIndicator extension).
    pub fn panel(&self) -> watch::Receiver<bool> {
        self.shows.clone()
    }

    /// Shows `look`; repaints only when it differs from what is shown. Returns whether it repainted.
    pub async fn update(&mut self, look: TrayLook) -> Result<bool, TrayError> {
        if look == self.shown {
            return Ok(false);
        }
        let next = look.clone();
        self.inner
            .update(move |tray| tray.look = next)
            .await
            .ok_or(TrayError::Closed)?;
        self.shown = look;
        Ok(true)
    }

    /// Takes the tray off the bus and waits until it is gone.
    pub async fn shutdown(self) {
        self.inner.shutdown().await;
    }
}

/// The dot as ksni wants it: ARGB32, network byte order.
fn dot_argb(rgb: [u8; 3]) -> Icon {
    let mut data = tray_dot_rgba(rgb);
    for pixel in data.chunks_exact_mut(4) {
        pixel.rotate_right(1);
    }
    let side = i32::try_from(TRAY_DOT_SIZE).unwrap_or(i32::MAX);
    Icon {
        width: side,
        height: side,
        data,
    }
}

fn item(label: &str, action: TrayAction) -> MenuItem<Tray> {
    StandardItem {
        label: label.to_string(),
        activate: Box::new(move |tray: &mut Tray| tray.send(action)),
        ..Default::default()
    }
    .into()
}

impl ksni::Tray for Tray {
    // A click on the icon opens the menu, as the app's tray does.
    const MENU_ON_ACTIVATE: bool = true;

    fn id(&self) -> String {
        TRAY_ID.to_string()
    }

    fn title(&self) -> String {
        "Gateway Doctor".to_string()
    }

    fn icon_pixmap(&self) -> Vec<Icon> {
        vec![dot_argb(self.look.rgb)]
    }

    fn tool_tip(&self) -> ToolTip {
        ToolTip {
            title: self.look.tooltip.clone(),
            ..Default::default()
        }
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        vec![
            item(TRAY_OPEN, TrayAction::Open),
            item(self.look.session.label(), TrayAction::ToggleSession),
            item(TRAY_DIAGNOSE, TrayAction::Diagnose),
            MenuItem::Separator,
            item(TRAY_QUIT, TrayAction::Quit),
        ]
    }

    fn watcher_offline(&self, reason: OfflineReason) -> bool {
        // Keep serving: the item and menu stay on the bus for a panel that comes (back) later.
        log::info!("no panel shows tray icons right now ({reason:?}); the tray waits for one");
        self.panel.send_replace(false);
        true
    }

    fn watcher_online(&self) {
        log::info!("a panel that shows tray icons is back");
        self.panel.send_replace(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_icon_is_the_dot_in_argb() {
        let icon = dot_argb([0xd1, 0x24, 0x2f]);
        let side = TRAY_DOT_SIZE as usize;
        assert_eq!((icon.width, icon.height), (side as i32, side as i32));
        let mid = (side / 2 * side + side / 2) * 4;
        assert_eq!(&icon.data[mid..mid + 4], &[255, 0xd1, 0x24, 0x2f]);
        assert_eq!(icon.data[0], 0, "the corner is transparent");
    }

    #[test]
    fn the_look_says_gateway_doctor_and_the_title() {
        let look = TrayLook::new([0, 0, 0], "Connected", SessionItem::Stop);
        assert_eq!(look.tooltip, "Gateway Doctor: Connected");
        assert_eq!(look.session.label(), TRAY_STOP);
        assert_eq!(SessionItem::Connect.label(), TRAY_CONNECT);
    }
}
