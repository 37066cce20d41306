//! The one status view, kept current: recomputed (`status_view::view`) on every change of the supervisor's
//! state or of the Gateway's presence on the port, and published in one watch channel. The tray paints its
//! light from it and `status://view` carries it to the window, so the two show the same light.

use gateway_core::supervisor::SupervisorState;
use std::sync::Arc;

use tokio::sync::watch;

use crate::Backend;
use crate::dto::GatewayPresence;
use crate::state::AppState;
use crate::status_view::{self, StatusView};

/// The current status view (the backend's).
pub struct StatusFeed {
    sender: watch::Sender<StatusView>,
}

impl StatusFeed {
    pub fn new(state: &AppState) -> StatusFeed {
        let first = compute(state, &state.supervisor.state(), &state.presence.borrow());
        StatusFeed {
            sender: watch::Sender::new(first),
        }
    }

    pub fn current(&self) -> StatusView {
        self.sender.borrow().clone()
    }

    pub fn watch(&self) -> watch::Receiver<StatusView> {
        self.sender.subscribe()
    }

    /// Publishes `next` when it differs from the current view (numbered after it); true if it did.
    fn publish(&self, mut next: StatusView) -> bool {
        self.sender.send_if_modified(|current| {
            next.seq = current.seq;
            if *current == next {
                return false;
            }
            next.seq += 1;
            *current = next;
            true
        })
    }
}

/// The view of `session` with `presence`. A look at another port than the session's (the demo just started,
/// the port just changed) says nothing about the session's Gateway: it is not used.
fn compute(state: &AppState, session: &SupervisorState, presence: &GatewayPresence) -> StatusView {
    let known = (presence.port == state.port()).then_some(presence);
    status_view::view(session, known, presence.reset_window.as_ref())
}

/// Recomputes the view on every change and emits each new one as `status://view`, until the app ends.
pub async fn follow(backend: Arc<Backend>) {
    let state = &backend.state;
    let feed = &backend.feed;
    let mut session = state.supervisor.watch();
    let mut presence = state.presence.subscribe();
    loop {
        let current = session.borrow_and_update().clone();
        let next = compute(state, &current, &presence.borrow_and_update());
        if feed.publish(next) {
            backend.emit(crate::events::STATUS_VIEW, feed.current());
        }
        tokio::select! {
            changed = session.changed() => if changed.is_err() { return },
            changed = presence.changed() => if changed.is_err() { return },
        }
    }
}
