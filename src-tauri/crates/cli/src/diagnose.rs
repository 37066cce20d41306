//! `diagnose`: core's diagnose, once, shown as text or as DESIGN's JSON report.

use gateway_core::diagnostics::{DiagnoseOptions, diagnose};
use gateway_proto::Verdict;

use crate::error::{CliError, Exit};
use crate::output::{self, Style};
use crate::setup::{self, SessionFlags};

/// Check the connection to IB Gateway and say what to do.
#[derive(clap::Args, Debug)]
#[command(
    long_about = "Check the connection between your trading programs and IB Gateway (or TWS), and get one \
plain answer with one next step.\n\n\
By default nothing connects to the Gateway: Gateway Doctor only looks at this computer's connections \
(is the Gateway listening? is it taking new connections? are stale connections in the way?). With \
--handshake it also tries one real connection, which tells whether the Gateway's API is actually answering.",
    after_help = "Example:\n  gateway-doctor diagnose --handshake --client-id 7\n\n\
Exit codes: 0 healthy, 1 a problem was found (the text says what to do), 2 wrong options or settings."
)]
pub struct Args {
    #[command(flatten)]
    session: SessionFlags,
    /// Also try one real connection (uses the client id; gives up after --timeout seconds)
    #[arg(long)]
    handshake: bool,
    /// Print the report as JSON (for scripts and support)
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<Exit, CliError> {
    let config = setup::resolve(args.session.overrides())?;
    if let Err(errors) = &config
        && !args.json
    {
        return Err(CliError::Config(errors.clone()));
    }
    // The worker is only needed for the handshake; a passive diagnose works without it.
    let worker = if args.handshake && config.is_ok() {
        setup::existing_worker()?
    } else {
        setup::worker_path()
    };
    let mut options = DiagnoseOptions::new(worker);
    options.handshake = args.handshake;
    let report = crate::block_on(diagnose(&config, None, &options))?;

    if args.json {
        output::print(&output::json(&report, false));
    } else {
        output::print(&output::report_text(&report, Style::for_stdout()));
    }
    match (config, report.verdict) {
        // With --json the report (verdict bad_config) is printed above; the messages go to stderr.
        (Err(errors), _) => Err(CliError::Config(errors)),
        (Ok(_), Verdict::Healthy) => Ok(Exit::Ok),
        (Ok(_), _) => Ok(Exit::Problem),
    }
}
