//! Who holds a client id, from the client-id ledger: the local programs seen using it (never our own
//! worker), and the plain words the app, Status and Diagnose show for it. One place computes this so the
//! three say the same thing. Pure functions over a ledger already made (see `ledger.rs`).

use std::collections::BTreeSet;

use gateway_proto::{ClientIdHolders, ClientIdSource, ClientLedger, LedgerEntry, ProcessInfo};

/// A shortened command line is cut to this many characters.
const COMMAND_MAX_CHARS: usize = 60;

/// The programs on this computer seen using `client_id` (leaving out Gateway Doctor's own session).
pub fn holders_of(ledger: &ClientLedger, client_id: i64) -> Vec<LedgerEntry> {
    ledger
        .entries
        .iter()
        .filter(|e| !e.is_own_worker && e.client_id == Some(client_id))
        .cloned()
        .collect()
}

/// Every client id a program connected to the Gateway is seen using (our own session's included): ids a
/// new pick of ours must avoid.
pub fn client_ids_in_use(ledger: &ClientLedger) -> BTreeSet<i64> {
    ledger.entries.iter().filter_map(|e| e.client_id).collect()
}

/// The holders of `client_id` and the words for them: who uses it, or (none seen) that the holder may be
/// on another computer or keep its id out of sight, with the connected programs as candidates.
pub fn client_id_holders(ledger: &ClientLedger, client_id: i64) -> ClientIdHolders {
    let holders = holders_of(ledger, client_id);
    let candidates: Vec<LedgerEntry> = if holders.is_empty() {
        ledger
            .entries
            .iter()
            .filter(|e| !e.is_own_worker)
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let summary = if holders.is_empty() {
        no_holder_sentence(client_id, !candidates.is_empty())
    } else {
        holders
            .iter()
            .map(|e| holder_sentence(e, client_id))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let details = holders.iter().chain(&candidates).map(detail_line).collect();
    ClientIdHolders {
        client_id,
        holder_name: holders.first().map(program_name),
        candidate_lines: candidates.iter().map(candidate_line).collect(),
        summary,
        details,
        holders,
        candidates,
    }
}

/// "python3 (python3 bot.py --live) uses client id 7 (seen in its environment)."
pub fn holder_sentence(entry: &LedgerEntry, client_id: i64) -> String {
    format!(
        "{} uses client id {client_id}{}.",
        program_with_command(entry),
        match where_seen(entry.client_id_source) {
            Some(place) => format!(" (seen in {place})"),
            None => String::new(),
        }
    )
}

fn no_holder_sentence(client_id: i64, candidates: bool) -> String {
    let tail = if candidates {
        " One of your programs connected to IB Gateway, listed below, may be using it."
    } else {
        ""
    };
    format!(
        "No program on this computer shows client id {client_id}: the program using it may run on another \
         computer, or keep its client id in its own settings where Gateway Doctor cannot see it.{tail}"
    )
}

/// "python3 (python3 bot.py), client id not visible".
fn candidate_line(entry: &LedgerEntry) -> String {
    let id = match entry.client_id {
        Some(id) => format!("client id {id}"),
        None => "client id not visible".to_string(),
    };
    format!("{}, {id}", program_with_command(entry))
}

/// The technical line behind "Details": process id, the connection, where the id was read.
fn detail_line(entry: &LedgerEntry) -> String {
    let c = &entry.connection;
    let who = match &entry.process {
        Some(p) => format!("pid {} ({}, uid {})", p.pid, p.name, p.uid),
        None => format!("an unreadable process (socket uid {})", c.uid),
    };
    let id = match (entry.client_id, entry.client_id_source) {
        (Some(id), ClientIdSource::Environment) => {
            format!("IBKR_CLIENT_ID={id} in its environment")
        }
        (Some(id), ClientIdSource::CommandLine) => format!("client id {id} on its command line"),
        (Some(id), ClientIdSource::DotEnv) => {
            format!("IBKR_CLIENT_ID={id} in .env in its working directory")
        }
        _ => "client id not visible".to_string(),
    };
    format!(
        "{who}: {}:{} -> {}:{} (socket inode {}), {id}",
        c.local_addr, c.local_port, c.remote_addr, c.remote_port, c.inode
    )
}

fn where_seen(source: ClientIdSource) -> Option<&'static str> {
    match source {
        ClientIdSource::Environment => Some("its environment"),
        ClientIdSource::CommandLine => Some("its command line"),
        ClientIdSource::DotEnv => Some("the .env file in its folder"),
        ClientIdSource::NotVisible => None,
    }
}

/// The program's name, or how it looks when it cannot be seen.
fn program_name(entry: &LedgerEntry) -> String {
    entry.process.as_ref().map_or_else(
        || "A program of another user".to_string(),
        |p| p.name.clone(),
    )
}

/// "python3 (python3 bot.py --live)": the name, then the command line shortened.
fn program_with_command(entry: &LedgerEntry) -> String {
    match &entry.process {
        Some(p) => match short_command_line(p) {
            Some(command) => format!("{} ({command})", p.name),
            None => p.name.clone(),
        },
        None => program_name(entry),
    }
}

/// The command line with paths cut to their last part and the whole cut to `COMMAND_MAX_CHARS`.
fn short_command_line(process: &ProcessInfo) -> Option<String> {
    let shown: Vec<&str> = process
        .cmdline
        .iter()
        .enumerate()
        .map(|(i, arg)| {
            let is_path =
                arg.contains('/') && !arg.starts_with('-') && !arg.contains(char::is_whitespace);
            if i == 0 || is_path {
                arg.rsplit('/').find(|part| !part.is_empty()).unwrap_or(arg)
            } else {
                arg.as_str()
            }
        })
        .collect();
    let text = shown
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.is_empty() {
        return None;
    }
    if text.chars().count() > COMMAND_MAX_CHARS {
        let cut: String = text.chars().take(COMMAND_MAX_CHARS - 1).collect();
        Some(format!("{cut}…"))
    } else {
        Some(text)
    }
}

#[cfg(test)]
#[path = "holders_tests.rs"]
mod tests;
