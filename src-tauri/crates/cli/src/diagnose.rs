//! `diagnose`: core's diagnose, once, shown as text or as the JSON report.
//!
//! The API is tested through a session, never by a throwaway connection. First the open Gateway Doctor app
//! is asked over the local link (`link`): when it holds a session to the same Gateway, that session IS the
//! test and nothing connects from here (with `--handshake` an idle app is asked to connect, and keeps its
//! session). With no app, only `--handshake` connects, through this run's own supervisor and worker, and
//! then keeps the session open until it has lived `QUICK_CLOSE_HOLD` (10 s; why in gateway-core's
//! diagnostics/session_test.rs), saying so, because a quick connect-then-close is what kills a Gateway's
//! API layer. Without any test the verdict is `listening_not_tested` and the exit code 3.

use std::time::Duration;

use gateway_core::config::Config;
use gateway_core::diagnostics::{DiagnoseOptions, diagnose, hold_remaining};
use gateway_core::supervisor::{Supervisor, SupervisorOptions};
use gateway_proto::Verdict;

use crate::error::{CliError, Exit};
use crate::link::{AppAnswer, ask_app};
use crate::output::{self, Style};
use crate::setup::{self, SessionFlags};

/// Check the connection to IB Gateway and say what to do.
#[derive(clap::Args, Debug)]
#[command(
    long_about = "Check the connection between your trading programs and IB Gateway (or TWS), and get one \
plain answer with one next step.\n\n\
If the Gateway Doctor app is open, its connection to the Gateway is used to test the Gateway's API, and \
nothing else connects. Otherwise nothing connects unless you add --handshake: Gateway Doctor then only \
looks at this computer's connections (is the Gateway listening? taking new connections? are stale \
connections in the way?), which cannot tell whether the API answers, and says so (\"not tested\"). With \
--handshake it connects once and keeps that connection open for 10 seconds before it exits, because \
closing a new connection at once is what upsets the Gateway.",
    after_help = "Example:\n  gateway-doctor diagnose --handshake --client-id 7\n\n\
Exit codes: 0 healthy (the API answered), 1 a problem was found (the text says what to do), 2 wrong \
options or settings, 3 the Gateway listens but its API was not tested (open the app, or add --handshake)."
)]
pub struct Args {
    #[command(flatten)]
    session: SessionFlags,
    /// Test the API: through the open app's session, else by connecting once (kept open 10 s before exiting)
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
    let say = |text: &str| {
        // Notes go beside the report: on stdout with text, on stderr so --json stays one JSON document.
        if args.json {
            eprintln!("{text}");
        } else {
            output::print(text);
        }
    };
    let mut options = DiagnoseOptions::default();
    let mut own_session = false;
    if let Ok(config) = &config {
        match app_session(config, args.handshake) {
            Some(reported) => {
                say(
                    "Testing through the open Gateway Doctor app's session (nothing else connects).",
                );
                options.reported = Some(reported);
            }
            None if args.handshake => {
                setup::existing_worker()?;
                own_session = true;
                options.handshake = true;
            }
            None => {}
        }
    }
    let report = crate::block_on(async {
        let own = match (&config, own_session) {
            (Ok(config), true) => Some(Supervisor::start(SupervisorOptions::new(
                setup::worker_path(),
                config.clone(),
            ))),
            _ => None,
        };
        let report = diagnose(&config, own.as_ref(), &options).await;
        if args.json {
            output::print(&output::json(&report, false));
        } else {
            output::print(&output::report_text(&report, Style::for_stdout()));
        }
        if let Some(supervisor) = own {
            hold_then_end(&supervisor, &say).await;
        }
        report
    })?;

    match (config, report.verdict) {
        // With --json the report (verdict bad_config) is printed above; the messages go to stderr.
        (Err(errors), _) => Err(CliError::Config(errors)),
        (Ok(_), Verdict::Healthy) => Ok(Exit::Ok),
        (Ok(_), Verdict::ListeningNotTested) => Ok(Exit::NotTested),
        (Ok(_), _) => Ok(Exit::Problem),
    }
}

/// The open app's session when it goes to the same Gateway (host and port), else `None` (with a note).
fn app_session(
    config: &Config,
    handshake: bool,
) -> Option<gateway_core::diagnostics::ReportedSession> {
    // A connect through the app may take its whole timeout; a status answers at once.
    let bound = config.timeout() + Duration::from_secs(10);
    match ask_app(handshake, bound) {
        AppAnswer::NoApp => None,
        AppAnswer::Unusable(why) => {
            eprintln!("Not using the Gateway Doctor app's link: {why}");
            None
        }
        #[cfg(unix)]
        AppAnswer::Session(session) => {
            if session.host == config.host() && session.port == config.port() {
                Some(session.reported())
            } else {
                eprintln!(
                    "The open Gateway Doctor app watches {}:{}, not {}:{}; its session does not test this Gateway.",
                    session.host,
                    session.port,
                    config.host(),
                    config.port()
                );
                None
            }
        }
    }
}

/// Keeps this run's own session open until it has lived the quick-close window, then ends the worker (the
/// operating system closes the socket; nothing is sent to the Gateway).
async fn hold_then_end(supervisor: &Supervisor, say: &impl Fn(&str)) {
    let state = supervisor.state();
    if let Some(wait) = hold_remaining(&state.worker, gateway_core::now_ms())
        && !wait.is_zero()
    {
        say(&format!(
            "Holding the connection to the Gateway open for {:.0} s before exiting, so the Gateway is not \
             harmed by a quick connect-then-close.",
            wait.as_secs_f64().ceil()
        ));
        tokio::time::sleep(wait).await;
    }
    supervisor.shutdown().await;
}
