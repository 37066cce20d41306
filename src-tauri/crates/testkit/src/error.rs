//! Why a program could not be started or did not become ready.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(
        "{} is missing: build this workspace's programs first (`cargo build --workspace --bins`, with \
         `--release` for a release benchmark: the same profile as this program)",
        path.display()
    )]
    Missing { path: PathBuf },
    #[error("cannot tell target/<profile> from this program's path {}", exe.display())]
    NoTargetDir { exe: PathBuf },
    #[error("cannot start {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{program} did not say it was ready within {within:?}; its stderr:\n{stderr}")]
    NotReady {
        program: String,
        within: Duration,
        stderr: String,
    },
    #[error("{program} ended ({status}) before it said it was ready; its stderr:\n{stderr}")]
    Exited {
        program: String,
        status: String,
        stderr: String,
    },
    #[error("{program}'s ready line is not understood ({reason}); its stderr:\n{stderr}")]
    BadReadyLine {
        program: String,
        reason: String,
        stderr: String,
    },
}
