//! What each command from a handle does: connect, reset, stop, reconfigure, forward a request; and new
//! settings taking effect.

use std::sync::atomic::Ordering;

use gateway_proto::{ErrorBody, ErrorCode, Level};
use tokio::time::Instant;

use super::worker::unresponsive;
use super::{Actor, Cmd, Pending, internal};
use crate::config::Config;
use crate::supervisor::handle::Applied;
use crate::supervisor::state::Lifecycle;

impl Actor {
    pub(super) async fn command(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Connect => {
                self.wanted = true;
                self.state.stopped_by_user = false;
                if self.waiting_to_retry() {
                    // Reconnect during a wait: try now. `attempt` still applies the connect budget (a spent
                    // one becomes a wait that says when the next try can go) and the absent-listener check.
                    self.log(Level::Info, "reconnect asked for during a wait: trying now");
                    self.next_attempt = Some(Instant::now());
                    return;
                }
                if matches!(
                    self.state.lifecycle,
                    Lifecycle::Idle | Lifecycle::Failed { .. }
                ) {
                    // Another run (the app, the CLI) may have tripped the guardrail since.
                    self.load_latch();
                }
                if matches!(
                    self.state.lifecycle,
                    Lifecycle::Idle | Lifecycle::Failed { .. }
                ) {
                    self.discipline.restart_counting();
                    self.stop_watching_client_id();
                    self.next_attempt = Some(Instant::now());
                }
            }
            Cmd::Reset => {
                self.log(Level::Info, "guardrail reset by the user: one new attempt");
                self.clear_latch().await;
                self.wanted = true;
                self.state.stopped_by_user = false;
                self.next_attempt = Some(Instant::now());
            }
            Cmd::Stop(done) => {
                // Every wait ends with the wish for a session: the retry timer, the wait for the holder of
                // our client id, and (through `wanted`) the wait for the Gateway to listen again.
                let was_idle = self.state.lifecycle == Lifecycle::Idle;
                self.wanted = false;
                self.next_attempt = None;
                self.stop_watching_client_id();
                self.end_worker().await;
                self.apply_pending().await;
                if !was_idle {
                    self.log(
                        Level::Info,
                        "session stopped by the user: nothing more is sent to the Gateway",
                    );
                    self.state.stopped_by_user = true;
                }
                self.set_lifecycle(Lifecycle::Idle);
                let _ = done.send(());
            }
            Cmd::Request(command, reply) => match self.worker.as_mut() {
                Some(worker) => match worker.send(command).await {
                    Ok(id) => {
                        self.pending.insert(id, Pending::Forward(reply));
                        self.expect_answer(id, command, self.options.request_timeout);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                        let _ = reply.send(Err(unresponsive()));
                        self.replace_unresponsive(command).await;
                    }
                    Err(e) => {
                        let _ = reply.send(Err(internal(format!("cannot reach the worker: {e}"))));
                    }
                },
                None => {
                    let _ = reply.send(Err(ErrorBody::new(
                        ErrorCode::NotConnected,
                        "No session: click Connect first.",
                    )));
                }
            },
            Cmd::Reconfigure {
                config,
                keep_session,
                done,
            } => {
                // A healthy session is not dropped for a saved setting: ending it and connecting again at
                // once is the quick close/reconnect that wears the Gateway's API layer down.
                if keep_session
                    && self.worker.is_some()
                    && self.state.lifecycle == Lifecycle::Connected
                {
                    self.log(Level::Info,
                        format!(
                            "settings saved: the session keeps running; {}:{} as client id {} applies at the next connect",
                            config.host(),
                            config.port(),
                            config.client_id()
                        ),
                    );
                    self.pending_config = Some(config);
                    self.has_pending.store(true, Ordering::Relaxed);
                    let _ = done.send(Applied::AtNextConnect);
                    return;
                }
                self.pending_config = None;
                self.has_pending.store(false, Ordering::Relaxed);
                self.wanted = false;
                self.next_attempt = None;
                self.end_worker().await;
                self.use_config(*config);
                self.set_lifecycle(Lifecycle::Idle);
                // The new target's guardrail, if one was kept for it.
                self.load_latch();
                let _ = done.send(Applied::Now);
            }
            Cmd::LatchFile(path, done) => {
                self.use_latch_file(path);
                if matches!(self.state.lifecycle, Lifecycle::Idle) {
                    self.load_latch();
                }
                let _ = done.send(());
            }
            Cmd::Shutdown(_) => {}
        }
    }

    /// Uses `config` from now on. The timeout count and the backoff were about the old target.
    fn use_config(&mut self, config: Config) {
        self.state.max_timeouts = config.max_timeouts();
        self.state.timeouts_in_a_row = 0;
        self.discipline.restart_counting();
        self.discipline.set_stable_after(config.stable_after());
        self.stop_watching_client_id();
        // The new port's listener as it is now, so it is not taken for a Gateway restart.
        self.listener = crate::sockets::scan_listener(config.port())
            .ok()
            .and_then(|q| q.listener_inode);
        self.log(
            Level::Info,
            format!(
                "settings changed: the session now goes to {}:{} as client id {}",
                config.host(),
                config.port(),
                config.client_id()
            ),
        );
        self.options.config = config;
    }

    /// Settings saved during a healthy session take effect now: the old worker (started with the old
    /// settings) ends without an API disconnect, and the next worker gets the new ones. `true` when there
    /// were any.
    pub(super) async fn apply_pending(&mut self) -> bool {
        let Some(config) = self.pending_config.take() else {
            return false;
        };
        self.end_worker().await;
        self.use_config(*config);
        self.has_pending.store(false, Ordering::Relaxed);
        true
    }
}
