//! Ctrl-C and SIGTERM as a stream of stops, for the commands that hold a session (`connect`, and
//! `diagnose --handshake` while it keeps its session open).

use crate::error::CliError;

/// Ctrl-C (SIGINT) or SIGTERM. Both streams are registered up front, so a signal between two waits is
/// not lost.
pub struct StopSignal {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignal {
    pub fn new() -> Result<StopSignal, CliError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let io = |source| CliError::Io {
                about: "listen for Ctrl-C",
                source,
            };
            Ok(StopSignal {
                interrupt: signal(SignalKind::interrupt()).map_err(io)?,
                terminate: signal(SignalKind::terminate()).map_err(io)?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignal {})
    }

    pub async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
