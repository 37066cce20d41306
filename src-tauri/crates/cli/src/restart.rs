//! `restart`: IB Gateway restarted through IBC's command server, with core's guards, and followed until it
//! listens again. The order: the settings (the Gateway's port), IBC's config.ini (`--ibc-config`, else the
//! usual places), its command server, the restart limits looked at before asking (so nobody confirms a
//! restart that would be held back), the confirmation (a question on a terminal, `--yes` otherwise), then
//! core's `ibc::restart`, which checks and records the restart under the shared lock, sends RESTART and
//! watches the port in this computer's connection table (it never connects to the Gateway). Each step is
//! printed as it is reached. Exit 0 only when the Gateway was seen listening again.

use std::io::IsTerminal;
use std::path::PathBuf;

use gateway_core::ibc::{
    self, CommandServer, Decision, IbcConfig, IbcError, RestartGuard, RestartLimits, RestartPlan,
};
use gateway_proto::{IbcErrorCode, RestartOutcome, RestartReport};
use serde::Serialize;

use crate::error::{CliError, Exit};
use crate::output::{self, Style, restart as words};
use crate::setup::{self, PortFlag};

/// Restart IB Gateway through IBC (asks first), and wait until it is back.
#[derive(clap::Args, Debug)]
#[command(
    long_about = "Restart IB Gateway through IBC, the program that starts and logs in IB Gateway for you, \
and wait until it is back. Use it when IB Gateway runs but no longer answers your programs.\n\n\
No new login is needed: IBC restarts IB Gateway the way IB Gateway restarts itself every night, which keeps \
its login (two-factor approval included) until IBKR's weekly reset on Sunday. While it restarts (usually a \
minute or two) your programs lose their connection and must connect again.\n\n\
IBC's command server must be on: CommandServerPort in IBC's config.ini (for example CommandServerPort=7462). \
Gateway Doctor reads config.ini from ~/ibc/config.ini or /opt/ibc/config.ini (on Windows, Documents\\IBC \
or C:\\IBC), or from the file you name with --ibc-config. To protect your Gateway it restarts it at most once \
in 10 minutes and 3 times in 24 hours, whoever asks (this command or the app).",
    after_help = "Example:\n  gateway-doctor restart --port 4002\n  \
gateway-doctor restart --yes --ibc-config ~/ibc/config.ini   (no question: for scripts)\n\n\
Exit codes: 0 IB Gateway restarted and is back, 1 it was asked to restart but was not seen back in time \
(or you answered no), 2 wrong options or settings, IBC not set up or not answering, no --yes without a \
terminal, or an error, 4 held back: IB Gateway was restarted too recently (the message says when the next \
restart is allowed)."
)]
pub struct Args {
    #[command(flatten)]
    port: PortFlag,
    /// IBC's config.ini [default: ~/ibc/config.ini, then /opt/ibc/config.ini]
    #[arg(long, value_name = "PATH")]
    ibc_config: Option<PathBuf>,
    /// Do not ask: restart right away (needed when not run from a terminal)
    #[arg(long)]
    yes: bool,
    /// Print the outcome as JSON: {"ibc_config", "report": <the restart, or null>, "error": <or null>}
    #[arg(long)]
    json: bool,
}

/// Why the Gateway was not restarted. Its Display is the sentence the trader reads.
#[derive(Debug, thiserror::Error)]
pub enum RestartError {
    #[error(transparent)]
    Ibc(#[from] IbcError),
    #[error("{}", settings_text(.0))]
    Settings(CliError),
    #[error(
        "not restarting IB Gateway without a confirmation: there is no terminal to ask on, so run again with --yes"
    )]
    NeedsYes,
    #[error("IB Gateway was not restarted: you answered no")]
    Declined,
    #[error(
        "this computer reports no folder for settings, so the record that limits restarts cannot be kept: IB Gateway was not restarted"
    )]
    NoConfigFolder,
}

/// The error's code in `--json`: IBC's codes from core, and this command's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RestartErrorCode {
    Ibc(IbcErrorCode),
    Command(CommandCode),
}

/// The codes of what stops `restart` before core is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CommandCode {
    BadSettings,
    ConfirmationNeeded,
    Declined,
    NoConfigFolder,
}

impl RestartError {
    pub fn code(&self) -> RestartErrorCode {
        match self {
            RestartError::Ibc(err) => RestartErrorCode::Ibc(err.code()),
            RestartError::Settings(_) => RestartErrorCode::Command(CommandCode::BadSettings),
            RestartError::NeedsYes => RestartErrorCode::Command(CommandCode::ConfirmationNeeded),
            RestartError::Declined => RestartErrorCode::Command(CommandCode::Declined),
            RestartError::NoConfigFolder => RestartErrorCode::Command(CommandCode::NoConfigFolder),
        }
    }

    /// The exit code: 4 held back by the restart limits, 1 declined, 2 everything else.
    pub fn exit(&self) -> Exit {
        match self.code() {
            RestartErrorCode::Ibc(IbcErrorCode::RestartTooSoon | IbcErrorCode::RestartDailyCap) => {
                Exit::HeldBack
            }
            RestartErrorCode::Command(CommandCode::Declined) => Exit::Problem,
            _ => Exit::Usage,
        }
    }

    fn failure(&self) -> Failure {
        let (details, next_allowed_ms) = match self {
            RestartError::Ibc(err) => (err.details(), err.next_allowed_ms()),
            _ => (String::new(), None),
        };
        Failure {
            code: self.code(),
            message: self.to_string(),
            details,
            next_allowed_ms,
        }
    }
}

fn settings_text(err: &CliError) -> String {
    match err {
        CliError::Config(values) => values
            .iter()
            .map(|v| v.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// The `--json` document.
#[derive(Debug, Serialize)]
struct Outcome<'a> {
    /// IBC's config.ini that named the command server, when one was read.
    ibc_config: Option<String>,
    report: Option<&'a RestartReport>,
    error: Option<Failure>,
}

#[derive(Debug, Serialize)]
struct Failure {
    code: RestartErrorCode,
    message: String,
    details: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_allowed_ms: Option<i64>,
}

pub fn run(args: Args) -> Result<Exit, CliError> {
    let style = Style::for_stdout();
    let mut ibc_config = None;
    let result = crate::block_on(restart(&args, style, &mut ibc_config))?;
    let exit = match &result {
        Ok(report) if report.outcome == RestartOutcome::Back => Exit::Ok,
        Ok(_) => Exit::Problem,
        Err(err) => err.exit(),
    };
    if args.json {
        let (report, error) = match &result {
            Ok(report) => (Some(report), None),
            Err(err) => (None, Some(err.failure())),
        };
        let outcome = Outcome {
            ibc_config: ibc_config.map(|p: PathBuf| p.display().to_string()),
            report,
            error,
        };
        output::print(&output::json(&outcome, false));
    } else {
        match &result {
            Ok(report) => {
                output::print(&words::outcome_text(report, style));
            }
            Err(err) => {
                let details = err.failure().details;
                output::error_text(&err.to_string(), &details);
            }
        }
    }
    Ok(exit)
}

/// Everything up to the report; `ibc_config` is set as soon as a config.ini is read.
async fn restart(
    args: &Args,
    style: Style,
    ibc_config: &mut Option<PathBuf>,
) -> Result<RestartReport, RestartError> {
    let config = setup::config(args.port.overrides()).map_err(RestartError::Settings)?;
    let ibc = find_ibc_config(args.ibc_config.as_deref())?;
    *ibc_config = Some(ibc.path.clone());
    let server = CommandServer::from_config(&ibc)?;
    let plan = RestartPlan::new(server, &config.host(), config.port());
    let guard =
        RestartGuard::new(ibc::default_restarts_path().ok_or(RestartError::NoConfigFolder)?);
    held_back(&guard, &plan)?;
    if !args.json {
        output::print(&words::using_text(&ibc.path, style));
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(RestartError::NeedsYes);
        }
        let asked = crate::ask::yes_or_no(&words::question(plan.gateway_port));
        if !asked.map_err(|_| RestartError::NeedsYes)? {
            return Err(RestartError::Declined);
        }
    }
    let show_steps = !args.json;
    if show_steps {
        output::print(words::ASKING);
    }
    let mut steps = words::Steps::new(plan.gateway_port);
    let report = ibc::restart(&plan, &guard, |step| {
        if show_steps {
            output::print(&steps.line(step));
        }
    })
    .await?;
    Ok(report)
}

/// The config.ini named with `--ibc-config`, else the first of the usual places that exists.
fn find_ibc_config(named: Option<&std::path::Path>) -> Result<IbcConfig, IbcError> {
    if let Some(path) = named {
        return Ok(IbcConfig::load(path)?);
    }
    let candidates = ibc::default_candidates();
    ibc::discover(&candidates)?.ok_or_else(|| IbcError::NotConfigured {
        why: format!(
            "IBC's config.ini was not found (looked at {}). If IBC keeps it elsewhere, name it with \
             --ibc-config PATH",
            candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// The restart limits, looked at before asking: core decides again (and records) when the restart is sent.
fn held_back(guard: &RestartGuard, plan: &RestartPlan) -> Result<(), IbcError> {
    let history = guard.history(&plan.gateway_key)?;
    let limits: &RestartLimits = &plan.limits;
    match ibc::decide(&history, gateway_core::now_ms(), limits) {
        Decision::Allowed => Ok(()),
        Decision::TooSoon { next_allowed_ms } => Err(IbcError::RestartTooSoon {
            period_min: limits.period.as_secs().div_ceil(60),
            next_allowed: output::local_time(next_allowed_ms),
            next_allowed_ms,
        }),
        Decision::DailyCap { next_allowed_ms } => Err(IbcError::RestartDailyCap {
            cap: limits.daily_cap,
            next_allowed: output::local_time(next_allowed_ms),
            next_allowed_ms,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_screaming_snake_and_held_back_exits_4() {
        let too_soon = RestartError::Ibc(IbcError::RestartTooSoon {
            period_min: 10,
            next_allowed: "14:05".into(),
            next_allowed_ms: 5,
        });
        assert_eq!(too_soon.exit(), Exit::HeldBack);
        let failure = serde_json::to_value(too_soon.failure()).expect("json");
        assert_eq!(failure["code"], "RESTART_TOO_SOON");
        assert_eq!(failure["next_allowed_ms"], 5);
        let needs_yes = serde_json::to_value(RestartError::NeedsYes.failure()).expect("json");
        assert_eq!(needs_yes["code"], "CONFIRMATION_NEEDED");
        assert!(needs_yes.get("next_allowed_ms").is_none());
        assert_eq!(RestartError::NeedsYes.exit(), Exit::Usage);
        assert_eq!(RestartError::Declined.exit(), Exit::Problem);
        let not_set_up = RestartError::Ibc(IbcError::NotConfigured { why: "x".into() });
        assert_eq!(not_set_up.exit(), Exit::Usage);
    }
}
