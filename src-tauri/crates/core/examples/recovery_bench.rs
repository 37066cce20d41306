//! Benchmark: how long the supervisor takes to have its session back after the Gateway restarts.
//!
//! `cargo build --release -p gateway-sim -p gateway-worker`, then
//! `cargo run --release -p gateway-core --example recovery_bench [-- --runs 5 --down-ms 2000 --json]`
//!
//! One gateway-sim process (with a control port) and one [`Supervisor`] with the default options (backoff
//! 250 ms doubling to 30 s, listener poll 500 ms, cool-down 1 s) that has connected. Each run asks the
//! simulator to `restart` (drop every session, close its port for `--down-ms`, listen again on a new socket);
//! the control reply comes when it listens again, and the clock starts then. It stops when the supervisor's
//! lifecycle is `connected` again. The session is then checked with a `status` request. The simulator is
//! killed at the end. Prints min / median / max in ms (or one JSON object with `--json`).

use std::time::{Duration, Instant};

use gateway_core::config::{Config, Key};
use gateway_core::supervisor::{Lifecycle, Supervisor, SupervisorOptions};
use gateway_testkit::{SimOptions, bin};

/// Never run more restarts than this, whatever the arguments say.
const MAX_RUNS: usize = 50;
/// Give up on one recovery after this long.
const RECOVERY_LIMIT: Duration = Duration::from_secs(60);

struct Args {
    runs: usize,
    down_ms: u64,
    json: bool,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = parse_args();
    let worker = bin("gateway-worker");
    let sim = SimOptions::default().quiet().start();
    let config = Config::from_explicit([
        (Key::Port, sim.port().to_string()),
        (Key::ClientId, "91".to_string()),
    ])
    .expect("a valid config");
    let supervisor = Supervisor::start(SupervisorOptions::new(worker, config));
    supervisor.connect().await.expect("connect");
    wait_connected(&supervisor, "the first connect").await;
    let mut times = Vec::with_capacity(args.runs);
    for run in 0..args.runs {
        // Let the poll see the current listener before it changes.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let control = sim.control;
        let down = Duration::from_millis(args.down_ms);
        tokio::task::spawn_blocking(move || control.restart(down))
            .await
            .expect("control task")
            .expect("restart");
        let listening_again = Instant::now();
        wait_connected(&supervisor, &format!("recovery {run}")).await;
        times.push(listening_again.elapsed().as_secs_f64() * 1000.0);
        let status = supervisor
            .request("status")
            .await
            .expect("status after recovery");
        assert_eq!(status["session"], "connected", "{status}");
    }
    let state = supervisor.state();
    eprintln!(
        "worker starts {}, connect attempts {}, Gateway restarts seen {}",
        state.worker_starts, state.connect_attempts, state.gateway_restarts_seen
    );
    supervisor.shutdown().await;
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "runs": args.runs, "down_ms": args.down_ms,
                "min_ms": sorted[0], "median_ms": median, "max_ms": sorted[sorted.len() - 1],
                "times_ms": times,
            })
        );
    } else {
        println!(
            "recovery after a gateway-sim restart (down {} ms), listening again -> supervisor connected, n={}",
            args.down_ms, args.runs
        );
        println!(
            "  min {:.0} ms   median {:.0} ms   max {:.0} ms",
            sorted[0],
            median,
            sorted[sorted.len() - 1]
        );
    }
}

async fn wait_connected(supervisor: &Supervisor, what: &str) {
    let mut watch = supervisor.watch();
    let wait = watch.wait_for(|s| s.lifecycle == Lifecycle::Connected);
    match tokio::time::timeout(RECOVERY_LIMIT, wait).await {
        Ok(Ok(_)) => {}
        _ => panic!(
            "{what}: not connected within {RECOVERY_LIMIT:?}: {:?}",
            supervisor.state().lifecycle
        ),
    }
}

fn parse_args() -> Args {
    let mut args = Args {
        runs: 5,
        down_ms: 2000,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--json" => args.json = true,
            "--runs" | "--down-ms" => {
                let value: u64 = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage(&format!("{flag} takes a number")));
                if flag == "--runs" {
                    args.runs = (value as usize).clamp(1, MAX_RUNS);
                } else {
                    args.down_ms = value.min(60_000);
                }
            }
            _ => usage(&format!("unknown argument {flag}")),
        }
    }
    args
}

fn usage(problem: &str) -> ! {
    eprintln!("{problem}\nusage: recovery_bench [--runs N] [--down-ms MS] [--json]");
    std::process::exit(2);
}
