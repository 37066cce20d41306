//! Which IB Gateway and TWS processes run on this computer, whatever they listen on: one pass over the
//! process list (sysinfo, on every OS) with the recogniser (`recognise.rs`). Diagnose uses it when nothing
//! listens on the port, to tell "IB Gateway is running but its API is not listening" from "IB Gateway is
//! not running". Another user's processes are listed too where the OS shows their name and command line.

use gateway_proto::GatewayProcess;
use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};

use super::recognise::recognise;

/// The IB Gateway / TWS processes running now, by pid.
pub fn gateway_processes() -> Vec<GatewayProcess> {
    let mut system = System::new();
    system.refresh_processes_specifics(
        ProcessesToUpdate::All,
        true,
        ProcessRefreshKind::nothing()
            .with_cmd(UpdateKind::OnlyIfNotSet)
            .with_exe(UpdateKind::OnlyIfNotSet),
    );
    let mut found: Vec<GatewayProcess> = system
        .processes()
        .iter()
        .filter_map(|(pid, process)| {
            let name = process.name().to_string_lossy().into_owned();
            let exe = process.exe().map(|p| p.to_string_lossy().into_owned());
            let cmdline: Vec<String> = (process.cmd().iter())
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            let product = recognise(&name, exe.as_deref(), &cmdline)?;
            Some(GatewayProcess {
                pid: pid.as_u32(),
                product,
                name,
            })
        })
        .collect();
    found.sort_by_key(|p| p.pid);
    found
}
