//! The API port: an accept loop that honours no_accept, and the restart that closes everything, stays
//! down for a while and listens again on the same port (a new listening socket, as a restarted Gateway has).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};

use crate::control;
use crate::fault::Fault;
use crate::session;
use crate::state::{Shared, SimConfig, Stats};

/// A restart request from the control port; answered once the port listens again.
pub(crate) struct Restart {
    pub down: Duration,
    pub fault: Option<Fault>,
    pub done: oneshot::Sender<std::io::Result<()>>,
}

/// A running simulator. Dropping it does not stop the tasks; the process ending does.
pub struct Sim {
    shared: Arc<Shared>,
    listening: SocketAddr,
    control: SocketAddr,
}

impl Sim {
    /// Binds the API and control ports and starts serving on the current tokio runtime.
    pub async fn start(config: SimConfig) -> std::io::Result<Sim> {
        let listener = TcpListener::bind(config.listen).await?;
        let listening = listener.local_addr()?;
        let control_listener = TcpListener::bind(config.control).await?;
        let control = control_listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        let (restart_tx, restart_rx) = mpsc::channel(4);
        tokio::spawn(serve_api(shared.clone(), listener, restart_rx));
        tokio::spawn(control::serve(shared.clone(), control_listener, restart_tx));
        tracing::info!(%listening, %control, fault = %shared.fault(), "gateway-sim is up");
        Ok(Sim {
            shared,
            listening,
            control,
        })
    }

    /// The API port's address.
    pub fn listening(&self) -> SocketAddr {
        self.listening
    }

    /// The control port's address.
    pub fn control(&self) -> SocketAddr {
        self.control
    }

    /// The counters, as the control command `stats` returns them.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }
}

async fn serve_api(
    shared: Arc<Shared>,
    mut listener: TcpListener,
    mut restarts: mpsc::Receiver<Restart>,
) {
    let mut fault = shared.watch_fault();
    loop {
        tokio::select! {
            accepted = accept_unless_paused(&listener, &mut fault) => match accepted {
                Ok((stream, peer)) => {
                    // Replies are written whole, so Nagle would only add delayed-ACK stalls.
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(session::serve(shared.clone(), stream, peer));
                }
                Err(err) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::error!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(restart) = restarts.recv() => {
                let addr = match listener.local_addr() {
                    Ok(addr) => addr,
                    Err(err) => { let _ = restart.done.send(Err(err)); continue; }
                };
                drop(listener);
                shared.drop_all();
                tracing::warn!(down = ?restart.down, "restart: API port closed");
                tokio::time::sleep(restart.down).await;
                shared.restarted(restart.fault.unwrap_or(shared.config.fault));
                listener = match rebind(addr).await {
                    Ok(l) => l,
                    Err(err) => {
                        tracing::error!("restart could not listen on {addr} again: {err}");
                        let _ = restart.done.send(Err(err));
                        return;
                    }
                };
                tracing::warn!(%addr, fault = %shared.fault(), "restart: listening again");
                let _ = restart.done.send(Ok(()));
            }
        }
    }
}

/// Accepts the next connection, except while the fault is no_accept: then the kernel's accept queue fills
/// and nothing is taken from it, as with a Gateway whose API thread is stuck.
async fn accept_unless_paused(
    listener: &TcpListener,
    fault: &mut watch::Receiver<Fault>,
) -> std::io::Result<(TcpStream, SocketAddr)> {
    loop {
        if *fault.borrow_and_update() == Fault::NoAccept {
            if fault.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
            continue;
        }
        tokio::select! {
            accepted = listener.accept() => return accepted,
            _ = fault.changed() => continue,
        }
    }
}

/// Binds `addr` again, retrying briefly in case the old socket is still being torn down.
async fn rebind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let mut last_err = None;
    for _ in 0..50 {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(err) => last_err = Some(err),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(last_err.unwrap_or_else(|| std::io::Error::other("rebind failed")))
}
