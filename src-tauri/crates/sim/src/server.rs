//! The API port: an accept loop that honours no_accept, and the restart that closes everything, stays
//! down for a while and listens again on the same port (a new listening socket, as a restarted Gateway has).
//! A stop (IBC's STOP) closes everything and listens no more until a restart starts the Gateway again.
//! Whether the Gateway is up is published to the rest of the simulator (the IBC command server, which lives
//! in the Gateway's process, goes down and comes back with it).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};

use crate::control;
use crate::fault::Fault;
use crate::ibc;
use crate::session;
use crate::state::{Shared, SimConfig, Stats};

/// What the control port or the IBC command server asks of the API port.
pub(crate) enum PortCommand {
    Restart(Restart),
    /// The Gateway exits: every connection closes and the port stops listening.
    Stop,
}

/// A restart request; answered once the port listens again.
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
    ibc: Option<SocketAddr>,
}

impl Sim {
    /// Binds the API and control ports and starts serving on the current tokio runtime.
    pub async fn start(config: SimConfig) -> std::io::Result<Sim> {
        let listener = TcpListener::bind(config.listen).await?;
        let listening = listener.local_addr()?;
        let control_listener = TcpListener::bind(config.control).await?;
        let control = control_listener.local_addr()?;
        let ibc_listener = match &config.ibc {
            Some(options) => Some(TcpListener::bind(options.listen).await?),
            None => None,
        };
        let ibc = ibc_listener
            .as_ref()
            .map(TcpListener::local_addr)
            .transpose()?;
        let ibc_options = config.ibc.clone();
        let shared = Arc::new(Shared::new(config));
        let (port_tx, port_rx) = mpsc::channel(4);
        tokio::spawn(serve_api(shared.clone(), listener, port_rx));
        if let (Some(listener), Some(options)) = (ibc_listener, ibc_options) {
            tokio::spawn(ibc::serve(
                shared.clone(),
                listener,
                options,
                port_tx.clone(),
            ));
        }
        tokio::spawn(control::serve(shared.clone(), control_listener, port_tx));
        tracing::info!(%listening, %control, ?ibc, fault = %shared.fault(), "gateway-sim is up");
        Ok(Sim {
            shared,
            listening,
            control,
            ibc,
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

    /// The IBC command server's address, when it was asked for (`--ibc`).
    pub fn ibc(&self) -> Option<SocketAddr> {
        self.ibc
    }

    /// The counters, as the control command `stats` returns them.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }
}

async fn serve_api(
    shared: Arc<Shared>,
    listener: TcpListener,
    mut commands: mpsc::Receiver<PortCommand>,
) {
    let mut fault = shared.watch_fault();
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(err) => {
            tracing::error!("the API port has no address: {err}");
            return;
        }
    };
    let mut listener = Some(listener);
    loop {
        tokio::select! {
            accepted = accept_on(listener.as_ref(), &mut fault) => match accepted {
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
            Some(command) = commands.recv() => match command {
                PortCommand::Stop => {
                    listener = None;
                    shared.drop_all();
                    shared.set_up(false);
                    tracing::warn!("stop: the Gateway has exited; the API port no longer listens");
                }
                PortCommand::Restart(restart) => {
                    listener = None;
                    shared.drop_all();
                    shared.set_up(false);
                    tracing::warn!(down = ?restart.down, "restart: API port closed");
                    tokio::time::sleep(restart.down).await;
                    shared.restarted(restart.fault.unwrap_or(shared.config.fault));
                    match rebind(addr).await {
                        Ok(l) => listener = Some(l),
                        Err(err) => {
                            tracing::error!("restart could not listen on {addr} again: {err}");
                            let _ = restart.done.send(Err(err));
                            continue;
                        }
                    };
                    shared.set_up(true);
                    tracing::warn!(%addr, fault = %shared.fault(), "restart: listening again");
                    let _ = restart.done.send(Ok(()));
                }
            }
        }
    }
}

/// The next connection on `listener`; never ready while the Gateway is not running (no listener).
async fn accept_on(
    listener: Option<&TcpListener>,
    fault: &mut watch::Receiver<Fault>,
) -> std::io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => accept_unless_paused(listener, fault).await,
        None => std::future::pending().await,
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
pub(crate) async fn rebind(addr: SocketAddr) -> std::io::Result<TcpListener> {
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
