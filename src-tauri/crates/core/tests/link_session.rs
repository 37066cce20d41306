//! The local link's sessions (version 2) on real Unix sockets in a temp dir: the real server and client,
//! a small keeper (link_session/support.rs, with a client written by hand). The one-shot request
//! (version 1) is tested in the server's own tests and, with the real CLI, in tests/diagnose/link.rs.
#![cfg(unix)]

#[path = "link_session/support.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use gateway_core::local_link::{
    BUILD, ConnectionId, LAGGED_EVENT, LinkClient, LinkError, LinkEvent, Role,
};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_on_one_session_run_at_once_and_are_answered_in_any_order() {
    let (keeper, serving) = start();
    let mut raw = Raw::session(&serving.path, "cli").await;
    raw.send(r#"{"id":1,"call":"wait","args":null}"#).await;
    raw.send(r#"{"id":2,"call":"echo","args":{"n":2}}"#).await;
    // "wait" cannot end until the test opens the gate, so "echo" answering proves they ran at once.
    assert_eq!(raw.line().await, json!({"id":2,"ok":{"n":2}}));
    keeper.gate.add_permits(1);
    assert_eq!(raw.line().await, json!({"id":1,"ok":"waited"}));
    raw.send(r#"{"id":3,"call":"nothing"}"#).await;
    assert_eq!(
        raw.line().await,
        json!({"id":3,"err":{"code":"unknown_command","message":"no nothing"}}),
        "the handler's error comes back as err, by id"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_gets_every_event_its_own_pushes_and_large_replies() {
    let (keeper, serving) = start();
    let (client, mut events) = window(&serving.path).await;
    assert_eq!(client.welcome().build, BUILD);
    assert_eq!(client.welcome().pid, std::process::id());
    let (other, mut other_events) = window(&serving.path).await;

    let me = client
        .call("whoami", Value::Null, BOUND)
        .await
        .expect("an answer")
        .expect("ok");
    let conn = ConnectionId(me.as_u64().expect("a number"));
    assert!(
        keeper
            .opened
            .lock()
            .expect("lock")
            .contains(&(conn, Role::Window, "test-build".into())),
        "the keeper learns who opened the session"
    );
    assert_eq!(serving.connections.open().len(), 2, "both windows are open");

    keeper.emit("worker://state", json!({"phase":"connected"}));
    let expected = LinkEvent::new("worker://state", json!({"phase":"connected"}));
    assert_eq!(next_event(&mut events).await, Some(expected.clone()));
    assert_eq!(next_event(&mut other_events).await, Some(expected));

    assert!(
        serving
            .connections
            .send(conn, LinkEvent::new("window://show", Value::Null))
    );
    keeper.emit("status://view", json!(1));
    assert_eq!(
        next_event(&mut events).await.map(|e| e.event),
        Some("window://show".into()),
        "a push to one session reaches it"
    );
    assert_eq!(
        next_event(&mut events).await.map(|e| e.event),
        Some("status://view".into())
    );
    assert_eq!(
        next_event(&mut other_events).await.map(|e| e.event),
        Some("status://view".into()),
        "and no other"
    );

    // Past the 1 MiB a client may send: a keeper line may be far longer (the logs reply).
    let big = client
        .call("big", json!(3 << 20), BOUND)
        .await
        .expect("an answer")
        .expect("ok");
    assert_eq!(big.as_str().map(str::len), Some(3 << 20));

    drop(client);
    let closed = async {
        while !keeper.was_closed(conn) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(BOUND, closed)
        .await
        .expect("the keeper learns the window closed");
    assert!(
        !serving
            .connections
            .send(conn, LinkEvent::new("window://show", Value::Null)),
        "no push to a closed session"
    );
    assert_echoes(&other, json!(1), "the other window goes on").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cli_session_gets_events_only_after_it_subscribes() {
    let (keeper, serving) = start();
    let mut raw = Raw::session(&serving.path, "cli").await;
    keeper.emit("log://line", json!("before"));
    raw.send(r#"{"subscribe":true}"#).await;
    // Lines reach the writer in order: once this reply is here, the subscription is in place.
    raw.send(r#"{"id":1,"call":"echo","args":"after subscribe"}"#)
        .await;
    assert_eq!(raw.line().await, json!({"id":1,"ok":"after subscribe"}));
    keeper.emit("log://line", json!("after"));
    assert_eq!(
        raw.line().await,
        json!({"event":"log://line","payload":"after"}),
        "the event sent before subscribing never came"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_stops_reading_is_told_what_it_missed_and_holds_up_no_one() {
    const EVENTS: usize = 400;
    let (keeper, serving) = start();
    let mut stalled = Raw::session(&serving.path, "window").await;
    let (client, mut events) = window(&serving.path).await;
    let payload = "p".repeat(8 << 10);

    // 3 MiB of events, far past what the stalled session's socket and queue can hold; the reading
    // window takes each before the next is sent, so it never falls behind.
    for n in 0..EVENTS {
        keeper.emit("log://line", json!({ "n": n, "text": payload }));
        let event = next_event(&mut events).await.expect("an event");
        assert_eq!(event.event, "log://line");
        assert_eq!(event.payload["n"], n, "every event, in order, no lag");
    }
    assert_echoes(
        &client,
        json!("still here"),
        "calls are answered while another session stalls",
    )
    .await;

    let mut missed = None;
    let mut seen = 0;
    while missed.is_none() {
        let line = stalled.line().await;
        match line["event"].as_str() {
            Some(LAGGED_EVENT) => missed = line["payload"]["missed"].as_u64(),
            Some("log://line") => seen += 1,
            _ => panic!("unexpected line {line}"),
        }
    }
    let missed = missed.unwrap_or(0) as usize;
    assert!(missed > 0, "the stalled session is told it missed events");
    assert!(seen + missed <= EVENTS, "seen {seen}, missed {missed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_lines_get_specific_errors_and_the_session_goes_on() {
    let (_keeper, serving) = start();
    let mut raw = Raw::session(&serving.path, "cli").await;
    let cases = [
        (r#"{"id":1,"call":"#, "the line is not JSON"),
        (r#"[1,2]"#, "the line is not a JSON object"),
        (r#"{"kill":true}"#, "unknown message"),
        (r#"{"call":"echo"}"#, "a call needs \"id\""),
        (r#"{"subscribe":"yes"}"#, "a subscribe line is exactly"),
    ];
    for (line, why) in cases {
        raw.send(line).await;
        let answer = raw.line().await;
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.starts_with(why), "{line} → {answer}");
    }
    raw.send(r#"{"id":5,"call":7}"#).await;
    let answer = raw.line().await;
    assert_eq!(answer["id"], 5, "the error names the call: {answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap_or_default()
            .contains("a string")
    );

    raw.send(r#"{"id":6,"call":"echo","args":"fine"}"#).await;
    assert_eq!(raw.line().await, json!({"id":6,"ok":"fine"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_past_one_mib_is_refused_by_its_limit_and_closes_only_that_session() {
    let (_keeper, serving) = start();
    let (client, _events) = window(&serving.path).await;
    let Raw {
        mut reader,
        mut write,
    } = Raw::session(&serving.path, "cli").await;
    // Written on its own task: the server stops reading at the limit, so the rest may never go out.
    let writing = tokio::spawn(async move {
        let long = vec![b'x'; (1 << 20) + 64];
        let _ = write.write_all(&long).await;
        write
    });
    let refusal = next_line(&mut reader).await.expect("a refusal");
    let error = refusal["error"].as_str().unwrap_or_default();
    assert!(error.contains("1048576 bytes"), "{refusal}");
    assert!(error.contains("closed"), "{refusal}");
    assert_eq!(next_line(&mut reader).await, None, "that session is closed");
    writing.abort();

    assert_echoes(&client, json!("ok"), "another session is untouched").await;
    // The client refuses to send such a line itself, and its session goes on.
    let refused = client.call("echo", json!("y".repeat(1 << 20)), BOUND).await;
    assert!(
        matches!(refused, Err(LinkError::TooLong { limit: 1048576, .. })),
        "{refused:?}"
    );
    assert_echoes(&client, json!(2), "the session goes on").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_line_that_is_no_hello_gets_a_reason_and_the_link_goes_on() {
    let (_keeper, serving) = start();

    let mut silent = Raw::open(&serving.path).await;
    let answer = silent.line().await;
    assert_eq!(answer["error"], "no request line within 2 s", "{answer}");
    assert_eq!(silent.next().await, None);

    let (error, mut wrong) = first_line_error(
        &serving.path,
        r#"{"v":2,"hello":{"role":"admin","build":"x"}}"#,
    )
    .await;
    assert!(
        error.starts_with("link version 2 starts with a hello"),
        "{error}"
    );
    assert!(error.contains("admin"), "{error}");
    assert_eq!(wrong.next().await, None);

    let (error, _) = first_line_error(&serving.path, r#"{"v":3,"hello":{}}"#).await;
    assert!(
        error.starts_with("link version 3 is not 1 (one-shot) or 2 (session)"),
        "{error}"
    );
    let (error, _) = first_line_error(&serving.path, r#"{"v":1,"connect":false}"#).await;
    assert!(
        error.contains("not one-shot requests"),
        "a keeper without a one-shot answerer says so: {error}"
    );

    let (client, _events) = window(&serving.path).await;
    assert_echoes(&client, json!(1), "the session goes on").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_keeper_goes_away_waiting_calls_fail_closed_and_the_events_end() {
    let (keeper, serving) = start();
    let (client, mut events) = window(&serving.path).await;
    let client = Arc::new(client);
    let hanging = keeper.hanging.notified();
    let waiting = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .call("hang", Value::Null, Duration::from_secs(600))
                .await
        }
    });
    tokio::time::timeout(BOUND, hanging)
        .await
        .expect("the call reached the keeper");

    serving.task.abort();
    let answer = tokio::time::timeout(BOUND, waiting)
        .await
        .expect("the waiting call ends")
        .expect("its task");
    assert!(matches!(answer, Err(LinkError::Closed)), "{answer:?}");
    assert_eq!(next_event(&mut events).await, None, "the event stream ends");
    let later = client.call("echo", json!(1), BOUND).await;
    assert!(matches!(later, Err(LinkError::Closed)), "{later:?}");
    assert!(
        serving.connections.open().is_empty(),
        "the stopped server forgets its sessions"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_past_its_timeout_says_so_and_the_session_goes_on() {
    let (_keeper, serving) = start();
    let (client, _events) = window(&serving.path).await;
    let answer = client
        .call("hang", Value::Null, Duration::from_millis(200))
        .await;
    assert!(matches!(answer, Err(LinkError::Timeout(_))), "{answer:?}");
    assert_echoes(&client, json!(1), "the session goes on").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_refuses_a_link_that_is_not_private_or_not_a_socket() {
    use std::os::unix::fs::PermissionsExt;

    let (_keeper, serving) = start();
    let dir = serving.path.parent().expect("dir").to_path_buf();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let refused = LinkClient::connect(&serving.path, hello(Role::Window)).await;
    match refused {
        Err(LinkError::Unsafe { why, .. }) => assert!(why.contains("not 700"), "{why}"),
        other => panic!("a 755 directory is refused: {:?}", other.map(|_| ())),
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");

    let plain = dir.join("plain");
    std::fs::write(&plain, b"").expect("write");
    match LinkClient::connect(&plain, hello(Role::Window)).await {
        Err(LinkError::Unsafe { why, .. }) => assert!(why.contains("not a socket"), "{why}"),
        other => panic!("a plain file is refused: {:?}", other.map(|_| ())),
    }
    let missing = LinkClient::connect(&dir.join("none.sock"), hello(Role::Window)).await;
    assert!(
        matches!(missing, Err(LinkError::Io { .. })),
        "nothing there: {:?}",
        missing.map(|_| ())
    );
    assert!(
        window(&serving.path).await.0.welcome().pid > 0,
        "the private link is used"
    );
}
