//! Benchmark: how many connects the supervisor makes against a Gateway that misbehaves, over a fixed time.
//!
//! `cargo build --release -p gateway-sim -p gateway-worker`, then
//! `cargo run --release -p gateway-core --example reconnect_bench -- --fault drop_after:300 --secs 20 [--click-every-ms 1000] [--json]`
//! or `... -- --hold-client-id --secs 60 --json`.
//!
//! One gateway-sim process with `--fault` (or a client id held through its control port, so every connect
//! gets error 326), and one [`Supervisor`] with the default options (backoff 250 ms doubling to 30 s,
//! stable period 60 s) that is asked to connect once. With `--click-every-ms` it is also asked to Reset that
//! often, the way an impatient user clicks: the worst case, which only the connect budget bounds. After
//! `--secs` it counts the connections the simulator accepted (the Gateway's truth) and prints them with the
//! supervisor's final phase (or one JSON object with `--json`).

use std::time::{Duration, Instant};

use gateway_core::config::{Config, Key};
use gateway_core::supervisor::{Lifecycle, Supervisor, SupervisorOptions};
use gateway_testkit::{SimOptions, bin};

/// The client id the supervisor uses (and the one held for the 326 case).
const CLIENT_ID: i32 = 93;

struct Args {
    fault: String,
    hold_client_id: bool,
    secs: u64,
    click_every: Option<Duration>,
    json: bool,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = parse_args();
    let worker = bin("gateway-worker");
    let sim = SimOptions::default()
        .args(&["--fault", &args.fault])
        .quiet()
        .start();
    if args.hold_client_id {
        sim.control
            .hold_client_id(CLIENT_ID)
            .expect("hold the client id");
    }
    let config = Config::from_explicit([
        (Key::Port, sim.port().to_string()),
        (Key::ClientId, CLIENT_ID.to_string()),
    ])
    .expect("a valid config");
    let control = sim.control;
    let supervisor = Supervisor::start(SupervisorOptions::new(worker, config));
    let started = Instant::now();
    let until = started + Duration::from_secs(args.secs);
    supervisor.connect().await.expect("connect");
    match args.click_every {
        Some(every) => {
            while Instant::now() + every < until {
                tokio::time::sleep(every).await;
                supervisor.reset().await.expect("reset");
            }
            tokio::time::sleep(until.saturating_duration_since(Instant::now())).await;
        }
        None => tokio::time::sleep(Duration::from_secs(args.secs)).await,
    }
    // Counted at the end of the window, before anything else can connect.
    let accepted = tokio::task::spawn_blocking(move || control.stats())
        .await
        .expect("stats task")
        .expect("stats")
        .accepted;
    let state = supervisor.state();
    supervisor.shutdown().await;
    let phase = match &state.lifecycle {
        Lifecycle::Latched { error }
        | Lifecycle::Failed { error }
        | Lifecycle::Backoff { error, .. } => {
            format!("{} {}", state.lifecycle.phase(), error.code)
        }
        _ => state.lifecycle.phase().to_string(),
    };
    let against = if args.hold_client_id {
        "held client id (326)".to_string()
    } else {
        args.fault.clone()
    };
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "against": against, "secs": args.secs,
                "click_every_ms": args.click_every.map(|d| d.as_millis() as u64),
                "accepted": accepted, "connect_attempts": state.connect_attempts, "phase": phase,
            })
        );
    } else {
        println!(
            "against {against} for {} s (reset clicks every {:?}): Gateway accepted {accepted}, connect attempts {}, \
             ended {phase}",
            args.secs, args.click_every, state.connect_attempts
        );
    }
}

fn parse_args() -> Args {
    let mut args = Args {
        fault: "normal".into(),
        hold_client_id: false,
        secs: 20,
        click_every: None,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--json" => args.json = true,
            "--hold-client-id" => args.hold_client_id = true,
            "--fault" => {
                args.fault = it
                    .next()
                    .unwrap_or_else(|| usage("--fault takes a fault mode"))
            }
            "--secs" | "--click-every-ms" => {
                let value: u64 = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage(&format!("{flag} takes a number")));
                if flag == "--secs" {
                    args.secs = value.clamp(1, 3600);
                } else {
                    args.click_every = Some(Duration::from_millis(value.max(50)));
                }
            }
            _ => usage(&format!("unknown argument {flag}")),
        }
    }
    args
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "{problem}\nusage: reconnect_bench [--fault MODE | --hold-client-id] [--secs S] [--click-every-ms MS] [--json]"
    );
    std::process::exit(2);
}
