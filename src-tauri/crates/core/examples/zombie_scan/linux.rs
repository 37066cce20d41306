//! Benchmark: how long a zombie scan takes, against the tools a person would use instead.
//!
//! `cargo run --release -p gateway-core --example zombie_scan [-- --runs 15 --sizes 80,2000]`
//!
//! The benchmark process plays the Gateway: it listens on a free loopback port P, and makes three client
//! zombies (a `sleep` child holds the client end; the benchmark closes its end) and one Gateway-side zombie
//! (the client closes; the benchmark keeps its end). Then, for each size, it grows a crowd of extra `sleep`
//! processes, each holding both ends of an idle ESTABLISHED connection on another port (so the machine has
//! many processes AND many sockets, as a busy desktop does), and times, best and median of N runs:
//! `scan_quick` (phase 1), `scan` (both phases), `lsof -nP -iTCP:P -sTCP:CLOSE_WAIT`, `ss -tanp` and
//! `ss -tan`. Every child is killed and reaped at the end, also on a panic.

use std::net::{TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use gateway_core::sockets::{self, ZombieSide};

/// Never start more extra processes than this, whatever the arguments say.
const MAX_EXTRA: usize = 3000;
const CLIENT_ZOMBIES: usize = 3;

struct Args {
    runs: usize,
    sizes: Vec<usize>,
}

pub fn main() {
    let args = parse_args();
    let mut bench = Bench::new();
    let port = bench.port;
    let mut rows: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    let mut headers = Vec::new();
    for &size in &args.sizes {
        bench.grow_crowd(size);
        check_scan(port);
        headers.push(format!(
            "{size} extra: {} procs, {} sockets",
            count_processes(),
            count_sockets()
        ));
        let lsof_args = ["-nP", &format!("-iTCP:{port}"), "-sTCP:CLOSE_WAIT"];
        let measured = [
            (
                "gateway-core scan_quick (phase 1)",
                measure(args.runs, || {
                    sockets::scan_quick(port).expect("scan_quick");
                }),
            ),
            (
                "gateway-core scan (phase 1 + pids)",
                measure(args.runs, || {
                    sockets::scan(port).expect("scan");
                }),
            ),
            (
                "lsof -nP -iTCP:P -sTCP:CLOSE_WAIT",
                measure(args.runs, || run("lsof", &lsof_args)),
            ),
            ("ss -tanp", measure(args.runs, || run("ss", &["-tanp"]))),
            (
                "ss -tan (no pids)",
                measure(args.runs, || run("ss", &["-tan"])),
            ),
        ];
        for (name, timing) in measured {
            match rows.iter_mut().find(|(n, _)| n == name) {
                Some((_, timings)) => timings.push(timing),
                None => rows.push((name.to_string(), vec![timing])),
            }
        }
    }
    print_table(&args, &headers, &rows);
}

/// The benchmark's processes and sockets; dropping it kills and reaps every child.
struct Bench {
    gateway: TcpListener,
    port: u16,
    crowd_listener: TcpListener,
    /// The Gateway-side zombie's end, kept open on purpose.
    held: Vec<TcpStream>,
    children: Vec<Child>,
    crowd: usize,
}

impl Bench {
    fn new() -> Bench {
        let gateway = TcpListener::bind("127.0.0.1:0").expect("bind the Gateway port");
        let port = gateway.local_addr().expect("address").port();
        let crowd_listener = TcpListener::bind("127.0.0.1:0").expect("bind the crowd's port");
        let mut bench = Bench {
            gateway,
            port,
            crowd_listener,
            held: Vec::new(),
            children: Vec::new(),
            crowd: 0,
        };
        for _ in 0..CLIENT_ZOMBIES {
            let (client, accepted) = bench.pair_on_gateway();
            // Our end closes with nothing unread (a FIN), so the child's end goes to CLOSE_WAIT.
            drop(accepted);
            bench.spawn_sleep(client.into(), None);
        }
        let (client, accepted) = bench.pair_on_gateway();
        drop(client);
        bench.held.push(accepted);
        bench
    }

    fn pair_on_gateway(&self) -> (TcpStream, TcpStream) {
        let client = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        let (accepted, _) = self.gateway.accept().expect("accept");
        (client, accepted)
    }

    /// Adds idle `sleep` processes until there are `size`, each holding both ends of a connection.
    fn grow_crowd(&mut self, size: usize) {
        let size = size.min(MAX_EXTRA);
        let started = Instant::now();
        while self.crowd < size {
            let addr = self.crowd_listener.local_addr().expect("address");
            let client = TcpStream::connect(addr).expect("connect to the crowd's port");
            let (accepted, _) = self.crowd_listener.accept().expect("accept");
            self.spawn_sleep(client.into(), Some(accepted.into()));
            self.crowd += 1;
        }
        eprintln!(
            "{} extra processes ready ({:.1} s)",
            self.crowd,
            started.elapsed().as_secs_f64()
        );
    }

    fn spawn_sleep(&mut self, stdin: OwnedFd, stdout: Option<OwnedFd>) {
        let child = Command::new("sleep")
            .arg("3600")
            .stdin(Stdio::from(stdin))
            .stdout(stdout.map_or_else(Stdio::null, Stdio::from))
            .spawn()
            .expect("spawn sleep");
        self.children.push(child);
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
        }
        for child in &mut self.children {
            let _ = child.wait();
        }
        eprintln!("{} children killed and reaped", self.children.len());
    }
}

/// The scan must see exactly the zombies the benchmark made, or the timings mean nothing.
fn check_scan(port: u16) {
    let scan = sockets::scan(port).expect("scan");
    let count = |side| scan.zombies.iter().filter(|z| z.side == side).count();
    assert_eq!(count(ZombieSide::Client), CLIENT_ZOMBIES, "{scan:#?}");
    assert_eq!(count(ZombieSide::Gateway), 1, "{scan:#?}");
    assert!(
        scan.zombies.iter().all(|z| !z.socket.pids.is_empty()),
        "every zombie has a holder: {scan:#?}"
    );
    let lsof = Command::new("lsof")
        .args(["-nP", &format!("-iTCP:{port}"), "-sTCP:CLOSE_WAIT"])
        .output()
        .expect("run lsof");
    let lines = String::from_utf8_lossy(&lsof.stdout).lines().count();
    assert_eq!(
        lines,
        CLIENT_ZOMBIES + 2,
        "lsof sees the same zombies (plus its header)"
    );
}

/// Best and median wall time of `runs` calls, ms (one warm-up call first).
fn measure(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    f();
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[0], times[times.len() / 2])
}

fn run(program: &str, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {program} (the Makefile installs lsof and iproute2): {e}"));
    assert!(!output.stdout.is_empty(), "{program} printed nothing");
}

fn count_processes() -> usize {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.flatten()
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .bytes()
                        .all(|b| b.is_ascii_digit())
                })
                .count()
        })
        .unwrap_or(0)
}

fn count_sockets() -> usize {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .map(|path| {
            std::fs::read_to_string(path).map_or(0, |t| t.lines().count().saturating_sub(1))
        })
        .sum()
}

fn print_table(args: &Args, headers: &[String], rows: &[(String, Vec<(f64, f64)>)]) {
    println!();
    println!("Zombie scan, best / median of {} runs, ms", args.runs);
    println!();
    println!("| tool | {} |", headers.join(" | "));
    println!("|---|{}", "---:|".repeat(headers.len()));
    for (name, timings) in rows {
        let cells: Vec<String> = timings
            .iter()
            .map(|(best, median)| format!("{best:.2} / {median:.2}"))
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
}

fn parse_args() -> Args {
    let mut args = Args {
        runs: 15,
        sizes: vec![80, 2000],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--runs" => {
                args.runs = value
                    .parse()
                    .unwrap_or_else(|_| usage("--runs takes a number"))
            }
            "--sizes" => {
                args.sizes = value
                    .split(',')
                    .map(|s| {
                        s.trim()
                            .parse()
                            .unwrap_or_else(|_| usage("--sizes takes numbers"))
                    })
                    .collect();
                args.sizes.sort_unstable();
            }
            _ => usage(&format!("unknown argument {flag}")),
        }
    }
    args
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "{problem}\nusage: zombie_scan [--runs N] [--sizes 80,2000] (sizes: extra processes, at most {MAX_EXTRA})"
    );
    std::process::exit(2);
}
