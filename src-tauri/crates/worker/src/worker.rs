//! The worker's state and its commands. One [`Slot`] holds the session (none, a connect in progress, or a
//! live one); [`StatusStore`] holds what `status` reports. Changes that concern the session are made with
//! the slot locked (slot first, then status), so a late heartbeat or notice from an ended session can
//! never overwrite what replaced it.

mod session_events;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use gateway_proto::{
    AccountsData, Command, ConnectData, ConnectParams, DisconnectData, ErrorBody, HandshakeReport,
    HeartbeatStatus, LinkState, LinkStatus, PingData, ResetData, ResponseData, SessionState,
    ShutdownData, WorkerStatus,
};
use time::format_description::well_known::Rfc3339;

use crate::connect::{self, Established, Failed};
use crate::errors::{NO_SESSION, STILL_CONNECTING, WorkerError};
use crate::output::Output;
use crate::probe::round_ms;
use crate::request::Parsed;
use crate::session::{CallError, Session};
use crate::session_tasks;
use crate::settings::{self, ConnectSettings, Env, HeartbeatSettings};
use crate::status::{StatusStore, unix_ms};

pub struct Worker {
    out: Output,
    status: StatusStore,
    slot: Mutex<Slot>,
    env: Box<dyn Env>,
    generations: AtomicU64,
}

enum Slot {
    Idle,
    Connecting,
    Live(Arc<Session>),
}

impl Worker {
    pub fn new(out: Output, env: Box<dyn Env>) -> Arc<Worker> {
        let mut status = WorkerStatus::default();
        // Shown before the first connect. A malformed variable makes every connect a BAD_REQUEST.
        let heartbeat = settings::heartbeat_settings(&*env).unwrap_or_else(|err| {
            tracing::warn!("{err}");
            HeartbeatSettings::DEFAULT
        });
        status.heartbeat = heartbeat_status(heartbeat);
        status.guardrail.max_timeouts = settings::max_timeouts(&*env).unwrap_or_else(|err| {
            tracing::warn!("{err}");
            settings::DEFAULT_MAX_TIMEOUTS
        });
        Arc::new(Worker {
            status: StatusStore::new(out.clone(), status),
            out,
            slot: Mutex::new(Slot::Idle),
            env,
            generations: AtomicU64::new(0),
        })
    }

    pub fn output(&self) -> &Output {
        &self.out
    }

    fn slot(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs one request and writes its answer.
    pub async fn handle(self: Arc<Self>, request: Parsed) {
        let name = request.command.name();
        match self.run(request.command).await {
            Ok(data) => self.out.success(request.id, data),
            Err(error) => {
                tracing::info!(command = %name, code = %error.code, "{}", error.message);
                self.out.error(request.id, error);
            }
        }
    }

    async fn run(self: &Arc<Self>, command: Command) -> Result<ResponseData, ErrorBody> {
        let plain = |err: WorkerError| err.body();
        match command {
            Command::Connect(params) => self.connect(params).await,
            Command::Status => Ok(ResponseData::Status(Box::new(self.status.snapshot()))),
            Command::Ping => self.ping().await.map_err(plain),
            Command::Accounts => self.accounts().await.map_err(plain),
            Command::Reset => Ok(self.reset()),
            Command::Disconnect => self.disconnect().map_err(plain),
            // The caller exits once this answer is written.
            Command::Shutdown => Ok(ResponseData::Shutdown(ShutdownData {
                shutting_down: true,
            })),
        }
    }

    async fn connect(self: &Arc<Self>, params: ConnectParams) -> Result<ResponseData, ErrorBody> {
        let plain = |err: WorkerError| err.body();
        let settings = settings::connect_settings(&params, &*self.env).map_err(plain)?;
        let heartbeat = settings::heartbeat_settings(&*self.env).map_err(plain)?;
        let max_timeouts = settings::max_timeouts(&*self.env).map_err(plain)?;
        self.claim_for_connect(&settings, heartbeat, max_timeouts)
            .map_err(plain)?;
        tracing::info!(address = %settings.address(), client_id = settings.client_id, "connecting");
        match connect::establish(&settings).await {
            Ok(established) => Ok(self.go_live(established, settings, heartbeat)),
            Err(failed) => Err(self.connect_failed(failed, max_timeouts)),
        }
    }

    /// Moves the slot to Connecting, unless a session or a connect holds it or the guardrail is latched.
    fn claim_for_connect(
        &self,
        settings: &ConnectSettings,
        heartbeat: HeartbeatSettings,
        max_timeouts: u32,
    ) -> Result<(), WorkerError> {
        let mut slot = self.slot();
        match &*slot {
            Slot::Live(session) => {
                return Err(WorkerError::AlreadyConnected {
                    addr: session.settings.address(),
                    client_id: session.settings.client_id,
                });
            }
            Slot::Connecting => return Err(WorkerError::ConnectInProgress),
            Slot::Idle => {}
        }
        let guardrail = self.status.update(|s| {
            s.guardrail.max_timeouts = max_timeouts;
            s.guardrail.latched |= s.guardrail.timeouts_in_a_row >= max_timeouts;
            s.guardrail
        });
        if guardrail.latched {
            return Err(WorkerError::GuardrailLatched {
                timeouts: guardrail.timeouts_in_a_row,
            });
        }
        *slot = Slot::Connecting;
        self.status.update(|s| {
            s.session = SessionState::Connecting;
            s.target = Some(settings.target());
            s.heartbeat = heartbeat_status(heartbeat);
        });
        Ok(())
    }

    fn go_live(
        self: &Arc<Self>,
        established: Established,
        settings: ConnectSettings,
        heartbeat: HeartbeatSettings,
    ) -> ResponseData {
        let Established {
            client,
            elapsed,
            notices,
            attempt,
        } = established;
        let elapsed_ms = round_ms(elapsed);
        let data = ConnectData {
            connected: true,
            accounts: client.handshake_managed_accounts().to_vec(),
            client_id: client.client_id(),
            server_version: client.server_version(),
            connection_time: client
                .connection_time()
                .and_then(|t| t.format(&Rfc3339).ok()),
            handshake_ms: elapsed_ms,
            steps: attempt.steps.clone(),
            host: settings.host.clone(),
            port: settings.port,
            readonly: settings.readonly,
        };
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let session = Arc::new(Session::new(generation, client, settings, heartbeat));
        {
            let mut slot = self.slot();
            *slot = Slot::Live(session.clone());
            self.status.update(|s| {
                s.session = SessionState::Connected;
                s.accounts = data.accounts.clone();
                s.server_version = Some(data.server_version);
                s.connection_time = data.connection_time.clone();
                s.connected_at_ms = Some(unix_ms());
                s.handshake = Some(HandshakeReport {
                    steps: attempt.steps,
                    notices: attempt.notices,
                    elapsed_ms,
                    failed_with: None,
                });
                s.link = LinkStatus {
                    state: LinkState::Ok,
                    ..LinkStatus::default()
                };
                s.farms.clear();
                s.guardrail.timeouts_in_a_row = 0;
                s.last_error = None;
            });
        }
        tracing::info!(
            generation,
            accounts = ?data.accounts,
            server_version = data.server_version,
            handshake_ms = elapsed_ms,
            "connected"
        );
        session_tasks::watch_notices(self.clone(), generation, notices);
        session_tasks::start_heartbeat(self.clone(), &session);
        ResponseData::Connect(data)
    }

    fn connect_failed(&self, failed: Failed, max_timeouts: u32) -> ErrorBody {
        let Failed {
            error,
            elapsed,
            attempt,
        } = failed;
        let code = error.code();
        let body = error.body_with_steps(attempt.steps.clone());
        let mut slot = self.slot();
        *slot = Slot::Idle;
        self.status.update(|s| {
            s.session = SessionState::Disconnected;
            s.handshake = Some(HandshakeReport {
                steps: attempt.steps,
                notices: attempt.notices,
                elapsed_ms: round_ms(elapsed),
                failed_with: Some(code.clone()),
            });
            let guardrail = &mut s.guardrail;
            if code == gateway_proto::ErrorCode::HandshakeTimeout {
                guardrail.timeouts_in_a_row += 1;
                guardrail.latched = guardrail.timeouts_in_a_row >= max_timeouts;
            } else {
                // Any other answer breaks the run of timeouts.
                guardrail.timeouts_in_a_row = 0;
            }
            s.last_error = Some(body.clone());
        });
        body
    }

    fn live_session(&self) -> Result<Arc<Session>, WorkerError> {
        match &*self.slot() {
            Slot::Live(session) => Ok(session.clone()),
            Slot::Connecting => Err(WorkerError::NotConnected(STILL_CONNECTING)),
            Slot::Idle => Err(WorkerError::NotConnected(NO_SESSION)),
        }
    }

    async fn ping(&self) -> Result<ResponseData, WorkerError> {
        let session = self.live_session()?;
        let bound = session.heartbeat.timeout;
        match session.server_time(bound).await {
            Ok((server_time, rtt)) => {
                self.round_trip_answered(session.generation, rtt);
                Ok(ResponseData::Ping(PingData {
                    server_time: server_time
                        .format(&Rfc3339)
                        .unwrap_or_else(|_| server_time.to_string()),
                    rtt_ms: round_ms(rtt),
                }))
            }
            Err(err) => Err(call_error(
                err,
                WorkerError::HeartbeatTimeout { within: bound },
            )),
        }
    }

    async fn accounts(&self) -> Result<ResponseData, WorkerError> {
        let session = self.live_session()?;
        let bound = session.heartbeat.timeout;
        match session.accounts(bound).await {
            Ok(accounts) => Ok(ResponseData::Accounts(AccountsData { accounts })),
            Err(err) => Err(call_error(
                err,
                WorkerError::NoAnswer {
                    what: "the request for the account list",
                    within: bound,
                },
            )),
        }
    }

    fn reset(&self) -> ResponseData {
        let (was_latched, guardrail) = self.status.update(|s| {
            let was_latched = s.guardrail.latched;
            s.guardrail.timeouts_in_a_row = 0;
            s.guardrail.latched = false;
            (was_latched, s.guardrail)
        });
        tracing::info!(was_latched, "guardrail reset");
        ResponseData::Reset(ResetData {
            was_latched,
            guardrail,
        })
    }

    /// Drops the session, only when IBKR_FORCE_DISCONNECT=1 allows it.
    fn disconnect(&self) -> Result<ResponseData, WorkerError> {
        if !settings::force_disconnect(&*self.env)? {
            return Err(WorkerError::ForceDisconnectRequired);
        }
        let mut slot = self.slot();
        let session = match std::mem::replace(&mut *slot, Slot::Idle) {
            Slot::Live(session) => session,
            other => {
                let why = if matches!(other, Slot::Connecting) {
                    STILL_CONNECTING
                } else {
                    NO_SESSION
                };
                *slot = other;
                return Err(WorkerError::NotConnected(why));
            }
        };
        tracing::warn!(
            generation = session.generation,
            "forced disconnect: dropping the session"
        );
        session.stop_tasks();
        drop(session);
        self.status.update(|s| {
            clear_session(s);
            s.last_error = None;
        });
        Ok(ResponseData::Disconnect(DisconnectData {
            disconnected: true,
        }))
    }
}

/// Maps a failed round trip; `timeout` is the error for no answer.
fn call_error(err: CallError, timeout: WorkerError) -> WorkerError {
    match err {
        CallError::Timeout => timeout,
        CallError::Lost => {
            WorkerError::ConnectionLost("The API connection was lost during the request.".into())
        }
        CallError::Failed(why) => WorkerError::Internal(format!("the request failed: {why}")),
    }
}

fn heartbeat_status(settings: HeartbeatSettings) -> HeartbeatStatus {
    let ms = |d: std::time::Duration| u32::try_from(d.as_millis()).unwrap_or(u32::MAX);
    HeartbeatStatus {
        interval_ms: ms(settings.interval),
        timeout_ms: ms(settings.timeout),
        ..HeartbeatStatus::default()
    }
}

/// The status without a session (the target and the last handshake stay for diagnosis).
fn clear_session(s: &mut WorkerStatus) {
    s.session = SessionState::Disconnected;
    s.accounts.clear();
    s.server_version = None;
    s.connection_time = None;
    s.connected_at_ms = None;
    s.heartbeat.misses_in_a_row = 0;
    s.link = LinkStatus::default();
    s.farms.clear();
}
