//! The one-shot request (link version 1), as `gateway-doctor diagnose` asks it: the session tested
//! through the supervisor (a ping when live; a connect, kept, when asked and allowed), one reply line.

use std::sync::Arc;
use std::time::Duration;

use super::{LinkReply, LinkRequest, LinkSession, ONE_SHOT_VERSION};
use crate::diagnostics::{nothing_listens, test_session};
use crate::supervisor::{Lifecycle, Supervisor};

/// The longest a ping through the live session may take for a link request.
const PING_BOUND: Duration = Duration::from_secs(5);

/// Where the app's session goes and whether the link may connect it (not while a setting is bad).
#[derive(Debug, Clone)]
pub struct LinkTarget {
    pub host: String,
    pub port: u16,
    pub client_id: i32,
    /// How long a connect may take before the reply says what it saw (the configured timeout + margin).
    pub connect_bound: Duration,
    pub can_connect: bool,
}

/// Reads the app's current target on each request (settings can change while it runs).
pub type TargetFn = Arc<dyn Fn() -> LinkTarget + Send + Sync>;

/// Answers one-shot requests about the session of `supervisor`.
#[derive(Clone)]
pub struct OneShot {
    pub supervisor: Supervisor,
    pub target: TargetFn,
}

impl OneShot {
    pub(super) async fn answer(&self, request: LinkRequest) -> LinkReply {
        LinkReply {
            v: ONE_SHOT_VERSION,
            session: Some(session(&self.supervisor, (self.target)(), request.connect).await),
            error: None,
        }
    }
}

/// A one-shot reply that says why there is no session.
pub(super) fn reply_error(error: String) -> LinkReply {
    LinkReply {
        v: ONE_SHOT_VERSION,
        session: None,
        error: Some(error),
    }
}

async fn session(supervisor: &Supervisor, target: LinkTarget, connect: bool) -> LinkSession {
    // Connect only where something listens, as the app's own Diagnose does.
    let connect = connect && target.can_connect && !nothing_listens(target.port).await;
    let test = test_session(supervisor, connect, target.connect_bound, PING_BOUND).await;
    let latch = match &test.lifecycle {
        Lifecycle::Latched { error } => Some(error.clone()),
        _ => None,
    };
    LinkSession {
        app_pid: std::process::id(),
        host: target.host,
        port: target.port,
        client_id: target.client_id,
        phase: test.lifecycle.phase().into(),
        latch,
        worker_pid: test.worker_pid,
        worker: test.status,
        ping: test.ping,
    }
}
