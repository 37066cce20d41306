//! A child started with its stderr followed, and the error that ends one that never became ready.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::stderr::StderrTail;
use crate::{READY_WITHIN, StartError};

/// Why a child is not ready.
pub(crate) enum NotReady {
    /// Nothing within [`READY_WITHIN`].
    Silent,
    /// Its output ended (it exited) first.
    Ended,
    /// It said something else; the reason.
    Garbled(String),
}

pub(crate) struct Started {
    pub child: Child,
    pub stderr: StderrTail,
    program: &'static str,
}

impl Started {
    /// Spawns `command` with its stderr piped and followed (echoed to ours unless `quiet`).
    pub fn spawn(
        command: &mut Command,
        program: &'static str,
        quiet: bool,
    ) -> Result<Started, StartError> {
        let mut child =
            command
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|source| StartError::Spawn {
                    program: program.into(),
                    source,
                })?;
        let stderr = StderrTail::follow(child.stderr.take().expect("piped stderr"), !quiet);
        Ok(Started {
            child,
            stderr,
            program,
        })
    }

    /// Ends and reaps the child; the error says why it was not ready and quotes its stderr.
    pub fn fail(mut self, why: NotReady) -> StartError {
        let exited = match why {
            NotReady::Ended => self.child.wait().ok(),
            _ => self.child.try_wait().ok().flatten(),
        };
        let _ = self.child.kill();
        let _ = self.child.wait();
        let program = self.program.to_string();
        let stderr = self.stderr.text(Duration::from_secs(1));
        match (exited, why) {
            (Some(status), _) => StartError::Exited {
                program,
                status: status.to_string(),
                stderr,
            },
            (None, NotReady::Garbled(reason)) => StartError::BadReadyLine {
                program,
                reason,
                stderr,
            },
            (None, _) => StartError::NotReady {
                program,
                within: READY_WITHIN,
                stderr,
            },
        }
    }
}
