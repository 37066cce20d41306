//! `clean`: a dry run first, shown to the user; then a confirmation (a question on a terminal, `--yes`
//! otherwise); then the real cleanup, limited to the listed pids (`only_pids`): a program that began
//! holding a stale connection after the list was shown is refused (`not_confirmed`), never ended. Core
//! re-checks every rule and each process's identity just before its signal.

use std::io::{BufRead, IsTerminal, Write};

use gateway_core::sockets::{self, CleanOptions, CleanReport, CleanResult};
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
leaves it alone if it has changed. A program that also has a working connection to the Gateway is left \
alone unless you add --include-live (ending it would drop that connection too).",
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

pub fn run(args: Args) -> Result<Exit, CliError> {
    let config = setup::config(args.port.overrides())?;
    let port = config.port();
    let options = CleanOptions {
        include_live: args.include_live,
        // A non-loopback Gateway address from the settings; core always accepts loopback.
        host: config.host().parse().ok(),
        ..CleanOptions::default()
    };
    let style = Style::for_stdout();
    let plan = sockets::clean(
        port,
        &CleanOptions {
            dry_run: true,
            ..options.clone()
        },
    )?;
    let to_end: Vec<u32> = plan
        .outcomes
        .iter()
        .filter(|o| o.result == CleanResult::WouldTerminate)
        .map(|o| o.process.pid)
        .collect();
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
    let result = sockets::clean(
        port,
        &CleanOptions {
            only_pids: Some(to_end),
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

/// Asks on the terminal; anything but y/yes is a no.
fn confirm(n: usize) -> Result<bool, CliError> {
    let io = |source| CliError::Io {
        about: "ask for confirmation",
        source,
    };
    let question = if n == 1 {
        "End this program? [y/N] ".to_string()
    } else {
        format!("End these {}? [y/N] ", plural(n, "program"))
    };
    let mut err = std::io::stderr().lock();
    err.write_all(question.as_bytes()).map_err(io)?;
    err.flush().map_err(io)?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(io)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
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
