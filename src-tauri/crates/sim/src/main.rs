//! `gateway-sim`: runs the simulator until interrupted. The first stdout line is
//! `{"listening":"127.0.0.1:PORT","control":"127.0.0.1:PORT"}` (plus `"ibc":"127.0.0.1:PORT"` with `--ibc`)
//! so `--listen 127.0.0.1:0` works in scripts.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use gateway_sim::{Fault, IbcFault, IbcOptions, Ready, Sim, SimConfig};
use std::time::Duration;
use tracing_subscriber::EnvFilter;

/// An IB Gateway simulator that speaks the real TWS API (text and protobuf dialects), with fault modes.
#[derive(Debug, Parser)]
#[command(version, after_help = FAULT_HELP)]
struct Args {
    /// Address of the API port (4002 is IB Gateway's paper-trading port; use 127.0.0.1:0 for a free one).
    #[arg(long, default_value = "127.0.0.1:4002")]
    listen: SocketAddr,
    /// Address of the control port (JSON lines: set_fault, restart, drop_all, notice, stats).
    #[arg(long, default_value = "127.0.0.1:0")]
    control: SocketAddr,
    /// Fault mode at start (see below).
    #[arg(long, default_value = "normal")]
    fault: Fault,
    /// Accounts reported to clients, comma-separated (DU... are paper accounts).
    #[arg(long, default_value = "DU1234567")]
    accounts: String,
    /// Highest server version spoken (ibapi 5.x needs 213 or more; ib_async speaks up to 178).
    #[arg(long, default_value_t = 226, value_parser = clap::value_parser!(i32).range(100..=1000))]
    max_version: i32,
    /// Exit when standard input closes: a parent that keeps a pipe to it ties the simulator's life to its
    /// own, even if the parent is killed outright (the app's demo gateway uses this).
    #[arg(long)]
    exit_with_stdin: bool,
    /// Also run IBC's command server on this address (port 0 picks a free one; IBC's convention is 7462).
    #[arg(long)]
    ibc: Option<SocketAddr>,
    /// IBC's CommandPrompt: a prompt written without a newline on connect and after each command.
    #[arg(long, requires = "ibc")]
    ibc_prompt: Option<String>,
    /// IBC's SuppressInfoMessages=no: also send INFO lines.
    #[arg(long, requires = "ibc")]
    ibc_info: bool,
    /// IBC's ControlFrom: client addresses allowed besides 127.0.0.1 and the bound address, comma-separated.
    #[arg(long, requires = "ibc", value_delimiter = ',')]
    ibc_control_from: Vec<String>,
    /// How long the Gateway stays down after IBC's RESTART, in milliseconds.
    #[arg(long, requires = "ibc", default_value_t = 3000)]
    ibc_restart_down_ms: u64,
    /// How long after answering RESTART the Gateway goes down, in milliseconds (a real Gateway: up to 2 min).
    #[arg(long, requires = "ibc", default_value_t = 0)]
    ibc_restart_after_ms: u64,
    /// How the IBC port misbehaves: normal, silent (never answers) or garbage (answers with non-IBC text).
    #[arg(long, requires = "ibc", default_value = "normal")]
    ibc_fault: IbcFault,
}

const FAULT_HELP: &str = "Fault modes: normal, silent, no_accept, no_next_valid_id, close_after_handshake, garbage, \
slow_handshake:MS, old_version, ignore_heartbeat, hold_closed, red_after_disconnect[:WITHIN_MS[:CYCLES]], drop_after:MS.\n\
Example: gateway-sim --listen 127.0.0.1:0 --fault silent\n\
With IBC's command server: gateway-sim --listen 127.0.0.1:0 --ibc 127.0.0.1:0 --ibc-restart-down-ms 2000";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    if args.accounts.split(',').all(|a| a.trim().is_empty()) {
        eprintln!("gateway-sim: --accounts must name at least one account (clients wait for it)");
        return ExitCode::from(2);
    }
    let config = SimConfig {
        listen: args.listen,
        control: args.control,
        fault: args.fault,
        accounts: args.accounts,
        max_version: args.max_version,
        ibc: args.ibc.map(|listen| IbcOptions {
            prompt: args.ibc_prompt.clone().unwrap_or_default(),
            info: args.ibc_info,
            control_from: args.ibc_control_from.clone(),
            restart_down: Duration::from_millis(args.ibc_restart_down_ms),
            restart_after: Duration::from_millis(args.ibc_restart_after_ms),
            fault: args.ibc_fault,
            ..IbcOptions::new(listen)
        }),
    };
    let sim = match Sim::start(config).await {
        Ok(sim) => sim,
        Err(err) => {
            eprintln!(
                "gateway-sim: cannot listen on {} / {}{}: {err}",
                args.listen,
                args.control,
                args.ibc.map(|a| format!(" / {a}")).unwrap_or_default()
            );
            return ExitCode::FAILURE;
        }
    };
    let ready = Ready {
        listening: sim.listening(),
        control: sim.control(),
        ibc: sim.ibc(),
    }
    .to_line();
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{ready}")
        .and_then(|_| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    tokio::select! {
        _ = wait_for_termination() => {}
        _ = stdin_closed(), if args.exit_with_stdin => tracing::info!("standard input closed"),
    }
    tracing::info!("gateway-sim stopping");
    ExitCode::SUCCESS
}

async fn stdin_closed() {
    use tokio::io::AsyncReadExt;
    let mut stdin = tokio::io::stdin();
    let mut sink = [0u8; 256];
    while stdin.read(&mut sink).await.is_ok_and(|n| n > 0) {}
}

async fn wait_for_termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
