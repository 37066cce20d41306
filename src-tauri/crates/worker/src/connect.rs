//! One connect: ibapi's async client inside a timeout, with the handshake observed step by step, and
//! every way it can fail turned into a [`WorkerError`] that says how far it got. Why a timeout and no
//! ibapi reconnect: ibapi 5.5.0's measured behaviour on each fault, in docs/FACTS.md.

use std::io::ErrorKind;
use std::time::Duration;

use gateway_proto::HandshakeStepName::{
    self, ManagedAccounts, NextValidId, ServerVersion, TcpConnected,
};
use ibapi::Client;
use ibapi::subscriptions::NoticeStream;

use crate::errors::{RESTART_STEPS, WorkerError};
use crate::probe::{self, Attempt};
use crate::settings::ConnectSettings;

pub struct Established {
    pub client: Client,
    /// How long the connect took.
    pub elapsed: Duration,
    /// Every unrouted notice from the handshake on; ends when the session ends.
    pub notices: NoticeStream,
    pub attempt: Attempt,
}

pub struct Failed {
    pub error: WorkerError,
    pub elapsed: Duration,
    pub attempt: Attempt,
}

/// Opens the API session. ibapi's own reconnect is off (it can hang forever; reconnecting is the
/// supervisor's job), and a timeout drops the half-done connect, which closes its socket.
pub async fn establish(settings: &ConnectSettings) -> Result<Established, Failed> {
    let armed = probe::arm();
    let connect = Client::builder()
        .address(settings.address())
        .client_id(settings.client_id)
        .max_reconnect_attempts(0)
        .connect_with_notice_stream();
    let result = tokio::time::timeout(settings.timeout, connect).await;
    let mut attempt = armed.finish();
    let elapsed = attempt.elapsed();
    match result {
        Ok(Ok((client, notices))) => {
            if !attempt.reached(TcpConnected) {
                tracing::warn!(
                    "ibapi's handshake log records were not seen: step times are the connect's end"
                );
            }
            attempt.reach(ManagedAccounts);
            attempt.reach(NextValidId);
            Ok(Established {
                client,
                elapsed,
                notices,
                attempt,
            })
        }
        Ok(Err(err)) => {
            tracing::info!(address = %settings.address(), "connect failed: {err:?}");
            let error = classify(err, settings, &mut attempt);
            Err(Failed {
                error,
                elapsed,
                attempt,
            })
        }
        Err(_) => Err(Failed {
            error: WorkerError::HandshakeTimeout(describe_timeout(&attempt, settings)),
            elapsed,
            attempt,
        }),
    }
}

/// Maps ibapi's connect error, adding the steps the error itself proves were reached.
fn classify(err: ibapi::Error, settings: &ConnectSettings, attempt: &mut Attempt) -> WorkerError {
    use ibapi::Error as E;
    let addr = settings.address();
    match err {
        E::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => WorkerError::ConnectionRefused { addr },
            // ibapi turns an end of stream at the hello into ConnectionRejected, so this one came after
            // the version reply.
            ErrorKind::UnexpectedEof => {
                attempt.reach(ServerVersion);
                lost_during_handshake(&addr, attempt)
            }
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
                lost_during_handshake(&addr, attempt)
            }
            _ if !attempt.reached(TcpConnected) => WorkerError::Unreachable {
                addr,
                reason: io.to_string(),
            },
            _ => lost_during_handshake(&addr, attempt),
        },
        E::ConnectionRejected(_) => WorkerError::RejectedAtHello { addr },
        E::ServerVersion(needs, seen, _) => {
            attempt.reach(ServerVersion);
            WorkerError::GatewayTooOld { addr, seen, needs }
        }
        E::ClientIdInUse { client_id } => {
            attempt.reach(ServerVersion);
            WorkerError::ClientIdInUse { client_id }
        }
        E::ConnectionReset | E::UnexpectedEndOfStream | E::EndOfStream => {
            lost_during_handshake(&addr, attempt)
        }
        E::InvalidFrame(detail)
        | E::UnexpectedWireFormat(detail)
        | E::UnexpectedResponse(detail) => WorkerError::ProtocolError { addr, detail },
        err @ (E::Parse(..) | E::ParseInt(_) | E::FromUtf8(_)) => WorkerError::ProtocolError {
            addr,
            detail: err.to_string(),
        },
        other => WorkerError::Internal(format!(
            "the connect to {addr} failed unexpectedly: {other}"
        )),
    }
}

fn lost_during_handshake(addr: &str, attempt: &Attempt) -> WorkerError {
    let how_far = if attempt.reached(ServerVersion) {
        "answered and then closed the connection before its API was ready"
    } else {
        "closed the connection before it answered"
    };
    WorkerError::ConnectionLost(format!(
        "The Gateway on {addr} {how_far}. Check IB Gateway's API settings (Configure \u{2192} Settings \u{2192} \
         API \u{2192} Settings: \u{201c}Enable ActiveX and Socket Clients\u{201d} ticked where it is shown, \
         \u{201c}Allow connections from localhost only\u{201d} ticked or this computer in \u{201c}Trusted \
         IPs\u{201d}); if it keeps happening, restart IB Gateway."
    ))
}

/// Says how far a timed-out handshake got, in words.
pub fn describe_timeout(attempt: &Attempt, settings: &ConnectSettings) -> String {
    let addr = settings.address();
    let secs = settings.timeout.as_secs_f64();
    let notices = if attempt.notices.is_empty() {
        String::new()
    } else {
        let codes: Vec<String> = attempt.notices.iter().map(i32::to_string).collect();
        format!(" (and IB notices {})", codes.join(", "))
    };
    let reached = |step: HandshakeStepName| attempt.reached(step);
    match (
        reached(TcpConnected),
        reached(ServerVersion),
        reached(ManagedAccounts),
        reached(NextValidId),
    ) {
        (false, ..) => format!(
            "Could not reach {addr} within {secs} s: nothing answered. Check the host and port, and that \
             no firewall or VPN blocks them."
        ),
        (true, false, ..) => format!(
            "The Gateway on {addr} accepted the connection but never answered Gateway Doctor's hello within \
             {secs} s: its API layer is not responding. {RESTART_STEPS}"
        ),
        (_, _, true, false) => format!(
            "The Gateway on {addr} answered and sent the accounts{notices}, but never said it was ready for \
             orders within {secs} s: its API layer is stuck (seen with IB Gateway 10.41). {RESTART_STEPS}"
        ),
        (_, _, false, true) => format!(
            "The Gateway on {addr} answered and said it was ready for orders{notices}, but never sent the \
             accounts within {secs} s. {RESTART_STEPS}"
        ),
        (_, _, false, false) => format!(
            "The Gateway on {addr} answered{notices} but neither sent the accounts nor said it was ready for \
             orders within {secs} s. {RESTART_STEPS}"
        ),
        (_, _, true, true) => {
            format!("The connect to {addr} did not finish within {secs} s. {RESTART_STEPS}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_proto::words::jargon_in;

    fn settings() -> ConnectSettings {
        ConnectSettings {
            host: "127.0.0.1".into(),
            port: 4002,
            client_id: 7,
            readonly: true,
            timeout: Duration::from_secs(5),
        }
    }

    /// Every way a connect can end short, for every combination of steps reached, reads plainly: the
    /// steps and their protocol names are in the error's `steps` and the log, not in the words.
    #[test]
    fn every_timeout_and_lost_connect_message_reads_without_protocol_words() {
        let names = [TcpConnected, ServerVersion, ManagedAccounts, NextValidId];
        for mask in 0..16u8 {
            let mut attempt = probe::arm().finish();
            for (bit, step) in names.iter().enumerate() {
                if mask & (1 << bit) != 0 {
                    attempt.reach(*step);
                }
            }
            attempt.notices.push(2104);
            let texts = [
                describe_timeout(&attempt, &settings()),
                lost_during_handshake("127.0.0.1:4002", &attempt).to_string(),
            ];
            for text in texts {
                assert_eq!(jargon_in(&text), Vec::<&str>::new(), "{text}");
            }
        }
    }
}
