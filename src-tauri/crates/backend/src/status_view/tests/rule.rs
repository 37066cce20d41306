//! The rules on top of the phases: the error's words, the retry time, the port in the words, reset windows,
//! the inputs where the tray and the window once disagreed, PAPER/LIVE.

use super::*;

#[test]
fn the_session_error_is_worded_by_the_ui_where_the_words_are_its_own() {
    let failed = view(
        &state(Lifecycle::Failed {
            error: err(ErrorCode::GatewayTooOld, "This Gateway speaks version 187."),
        }),
        None,
        None,
    );
    let error = failed.error.expect("the failure's error");
    assert!(error.headline, "a failure's title is the headline");
    assert_eq!(error.error.code, ErrorCode::GatewayTooOld);
    let retrying = view(
        &state(backoff(8000, err(ErrorCode::ConnectionLost, "closed"))),
        Some(&up()),
        None,
    );
    assert!(
        retrying.error.is_some_and(|e| !e.headline),
        "a retry's error opens the detail"
    );
    let mut budget = state(backoff(8000, err(ErrorCode::ConnectionLost, "closed")));
    budget.waiting_for_budget = true;
    assert_eq!(
        view(&budget, None, None).error,
        None,
        "the budget's wait has its own words"
    );
    assert_eq!(view(&state(Lifecycle::Idle), None, None).error, None);
}

#[test]
fn a_retry_says_when_the_next_try_goes_as_an_absolute_time() {
    let mut s = state(backoff(10_000, err(ErrorCode::ConnectionLost, "")));
    s.changed_at_ms = NOW - 4000;
    assert_eq!(view(&s, Some(&up()), None).retry_at_ms, Some(NOW + 6000));
    let absent = view(&s, Some(&down()), None);
    assert_eq!(absent.reason, R::NotRunning);
    assert_eq!(absent.retry_at_ms, Some(NOW + 6000), "not running, retried");
    assert!(
        absent
            .detail
            .ends_with("Gateway Doctor connects by itself once it is up.")
    );
    let mut budget = s.clone();
    budget.waiting_for_budget = true;
    let waiting = view(&budget, None, None);
    assert!(
        waiting
            .detail
            .ends_with("so as not to overload IB Gateway.")
    );
    assert_eq!(waiting.retry_at_ms, Some(NOW + 6000));
    assert_eq!(
        view(&connected_state(connected_worker()), None, None).retry_at_ms,
        None
    );
}

#[test]
fn the_words_name_the_port_and_what_to_do() {
    let refused = state(Lifecycle::Failed {
        error: err(ErrorCode::ConnectionRefused, "refused"),
    });
    assert_eq!(
        view(&refused, Some(&down()), None).detail,
        "Nothing is listening on port 4002. Start IB Gateway and log in."
    );
    assert_eq!(
        view(&state(Lifecycle::Idle), Some(&down()), None).detail,
        "IB Gateway is not running on port 4002. Start it, then click Connect."
    );
    assert_eq!(
        view(&state(Lifecycle::Idle), Some(&up()), None).detail,
        "Click Connect to open the session with IB Gateway."
    );
    let latched = state(Lifecycle::Latched {
        error: err(ErrorCode::GatewayUnresponsive, ""),
    });
    let detail = view(&latched, Some(&up()), None).detail;
    assert!(
        detail.contains("3 times in a row") && detail.contains("Restart IB Gateway"),
        "{detail}"
    );
    let mut two = connected_worker();
    two.farms = vec![
        farm(FarmKind::MarketData, "usfarm", FarmState::Broken),
        farm(FarmKind::MarketData, "eufarm", FarmState::Broken),
        farm(FarmKind::SecurityDefinition, "secdefnj", FarmState::Broken),
    ];
    let farms = view(&connected_state(two), None, None);
    assert_eq!(farms.title, "Some data farms are down");
    assert!(
        farms
            .detail
            .starts_with("Market data, Contract details: not available")
    );
}

#[test]
fn inside_a_reset_window_trouble_is_amber_but_a_healthy_session_and_a_stop_keep_their_view() {
    let (up, down, window) = (up(), down(), window());
    let waiting = view(
        &state(backoff(10_000, err(ErrorCode::ConnectionLost, ""))),
        Some(&up),
        Some(&window),
    );
    assert_eq!(
        (waiting.light, waiting.reason, waiting.primary),
        (Amber, R::ResetWindow, Diagnose)
    );
    assert_eq!(
        waiting.title,
        "IBKR daily reset (North America): waiting until 01:45"
    );
    let refused = state(backoff(10_000, err(ErrorCode::ConnectionRefused, "")));
    assert_eq!(
        view(&refused, Some(&down), Some(&window)).reason,
        R::ResetWindow,
        "not running, explained"
    );
    let unresponsive = view(&state(Lifecycle::Unresponsive), Some(&up), Some(&window));
    assert_eq!(
        (unresponsive.light, unresponsive.primary),
        (Amber, RestartHelp)
    );
    assert_eq!(
        view(
            &state(Lifecycle::Connecting { attempt: 1 }),
            None,
            Some(&window)
        )
        .light,
        Amber
    );
    let mut late = connected_worker();
    late.heartbeat.misses_in_a_row = 1;
    assert_eq!(
        view(&connected_state(late), None, Some(&window)).reason,
        R::ResetWindow
    );
    let kept = [
        (connected_state(connected_worker()), Green, R::Connected),
        (
            state(Lifecycle::Latched {
                error: err(ErrorCode::GatewayUnresponsive, ""),
            }),
            Red,
            R::Latched,
        ),
        (
            state(Lifecycle::Failed {
                error: err(ErrorCode::GatewayTooOld, ""),
            }),
            Red,
            R::Failed,
        ),
        (state(Lifecycle::Idle), Grey, R::Idle),
    ];
    for (s, light, reason) in kept {
        let v = view(&s, Some(&up), Some(&window));
        assert_eq!((v.light, v.reason), (light, reason), "{:?}", s.lifecycle);
    }
}

/// On main the tray's light (light.rs) and the window's (status.ts) were two rules. With a connected
/// lifecycle whose worker already reports the session unresponsive, the window said red and the tray green;
/// with a retry while the last look at the port was of another port (the demo just started), the window
/// said amber and the tray red. One rule now, and the tray reads `light` from this same value.
#[test]
fn the_inputs_where_the_tray_and_the_window_disagreed_have_one_light() {
    let mut w = connected_worker();
    w.session = SessionState::Unresponsive;
    assert_eq!(view(&connected_state(w), Some(&up()), None).light, Red);
    let retry = state(backoff(8000, err(ErrorCode::ConnectionLost, "closed")));
    assert_eq!(
        view(&retry, None, None).light,
        Amber,
        "presence not known: not called absent"
    );
}

/// On main Diagnose (core's account_mode) said PAPER for a session with no accounts on port 4002 and LIVE
/// for "du1234567", where the Status screen said nothing and PAPER. One rule now (core's session_mode).
#[test]
fn paper_or_live_is_one_rule_and_never_guessed() {
    let mut none = connected_worker();
    none.accounts = vec![];
    assert_eq!(view(&connected_state(none), None, None).mode, None);
    let mut lower = connected_worker();
    lower.accounts = vec!["du1234567".into()];
    assert_eq!(
        view(&connected_state(lower), None, None).mode,
        Some(AccountMode::Paper)
    );
    let mut mixed = connected_worker();
    mixed.accounts = vec!["DU1".into(), "U2".into()];
    let v = view(&connected_state(mixed), None, None);
    assert_eq!(v.mode, Some(AccountMode::Live));
    let modes: Vec<_> = v
        .accounts
        .iter()
        .map(|a| (a.account.as_str(), a.mode))
        .collect();
    assert_eq!(
        modes,
        [("DU1", AccountMode::Paper), ("U2", AccountMode::Live)]
    );
    let mut live_port = connected_worker();
    if let Some(target) = live_port.target.as_mut() {
        target.port = 4001;
    }
    let v = view(&connected_state(live_port), None, None);
    assert_eq!(v.mode, Some(AccountMode::Live));
    assert_eq!(
        v.accounts[0].mode,
        AccountMode::Live,
        "a paper id on a live port"
    );
    assert_eq!(
        view(
            &state(Lifecycle::Idle),
            Some(&GatewayPresence { port: 4001, ..up() }),
            None
        )
        .mode,
        Some(AccountMode::Live)
    );
}
