//! `diagnose`: core's diagnose, once, shown as text or as the JSON report.
//!
//! The API is tested through a session, never by a throwaway connection. First the open Gateway Doctor app
//! is asked over the local link (`link`): when it holds a session to the same Gateway, that session IS the
//! test and nothing connects from here (with `--handshake` an idle app is asked to connect, and keeps its
//! session). With no app, only `--handshake` connects, through this run's own supervisor and worker, and
//! then keeps the session open until it has lived `QUICK_CLOSE_HOLD` (10 s; why in gateway-core's
//! diagnostics/session_test.rs), saying so, because a quick connect-then-close is what kills a Gateway's
//! API layer. Without any test the verdict is `listening_not_tested` and the exit code 3.
//!
//! Before it connects by itself, the run asks the guardrail that every Gateway Doctor process shares
//! (core's diagnostics/guardrail.rs): a Gateway latched as unresponsive (same listener as then) or a spent
//! connect budget means no connect, and the report says why and what to do. Its own supervisor uses the
//! same files, so its one connect counts in the budget of the app and of every other run. A Ctrl-C during
//! the hold does not end the session at once: it says how much longer it keeps it, and a second one quits.
//!
//! `GATEWAY_DOCTOR_TEST_HOLD_MS` (for tests only) shortens the hold, so a test can run many diagnoses
//! in seconds; it can never lengthen it.

use std::time::Duration;

use gateway_core::config::Config;
use gateway_core::diagnostics::{
    DiagnoseOptions, HeldBack, QUICK_CLOSE_HOLD, diagnose, explain_held_back, held_back,
    hold_remaining,
};
use gateway_core::supervisor::{Supervisor, SupervisorOptions, default_latch_path};
use gateway_proto::Verdict;
use jiff::tz::TimeZone;

use crate::error::{CliError, Exit};
use crate::link::{AppAnswer, ask_app};
use crate::output::{self, Style};
use crate::setup::{self, SessionFlags};
use crate::stop_signal::StopSignal;

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
    let mut held = None;
    let latch_path = default_latch_path();
    if let Ok(config) = &config {
        // The trader's region and IB Gateway's restart time decide whether now is a reset window.
        let rules = config.time_rules();
        options.region = rules.region;
        options.auto_restart = rules.auto_restart;
        match app_session(config, args.handshake) {
            Some(reported) => {
                say(
                    "Testing through the open Gateway Doctor app's session (nothing else connects).",
                );
                options.reported = Some(reported);
            }
            None if args.handshake => {
                setup::existing_worker()?;
                held = latch_path.as_deref().and_then(|path| {
                    held_back(
                        path,
                        &config.host(),
                        config.port(),
                        gateway_core::now_ms(),
                        |note| eprintln!("{note}"),
                    )
                });
                match &held {
                    Some(HeldBack::Latched(_)) => say(
                        "Not connecting: Gateway Doctor found this Gateway's API unresponsive earlier \
                         (details below).",
                    ),
                    Some(HeldBack::BudgetSpent { wait, .. }) => say(&format!(
                        "Not connecting: Gateway Doctor programs connected to this Gateway many times just \
                         now; the next connect is allowed in {:.0} s.",
                        wait.as_secs_f64().ceil()
                    )),
                    None => {
                        own_session = true;
                        options.handshake = true;
                    }
                }
            }
            None => {}
        }
    }
    let report = crate::block_on(async {
        let own = match (&config, own_session) {
            (Ok(config), true) => {
                let mut supervisor = SupervisorOptions::new(setup::worker_path(), config.clone());
                // The app's guardrail and the shared connect budget: this connect counts for everyone.
                supervisor.latch_path = latch_path.clone();
                Some(Supervisor::start(supervisor))
            }
            _ => None,
        };
        let mut report = diagnose(&config, own.as_ref(), &options).await;
        if let Some(held) = &held {
            explain_held_back(&mut report, held, &TimeZone::system());
        }
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
/// operating system closes the socket; nothing is sent to the Gateway). The first Ctrl-C (or SIGTERM) says
/// how long it still keeps the session; a second quits at once.
async fn hold_then_end(supervisor: &Supervisor, say: &impl Fn(&str)) {
    let state = supervisor.state();
    let shortened = QUICK_CLOSE_HOLD.saturating_sub(test_hold());
    if let Some(wait) =
        hold_remaining(&state.worker, gateway_core::now_ms()).map(|w| w.saturating_sub(shortened))
        && !wait.is_zero()
    {
        let until = tokio::time::Instant::now() + wait;
        // Listen before saying so: a Ctrl-C right after the line must find the listener in place.
        let stop = StopSignal::new();
        say(&format!(
            "Holding the connection to the Gateway open for {:.0} s before exiting, so the Gateway is not \
             harmed by a quick connect-then-close.",
            wait.as_secs_f64().ceil()
        ));
        match stop {
            Ok(mut stop) => {
                let held = tokio::select! {
                    () = tokio::time::sleep_until(until) => true,
                    () = stop.recv() => false,
                };
                if !held {
                    let left = until.saturating_duration_since(tokio::time::Instant::now());
                    say(&format!(
                        "Keeping the connection open {:.0} more seconds so IB Gateway is not harmed; press \
                         Ctrl-C again to quit now",
                        left.as_secs_f64().ceil()
                    ));
                    tokio::select! {
                        () = tokio::time::sleep_until(until) => {}
                        () = stop.recv() => say("Quitting now."),
                    }
                }
            }
            Err(e) => {
                eprintln!("{e}");
                tokio::time::sleep_until(until).await;
            }
        }
    }
    supervisor.shutdown().await;
}

/// The hold, shortened by `GATEWAY_DOCTOR_TEST_HOLD_MS` (tests only; never longer than
/// [`QUICK_CLOSE_HOLD`]). A value that is not a number of milliseconds is ignored, with a note.
fn test_hold() -> Duration {
    let Some(value) = std::env::var_os("GATEWAY_DOCTOR_TEST_HOLD_MS") else {
        return QUICK_CLOSE_HOLD;
    };
    match value.to_str().and_then(|v| v.trim().parse::<u64>().ok()) {
        Some(ms) => Duration::from_millis(ms).min(QUICK_CLOSE_HOLD),
        None => {
            eprintln!(
                "GATEWAY_DOCTOR_TEST_HOLD_MS={value:?} is not a number of milliseconds: the full hold is kept"
            );
            QUICK_CLOSE_HOLD
        }
    }
}
