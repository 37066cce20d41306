//! The CLI asking the open app over the local link: the app's side is the real link server around a
//! real supervisor (no window), the CLI the real binary.

use std::sync::Arc;
use std::time::Duration;

use gateway_core::local_link::{LinkServer, LinkTarget, TargetFn};
use gateway_core::supervisor::{Lifecycle, Supervisor};
use gateway_proto::{CheckId, Verdict};

use super::{config, connect_and_wait, session};
use crate::cli::doctor::{Doctor, Run};
use gateway_testkit::{SimProcess, assert_contains};

fn target(port: u16, client_id: i32) -> TargetFn {
    Arc::new(move || LinkTarget {
        host: "127.0.0.1".into(),
        port,
        client_id,
        connect_bound: Duration::from_secs(10),
        can_connect: true,
    })
}

/// Starts the app's link server in the runtime dir `doctor` gives the CLI.
fn serve(
    doctor: &Doctor,
    supervisor: &Supervisor,
    port: u16,
    client_id: i32,
) -> tokio::task::JoinHandle<()> {
    let server =
        LinkServer::bind(&doctor.dir().join("run").join("gateway-doctor")).expect("bind the link");
    tokio::spawn(server.serve(supervisor.clone(), target(port, client_id)))
}

async fn run(doctor: Arc<Doctor>, args: Vec<String>) -> Run {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        doctor.run(&args)
    })
    .await
    .expect("the CLI run")
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_tests_through_the_open_apps_session_and_opens_no_connection() {
    let sim = SimProcess::start(&[]);
    let cfg = config(sim.port(), 52, "5");
    let supervisor = session(&cfg);
    connect_and_wait(&supervisor).await;
    let doctor = Arc::new(Doctor::new());
    let serving = serve(&doctor, &supervisor, sim.port(), 52);
    let port = sim.port().to_string();

    let json = run(
        doctor.clone(),
        args(&["diagnose", "--port", &port, "--json"]),
    )
    .await;
    json.assert_code(0);
    let report = json.report();
    assert_eq!(report.verdict, Verdict::Healthy, "{report:#?}");
    let handshake = report
        .checks
        .iter()
        .find(|c| c.id == CheckId::Handshake)
        .expect("a handshake check");
    assert_contains(&handshake.detail, "open Gateway Doctor app's session");
    assert_contains(
        &json.stderr,
        "Testing through the open Gateway Doctor app's session",
    );
    let stats = sim.stats();
    assert_eq!(stats.accepted, 1, "the CLI opened no connection of its own");
    assert!(
        stats.heartbeat_requests >= 1,
        "the app's session answered a ping"
    );
    serving.abort();
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_app_is_not_a_test_and_handshake_asks_it_to_connect_and_keep_its_session() {
    let sim = SimProcess::start(&["--fault", "red_after_disconnect"]);
    let supervisor = session(&config(sim.port(), 53, "5"));
    let doctor = Arc::new(Doctor::new());
    let serving = serve(&doctor, &supervisor, sim.port(), 53);
    let port = sim.port().to_string();

    let passive = run(
        doctor.clone(),
        args(&["diagnose", "--port", &port, "--json"]),
    )
    .await;
    passive.assert_code(3);
    assert_eq!(passive.report().verdict, Verdict::ListeningNotTested);
    assert_eq!(
        sim.stats().accepted,
        0,
        "an idle app connects nothing by itself"
    );

    let asked = run(
        doctor.clone(),
        args(&["diagnose", "--port", &port, "--handshake", "--json"]),
    )
    .await;
    asked.assert_code(0);
    assert_eq!(asked.report().verdict, Verdict::Healthy);
    assert!(
        !asked.stderr.contains("Holding"),
        "the app keeps its session; the CLI holds nothing: {}",
        asked.stderr
    );
    assert_eq!(supervisor.state().lifecycle, Lifecycle::Connected);
    let stats = sim.stats();
    assert_eq!(
        stats.client_ids(),
        vec![53],
        "the app's session, still open"
    );
    assert_eq!(stats.accepted, 1);
    assert_eq!(stats.client_closes, 0);
    serving.abort();
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_directory_others_can_enter_is_not_trusted() {
    use std::os::unix::fs::PermissionsExt;

    let sim = SimProcess::start(&[]);
    let supervisor = session(&config(sim.port(), 54, "5"));
    let doctor = Arc::new(Doctor::new());
    let serving = serve(&doctor, &supervisor, sim.port(), 54);
    let dir = doctor.dir().join("run").join("gateway-doctor");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let port = sim.port().to_string();

    let run = run(
        doctor.clone(),
        args(&["diagnose", "--port", &port, "--json"]),
    )
    .await;
    run.assert_code(3);
    assert_contains(&run.stderr, "Not using the Gateway Doctor app's link");
    assert_contains(&run.stderr, "not 700");
    serving.abort();
    supervisor.shutdown().await;
}
