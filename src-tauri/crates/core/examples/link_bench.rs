//! Benchmark: the local link's session (version 2) between a window and the keeper, on a real Unix socket.
//!
//! `cargo run --release -p gateway-core --example link_bench -- [--calls 2000] [--json]`
//!
//! A keeper with two commands ("echo", and "logs" answering 100,000 log lines, as get_logs can) and an
//! event stream; one [`LinkClient`]. Measures a small call's round trip (median and p95 of `--calls`), the
//! 100,000-line reply (median of 5) and events per second to the window (sent in batches the window
//! takes before the next, so none is dropped). Prints a table, or one JSON object with `--json`.

#[cfg(unix)]
mod bench {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use gateway_core::local_link::{
        ConnectionId, Hello, LinkClient, LinkEvent, LinkHandler, LinkServer, Role,
    };
    use serde_json::{Value, json};
    use tokio::sync::broadcast;

    const LOG_LINES: usize = 100_000;
    const EVENTS: usize = 20_000;
    const BATCH: usize = 256;
    const BOUND: Duration = Duration::from_secs(60);

    struct Keeper {
        events: broadcast::Sender<LinkEvent>,
        logs: Value,
    }

    impl LinkHandler for Keeper {
        type Event = LinkEvent;

        async fn call(&self, _: ConnectionId, name: String, args: Value) -> Result<Value, Value> {
            match name.as_str() {
                "echo" => Ok(args),
                "logs" => Ok(self.logs.clone()),
                other => Err(json!(format!("no {other}"))),
            }
        }

        fn events(&self) -> broadcast::Receiver<LinkEvent> {
            self.events.subscribe()
        }
    }

    fn percentile(sorted: &[f64], p: f64) -> f64 {
        let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(at).copied().unwrap_or(f64::NAN)
    }

    pub async fn run(calls: usize, as_json: bool) -> Result<(), String> {
        let line = "2026-12-05T09:30:01.123Z INFO gateway_core::supervisor: heartbeat answered in 3 ms (127.0.0.1:4002)";
        let keeper = Arc::new(Keeper {
            events: broadcast::channel(BATCH * 2).0,
            logs: json!(vec![line; LOG_LINES]),
        });
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let server =
            LinkServer::bind(&dir.path().join("gateway-doctor")).map_err(|e| e.to_string())?;
        let path = server.path().to_path_buf();
        let serving = tokio::spawn(server.serve_sessions(keeper.clone(), None));
        let hello = Hello {
            role: Role::Window,
            build: "bench".into(),
        };
        let (client, mut events) = LinkClient::connect(&path, hello)
            .await
            .map_err(|e| e.to_string())?;

        let mut round_trips = Vec::with_capacity(calls);
        for n in 0..calls {
            let started = Instant::now();
            let answer = client.call("echo", json!({ "n": n }), BOUND).await;
            round_trips.push(started.elapsed().as_secs_f64() * 1e6);
            if !matches!(answer, Ok(Ok(_))) {
                return Err(format!("echo {n}: {answer:?}"));
            }
        }
        round_trips.sort_by(f64::total_cmp);

        let mut logs = Vec::new();
        let mut logs_bytes = 0;
        for _ in 0..5 {
            let started = Instant::now();
            let answer = client.call("logs", Value::Null, BOUND).await;
            logs.push(started.elapsed().as_secs_f64() * 1e3);
            match answer {
                Ok(Ok(Value::Array(lines))) if lines.len() == LOG_LINES => {
                    logs_bytes = lines
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::len)
                        .sum::<usize>();
                }
                other => {
                    return Err(format!(
                        "logs: {:?}",
                        other.map(|r| r.map(|_| "not the lines"))
                    ));
                }
            }
        }
        logs.sort_by(f64::total_cmp);

        let started = Instant::now();
        for batch in 0..EVENTS / BATCH {
            for n in 0..BATCH {
                let payload = json!({ "n": batch * BATCH + n, "line": line });
                let _ = keeper.events.send(LinkEvent::new("log://line", payload));
            }
            for _ in 0..BATCH {
                match tokio::time::timeout(BOUND, events.recv()).await {
                    Ok(Some(event)) if event.event == "log://line" => {}
                    other => return Err(format!("event: {other:?}")),
                }
            }
        }
        let sent = EVENTS / BATCH * BATCH;
        let events_per_s = sent as f64 / started.elapsed().as_secs_f64();
        serving.abort();

        let result = json!({
            "calls": calls,
            "call_median_us": percentile(&round_trips, 0.5),
            "call_p95_us": percentile(&round_trips, 0.95),
            "logs_lines": LOG_LINES,
            "logs_bytes": logs_bytes,
            "logs_median_ms": percentile(&logs, 0.5),
            "events": sent,
            "events_per_s": events_per_s,
        });
        if as_json {
            println!("{result}");
        } else {
            println!(
                "{}",
                serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?
            );
        }
        Ok(())
    }
}

#[cfg(unix)]
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let calls = args
        .iter()
        .position(|a| a == "--calls")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let as_json = args.iter().any(|a| a == "--json");
    if let Err(e) = bench::run(calls, as_json).await {
        eprintln!("link_bench: {e}");
        std::process::exit(1);
    }
}

#[cfg(not(unix))]
fn main() {
    eprintln!("link_bench: the local link is Unix only");
}
