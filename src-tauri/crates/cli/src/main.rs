//! gateway-doctor: Gateway Doctor without the window, for a terminal, a script or a support call.
//!
//! Every subcommand is a thin layer over gateway-core, so it sees exactly what the app sees. Settings are
//! resolved once per run by `core::config` (flags > environment > `.env` in the working directory > the
//! settings file > defaults); flags reach core as text so a bad value gets core's plain-words message, and
//! any bad value ends the run with exit code 2. `diagnose` runs core's diagnose, testing the API through the
//! open app's session (asked over the local link, `link`) or, only with `--handshake`, through its own
//! supervisor and worker, whose session it keeps open for the quick-close window before it exits. `zombies` is one socket scan.
//! `clean` is a dry run first, shown to the user, then asks (or needs `--yes`), then ends only the
//! processes it listed, each re-checked just before the signal. `connect` starts a supervisor, which owns
//! the gateway-worker process, prints each state change, and on Ctrl-C or SIGTERM ends the worker (the
//! operating system closes the socket; nothing is sent to the Gateway). `restart` asks IBC to restart the
//! Gateway (core's guards, asked first) and follows it until it listens again. Text goes to stdout; `--json`
//! prints core's own types instead. Exit codes: 0 all is well, 1 a problem was found, 2 bad usage,
//! bad settings or an error, 3 the Gateway listens but its API was not tested, 4 `restart` held back by
//! the restart limits.

mod ask;
mod clean;
mod connect;
mod diagnose;
mod error;
mod link;
mod output;
mod restart;
mod setup;
mod stop_signal;
mod zombies;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::{CliError, Exit};

/// Checks and repairs the connection between your trading programs and IB Gateway (or TWS).
#[derive(Parser, Debug)]
#[command(
    name = "gateway-doctor",
    version,
    long_about = "Gateway Doctor checks the connection between your trading programs and Interactive \
Brokers' IB Gateway (or TWS) on this computer, tells you in plain words what is wrong, and fixes what \
can be fixed: stale connections left behind by programs that crashed or were closed badly.\n\n\
Settings come from, highest first: the options you type, environment variables (IBKR_HOST, IBKR_PORT, \
IBKR_CLIENT_ID, IBKR_TIMEOUT, ...), a .env file in the current folder, Gateway Doctor's settings file, \
and the defaults (127.0.0.1, port 4002, client id 7431).",
    after_help = "Examples:\n  gateway-doctor diagnose              check everything, through the open app's connection if any\n  \
gateway-doctor diagnose --handshake  also test the Gateway's API (connects once, kept open 10 s)\n  \
gateway-doctor zombies               list stale connections\n  \
gateway-doctor clean                 end the programs holding them (asks first)\n  \
gateway-doctor restart               restart IB Gateway through IBC, keeping its login (asks first)\n\n\
Exit codes: 0 all is well, 1 a problem was found, 2 wrong options or settings, or an error, 3 the \
Gateway listens but its API was not tested, 4 held back by a limit that protects the Gateway (restart)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Diagnose(diagnose::Args),
    Zombies(zombies::Args),
    Clean(clean::Args),
    Connect(connect::Args),
    Restart(restart::Args),
}

fn main() -> ExitCode {
    // clap exits by itself: 0 after --help or --version, 2 with its message on a usage error.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Diagnose(args) => diagnose::run(args),
        Command::Zombies(args) => zombies::run(args),
        Command::Clean(args) => clean::run(args),
        Command::Connect(args) => connect::run(args),
        Command::Restart(args) => restart::run(args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(err) => {
            output::error(&err);
            Exit::Usage.into()
        }
    }
}

/// Runs `future` on a multi-threaded runtime (diagnose's socket scans and the supervisor use
/// `spawn_blocking` and background tasks).
fn block_on<F: Future>(future: F) -> Result<F::Output, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| CliError::Io {
            about: "start the async runtime",
            source,
        })?;
    let output = runtime.block_on(future);
    // A blocking task still in flight (a socket scan) must not hold the exit up.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    Ok(output)
}
