//! Is the process behind a pid still the one the scan recorded? The record is pid + start time + real uid
//! (Windows: owner SID) + command line; a pid reused by a new process has a later start time, and a process
//! that changed user or exec'd another program is no longer the one the user agreed to end. The start time
//! is the platform's most precise one (Linux clock ticks, macOS microseconds, Windows 100 ns FILETIME units).

use std::io;

use gateway_proto::ProcessInfo;

use super::platform;
use super::sys::LiveIdentity;

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
    compare(expected, platform::live_identity(expected.pid))
}

/// Compares the scan's record with the process as just read (through a handle, at cleanup).
pub(crate) fn compare(
    expected: &ProcessInfo,
    live: io::Result<Option<LiveIdentity>>,
) -> IdentityCheck {
    let live = match live {
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
            "its start time is {} but the scan saw {}: a new process reused the pid",
            live.start_ticks, expected.start_ticks
        ));
    }
    if live.uid != expected.uid {
        return IdentityCheck::Changed(format!(
            "it now runs as uid {} instead of {}",
            live.uid, expected.uid
        ));
    }
    if live.owner_sid != expected.owner_sid {
        return IdentityCheck::Changed(format!(
            "it now runs as {} instead of {}",
            live.owner_sid.as_deref().unwrap_or("an unreadable user"),
            expected
                .owner_sid
                .as_deref()
                .unwrap_or("an unreadable user")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> ProcessInfo {
        ProcessInfo {
            pid: 4242,
            name: "python.exe".into(),
            cmdline: vec!["python.exe".into(), "bot.py".into()],
            uid: gateway_proto::NO_UID,
            owner_sid: Some("S-1-5-21-1-2-3-1001".into()),
            user: None,
            start_ticks: 133_500_000_000_000_000,
            started_at_ms: 0,
            is_gateway: false,
            product: None,
            has_live_session: false,
        }
    }

    fn live(p: &ProcessInfo) -> LiveIdentity {
        LiveIdentity {
            name: p.name.clone(),
            exited: false,
            start_ticks: p.start_ticks,
            uid: p.uid,
            owner_sid: p.owner_sid.clone(),
            cmdline: p.cmdline.clone(),
        }
    }

    #[test]
    fn the_same_process_matches_and_any_difference_refuses() {
        let p = record();
        assert_eq!(compare(&p, Ok(Some(live(&p)))), IdentityCheck::Same);
        let later = LiveIdentity {
            start_ticks: p.start_ticks + 1,
            ..live(&p)
        };
        assert!(matches!(
            compare(&p, Ok(Some(later))),
            IdentityCheck::Changed(_)
        ));
        let other_owner = LiveIdentity {
            owner_sid: Some("S-1-5-18".into()),
            ..live(&p)
        };
        assert!(matches!(
            compare(&p, Ok(Some(other_owner))),
            IdentityCheck::Changed(_)
        ));
        let unreadable_owner = LiveIdentity {
            owner_sid: None,
            ..live(&p)
        };
        assert!(matches!(
            compare(&p, Ok(Some(unreadable_owner))),
            IdentityCheck::Changed(_)
        ));
    }

    #[test]
    fn gone_exited_and_unreadable_are_told_apart() {
        let p = record();
        assert_eq!(compare(&p, Ok(None)), IdentityCheck::Gone);
        let exited = LiveIdentity {
            exited: true,
            ..live(&p)
        };
        assert_eq!(compare(&p, Ok(Some(exited))), IdentityCheck::Gone);
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        assert!(matches!(
            compare(&p, Err(denied)),
            IdentityCheck::Changed(_)
        ));
    }
}
