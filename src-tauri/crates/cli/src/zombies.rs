//! `zombies`: one full socket scan of the Gateway port, shown as text or as core's `PortScan` JSON, followed
//! by the client-id ledger of the same scan (the programs with a working connection and their client ids;
//! in JSON, a `ledger` key beside the scan's own keys).

use gateway_core::sockets::{self, ClientLedger, PortScan};
use serde::Serialize;

use crate::error::{CliError, Exit};
use crate::output::{self, Style};
use crate::setup::{self, PortFlag};

/// List stale connections to the Gateway and the programs holding them.
#[derive(clap::Args, Debug)]
#[command(
    long_about = "List the stale connections on the Gateway's port: connections that one side has closed but \
the other never did (the system calls them CLOSE_WAIT). A stale connection held by one of your programs \
can keep its client id taken, so the next connection with that id is refused; one held by the Gateway \
itself goes away only when the Gateway is restarted.\n\n\
For each one you see which end it is (CLIENT: a program on this computer; GATEWAY: the Gateway), the \
program holding it (process id, name, command line, user, when it started) and whether that program also \
has a working connection. Working connections (live sessions) are listed too. Nothing is changed: use \
`gateway-doctor clean` to end the programs holding stale connections.",
    after_help = "Example:\n  gateway-doctor zombies --port 4002\n\n\
Exit codes: 0 no stale connections, 1 some found, 2 wrong options or settings, or an error."
)]
pub struct Args {
    #[command(flatten)]
    port: PortFlag,
    /// Print the scan as JSON (for scripts and support)
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<Exit, CliError> {
    let config = setup::config(args.port.overrides())?;
    let scan = sockets::scan(config.port())?;
    let ledger = sockets::ledger_of(&scan);
    if args.json {
        let both = ScanWithLedger {
            scan: &scan,
            ledger: &ledger,
        };
        output::print(&output::json(&both, false));
    } else {
        let style = Style::for_stdout();
        output::print(&output::zombies_text(&scan, style));
        output::print("");
        output::print(&output::ledger_text(&ledger, style));
    }
    Ok(if scan.zombies.is_empty() {
        Exit::Ok
    } else {
        Exit::Problem
    })
}

/// The JSON: the scan's own keys, plus `ledger`.
#[derive(Serialize)]
struct ScanWithLedger<'a> {
    #[serde(flatten)]
    scan: &'a PortScan,
    ledger: &'a ClientLedger,
}
