//! Nothing waits on the worker without a limit: a worker that stops answering, or hangs in a connect, is
//! ended and replaced within its deadline; a line it prints that is not UTF-8 is skipped, not taken for
//! its end.

use std::time::Duration;

use gateway_core::supervisor::{Lifecycle, Supervisor};
use gateway_proto::ErrorCode;

use super::{BOUND, connected, options, wait_for};
use gateway_testkit::{SimProcess, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_stops_answering_is_replaced_and_the_request_returns_within_its_deadline() {
    let sim = SimProcess::start(&[]);
    let mut opts = options(&sim, 51, "5", "3");
    opts.request_timeout = Duration::from_secs(1);
    let supervisor = Supervisor::start(opts);
    supervisor.connect().await.expect("running");
    let first = wait_for(&supervisor, "the first session", BOUND, connected).await;
    let pid = first.worker_pid.expect("a worker runs");

    // A stopped process reads nothing and answers nothing: the worker hung, as far as anyone can tell.
    let stopped = std::process::Command::new("kill")
        .args(["-STOP", &pid.to_string()])
        .status()
        .expect("kill -STOP");
    assert!(stopped.success());
    let answer = tokio::time::timeout(BOUND, supervisor.request("status"))
        .await
        .expect("the request must come back, not wait for the stopped worker");
    let err = answer.expect_err("a stopped worker cannot answer");
    assert_eq!(err.code(), ErrorCode::WorkerUnresponsive, "{err}");

    let again = wait_for(&supervisor, "a new worker's session", BOUND, |s| {
        connected(s) && s.worker_pid.is_some_and(|p| p != pid)
    })
    .await;
    assert_eq!(again.workers_replaced, 1);
    assert_eq!(again.worker_starts, 2);
    assert!(
        wait_until(BOUND, || !std::path::Path::new(&format!("/proc/{pid}"))
            .exists()),
        "the stopped worker was killed and reaped"
    );
    supervisor
        .request("status")
        .await
        .expect("the new worker answers");
    supervisor.shutdown().await;
}

/// The one test with a stand-in for the worker: no real worker prints a line that is not UTF-8, and a
/// shell script that answers `connect` and `status` and prints such a line is the smallest thing that does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_line_that_is_not_utf8_is_skipped_and_the_session_stays() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("fake-worker.sh");
    std::fs::write(
        &script,
        r#"#!/bin/sh
while IFS= read -r line; do
  id=$(printf '%s' "$line" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
  case "$line" in
    *'"connect"'*)
      printf '\377\376 not utf-8\n'
      printf '{"id":%s,"status":"success","data":{}}\n' "$id" ;;
    *)
      printf '{"id":%s,"status":"success","data":{"answered_after_the_bad_line":true}}\n' "$id" ;;
  esac
done
"#,
    )
    .expect("write the script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("make it executable");

    let sim = SimProcess::start(&[]);
    let mut opts = options(&sim, 53, "5", "3");
    opts.worker_bin = script;
    opts.request_timeout = Duration::from_secs(2);
    let supervisor = Supervisor::start(opts);
    let mut log = supervisor.log().subscribe();
    supervisor.connect().await.expect("running");
    // The connect answer comes after the bad line: reaching Connected means reading went on past it.
    let state = wait_for(&supervisor, "the session", BOUND, connected).await;
    let data = tokio::time::timeout(BOUND, supervisor.request("status"))
        .await
        .expect("an answer")
        .expect("the same worker answers");
    assert_eq!(data["answered_after_the_bad_line"], true);
    let now = supervisor.state();
    assert_eq!(now.worker_starts, 1, "the worker was not taken for exited");
    assert_eq!(now.worker_pid, state.worker_pid);
    assert_eq!(now.lifecycle, Lifecycle::Connected);
    let mut seen = Vec::new();
    while let Ok(line) = log.try_recv() {
        seen.push(line.message);
    }
    assert!(
        seen.iter().any(|m| m.contains("not UTF-8")),
        "the bad line is logged: {seen:?}"
    );
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_hangs_in_connect_is_replaced_after_the_connect_deadline() {
    // A silent Gateway: the connect stays unanswered for its 2 s timeout, time enough to stop the worker.
    let sim = SimProcess::start(&["--fault", "silent"]);
    let mut opts = options(&sim, 56, "2", "3");
    opts.request_timeout = Duration::from_millis(500);
    let supervisor = Supervisor::start(opts);
    supervisor.connect().await.expect("running");
    let connecting = wait_for(&supervisor, "the connect", BOUND, |s| {
        matches!(s.lifecycle, Lifecycle::Connecting { .. }) && s.worker_pid.is_some()
    })
    .await;
    let pid = connecting.worker_pid.expect("pid");
    std::process::Command::new("kill")
        .args(["-STOP", &pid.to_string()])
        .status()
        .expect("kill -STOP");
    let replaced = wait_for(&supervisor, "the hung worker's replacement", BOUND, |s| {
        s.workers_replaced == 1
    })
    .await;
    assert_ne!(replaced.worker_pid, Some(pid));
    assert!(
        wait_until(BOUND, || !std::path::Path::new(&format!("/proc/{pid}"))
            .exists()),
        "the stopped worker was killed and reaped"
    );
    supervisor.shutdown().await;
}
