//! Benchmark: a full ibapi connect (TCP, version handshake, START_API, accounts, nextValidId) to a
//! gateway-sim process on loopback, N times, each a fresh client id; prints median, p95 and the raw TCP
//! connect round trip as the floor. `cargo run --release --example sim_connect -- [N]`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use std::io::{BufRead, BufReader};

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
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .and_then(|p| p.parent())
        .ok_or("no target dir")?;
    let mut sim = Command::new(dir.join("gateway-sim"))
        .args(["--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(sim.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
    let addr = gateway_sim::Ready::parse(&line)?.listening.to_string();

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
    let _ = sim.kill();
    let _ = sim.wait();
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
