//! The ways a real IB Gateway misbehaves, as selectable fault modes.
//!
//! Each mode reproduces one failure from the field or from measurements (README's fault table). A mode is
//! written as text (`silent`, `slow_handshake:2000`, `red_after_disconnect:5000:3`) on the command line and
//! in control commands, and shown the same way in stats.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Server version reported by the `old_version` fault: a Gateway older than ibapi 5.x accepts (< 213).
pub const OLD_VERSION: i32 = 187;

/// A fault mode. `Normal` answers everything as a healthy Gateway does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Normal,
    /// Accepts and reads, never answers anything ("API RED").
    Silent,
    /// Listens but never accepts: the kernel completes handshakes and the accept queue grows.
    NoAccept,
    /// Sends the accounts and farm notices after START_API but never nextValidId (Gateway 10.41 reports).
    NoNextValidId,
    /// Sends the version reply, then closes the connection.
    CloseAfterHandshake,
    /// Answers the hello with bytes that are not a TWS frame.
    Garbage,
    /// Waits this long before the version reply.
    SlowHandshake(Duration),
    /// Reports server version [`OLD_VERSION`].
    OldVersion,
    /// Answers everything except reqCurrentTime (the heartbeat), on every session.
    IgnoreHeartbeat,
    /// Never closes its side when a client leaves: the Gateway-side socket stays in CLOSE_WAIT.
    HoldClosed,
    /// Goes silent for everyone (and stays so until a restart) when a client closes within `within` of
    /// starting its API session, or after `cycles` connect/close cycles within a minute.
    RedAfterDisconnect {
        within: Duration,
        cycles: u32,
    },
    /// Completes the handshake, then drops each session this long after its START_API: a half-dead API
    /// layer, a proxy or a tunnel that cuts connections (the fault a reconnect loop must not hammer).
    DropAfter(Duration),
}

impl Fault {
    /// Defaults of `red_after_disconnect` when written without parameters.
    pub const RED_WITHIN_DEFAULT: Duration = Duration::from_secs(5);
    pub const RED_CYCLES_DEFAULT: u32 = 3;

    /// Every mode by name, for help texts and error messages.
    pub const NAMES: &'static [&'static str] = &[
        "normal",
        "silent",
        "no_accept",
        "no_next_valid_id",
        "close_after_handshake",
        "garbage",
        "slow_handshake:MS",
        "old_version",
        "ignore_heartbeat",
        "hold_closed",
        "red_after_disconnect[:WITHIN_MS[:CYCLES]]",
        "drop_after:MS",
    ];
}

/// Why a fault name was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault {given:?}: use one of {}", Fault::NAMES.join(", "))]
pub struct ParseFaultError {
    given: String,
}

impl FromStr for Fault {
    type Err = ParseFaultError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || ParseFaultError {
            given: text.to_string(),
        };
        let mut parts = text.trim().split(':');
        let name = parts.next().unwrap_or_default();
        let args: Vec<u64> = parts
            .map(|p| p.parse().map_err(|_| err()))
            .collect::<Result<_, _>>()?;
        let fault = match (name, args.as_slice()) {
            ("normal", []) => Fault::Normal,
            ("silent", []) => Fault::Silent,
            ("no_accept", []) => Fault::NoAccept,
            ("no_next_valid_id", []) => Fault::NoNextValidId,
            ("close_after_handshake", []) => Fault::CloseAfterHandshake,
            ("garbage", []) => Fault::Garbage,
            ("slow_handshake", [ms]) => Fault::SlowHandshake(Duration::from_millis(*ms)),
            ("old_version", []) => Fault::OldVersion,
            ("ignore_heartbeat", []) => Fault::IgnoreHeartbeat,
            ("hold_closed", []) => Fault::HoldClosed,
            ("drop_after", [ms]) => Fault::DropAfter(Duration::from_millis(*ms)),
            ("red_after_disconnect", rest) if rest.len() <= 2 => Fault::RedAfterDisconnect {
                within: rest
                    .first()
                    .map_or(Fault::RED_WITHIN_DEFAULT, |ms| Duration::from_millis(*ms)),
                cycles: match rest.get(1) {
                    Some(&k) => u32::try_from(k).map_err(|_| err())?.max(1),
                    None => Fault::RED_CYCLES_DEFAULT,
                },
            },
            _ => return Err(err()),
        };
        Ok(fault)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Normal => f.write_str("normal"),
            Fault::Silent => f.write_str("silent"),
            Fault::NoAccept => f.write_str("no_accept"),
            Fault::NoNextValidId => f.write_str("no_next_valid_id"),
            Fault::CloseAfterHandshake => f.write_str("close_after_handshake"),
            Fault::Garbage => f.write_str("garbage"),
            Fault::SlowHandshake(d) => write!(f, "slow_handshake:{}", d.as_millis()),
            Fault::OldVersion => f.write_str("old_version"),
            Fault::IgnoreHeartbeat => f.write_str("ignore_heartbeat"),
            Fault::HoldClosed => f.write_str("hold_closed"),
            Fault::RedAfterDisconnect { within, cycles } => {
                write!(f, "red_after_disconnect:{}:{}", within.as_millis(), cycles)
            }
            Fault::DropAfter(d) => write!(f, "drop_after:{}", d.as_millis()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_round_trips_through_its_text_form() {
        let modes = [
            Fault::Normal,
            Fault::Silent,
            Fault::NoAccept,
            Fault::NoNextValidId,
            Fault::CloseAfterHandshake,
            Fault::Garbage,
            Fault::SlowHandshake(Duration::from_millis(1500)),
            Fault::OldVersion,
            Fault::IgnoreHeartbeat,
            Fault::HoldClosed,
            Fault::RedAfterDisconnect {
                within: Duration::from_millis(2000),
                cycles: 4,
            },
            Fault::DropAfter(Duration::from_millis(300)),
        ];
        for mode in modes {
            assert_eq!(mode.to_string().parse::<Fault>(), Ok(mode));
        }
    }

    #[test]
    fn red_after_disconnect_has_defaults() {
        assert_eq!(
            "red_after_disconnect".parse::<Fault>(),
            Ok(Fault::RedAfterDisconnect {
                within: Fault::RED_WITHIN_DEFAULT,
                cycles: Fault::RED_CYCLES_DEFAULT
            })
        );
    }

    #[test]
    fn unknown_or_malformed_modes_name_the_choices() {
        for bad in [
            "",
            "loud",
            "slow_handshake",
            "slow_handshake:x",
            "silent:1",
            "red_after_disconnect:1:2:3",
            "drop_after",
            "drop_after:-5",
        ] {
            let err = bad.parse::<Fault>().expect_err(bad);
            assert!(err.to_string().contains("no_next_valid_id"), "{err}");
        }
    }
}
