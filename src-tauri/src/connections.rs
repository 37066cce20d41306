//! The Connections screen's two calls, run on blocking threads (the socket table and /proc are read with
//! blocking system calls): a full scan of the session's port, and the cleanup of the zombies the user
//! confirmed. A real cleanup needs the confirmed pids; only a dry run may go without them, to list what a
//! cleanup would end.

use std::net::IpAddr;

use gateway_core::sockets::{self, CleanOptions, CleanReport, PortScan};

use crate::error::AppError;

pub async fn scan(port: u16) -> Result<PortScan, AppError> {
    tokio::task::spawn_blocking(move || sockets::scan(port))
        .await
        .map_err(AppError::join)?
        .map_err(AppError::from)
}

/// What the user asked for on the Connections screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanRequest {
    pub pids: Option<Vec<u32>>,
    pub include_live: bool,
    pub dry_run: bool,
}

pub async fn clean(port: u16, host: &str, request: CleanRequest) -> Result<CleanReport, AppError> {
    if request.pids.is_none() && !request.dry_run {
        return Err(AppError::ConfirmationRequired);
    }
    let options = CleanOptions {
        include_live: request.include_live,
        dry_run: request.dry_run,
        // A configured non-loopback Gateway's zombies qualify too; core always accepts loopback ones.
        host: host.parse::<IpAddr>().ok().filter(|ip| !ip.is_loopback()),
        only_pids: request.pids,
        ..CleanOptions::default()
    };
    tokio::task::spawn_blocking(move || sockets::clean(port, &options))
        .await
        .map_err(AppError::join)?
        .map_err(AppError::from)
}
