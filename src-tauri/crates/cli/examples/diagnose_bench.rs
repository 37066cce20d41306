//! Benchmark: how long `gateway-doctor diagnose` takes (core's `diagnose`, the library call the CLI
//! makes), passive and with `--handshake`, against a healthy and a silent Gateway.
//!
//! `cargo build --release -p gateway-sim -p gateway-worker`, then
//! `cargo run --release -p gateway-doctor-cli --example diagnose_bench [-- --runs 15]`
//!
//! Two gateway-sim processes (one `normal`, one `--fault silent`: accepts and reads, never answers) are
//! spawned from the target directory this example was built into, on free loopback ports, and killed at
//! the end. Each case runs `diagnose` N times in a row with a fresh config and no live session, like N
//! separate CLI runs; the handshake cases start a supervisor and a real gateway-worker each time and time
//! diagnose through it (the worker's start and the connect, not its stop). Unlike the CLI, which keeps its
//! session open 10 s before exiting, the bench ends it at once: the simulator is not harmed by that, and a
//! 10 s wait per run would measure only the wait. The silent Gateway's handshake uses a 1 s timeout, so its
//! time is that timeout plus the worker's start.
//! Prints min / median / p95 / max in ms and the verdicts seen.

use std::time::Instant;

use gateway_core::config::{Config, Key};
use gateway_core::diagnostics::{DiagnoseOptions, diagnose};
use gateway_core::supervisor::{Supervisor, SupervisorOptions};
use gateway_testkit::{SimOptions, bin};

/// Never run a case more often than this, whatever the arguments say (the silent ones take > 1 s each).
const MAX_RUNS: usize = 200;

struct Case {
    name: &'static str,
    port: u16,
    handshake: bool,
    timeout_s: &'static str,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs = parse_runs();
    let worker = bin("gateway-worker");
    let healthy = SimOptions::default().quiet().start();
    let silent = SimOptions::default()
        .args(&["--fault", "silent"])
        .quiet()
        .start();
    let cases = [
        Case {
            name: "healthy, passive",
            port: healthy.port(),
            handshake: false,
            timeout_s: "5",
        },
        Case {
            name: "healthy, --handshake",
            port: healthy.port(),
            handshake: true,
            timeout_s: "5",
        },
        Case {
            name: "silent, passive",
            port: silent.port(),
            handshake: false,
            timeout_s: "1",
        },
        Case {
            name: "silent, --handshake (1 s timeout)",
            port: silent.port(),
            handshake: true,
            timeout_s: "1",
        },
    ];
    println!("diagnose, {runs} runs per case (ms)");
    println!(
        "{:<36} {:>9} {:>9} {:>9} {:>9}  verdicts",
        "case", "min", "median", "p95", "max"
    );
    for case in &cases {
        let config = config(case.port, case.timeout_s);
        let options = DiagnoseOptions {
            handshake: case.handshake,
            ..DiagnoseOptions::default()
        };
        let mut times = Vec::with_capacity(runs);
        let mut verdicts = std::collections::BTreeMap::new();
        for _ in 0..runs {
            let started = Instant::now();
            let session = match (&config, case.handshake) {
                (Ok(config), true) => Some(Supervisor::start(SupervisorOptions::new(
                    worker.clone(),
                    config.clone(),
                ))),
                _ => None,
            };
            let report = diagnose(&config, session.as_ref(), &options).await;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            if let Some(session) = session {
                session.shutdown().await;
            }
            times.push(ms);
            let verdict = serde_json::to_value(report.verdict)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            *verdicts.entry(verdict).or_insert(0) += 1;
        }
        times.sort_by(f64::total_cmp);
        let seen: Vec<String> = verdicts.iter().map(|(v, n)| format!("{v} x{n}")).collect();
        println!(
            "{:<36} {:>9.1} {:>9.1} {:>9.1} {:>9.1}  {}",
            case.name,
            times[0],
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            times[times.len() - 1],
            seen.join(", ")
        );
    }
}

fn parse_runs() -> usize {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs = match args.as_slice() {
        [] => 15,
        [flag, n] if flag == "--runs" => n.parse().unwrap_or_else(|_| usage()),
        _ => usage(),
    };
    runs.clamp(1, MAX_RUNS)
}

fn usage() -> ! {
    eprintln!("usage: diagnose_bench [--runs N]");
    std::process::exit(2)
}

fn config(port: u16, timeout_s: &str) -> Result<Config, Vec<gateway_core::config::InvalidValue>> {
    Config::from_explicit([
        (Key::Port, port.to_string()),
        (Key::ClientId, "90".to_string()),
        (Key::Timeout, timeout_s.to_string()),
    ])
}

/// p-th percentile of sorted `times`, nearest rank.
fn percentile(times: &[f64], p: f64) -> f64 {
    let rank = (p * times.len() as f64).ceil() as usize;
    times[rank.clamp(1, times.len()) - 1]
}
