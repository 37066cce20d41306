//! `clean`: a dry run first, shown to the user; then a confirmation (a question on a terminal, `--yes`
//! otherwise); then the real cleanup, limited to what the list showed (a `CleanConfirmation`: each
//! program's pid and start time, and its stale connections): a program that began holding a stale
//! connection after the list was shown is refused (`not_confirmed`), a pid reused meanwhile is refused
//! (`identity_changed`), and a connection that was not in the list does not count. The real cleanup starts
//! at least [`STALE_FOR`] after the dry run's scan, so every connection it acts on was stale in two scans
//! that far apart (one that closes by itself in between was no zombie). Core re-checks every rule, each
//! process's identity and that it still holds the connection just before its signal.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use gateway_core::sockets::{
    self, CleanConfirmation, CleanOptions, CleanReport, CleanResult, ProcessKey, RefusalReason,
};
use serde_json::json;

use crate::error::{CliError, Exit};
use crate::output::{self, Style, plural};
use crate::setup::{self, PortFlag};

/// End the programs holding stale connections to the Gateway (asks first).
#[derive(clap::Args, Debug)]
#[command(
    long_about = "End the programs on this computer that hold stale connections to the Gateway (see \
`gateway-doctor zombies`), so their client ids are free again.\n\n\
First you see exactly which programs would be ended and which are left alone and why. On a terminal you \
are then asked to confirm; from a script, pass --yes. Each program is asked to exit, and stopped by force \
only if it does not exit within a few seconds. Gateway Doctor never ends the Gateway itself, another \
user's programs, the system's own, or itself; it re-checks each program just before ending it and \
leaves it alone if it has changed or no longer holds the stale connection; nor does it end a program \
that started it (a script or shell running this command). A program that also has a working connection to \
the Gateway (on this port or on another of its ports: 4001, 4002, 7496, 7497) is left alone unless you add \
--include-live (ending it would drop that connection too). Only connections still stale at least 2 seconds \
after the first look are acted on, so one that was about to close by itself is left to do so.",
    after_help = "Example:\n  gateway-doctor clean --port 4002\n  gateway-doctor clean --yes   (no question: for scripts)\n\n\
Exit codes: 0 no stale connections from programs are left, 1 some are left (refused, declined or could \
not be ended), 2 wrong options or settings, no --yes without a terminal, or an error."
)]
pub struct Args {
    #[command(flatten)]
    port: PortFlag,
    /// Do not ask: end the listed programs right away (needed when not run from a terminal)
    #[arg(long)]
    yes: bool,
    /// Also end programs that hold a working connection besides the stale one
    #[arg(long)]
    include_live: bool,
    /// Print the plan and the outcome as JSON: {"plan": <dry run>, "result": <cleanup, or null>}
    #[arg(long)]
    json: bool,
}

/// The least time between the dry run's scan and the cleanup's: a CLOSE_WAIT socket still there after it
/// is held open by its program, not on its way to closing.
pub const STALE_FOR: Duration = Duration::from_secs(2);

pub fn run(args: Args) -> Result<Exit, CliError> {
    let config = setup::config(args.port.overrides())?;
    let port = config.port();
    let options = CleanOptions {
        // A non-loopback Gateway address from the settings; core always accepts loopback.
        host: config.host().parse().ok(),
        ..CleanOptions::default()
    };
    let style = Style::for_stdout();
    let dry = |confirmation: Option<CleanConfirmation>| {
        sockets::clean(
            port,
            &CleanOptions {
                dry_run: true,
                confirmation,
                ..options.clone()
            },
        )
    };
    let first_scan = Instant::now();
    let mut plan = dry(None)?;
    let mut confirmation = confirmation_from(&plan, args.include_live);
    if !confirmation.include_live.is_empty() {
        // --include-live ticks every program listed with a working connection; show them as to be ended.
        plan = dry(Some(confirmation.clone()))?;
        let ticked = confirmation.include_live;
        confirmation = confirmation_from(&plan, false);
        confirmation.include_live = ticked;
    }
    let to_end = confirmation.processes.clone();
    if !args.json {
        output::print(&output::clean_plan_text(&plan, style));
    }
    let print_plan_only = |plan: &CleanReport| {
        if args.json {
            output::print(&output::json(&json!({"plan": plan, "result": null}), false));
        }
    };
    if to_end.is_empty() {
        print_plan_only(&plan);
        return Ok(exit_for(&plan));
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            print_plan_only(&plan);
            return Err(CliError::NeedsYes(to_end.len()));
        }
        if !confirm(to_end.len())? {
            print_plan_only(&plan);
            if !args.json {
                output::print("Nothing was ended.");
            }
            return Ok(Exit::Problem);
        }
    }
    std::thread::sleep(STALE_FOR.saturating_sub(first_scan.elapsed()));
    let result = sockets::clean(
        port,
        &CleanOptions {
            confirmation: Some(confirmation),
            ..options
        },
    )?;
    if args.json {
        output::print(&output::json(
            &json!({"plan": plan, "result": result}),
            false,
        ));
    } else {
        output::print(&output::clean_result_text(&result, style));
    }
    Ok(exit_for(&result))
}

/// What the shown plan lets the real run end: the programs it would end (and, with `include_live`, those
/// left alone only for their working connection, each ticked by key), and their stale connections.
fn confirmation_from(plan: &CleanReport, include_live: bool) -> CleanConfirmation {
    let live = |reason| reason == Some(RefusalReason::LiveSessionNeedsConfirmation);
    let mut confirmation = CleanConfirmation::default();
    for outcome in &plan.outcomes {
        let key = ProcessKey::of(&outcome.process);
        if outcome.result == CleanResult::WouldTerminate {
            confirmation.processes.push(key);
        } else if include_live && outcome.result == CleanResult::Refused && live(outcome.reason) {
            confirmation.processes.push(key);
            confirmation.include_live.push(key);
        } else {
            continue;
        }
        confirmation
            .zombie_inodes
            .extend(outcome.zombie_inodes.iter().copied());
    }
    confirmation
}

/// Asks on the terminal; anything but y/yes is a no.
fn confirm(n: usize) -> Result<bool, CliError> {
    let question = if n == 1 {
        "End this program? [y/N] ".to_string()
    } else {
        format!("End these {}? [y/N] ", plural(n, "program"))
    };
    crate::ask::yes_or_no(&question).map_err(|source| CliError::Io {
        about: "ask for confirmation",
        source,
    })
}

fn exit_for(report: &CleanReport) -> Exit {
    let failed = report
        .outcomes
        .iter()
        .any(|o| o.result == CleanResult::Failed);
    if report.remaining_client_zombies.is_empty() && !failed {
        Exit::Ok
    } else {
        Exit::Problem
    }
}
