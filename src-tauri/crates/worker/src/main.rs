//! gateway-worker: the one process that holds the API session to IB Gateway, driven by JSON lines.
//!
//! How it works. [`serve`] reads stdin with a bounded line reader and parses each line strictly
//! ([`request`]); a bad line is answered at once with BAD_REQUEST, a good one runs as its own task against
//! the [`worker::Worker`], and every answer and event goes through one writer task ([`output`]), so stdout
//! is always one JSON object per line. `connect` merges params over the environment over the defaults
//! ([`settings`]) and runs ibapi's async client inside a timeout with its own reconnect off ([`connect`]);
//! a live [`session`] then has two tasks ([`session_tasks`]): a reqCurrentTime heartbeat (3 s, bounded at
//! 2 s; two misses make it `unresponsive`), and a watch on ibapi's notice stream that turns IB notices into
//! events and link/farm state ([`notices`]) and whose end means the socket is gone (CONNECTION_LOST, at
//! once). The session is never closed on purpose: not on errors, not on exit (the OS closes the socket
//! with the process); `disconnect` works only with IBKR_FORCE_DISCONNECT=1. Handshake timeouts in a row
//! latch a guardrail that stops all connects until `reset`.
//!
//! Handshake steps. ibapi's connect is a single future and reports no steps, and opening a second probe
//! socket would create the very zombies and churn this product diagnoses. So the worker reads ibapi's own
//! log records of the handshake on its single socket ([`probe`]): the TCP connect, each frame after the
//! version reply (accounts, nextValidId) and each IB notice, timed while a connect is armed. What the
//! connect's error proves (a version too old, 326, an end of stream after the reply) completes the
//! picture, so a timeout can say "the Gateway answered the handshake and sent the accounts, but never sent
//! nextValidId".

mod connect;
mod input;
mod logging;
mod notices;
mod output;
mod probe;
mod serve;
mod session;
mod session_tasks;
mod settings;
mod status;
mod worker;

// The request parser and its errors live in the library (src/lib.rs), so fuzz targets reach them too.
use gateway_worker::{errors, request};

const USAGE: &str = "gateway-worker: holds one API session to IB Gateway; JSON lines on stdin and stdout.

Usage: gateway-worker            (takes no arguments)
  echo '{\"command\":\"connect\",\"params\":{\"host\":\"127.0.0.1\",\"port\":4002,\"client_id\":888}}' | gateway-worker

Commands: connect {host, port, client_id, readonly, timeout}, status, ping, accounts, reset, disconnect, shutdown.
Environment: IBKR_HOST, IBKR_PORT, IBKR_CLIENT_ID, IBKR_READONLY, IBKR_TIMEOUT (connect defaults),
  IBKR_MAX_TIMEOUTS (3), IBKR_FORCE_DISCONNECT (0), IBKR_HEARTBEAT_INTERVAL (3 s), IBKR_HEARTBEAT_TIMEOUT (2 s),
  RUST_LOG (stderr log filter, default info).";

fn main() {
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("--help" | "-h") => {
            println!("{USAGE}");
            return;
        }
        Some("--version" | "-V") => {
            println!("gateway-worker {}", env!("CARGO_PKG_VERSION"));
            return;
        }
        Some(other) => {
            eprintln!("gateway-worker: unexpected argument {other:?}; it takes none (see --help)");
            std::process::exit(2);
        }
    }
    logging::init();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("gateway-worker: cannot start the async runtime: {err}");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(serve::serve());
    // Exit without dropping the runtime: that would wait for a stdin read that may never end. The OS closes
    // the session's socket with the process.
    std::process::exit(code);
}
