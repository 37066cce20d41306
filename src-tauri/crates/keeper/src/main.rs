//! gateway-doctor-keeper: the process that keeps Gateway Doctor's session while the window comes and goes
//! (Linux). It runs the backend (the supervisor and its worker, the checks, the notifications' rules), the
//! tray and the local link; the window (gateway-doctor-app) is started on Open and talks to it over the link.
//! The window starts it when none runs; a second one finds the link taken and leaves.

use std::process::ExitCode;

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--version") {
        println!("gateway-doctor-keeper {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    #[cfg(target_os = "linux")]
    return gateway_doctor_keeper::program::run();
    #[cfg(not(target_os = "linux"))]
    {
        eprintln!(
            "gateway-doctor-keeper runs on Linux only: on this system the Gateway Doctor app keeps the session itself"
        );
        ExitCode::from(2)
    }
}
