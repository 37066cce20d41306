//! The small parts of the view: the IB link and farm lights, the stale line, the Gateway-settings help, the
//! facts.

use super::*;

#[test]
fn the_link_light_follows_the_notices_and_is_grey_without_a_session() {
    let link = |state| LinkStatus {
        state,
        code: None,
        message: None,
        at_ms: None,
    };
    for (state, light) in [
        (LinkState::Ok, Green),
        (LinkState::Unknown, Green),
        (LinkState::Restored, Green),
        (LinkState::Lost, Amber),
        (LinkState::RestoredDataLost, Amber),
        (LinkState::SocketPortReset, Amber),
        (LinkState::ServerBroken, Red),
    ] {
        assert_eq!(
            lights::link_light(&link(state), true).light,
            light,
            "{state:?}"
        );
    }
    assert_eq!(lights::link_light(&link(LinkState::Ok), false).light, Grey);
    let idle = view(&state(Lifecycle::Idle), None, None);
    assert_eq!((idle.link.id.as_str(), idle.link.light), ("ib-link", Grey));
}

#[test]
fn farm_lights_ok_green_broken_amber_inactive_grey_each_with_a_word() {
    let farms = [
        farm(FarmKind::MarketData, "usfarm", FarmState::Ok),
        farm(FarmKind::HistoricalData, "ushmds", FarmState::Inactive),
        farm(FarmKind::SecurityDefinition, "secdefnj", FarmState::Broken),
    ];
    let lights: Vec<_> = lights::farm_lights(&farms, true)
        .into_iter()
        .map(|l| (l.id, l.label, l.light, l.word))
        .collect();
    let expected = [
        ("farm-usfarm", "Market data", Green, "OK"),
        ("farm-ushmds", "Historical data", Grey, "Idle"),
        ("farm-secdefnj", "Contract details", Amber, "Down"),
    ];
    assert_eq!(lights.len(), expected.len());
    for (got, (id, label, light, word)) in lights.iter().zip(expected) {
        assert_eq!(
            (got.0.as_str(), got.1.as_str(), got.2, got.3.as_str()),
            (id, label, light, word)
        );
    }
    for none in [
        lights::farm_lights(&farms, false),
        lights::farm_lights(&[], true),
    ] {
        assert_eq!(none.len(), 1);
        assert_eq!((none[0].id.as_str(), none[0].light), ("farm-none", Grey));
    }
}

#[test]
fn the_stale_line_none_one_several_growing() {
    let with = |stale| GatewayPresence { stale, ..up() };
    assert_eq!(lights::stale_view(&with(None)), None, "not read yet");
    assert_eq!(lights::stale_view(&up()), None);
    let one = lights::stale_view(&with(Some(StaleConnections {
        count: 1,
        growing: false,
    })));
    assert_eq!(
        one.map(|s| s.title),
        Some("1 stale connection to IB Gateway".to_string())
    );
    let growing = lights::stale_view(&with(Some(StaleConnections {
        count: 4,
        growing: true,
    })))
    .expect("a line");
    assert_eq!(
        growing.title,
        "4 stale connections to IB Gateway, and the number is growing"
    );
    assert!(growing.detail.contains("Connections screen"));
    assert!(
        !growing.detail.contains("CLOSE_WAIT") && !growing.detail.to_lowercase().contains("socket")
    );
    let s = state(Lifecycle::Idle);
    assert_eq!(
        view(&s, None, None).stale,
        None,
        "nothing known of another port"
    );
    assert_eq!(
        view(
            &s,
            Some(&with(Some(StaleConnections {
                count: 2,
                growing: false
            }))),
            None
        )
        .stale
        .map(|v| v.count),
        Some(2)
    );
}

#[test]
fn the_gateway_help_walks_through_its_api_settings_after_a_refusal_and_explains_its_api_client_light()
 {
    let (up, down) = (up(), down());
    let refused = state(Lifecycle::Failed {
        error: err(ErrorCode::ConnectionRefused, "closed at once"),
    });
    let help = view(&refused, Some(&up), None).help;
    assert!(
        help.steps.iter().any(|s| s.contains("Trusted IPs")),
        "{help:?}"
    );
    assert!(
        help.note
            .as_deref()
            .is_some_and(|n| n.contains("API client"))
    );
    let retry = state(backoff(8000, err(ErrorCode::ProtocolError, "")));
    assert!(
        !view(&retry, Some(&up), None).help.steps.is_empty(),
        "a retry after the same"
    );
    assert_eq!(
        view(&refused, Some(&down), None).help,
        GatewayHelp::default(),
        "nothing listens: not the settings"
    );
    assert_eq!(
        view(&refused, None, None).help,
        GatewayHelp::default(),
        "not known: nothing claimed"
    );
    let too_old = state(Lifecycle::Failed {
        error: err(ErrorCode::GatewayTooOld, ""),
    });
    assert!(
        view(&too_old, Some(&up), None).help.steps.is_empty(),
        "settings do not fix an old Gateway"
    );
    let note_only = |s: &SupervisorState, presence| {
        let help = view(s, presence, None).help;
        help.steps.is_empty() && help.note.is_some()
    };
    assert!(
        note_only(&state(Lifecycle::Idle), Some(&up)),
        "idle beside a running Gateway: its light is red, normal"
    );
    assert_eq!(
        view(&state(Lifecycle::Idle), Some(&down), None).help,
        GatewayHelp::default()
    );
    assert!(note_only(&state(Lifecycle::Unresponsive), Some(&up)));
    assert!(note_only(
        &state(Lifecycle::Latched {
            error: err(ErrorCode::GatewayUnresponsive, "")
        }),
        Some(&up)
    ));
    let mut stuck = connected_worker();
    stuck.session = SessionState::Unresponsive;
    assert!(note_only(&connected_state(stuck), Some(&up)));
    assert_eq!(
        view(&connected_state(connected_worker()), Some(&up), None).help,
        GatewayHelp::default()
    );
    assert_eq!(
        view(
            &state(Lifecycle::Connecting { attempt: 1 }),
            Some(&up),
            None
        )
        .help,
        GatewayHelp::default()
    );
}

#[test]
fn the_facts_name_the_gateway_the_session_and_keep_the_technical_ones_for_details() {
    let mut s = connected_state(connected_worker());
    s.worker
        .farms
        .push(farm(FarmKind::HistoricalData, "ushmds", FarmState::Ok));
    let facts = view(&s, Some(&up()), None).facts;
    let value = |id: &str| facts.iter().find(|f| f.id == id).map(|f| f.value.clone());
    let text = |t: &str| Some(FactValue::Text { text: t.into() });
    assert_eq!(value("fact-gateway"), text("java listens on port 4002"));
    assert_eq!(value("fact-gateway-pid"), text("4242"));
    assert_eq!(value("fact-server-version"), text("176"));
    assert_eq!(
        value("fact-uptime"),
        Some(FactValue::Since {
            at_ms: Some(NOW - 3_723_000)
        })
    );
    assert_eq!(
        value("fact-heartbeat"),
        Some(FactValue::Heartbeat {
            rtt_ms: Some(12.0),
            at_ms: Some(NOW - 1000)
        })
    );
    assert_eq!(value("fact-client-id"), text("1"));
    assert_eq!(value("fact-port"), text("4002"));
    assert_eq!(
        value("fact-farms"),
        text("usfarm ok (2104), ushmds ok (2104)")
    );
    let technical: Vec<_> = facts
        .iter()
        .filter(|f| f.technical)
        .map(|f| f.id.as_str())
        .collect();
    assert_eq!(
        technical,
        ["fact-gateway-pid", "fact-server-version", "fact-farms"]
    );
    let idle = view(&state(Lifecycle::Idle), Some(&down()), None).facts;
    let idle_value = |id: &str| idle.iter().find(|f| f.id == id).map(|f| f.value.clone());
    assert_eq!(
        idle_value("fact-gateway"),
        text("Nothing listens on port 4002")
    );
    assert_eq!(idle_value("fact-gateway-pid"), None);
    assert_eq!(
        idle_value("fact-uptime"),
        Some(FactValue::Since { at_ms: None }),
        "no session, no uptime"
    );
    let unknown = view(&state(Lifecycle::Idle), None, None).facts;
    assert_eq!(
        unknown[0].value,
        FactValue::Text {
            text: "Looking…".into()
        }
    );
    let mut failed = state(Lifecycle::Failed {
        error: ErrorBody {
            detail: Some("server version 187".into()),
            ..err(ErrorCode::GatewayTooOld, "too old")
        },
    });
    failed.worker.target = None;
    let error = view(&failed, Some(&up()), None).facts;
    let last = error
        .iter()
        .find(|f| f.id == "fact-error-code")
        .expect("the error's code");
    assert!(last.technical);
    assert_eq!(
        last.value,
        FactValue::Text {
            text: "GATEWAY_TOO_OLD: server version 187".into()
        }
    );
}

#[test]
fn an_unread_socket_table_says_not_known_never_not_running() {
    let idle = state(Lifecycle::Idle);
    let shown = view(&idle, Some(&unread()), None);
    assert_ne!(shown.reason, StatusReason::NotRunning, "{shown:?}");
    let gateway = shown
        .facts
        .iter()
        .find(|f| f.id == "fact-gateway")
        .expect("the Gateway fact");
    assert_eq!(
        gateway.value,
        FactValue::Text {
            text: "Not known: this computer's connections could not be read (port 4002)".into()
        }
    );
    assert!(!shown.facts.iter().any(|f| f.id == "fact-gateway-pid"));
    // The same with nothing listening is said as it is.
    let shown = view(&idle, Some(&down()), None);
    let gateway = shown.facts.iter().find(|f| f.id == "fact-gateway");
    assert_eq!(
        gateway.map(|f| f.value.clone()),
        Some(FactValue::Text {
            text: "Nothing listens on port 4002".into()
        })
    );
}
