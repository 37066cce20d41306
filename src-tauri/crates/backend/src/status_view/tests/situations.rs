//! The situations the UI's tests render (written to ui/src/ipc/gen/status-views.json), and the scan of their
//! words.

use super::*;

/// The situations the UI's tests render, by name: the views this rule gives for them.
fn situations() -> Vec<(&'static str, StatusView)> {
    let (up, down) = (up(), down());
    let with_worker = |lifecycle, worker| {
        let mut s = state(lifecycle);
        s.worker = worker;
        s
    };
    let connected_with = |change: &dyn Fn(&mut WorkerStatus)| {
        let mut w = connected_worker();
        w.farms
            .push(farm(FarmKind::HistoricalData, "ushmds", FarmState::Ok));
        change(&mut w);
        connected_state(w)
    };
    let mut stopped = state(Lifecycle::Idle);
    stopped.stopped_by_user = true;
    let retry = |code, message: &str, retry_in_ms| {
        let mut s = state(backoff(retry_in_ms, err(code, message)));
        s.changed_at_ms = NOW;
        s
    };
    let mut budget = state(backoff(
        45_000,
        err(ErrorCode::ConnectionLost, "Waiting 45 s"),
    ));
    budget.waiting_for_budget = true;
    let failed = |code, message: &str| {
        state(Lifecycle::Failed {
            error: err(code, message),
        })
    };
    let stale = |count, growing| GatewayPresence {
        stale: Some(StaleConnections { count, growing }),
        ..up.clone()
    };
    let unresponsive_worker = {
        let mut w = connected_worker();
        w.session = SessionState::Unresponsive;
        w
    };
    let lost = retry(ErrorCode::ConnectionLost, "closed", 8000);
    vec![
        ("idle", view(&state(Lifecycle::Idle), Some(&up), None)),
        (
            "idle_nothing_listens",
            view(&state(Lifecycle::Idle), Some(&down), None),
        ),
        (
            "idle_stale_one",
            view(&state(Lifecycle::Idle), Some(&stale(1, false)), None),
        ),
        (
            "idle_stale_growing",
            view(&state(Lifecycle::Idle), Some(&stale(3, true)), None),
        ),
        ("stopped", view(&stopped, Some(&up), None)),
        (
            "connecting",
            view(
                &state(Lifecycle::Connecting { attempt: 1 }),
                Some(&up),
                None,
            ),
        ),
        (
            "connecting_again",
            view(
                &state(Lifecycle::Connecting { attempt: 2 }),
                Some(&up),
                None,
            ),
        ),
        ("connected", view(&connected_with(&|_| {}), Some(&up), None)),
        (
            "connected_live",
            view(
                &connected_with(&|w| {
                    w.accounts = vec!["U555".into()];
                    if let Some(t) = w.target.as_mut() {
                        t.port = 4001;
                    }
                }),
                Some(&GatewayPresence {
                    port: 4001,
                    ..up.clone()
                }),
                None,
            ),
        ),
        (
            "heartbeat_late",
            view(
                &connected_with(&|w| w.heartbeat.misses_in_a_row = 1),
                Some(&up),
                None,
            ),
        ),
        (
            "link_lost",
            view(
                &connected_with(&|w| w.link.state = LinkState::Lost),
                Some(&up),
                None,
            ),
        ),
        (
            "farm_down",
            view(
                &connected_with(&|w| {
                    w.farms = vec![
                        farm(FarmKind::MarketData, "usfarm", FarmState::Broken),
                        farm(FarmKind::HistoricalData, "ushmds", FarmState::Inactive),
                    ]
                }),
                Some(&up),
                None,
            ),
        ),
        (
            "unresponsive",
            view(
                &with_worker(Lifecycle::Unresponsive, unresponsive_worker),
                Some(&up),
                None,
            ),
        ),
        (
            "latched",
            view(
                &state(Lifecycle::Latched {
                    error: err(ErrorCode::GatewayUnresponsive, "3 handshakes"),
                }),
                Some(&up),
                None,
            ),
        ),
        ("backoff", view(&lost, Some(&up), None)),
        ("backoff_budget", view(&budget, Some(&up), None)),
        (
            "backoff_not_running",
            view(
                &retry(ErrorCode::ConnectionRefused, "refused", 16_000),
                Some(&down),
                None,
            ),
        ),
        ("reset_window", view(&lost, Some(&up), Some(&window()))),
        (
            "failed",
            view(
                &failed(ErrorCode::GatewayTooOld, "too old"),
                Some(&up),
                None,
            ),
        ),
        (
            "failed_refused",
            view(
                &failed(
                    ErrorCode::ConnectionRefused,
                    "127.0.0.1:4002 closed the connection as soon as Gateway Doctor said hello.",
                ),
                Some(&up),
                None,
            ),
        ),
        (
            "failed_client_id",
            view(
                &failed(ErrorCode::ClientIdInUse, "client id 7431 is in use"),
                Some(&up),
                None,
            ),
        ),
        (
            "failed_not_running",
            view(
                &failed(ErrorCode::ConnectionRefused, "refused"),
                Some(&down),
                None,
            ),
        ),
    ]
}

/// Rust's own words for every situation, and for a failure or a retry after every error code, are plain:
/// no protocol word outside "Details" (the same list the UI's scan uses).
#[test]
fn the_views_words_hold_no_protocol_word() {
    let mut views: Vec<(String, StatusView)> = situations()
        .into_iter()
        .map(|(name, v)| (name.to_string(), v))
        .collect();
    for code in ErrorCode::ALL {
        let error = err(code.clone(), "");
        for presence in [up(), down()] {
            let failed = state(Lifecycle::Failed {
                error: error.clone(),
            });
            views.push((
                format!("failed {code:?}"),
                view(&failed, Some(&presence), None),
            ));
            let retry = state(backoff(8000, error.clone()));
            views.push((
                format!("retry {code:?}"),
                view(&retry, Some(&presence), None),
            ));
        }
    }
    for (name, v) in views {
        let mut texts = vec![v.title, v.detail, v.link.label, v.link.word, v.link.detail];
        texts.extend(v.stale.into_iter().flat_map(|s| [s.title, s.detail]));
        texts.extend(
            v.farms
                .into_iter()
                .flat_map(|f| [f.label, f.word, f.detail]),
        );
        texts.extend(v.help.steps.into_iter().chain(v.help.note));
        for f in v.facts.into_iter().filter(|f| !f.technical) {
            texts.push(f.label);
            if let FactValue::Text { text } = f.value {
                texts.push(text);
            }
        }
        for text in texts {
            let found = gateway_proto::words::jargon_in(&text);
            assert!(found.is_empty(), "{name}: {found:?} in {text:?}");
        }
    }
}

/// Writes the situations' views to ui/src/ipc/gen/status-views.json beside the ts-rs bindings (`make
/// types`), so the UI's tests render what this rule decides, never a copy made by hand. `make types-check`
/// fails when the committed file is stale.
#[test]
fn export_bindings_status_views() {
    let Some(dir) = std::env::var_os("TS_RS_EXPORT_DIR") else {
        return;
    };
    let views: std::collections::BTreeMap<_, _> = situations().into_iter().collect();
    let mut text = serde_json::to_string_pretty(&views).expect("views serialize");
    text.push('\n');
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("create the export folder");
    std::fs::write(dir.join("status-views.json"), text).expect("write status-views.json");
}
