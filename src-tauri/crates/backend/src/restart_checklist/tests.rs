//! The checklist ticks from what the app sees (ported from the UI's reducer tests), and its situations are
//! written for the UI's tests.

use gateway_core::supervisor::{Lifecycle, SupervisorState};
use gateway_proto::{ErrorBody, ErrorCode};

use super::*;

fn presence(inode: Option<u64>, accept_queue: u32) -> GatewayPresence {
    GatewayPresence {
        port: 4002,
        listening: Some(inode.is_some()),
        listener_inode: inode,
        accept_queue: Some(accept_queue),
        ..GatewayPresence::default()
    }
}

fn state(lifecycle: Lifecycle) -> SupervisorState {
    let mut s = SupervisorState::new(3);
    s.lifecycle = lifecycle;
    s
}

fn latched() -> SupervisorState {
    state(Lifecycle::Latched {
        error: ErrorBody::new(ErrorCode::GatewayUnresponsive, ""),
    })
}

fn done(restart: &ManualRestart) -> Vec<bool> {
    restart.checklist().steps.iter().map(|s| s.done).collect()
}

#[test]
fn ticks_as_the_gateway_closes_comes_back_on_a_new_socket_accepts_and_the_session_returns() {
    let mut r = ManualRestart::start(&presence(Some(111), 0), &latched());
    assert_eq!(done(&r), [false, false, false, false]);
    r.see_presence(&presence(None, 0));
    assert_eq!(done(&r), [true, false, false, false]);
    r.see_presence(&presence(Some(222), 3));
    assert_eq!(done(&r), [true, true, false, false]);
    r.see_presence(&presence(Some(222), 0));
    assert_eq!(done(&r), [true, true, true, false]);
    r.see_state(&state(Lifecycle::Connected));
    assert_eq!(done(&r), [true, true, true, true]);
    assert!(r.finished());
}

#[test]
fn a_new_inode_without_a_visible_gap_still_counts_as_closed_and_started() {
    let mut r = ManualRestart::start(&presence(Some(111), 0), &state(Lifecycle::Idle));
    r.see_presence(&presence(Some(111), 0));
    assert_eq!(done(&r), [false, false, false, false]);
    r.see_presence(&presence(Some(333), 0));
    assert_eq!(done(&r), [true, true, true, false]);
}

#[test]
fn the_supervisors_own_restart_count_ticks_closed_and_started() {
    let mut r = ManualRestart::start(&presence(Some(111), 0), &latched());
    let mut seen = state(Lifecycle::Backoff {
        attempt: 1,
        retry_in_ms: 2000,
        error: ErrorBody::new(ErrorCode::GatewayUnresponsive, ""),
    });
    seen.gateway_restarts_seen = 1;
    r.see_state(&seen);
    assert_eq!(done(&r)[..2], [true, true]);
}

#[test]
fn already_connected_when_following_begins_nothing_ticks_by_itself() {
    let r = ManualRestart::start(&presence(Some(111), 0), &state(Lifecycle::Connected));
    assert_eq!(done(&r), [false, false, false, false]);
}

#[test]
fn nothing_listening_when_following_begins_is_closed_already() {
    let mut r = ManualRestart::start(&presence(None, 0), &latched());
    assert_eq!(done(&r), [true, false, false, false]);
    r.see_presence(&presence(Some(444), 0));
    assert_eq!(done(&r), [true, true, true, false]);
}

#[test]
fn i_restarted_gateway_lets_the_session_coming_back_finish_it() {
    let mut r = ManualRestart::start(&presence(Some(111), 0), &latched());
    r.see_state(&state(Lifecycle::Connected));
    assert_eq!(
        done(&r),
        [false, false, false, false],
        "not after a restart"
    );
    r.see_state(&latched());
    r.user_restarted();
    r.see_state(&state(Lifecycle::Connected));
    assert_eq!(done(&r), [true, true, true, true]);
}

#[test]
fn the_steps_say_what_to_do_in_plain_words() {
    let steps = ManualRestart::default().checklist().steps;
    let ids: Vec<_> = steps.iter().map(|s| s.id).collect();
    use ManualStepId::*;
    assert_eq!(ids, [Closed, Started, ApiOpen, Session]);
    assert!(steps[0].todo.contains("File → Exit"));
    assert!(steps[1].todo.contains("2FA"));
    for step in &steps {
        for text in [&step.label, &step.todo] {
            let found = gateway_proto::words::jargon_in(text);
            assert!(found.is_empty(), "{found:?} in {text:?}");
        }
    }
}

/// Writes the checklist at each step to ui/src/ipc/gen/restart-checklists.json beside the ts-rs bindings
/// (`make types`), so the UI's tests render what this module sends. `make types-check` fails when stale.
#[test]
fn export_bindings_restart_checklists() {
    let Some(dir) = std::env::var_os("TS_RS_EXPORT_DIR") else {
        return;
    };
    let mut r = ManualRestart::start(&presence(Some(111), 0), &latched());
    let mut checklists = std::collections::BTreeMap::new();
    checklists.insert("start", r.checklist());
    r.see_presence(&presence(None, 0));
    checklists.insert("closed", r.checklist());
    r.see_presence(&presence(Some(999), 0));
    checklists.insert("api_open", r.checklist());
    r.see_state(&state(Lifecycle::Connected));
    checklists.insert("back", r.checklist());
    let mut text = serde_json::to_string_pretty(&checklists).expect("checklists serialize");
    text.push('\n');
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("create the export folder");
    std::fs::write(dir.join("restart-checklists.json"), text)
        .expect("write restart-checklists.json");
}

#[test]
fn a_socket_table_that_cannot_be_read_ticks_nothing() {
    let unread = GatewayPresence {
        port: 4002,
        listening: None,
        ..GatewayPresence::default()
    };
    let mut r = ManualRestart::start(&unread, &latched());
    assert_eq!(
        done(&r),
        [false, false, false, false],
        "not seen closed at the start"
    );
    r.see_presence(&presence(Some(111), 0));
    r.see_presence(&unread);
    assert_eq!(
        done(&r),
        [false, false, false, false],
        "a gap in what is seen is not a close"
    );
    r.see_presence(&presence(None, 0));
    assert_eq!(done(&r), [true, false, false, false], "seen closed");
}
