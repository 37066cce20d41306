//! The one verdict, from the checklist and the observations, first match wins: bad settings, a reset window
//! (when something is wrong that it can explain), nothing listening (listening elsewhere; or IB Gateway / TWS running with its
//! API off or on another port, told from "not running" by the process list), a Gateway too old, a client id in
//! use, an API closed at once or not speaking the API, an unresponsive API layer, zombies, a lost IB link;
//! then healthy, but only when a session is connected and answered. A listening port whose API nobody
//! tested is `listening_not_tested`, with how to test it.

use gateway_proto::{CheckId, CheckStatus, ErrorCode, Remedy, SessionState, Verdict};

use super::assess::{Builder, KNOWN_PORTS, Observations, RESTART_STEPS, api_menu, holders_words};
use super::session_test::PingOutcome;

/// The next step of `listening_not_tested`: how to test the API without harming it.
pub(super) const HOW_TO_TEST: &str = "Test its API: click Connect (or Diagnose) in the Gateway Doctor \
     app, or run `gateway-doctor diagnose --handshake`, which connects once and keeps that connection open \
     long enough not to upset the Gateway.";

/// The verdict and the words and remedy that go with it in the report.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Conclusion {
    pub(super) verdict: Verdict,
    pub(super) summary: String,
    pub(super) next_step: String,
    pub(super) remedy: Option<Remedy>,
}

pub(super) fn verdict(
    obs: &Observations,
    b: &Builder,
    handshake_error: Option<ErrorCode>,
    session: Option<SessionState>,
    client_zombies: u32,
) -> Conclusion {
    let fail = |id| b.status(id) == CheckStatus::Fail;
    if let Some(first) = obs.config_errors.first() {
        return Conclusion {
            verdict: Verdict::BadConfig,
            summary: format!("A setting is wrong: {}.", first.message),
            next_step: "Open Settings and correct it.".into(),
            remedy: Some(Remedy::OpenSettings),
        };
    }
    // A reset window explains only what a reset can cause: a lost link to IB, a late or silent API, a
    // Gateway restarting itself (its process is there, its port not yet). It does not explain a Gateway
    // that is not running, an API on another port, a client id in use or a Gateway too old: waiting would
    // not fix those, so their own verdicts follow (the window stays listed among the checks).
    let restarting = !obs.gateway_processes.is_empty() && obs.other_listening_ports.is_empty();
    let silent = matches!(
        handshake_error,
        Some(
            ErrorCode::HandshakeTimeout
                | ErrorCode::GatewayUnresponsive
                | ErrorCode::ConnectionLost
        )
    );
    let reset_can_cause = (fail(CheckId::PortListening) && restarting)
        || fail(CheckId::IbLink)
        || (fail(CheckId::Handshake) && silent)
        || fail(CheckId::Heartbeat)
        || fail(CheckId::AcceptQueue);
    if let (Some(w), true) = (&obs.reset_window, reset_can_cause) {
        return Conclusion {
            verdict: Verdict::ResetWindow,
            summary: format!(
                "IBKR's servers are in their scheduled reset ({}); interruptions are normal now.",
                w.name
            ),
            next_step: format!(
                "Nothing to fix: wait until about {}. Gateway Doctor reconnects by itself.",
                w.ends_local
            ),
            remedy: Some(Remedy::WaitUntil {
                at_ms: w.ends_at_ms,
            }),
        };
    }
    if fail(CheckId::PortListening) {
        if let Some(&port) = obs.other_listening_ports.first() {
            let name = KNOWN_PORTS
                .iter()
                .find(|(p, _)| *p == port)
                .map_or("IB", |(_, n)| n);
            return Conclusion {
                verdict: Verdict::WrongPortOrApiDisabled,
                summary: format!(
                    "Nothing answers on port {}, but something listens on port {port} ({name}).",
                    obs.port
                ),
                next_step: format!(
                    "Switch to port {port}, or set IB Gateway's \u{201c}Socket port\u{201d} to {} ({}).",
                    obs.port,
                    api_menu()
                ),
                remedy: Some(Remedy::SwitchPort { port }),
            };
        }
        if let Some(running) = obs.gateway_processes.first() {
            let name = running.product.label();
            return Conclusion {
                verdict: Verdict::WrongPortOrApiDisabled,
                summary: format!(
                    "{name} is running, but its API is not listening on port {}.",
                    obs.port
                ),
                next_step: format!(
                    "In {name}, turn on the API and check the port: {}, tick \u{201c}Enable ActiveX and Socket Clients\u{201d} (where it is shown) and set the \u{201c}Socket port\u{201d} to {}.",
                    api_menu(),
                    obs.port
                ),
                remedy: Some(Remedy::Retry),
            };
        }
        return Conclusion {
            verdict: Verdict::GatewayNotRunning,
            summary: format!(
                "IB Gateway is not running (nothing is listening on port {}).",
                obs.port
            ),
            next_step: format!(
                "Start IB Gateway and log in. If it is running, turn on its API in {} and check the \u{201c}Socket port\u{201d}.",
                api_menu()
            ),
            remedy: Some(Remedy::Retry),
        };
    }
    let connected = session == Some(SessionState::Connected);
    match handshake_error {
        Some(ErrorCode::GatewayTooOld) => {
            return Conclusion { verdict: Verdict::GatewayTooOld, summary: "This IB Gateway is too old for Gateway Doctor.".into(), next_step: "Install the latest IB Gateway (stable or latest) from interactivebrokers.com, then start it again.".into(), remedy: None };
        }
        Some(ErrorCode::ClientIdInUse) => {
            let remedy = (client_zombies > 0).then_some(Remedy::CleanZombies {
                count: client_zombies,
            });
            let holder = holders_words(obs).and_then(|h| h.holder_name);
            return Conclusion {
                verdict: Verdict::ClientIdInUse,
                summary: match obs.client_id {
                    Some(id) => format!(
                        "Client id {id} is already in use by another connection to the Gateway."
                    ),
                    None => "The client id is already in use by another connection to the Gateway."
                        .into(),
                },
                next_step: if client_zombies > 0 {
                    format!(
                        "Clean up the {client_zombies} stale connection(s) holding it, then connect again."
                    )
                } else if let Some(name) = holder {
                    format!(
                        "Close {name}, which uses this client id, or choose another client id in Settings."
                    )
                } else {
                    "Close the other program that uses this client id, or choose another client id in Settings.".into()
                },
                remedy,
            };
        }
        Some(ErrorCode::ConnectionRefused | ErrorCode::ConnectionLost)
            if !connected && obs.scan.as_ref().is_some_and(|s| !s.listeners.is_empty()) =>
        {
            return Conclusion {
                verdict: Verdict::WrongPortOrApiDisabled,
                summary: "The Gateway's port is open but it closed the connection at once.".into(),
                next_step: format!(
                    "Check IB Gateway's API settings ({}) as listed below: most often \u{201c}Allow connections from localhost only\u{201d} or \u{201c}Trusted IPs\u{201d} keeps Gateway Doctor out.",
                    api_menu()
                ),
                remedy: Some(Remedy::Retry),
            };
        }
        // Without the socket table, a refused connection is the one sign of the port: nothing accepts there.
        Some(ErrorCode::ConnectionRefused) if !connected && obs.scan.is_none() => {
            return Conclusion {
                verdict: Verdict::GatewayNotRunning,
                summary: format!(
                    "Nothing accepts connections on port {}: IB Gateway is not running there, or its API is off.",
                    obs.port
                ),
                next_step: format!(
                    "Start IB Gateway and log in. If it is running, turn on its API in {} and check the \u{201c}Socket port\u{201d}.",
                    api_menu()
                ),
                remedy: Some(Remedy::Retry),
            };
        }
        Some(ErrorCode::ProtocolError) if !connected => {
            return Conclusion {
                verdict: Verdict::WrongPortOrApiDisabled,
                summary: format!(
                    "Something listens on port {}, but it does not answer like IB Gateway.",
                    obs.port
                ),
                next_step: format!(
                    "Check the port: IB Gateway uses 4002 (paper) or 4001 (live), TWS 7497 or 7496 (the \u{201c}Socket port\u{201d} in {}).",
                    api_menu()
                ),
                remedy: Some(Remedy::Retry),
            };
        }
        _ => {}
    }
    let ping_failed = matches!(obs.ping, Some(PingOutcome::Unanswered { .. }));
    let unresponsive = fail(CheckId::AcceptQueue)
        || fail(CheckId::Heartbeat)
        || fail(CheckId::ApiStart)
        || matches!(
            handshake_error,
            Some(ErrorCode::HandshakeTimeout | ErrorCode::GatewayUnresponsive)
        )
        || ping_failed
        || session == Some(SessionState::Unresponsive);
    if unresponsive {
        return Conclusion {
            verdict: Verdict::GatewayUnresponsive,
            summary: "Gateway API layer is unresponsive: its port is open but it does not answer."
                .into(),
            next_step: RESTART_STEPS.into(),
            remedy: Some(Remedy::RestartGateway),
        };
    }
    if client_zombies > 0 {
        return Conclusion {
            verdict: Verdict::ZombiesPresent,
            summary: format!(
                "{client_zombies} stale connection(s) to the Gateway are left open by programs on this computer."
            ),
            next_step: "Clean them up: they can hold client ids and confuse the Gateway.".into(),
            remedy: Some(Remedy::CleanZombies {
                count: client_zombies,
            }),
        };
    }
    if fail(CheckId::IbLink) {
        return Conclusion { verdict: Verdict::IbServersDisconnected, summary: "The Gateway is running but has lost its connection to IB's servers.".into(), next_step: "Wait a few minutes: it reconnects by itself. If it does not, check this computer's internet connection.".into(), remedy: None };
    }
    if connected {
        return Conclusion {
            verdict: Verdict::Healthy,
            summary: format!(
                "Connected to IB Gateway on port {}; its API answers.",
                obs.port
            ),
            next_step: "Nothing to do.".into(),
            remedy: None,
        };
    }
    // Listening, but no session answered: say so, never "healthy". Without the socket table nothing here
    // says the port listens either: say that instead of guessing.
    let untested = obs.worker.as_ref().and_then(|w| w.last_error.as_ref());
    if obs.scan.is_none() {
        let why = untested.map_or(String::new(), |e| format!(" ({})", e.message));
        return Conclusion {
            verdict: Verdict::ListeningNotTested,
            summary: format!(
                "Gateway Doctor could not read this computer's connections, so it cannot tell whether IB Gateway \
                 listens on port {}; its API was not tested{why}.",
                obs.port
            ),
            next_step: HOW_TO_TEST.into(),
            remedy: Some(Remedy::Retry),
        };
    }
    let summary = match untested {
        Some(e) => format!(
            "IB Gateway is listening on port {}; its API could not be tested ({}).",
            obs.port, e.message
        ),
        None => format!(
            "IB Gateway is listening on port {}; its API was not tested.",
            obs.port
        ),
    };
    Conclusion {
        verdict: Verdict::ListeningNotTested,
        summary,
        next_step: HOW_TO_TEST.into(),
        remedy: Some(Remedy::Retry),
    }
}
