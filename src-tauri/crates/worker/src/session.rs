//! One live API session: the ibapi client, its heartbeat task, and round trips bounded in time.
//!
//! Calls go one at a time through a lane, so a `ping` never races the heartbeat for the same
//! reqCurrentTime answer. Dropping the session drops the client, which closes the socket: nothing is
//! sent to the Gateway to end it, because the TWS API has no goodbye.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ibapi::Client;
use time::OffsetDateTime;
use tokio::task::JoinHandle;

use crate::settings::{ConnectSettings, HeartbeatSettings};

pub struct Session {
    /// Tells this session's late reports apart from a newer session's.
    pub generation: u64,
    pub settings: ConnectSettings,
    pub heartbeat: HeartbeatSettings,
    client: Client,
    lane: tokio::sync::Mutex<()>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

/// Why a round trip did not return an answer.
#[derive(Debug)]
pub enum CallError {
    /// No answer within the bound.
    Timeout,
    /// The session is gone.
    Lost,
    Failed(String),
}

impl Session {
    pub fn new(
        generation: u64,
        client: Client,
        settings: ConnectSettings,
        heartbeat: HeartbeatSettings,
    ) -> Session {
        Session {
            generation,
            settings,
            heartbeat,
            client,
            lane: tokio::sync::Mutex::new(()),
            tasks: Mutex::new(Vec::new()),
        }
    }

    /// Keeps `task` running for as long as the session lives.
    pub fn own_task(&self, task: JoinHandle<()>) {
        self.tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(task);
    }

    /// Stops the session's tasks (the heartbeat) now, rather than when the last reference goes.
    pub fn stop_tasks(&self) {
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            task.abort();
        }
    }

    /// One reqCurrentTime round trip: the Gateway's clock and the time it took.
    pub async fn server_time(
        &self,
        bound: Duration,
    ) -> Result<(OffsetDateTime, Duration), CallError> {
        self.call(bound, self.client.server_time()).await
    }

    /// The accounts, asked afresh (reqManagedAccts).
    pub async fn accounts(&self, bound: Duration) -> Result<Vec<String>, CallError> {
        self.call(bound, self.client.managed_accounts())
            .await
            .map(|(accounts, _)| accounts)
    }

    /// Waits for the lane (at most `bound`), then runs `call` (at most `bound`).
    async fn call<T>(
        &self,
        bound: Duration,
        call: impl Future<Output = Result<T, ibapi::Error>>,
    ) -> Result<(T, Duration), CallError> {
        let _lane = tokio::time::timeout(bound, self.lane.lock())
            .await
            .map_err(|_| CallError::Timeout)?;
        let started = Instant::now();
        match tokio::time::timeout(bound, call).await {
            Err(_) | Ok(Err(ibapi::Error::Timeout)) => Err(CallError::Timeout),
            Ok(Ok(value)) => Ok((value, started.elapsed())),
            Ok(Err(err)) if is_lost(&err) => Err(CallError::Lost),
            Ok(Err(err)) => Err(CallError::Failed(err.to_string())),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop_tasks();
    }
}

fn is_lost(err: &ibapi::Error) -> bool {
    use ibapi::Error as E;
    err.is_connection_lost()
        || matches!(
            err,
            E::ConnectionFailed | E::Shutdown | E::ConnectionReset | E::EndOfStream
        )
}
