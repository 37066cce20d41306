//! The Connections screen's calls, run on blocking threads (the socket table and /proc are read with
//! blocking system calls): a full scan of the session's port, the client-id ledger (the programs with a
//! working connection to it) and who in it holds a refused client id, and the cleanup of the zombies the
//! user confirmed. A real cleanup needs the confirmation built from the dry run the user saw (processes by pid and start time, their stale
//! connections, the live sessions ticked one by one); only a dry run may go without it. The dry run and
//! the click are the two scans a stale connection must be seen in.

use std::net::IpAddr;

use gateway_core::sockets::{
    self, CleanConfirmation, CleanOptions, CleanReport, ClientIdHolders, ClientLedger, PortScan,
};

use crate::error::AppError;

pub async fn scan(port: u16) -> Result<PortScan, AppError> {
    tokio::task::spawn_blocking(move || sockets::scan(port))
        .await
        .map_err(AppError::join)?
        .map_err(AppError::from)
}

pub async fn ledger(port: u16) -> Result<ClientLedger, AppError> {
    tokio::task::spawn_blocking(move || sockets::client_ledger(port))
        .await
        .map_err(AppError::join)?
        .map_err(AppError::from)
}

/// The holders of `client_id` on the port, from one ledger scan.
pub async fn holders(port: u16, client_id: i64) -> Result<ClientIdHolders, AppError> {
    Ok(sockets::client_id_holders(&ledger(port).await?, client_id))
}

/// What the user asked for on the Connections screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanRequest {
    pub confirmation: Option<CleanConfirmation>,
    pub dry_run: bool,
}

pub async fn clean(port: u16, host: &str, request: CleanRequest) -> Result<CleanReport, AppError> {
    if request.confirmation.is_none() && !request.dry_run {
        return Err(AppError::ConfirmationRequired);
    }
    let options = CleanOptions {
        dry_run: request.dry_run,
        // A configured non-loopback Gateway's zombies qualify too; core always accepts loopback ones.
        host: host.parse::<IpAddr>().ok().filter(|ip| !ip.is_loopback()),
        confirmation: request.confirmation,
        ..CleanOptions::default()
    };
    tokio::task::spawn_blocking(move || sockets::clean(port, &options))
        .await
        .map_err(AppError::join)?
        .map_err(AppError::from)
}
