//! Is the process behind a pid still the one the scan recorded? The record is pid + start time in clock
//! ticks + real uid + command line; a pid reused by a new process has a later start time, and a process that
//! changed user or exec'd another program is no longer the one the user agreed to end.

use gateway_proto::ProcessInfo;

use super::platform;

/// The answer of [`verify_identity`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityCheck {
    /// Same process, still running.
    Same,
    /// The pid now names something else; the text says what differs (for the outcome's detail).
    Changed(String),
    /// No such process, or it has exited (its sockets are closed).
    Gone,
}

/// Re-reads the process behind `expected.pid` and compares it with the scan's record. A process whose
/// identity cannot be read is reported as changed: nothing is signalled on a guess.
pub fn verify_identity(expected: &ProcessInfo) -> IdentityCheck {
    let live = match platform::live_identity(expected.pid) {
        Ok(Some(live)) => live,
        Ok(None) => return IdentityCheck::Gone,
        Err(err) => {
            return IdentityCheck::Changed(format!("its details could not be read ({err})"));
        }
    };
    if live.exited {
        return IdentityCheck::Gone;
    }
    if live.start_ticks != expected.start_ticks {
        return IdentityCheck::Changed(format!(
            "it started at tick {} but the scan saw tick {}: a new process reused the pid",
            live.start_ticks, expected.start_ticks
        ));
    }
    if live.uid != expected.uid {
        return IdentityCheck::Changed(format!(
            "it now runs as uid {} instead of {}",
            live.uid, expected.uid
        ));
    }
    if live.cmdline != expected.cmdline {
        return IdentityCheck::Changed(format!(
            "its command line is now {:?} instead of {:?}",
            live.cmdline.join(" "),
            expected.cmdline.join(" ")
        ));
    }
    IdentityCheck::Same
}
