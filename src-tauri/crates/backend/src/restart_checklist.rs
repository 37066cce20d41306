//! The Restart screen's checklist for a restart by hand: the steps a person does (File → Exit; start IB
//! Gateway again, log in, approve 2FA) and what the app watches for, ticked from the Gateway's presence on
//! the port and the supervisor's state:
//!
//!   closed    the listener went away (or was replaced: a new inode means the old one closed)
//!   started   a listener is back on the port with a new inode (or any listener after it was seen gone)
//!   api_open  that listener accepts connections (its accept queue is empty)
//!   session   the supervisor is connected again after the restart
//!
//! Following starts when the screen opens (`follow_manual_restart`: the listener seen then is the one to see go
//! away) and goes on while the app runs; a finished restart starts over at the next follow. `feed` keeps it
//! current and publishes each change on `restart://checklist`.

pub mod feed;
#[cfg(test)]
mod tests;

use gateway_core::supervisor::{Lifecycle, SupervisorState};
use serde::Serialize;
use ts_rs::TS;

use crate::dto::GatewayPresence;

/// A step of a restart by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ManualStepId {
    Closed,
    Started,
    ApiOpen,
    Session,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ManualStep {
    pub id: ManualStepId,
    /// What the app watches for.
    pub label: String,
    /// What the person does for it (empty when the app does it).
    pub todo: String,
    pub done: bool,
}

/// The checklist as the screen shows it (`follow_manual_restart`, `restart://checklist`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ManualChecklist {
    pub steps: Vec<ManualStep>,
}

/// How far a restart by hand got, from what the app saw since following began.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ManualRestart {
    /// The listener's inode when following began (None: nothing listened then).
    baseline_inode: Option<u64>,
    baseline_restarts: u32,
    closed: bool,
    started: bool,
    api_open: bool,
    session_back: bool,
    /// The trader clicked "I restarted Gateway".
    user_said_restarted: bool,
}

impl ManualRestart {
    /// Starts following from what is seen now.
    pub fn start(presence: &GatewayPresence, state: &SupervisorState) -> ManualRestart {
        let mut restart = ManualRestart {
            baseline_inode: (presence.listening == Some(true))
                .then_some(presence.listener_inode)
                .flatten(),
            baseline_restarts: state.gateway_restarts_seen,
            // Nothing listening when following begins: the Gateway is already closed (not known: not ticked).
            closed: presence.listening == Some(false),
            ..ManualRestart::default()
        };
        restart.see_state(state);
        restart
    }

    /// The session came back: the next follow starts over.
    pub fn finished(&self) -> bool {
        self.session_back
    }

    pub fn see_presence(&mut self, presence: &GatewayPresence) {
        let inode = presence.listener_inode;
        match presence.listening {
            Some(false) => {
                self.closed = true;
                return;
            }
            // The socket table could not be read: nothing is seen, so nothing ticks.
            None => return,
            Some(true) => {}
        }
        if !self.closed && self.baseline_inode.is_none() && inode.is_some() {
            // Following began before the first look at the port: the first listener seen is the one to
            // see go away.
            self.baseline_inode = inode;
            return;
        }
        let replaced =
            inode.is_some() && self.baseline_inode.is_some() && inode != self.baseline_inode;
        if replaced {
            self.closed = true;
        }
        if self.closed && (self.baseline_inode.is_none() || inode != self.baseline_inode) {
            self.started = true;
        }
        if self.started {
            self.api_open = presence.accept_queue.unwrap_or(0) == 0;
        }
    }

    pub fn see_state(&mut self, state: &SupervisorState) {
        if state.gateway_restarts_seen > self.baseline_restarts {
            // The supervisor saw a new listener itself (the presence poll may miss a quick restart).
            self.closed = true;
            self.started = true;
        }
        let connected = state.lifecycle == Lifecycle::Connected;
        if connected && (self.started || self.user_said_restarted) {
            self.closed = true;
            self.started = true;
            self.api_open = true;
            self.session_back = true;
        } else if !connected {
            self.session_back = false;
        }
    }

    pub fn user_restarted(&mut self) {
        self.user_said_restarted = true;
    }

    pub fn checklist(&self) -> ManualChecklist {
        let step = |id, label: &str, todo: &str, done| ManualStep {
            id,
            label: label.into(),
            todo: todo.into(),
            done,
        };
        ManualChecklist {
            steps: vec![
                step(
                    ManualStepId::Closed,
                    "Gateway closed",
                    "In IB Gateway, choose File → Exit and wait until its window closes.",
                    self.closed,
                ),
                step(
                    ManualStepId::Started,
                    "Gateway started again",
                    "Start IB Gateway again, log in, and approve the 2FA notification on your phone (IBKR \
                     Mobile) within 3 minutes.",
                    self.started,
                ),
                step(ManualStepId::ApiOpen, "API port open", "", self.api_open),
                step(
                    ManualStepId::Session,
                    "Session back (Connected)",
                    "Gateway Doctor reconnects by itself.",
                    self.session_back,
                ),
            ],
        }
    }
}
