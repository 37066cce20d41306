//! `connect`: one session held through core's supervisor, each state change printed, until Ctrl-C or
//! SIGTERM; then the supervisor ends the worker (the operating system closes the socket; no API
//! disconnect is ever sent) and the run ends with 0.

use gateway_core::config::Config;
use gateway_core::supervisor::{
    Supervisor, SupervisorOptions, SupervisorState, default_latch_path,
};

use crate::error::{CliError, Exit};
use crate::output::{self, Style, local_time};
use crate::setup::{self, SessionFlags};
use crate::stop_signal::StopSignal;

/// Hold one connection to the Gateway and show what happens to it, until Ctrl-C.
#[derive(clap::Args, Debug)]
#[command(
    long_about = "Connect to the Gateway and keep the connection open, printing a line whenever something \
changes: connecting, connected (with your account and whether it is PAPER or LIVE), a lost link to \
IBKR's servers, a retry. If the connection drops, Gateway Doctor reconnects by itself, waiting longer \
between tries and stopping after a few failed ones so it never floods a Gateway that is not answering.\n\n\
Press Ctrl-C to stop: the connection is closed and nothing else is sent to the Gateway.",
    after_help = "Example:\n  gateway-doctor connect --port 4002 --client-id 7\n\n\
Exit codes: 0 after Ctrl-C, 2 wrong options or settings, or the worker program is missing."
)]
pub struct Args {
    #[command(flatten)]
    session: SessionFlags,
    /// Print every state as one JSON object per line (for scripts)
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<Exit, CliError> {
    let config = setup::config(args.session.overrides())?;
    let worker = setup::existing_worker()?;
    crate::block_on(hold(config, worker, args.json))?
}

async fn hold(config: Config, worker: std::path::PathBuf, json: bool) -> Result<Exit, CliError> {
    // Listen before the worker exists, so a signal that comes early still ends it in order.
    let mut stop = StopSignal::new()?;
    let mut options = SupervisorOptions::new(worker, config.clone());
    // The same guardrail file as the app: a Gateway the app saw dead is not tried again from here.
    options.latch_path = default_latch_path();
    let supervisor = Supervisor::start(options);
    let mut watch = supervisor.watch();
    let mut shown = Shown::new(json, config);
    let mut reading = shown.show(&watch.borrow_and_update());
    if let Err(err) = supervisor.connect().await {
        supervisor.shutdown().await;
        return Err(err.into());
    }
    while reading {
        tokio::select! {
            () = stop.recv() => break,
            changed = watch.changed() => {
                if changed.is_err() {
                    break; // the supervisor stopped by itself
                }
                reading = shown.show(&watch.borrow_and_update());
            }
        }
    }
    if !json && reading {
        output::print("Stopping: ending the connection (nothing is sent to the Gateway)...");
    }
    supervisor.shutdown().await;
    Ok(Exit::Ok)
}

/// Prints states: every one as JSON, or a line of text when what it says changed (heartbeats update the
/// state every few seconds without changing anything a trader reads).
struct Shown {
    json: bool,
    config: Config,
    style: Style,
    last: Option<String>,
}

impl Shown {
    fn new(json: bool, config: Config) -> Shown {
        Shown {
            json,
            config,
            style: Style::for_stdout(),
            last: None,
        }
    }

    /// `false` once stdout is gone (nobody reads any more: time to stop).
    fn show(&mut self, state: &SupervisorState) -> bool {
        if self.json {
            return output::print(&output::json(state, true));
        }
        let line = output::state_line(state, &self.config);
        if self.last.as_deref() == Some(line.as_str()) {
            return true;
        }
        let at = local_time(state.changed_at_ms);
        let time = at.rsplit(' ').next().unwrap_or(&at);
        let printed = output::print(&format!("{} {line}", self.style.dim(time)));
        self.last = Some(line);
        printed
    }
}
