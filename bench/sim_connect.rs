//! Benchmark: a full ibapi connect (TCP, version handshake, START_API, accounts, nextValidId) to a
//! gateway-sim process on loopback, N times, each a fresh client id; prints median, p95 and the raw TCP
//! connect round trip as the floor. `cargo run --release --example sim_connect -- [N]`.

use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100);
    let sim = gateway_testkit::SimOptions::default().quiet().spawn()?;
    let addr = sim.api.to_string();

    let mut floor = Vec::with_capacity(n);
    let mut full = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        let tcp = tokio::net::TcpStream::connect(&addr).await?;
        floor.push(started.elapsed());
        drop(tcp);
        let started = Instant::now();
        let connect = ibapi::Client::builder()
            .address(addr.clone())
            .client_id(1000 + i as i32)
            .max_reconnect_attempts(0)
            .connect();
        let client = tokio::time::timeout(Duration::from_secs(10), connect).await??;
        full.push(started.elapsed());
        drop(client);
    }
    drop(sim);
    floor.sort();
    full.sort();
    println!("ibapi connect to gateway-sim over loopback, n={n}");
    println!(
        "  full connect   median {:.3} ms   p95 {:.3} ms",
        ms(percentile(&full, 0.5)),
        ms(percentile(&full, 0.95))
    );
    println!(
        "  TCP connect    median {:.3} ms   p95 {:.3} ms (floor)",
        ms(percentile(&floor, 0.5)),
        ms(percentile(&floor, 0.95))
    );
    Ok(())
}
