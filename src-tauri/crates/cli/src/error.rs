//! What can stop a run, and the exit codes: 0 all is well, 1 a problem was found, 2 bad usage, bad
//! settings or an error (clap uses 2 for usage errors too), 3 `diagnose` found the Gateway listening but
//! nothing tested its API (not a pass: a Gateway with a dead API layer listens just the same), 4 `restart`
//! held back by the restart limits (try again at the time it names).

use std::path::PathBuf;
use std::process::ExitCode;

use gateway_core::config::{InputError, InvalidValue};
use gateway_core::sockets::SocketError;
use gateway_core::supervisor::SupervisorError;

/// How a run ended, as the shell sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Healthy, nothing found, everything cleaned.
    Ok,
    /// A problem was found (or is left).
    Problem,
    /// Bad usage, bad settings, or an error.
    Usage,
    /// The Gateway listens but its API was not tested (`diagnose` without a session to test through).
    NotTested,
    /// Held back by a limit that protects the Gateway (`restart` too soon after the last one).
    HeldBack,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        match exit {
            Exit::Ok => ExitCode::SUCCESS,
            Exit::Problem => ExitCode::from(1),
            Exit::Usage => ExitCode::from(2),
            Exit::NotTested => ExitCode::from(3),
            Exit::HeldBack => ExitCode::from(4),
        }
    }
}

/// Why a run stopped before it could do its job: always exit 2 (a problem the run found is
/// `Ok(Exit::Problem)`, not an error).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{} setting(s) cannot be used", .0.len())]
    Config(Vec<InvalidValue>),
    #[error(transparent)]
    Inputs(#[from] InputError),
    #[error(
        "the worker program is missing at {}: reinstall Gateway Doctor, or set GATEWAY_DOCTOR_WORKER to the path of gateway-doctor-worker (gateway-worker in a development build)",
        .0.display()
    )]
    WorkerMissing(PathBuf),
    #[error("cannot read this computer's connections: {0}")]
    Sockets(#[from] SocketError),
    #[error(transparent)]
    Supervisor(#[from] SupervisorError),
    #[error(
        "not ending anything without a confirmation: run again with --yes to end the {0} program(s) listed above"
    )]
    NeedsYes(usize),
    #[error("cannot {about}: {source}")]
    Io {
        about: &'static str,
        #[source]
        source: std::io::Error,
    },
}
