//! The client-id ledger: "Your programs connected to IB Gateway". One full scan of the port gives the
//! ESTABLISHED client ends and the processes holding them; for each, the client id is looked for where a
//! program usually takes it from, first found wins: `IBKR_CLIENT_ID` in its environment, a client-id flag
//! on its command line, `IBKR_CLIENT_ID` in a `.env` file in its working directory. The environment and
//! the working directory are read only for the user's own programs (another user's are private even to
//! root's eyes here); the command line is public.

use std::fs::File;
use std::io::Read;

use gateway_proto::{ClientIdSource, ClientLedger, LedgerEntry, PortScan, ProcessInfo};

use super::error::SocketError;
use super::platform;
use super::scan::scan;
use super::sys::OwnUser;

/// The variable trading programs (and Gateway Doctor's own settings) use for the client id.
const CLIENT_ID_VAR: &str = "IBKR_CLIENT_ID";
/// A `.env` larger than this is not a settings file; it is not read.
const DOTENV_MAX_BYTES: u64 = 64 * 1024;

/// Scans `port` and lists each working connection to it with its program and client id.
pub fn client_ledger(port: u16) -> Result<ClientLedger, SocketError> {
    Ok(ledger_of(&scan(port)?))
}

/// The ledger of a scan already made (the CLI's `zombies` shows both from one scan).
pub fn ledger_of(scan: &PortScan) -> ClientLedger {
    let own = platform::own_user();
    ledger_from_scan(scan, |p| client_id_of(p, &own))
}

/// Builds the ledger from a scan; `client_id` reads one process's client id. Pure apart from that reader.
pub(crate) fn ledger_from_scan(
    scan: &PortScan,
    mut client_id: impl FnMut(&ProcessInfo) -> (Option<i64>, ClientIdSource),
) -> ClientLedger {
    let mut entries: Vec<LedgerEntry> = scan
        .live_sessions
        .iter()
        .map(|socket| {
            let process = (socket.pids.iter())
                .find_map(|pid| scan.processes.iter().find(|p| p.pid == *pid))
                .cloned();
            let (id, source) = process
                .as_ref()
                .map_or((None, ClientIdSource::NotVisible), &mut client_id);
            LedgerEntry {
                is_own_worker: process.as_ref().is_some_and(is_worker),
                connection: socket.clone(),
                process,
                client_id: id,
                client_id_source: source,
            }
        })
        .collect();
    // Oldest program first; connections without a visible program last.
    entries.sort_by_key(|e| {
        (
            e.process.as_ref().map_or(i64::MAX, |p| p.started_at_ms),
            e.connection.local_port,
        )
    });
    ClientLedger {
        port: scan.port,
        entries,
        unreadable_processes: scan.unreadable_processes,
        scanned_at_ms: scan.scanned_at_ms,
    }
}

/// Gateway Doctor's own worker (installed or development name): the one session it keeps.
fn is_worker(process: &ProcessInfo) -> bool {
    crate::helper_programs::WORKER.is_process(&process.name, &process.cmdline)
}

/// Reads what can be read of `process` and finds its client id.
fn client_id_of(process: &ProcessInfo, own_user: &OwnUser) -> (Option<i64>, ClientIdSource) {
    let own = own_user.owns(process) == Some(true);
    let environ = own.then(|| platform::environ(process.pid).ok()).flatten();
    let dotenv = own.then(|| read_dotenv(process.pid)).flatten();
    find_client_id(environ.as_deref(), &process.cmdline, dotenv.as_deref())
}

fn read_dotenv(pid: u32) -> Option<String> {
    let path = platform::cwd(pid).ok()?.join(".env");
    let mut text = String::new();
    File::open(path)
        .ok()?
        .take(DOTENV_MAX_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// The client id from, in order: the environment (NUL-separated `KEY=value`), the command line, a `.env`
/// file's text. A value that is not a whole number is not a client id and is passed over.
pub(crate) fn find_client_id(
    environ: Option<&[u8]>,
    cmdline: &[String],
    dotenv: Option<&str>,
) -> (Option<i64>, ClientIdSource) {
    if let Some(id) = environ.and_then(from_environ) {
        return (Some(id), ClientIdSource::Environment);
    }
    if let Some(id) = from_cmdline(cmdline) {
        return (Some(id), ClientIdSource::CommandLine);
    }
    if let Some(id) = dotenv.and_then(from_dotenv) {
        return (Some(id), ClientIdSource::DotEnv);
    }
    (None, ClientIdSource::NotVisible)
}

fn from_environ(environ: &[u8]) -> Option<i64> {
    environ.split(|b| *b == 0).find_map(|pair| {
        let value = pair
            .strip_prefix(CLIENT_ID_VAR.as_bytes())?
            .strip_prefix(b"=")?;
        std::str::from_utf8(value).ok()?.trim().parse().ok()
    })
}

/// `--client-id N`, `--client-id=N`, `--clientId N`, `--client_id N`, `client_id=N`, `clientId=N`,
/// `IBKR_CLIENT_ID=N`: the key compared without dashes, underscores or case.
fn from_cmdline(cmdline: &[String]) -> Option<i64> {
    let is_key = |key: &str| {
        let key: String = key
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        key == "clientid" || key == "ibkrclientid"
    };
    let mut args = cmdline.iter().skip(1).peekable();
    while let Some(arg) = args.next() {
        let id = match arg.split_once('=') {
            Some((key, value)) if is_key(key) => value.trim().parse().ok(),
            Some(_) => None,
            None if arg.starts_with('-') && is_key(arg) => {
                args.peek().and_then(|v| v.trim().parse().ok())
            }
            None => None,
        };
        if id.is_some() {
            return id;
        }
    }
    None
}

/// `IBKR_CLIENT_ID=N` on a line of its own, optionally after `export`, the value optionally quoted.
fn from_dotenv(text: &str) -> Option<i64> {
    text.lines().find_map(|line| {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let (key, value) = line.split_once('=')?;
        if key.trim() != CLIENT_ID_VAR {
            return None;
        }
        let value = value.split('#').next()?.trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        value.parse().ok()
    })
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;
