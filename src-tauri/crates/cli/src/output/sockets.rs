//! The port's connections and a cleanup, as text: which end each stale connection is, which program
//! holds it (pid, name, user, start time, command line), and what cleanup did to each program and why.

use gateway_proto::words::RESTART_BY_HAND;
use gateway_proto::{
    CleanOutcome, CleanReport, CleanResult, ClientIdSource, ClientLedger, PortScan, ProcessInfo,
    RefusalReason, SocketEntry, ZombieSide,
};

use super::style::{Style, Tone};
use super::text::{command_line, local_time, plural};

/// `zombies`: every stale connection and live session on the port, with the programs behind them.
pub fn zombies_text(scan: &PortScan, style: Style) -> String {
    let client = scan
        .zombies
        .iter()
        .filter(|z| z.side == ZombieSide::Client)
        .count();
    let gateway = scan.zombies.len() - client;
    let live = plural(scan.live_sessions.len(), "live session");
    let mut lines = vec![if scan.zombies.is_empty() {
        format!("Port {}: no stale connections; {live}.", scan.port)
    } else {
        format!(
            "Port {}: {} held by programs, {gateway} held by the Gateway; {live}.",
            scan.port,
            plural(client, "stale connection"),
        )
    }];
    match scan.listeners.first() {
        Some(listener) => {
            let owner = listener
                .socket
                .pids
                .iter()
                .filter_map(|pid| find(scan, *pid))
                .map(|p| format!("{} (pid {})", p.name, p.pid))
                .next()
                .unwrap_or_else(|| "a program this user cannot see".into());
            lines.push(format!("Listening on the port: {owner}."));
        }
        None => lines.push(format!("Nothing is listening on port {}.", scan.port)),
    }
    if !scan.zombies.is_empty() {
        lines.push(String::new());
        lines.push("Stale connections (CLOSE_WAIT):".into());
    }
    for zombie in &scan.zombies {
        let (word, note) = match zombie.side {
            ZombieSide::Client => ("CLIENT ", "the program never closed its end"),
            ZombieSide::Gateway => ("GATEWAY", "only a Gateway restart clears it"),
        };
        lines.push(format!(
            "  {} {}  ({note})",
            style.paint(Tone::Warn, &format!("! {word}")),
            endpoints(&zombie.socket)
        ));
        lines.extend(holders(
            scan,
            &zombie.socket,
            zombie.side == ZombieSide::Client,
        ));
    }
    if !scan.live_sessions.is_empty() {
        lines.push(String::new());
        lines.push("Live sessions (ESTABLISHED):".into());
    }
    for session in &scan.live_sessions {
        lines.push(format!(
            "  {} {}",
            style.paint(Tone::Good, "✓ LIVE   "),
            endpoints(session)
        ));
        lines.extend(holders(scan, session, false));
    }
    if scan.unreadable_processes > 0 {
        lines.push(String::new());
        lines.push(format!(
            "Note: {} of other users could not be looked at; a connection they hold shows no program. Run as that user (or root) to see them.",
            plural(scan.unreadable_processes as usize, "program")
        ));
    }
    if client > 0 {
        lines.push(String::new());
        lines.push(
            "Next step: `gateway-doctor clean` ends the programs holding them (it shows the list and asks first)."
                .into(),
        );
    }
    lines.join("\n")
}

/// "Your programs connected to IB Gateway": each working connection's program and its client id.
pub fn ledger_text(ledger: &ClientLedger, style: Style) -> String {
    let mut lines = vec![format!(
        "Your programs connected to IB Gateway (port {}): {}.",
        ledger.port,
        plural(ledger.entries.len(), "connection")
    )];
    for entry in &ledger.entries {
        let id = match (entry.client_id, entry.client_id_source) {
            (Some(id), ClientIdSource::Environment) => {
                format!("client id {id} (from its environment)")
            }
            (Some(id), ClientIdSource::CommandLine) => {
                format!("client id {id} (from its command line)")
            }
            (Some(id), ClientIdSource::DotEnv) => {
                format!("client id {id} (from .env in its folder)")
            }
            _ => "client id not visible".to_string(),
        };
        let mark = if entry.is_own_worker {
            style.paint(Tone::Good, "✓ Gateway Doctor's own session")
        } else {
            style.paint(Tone::Muted, "• program")
        };
        match &entry.process {
            Some(p) => {
                lines.push(format!("  {mark}: {}, {id}", who(p)));
                lines.push(format!("      command: {}", command_line(&p.cmdline)));
            }
            None => lines.push(format!(
                "  {mark}: a program this user cannot see (port {}), {id}",
                entry.connection.local_port
            )),
        }
    }
    lines.join("\n")
}

/// `clean`, before anything is done: who would be ended, and who is left alone and why.
pub fn clean_plan_text(plan: &CleanReport, style: Style) -> String {
    let (ending, others): (Vec<&CleanOutcome>, Vec<&CleanOutcome>) = plan
        .outcomes
        .iter()
        .partition(|o| o.result == CleanResult::WouldTerminate);
    let mut lines = Vec::new();
    if ending.is_empty() {
        lines.push(format!(
            "Port {}: no program to end; nothing holds a stale connection that can be cleaned.",
            plan.port
        ));
    } else {
        lines.push(format!(
            "Port {}: {} hold stale connections to the Gateway and would be ended:",
            plan.port,
            plural(ending.len(), "program")
        ));
        for outcome in &ending {
            lines.push(format!(
                "  {} {}",
                style.paint(Tone::Warn, "→ END  "),
                who(&outcome.process)
            ));
            lines.push(format!(
                "          command: {}",
                command_line(&outcome.process.cmdline)
            ));
        }
    }
    let unseen = unseen_holders(plan, style);
    if !others.is_empty() || !unseen.is_empty() {
        lines.push("Left alone:".into());
        for outcome in others {
            lines.push(outcome_line(outcome, style));
        }
        lines.extend(unseen);
    }
    if plan.gateway_zombies > 0 {
        lines.push(gateway_side(plan.gateway_zombies));
    }
    lines.join("\n")
}

/// Client zombies whose holder this user cannot see (another user's program, without root): listed so the
/// user knows they exist and why they stay.
fn unseen_holders(report: &CleanReport, style: Style) -> Vec<String> {
    report
        .remaining_client_zombies
        .iter()
        .filter(|z| z.socket.pids.is_empty())
        .map(|z| {
            format!(
                "  {} — {} is held by another user's program, which you cannot see or end. That user (or an administrator) can: run `gateway-doctor clean` as them.",
                style.paint(Tone::Warn, "✗ cannot be ended"),
                endpoints(&z.socket)
            )
        })
        .collect()
}

/// `clean`, after: what happened to each program, and what is left.
pub fn clean_result_text(report: &CleanReport, style: Style) -> String {
    let mut lines: Vec<String> = report
        .outcomes
        .iter()
        .map(|o| outcome_line(o, style))
        .collect();
    lines.extend(unseen_holders(report, style));
    let left = report.remaining_client_zombies.len();
    lines.push(if left == 0 {
        style.paint(
            Tone::Good,
            "No stale connections from programs are left on the port.",
        )
    } else {
        style.paint(
            Tone::Warn,
            &format!(
                "{} from programs still open (see above why).",
                plural(left, "stale connection")
            ),
        )
    });
    if report.gateway_zombies > 0 {
        lines.push(gateway_side(report.gateway_zombies));
    }
    lines.join("\n")
}

fn outcome_line(outcome: &CleanOutcome, style: Style) -> String {
    let (label, tone) = match (outcome.result, outcome.reason) {
        (CleanResult::Terminated, _) => ("✓ terminated".to_string(), Tone::Good),
        (CleanResult::KilledAfterGrace, _) => ("✓ killed after grace".to_string(), Tone::Good),
        (CleanResult::WouldTerminate, _) => ("→ would end".to_string(), Tone::Warn),
        (CleanResult::AlreadyGone, _) => ("- already gone".to_string(), Tone::Muted),
        (CleanResult::Failed, _) => ("✗ failed".to_string(), Tone::Bad),
        (CleanResult::Refused, reason) => {
            (format!("✗ refused: {}", refusal_words(reason)), Tone::Warn)
        }
    };
    format!("  {} — {}", style.paint(tone, &label), outcome.detail)
}

fn refusal_words(reason: Option<RefusalReason>) -> &'static str {
    match reason {
        Some(RefusalReason::IsGateway) => "it is the Gateway",
        Some(RefusalReason::OtherUser) => "another user's program",
        Some(RefusalReason::LiveSessionNeedsConfirmation) => {
            "it also has a working connection (add --include-live to end it too)"
        }
        Some(RefusalReason::IdentityChanged) => "it is no longer the program that was listed",
        Some(RefusalReason::ProtectedPid) => "a protected program",
        Some(RefusalReason::OtherHost) => "its connections go to another computer",
        Some(RefusalReason::NotConfirmed) => "it was not in the list shown (run clean again)",
        Some(RefusalReason::NotSeenInBothScans) => {
            "its stale connection was not in the list shown (run clean again)"
        }
        Some(RefusalReason::NoLongerHoldsZombie) => "it no longer holds the stale connection",
        Some(RefusalReason::OwnerUnknown) => "its user cannot be told",
        None => "not allowed",
    }
}

fn gateway_side(n: u32) -> String {
    format!(
        "The Gateway itself holds {}: only restarting the Gateway clears them. {RESTART_BY_HAND}",
        plural(n as usize, "stale connection")
    )
}

fn endpoints(socket: &SocketEntry) -> String {
    format!(
        "{}:{} -> {}:{}",
        socket.local_addr, socket.local_port, socket.remote_addr, socket.remote_port
    )
}

/// The programs holding `socket`, two lines each.
fn holders(scan: &PortScan, socket: &SocketEntry, show_live: bool) -> Vec<String> {
    if socket.pids.is_empty() {
        return vec![
            "      held by a program this user cannot see (another user's, or it just exited)"
                .into(),
        ];
    }
    let mut lines = Vec::new();
    for &pid in &socket.pids {
        match find(scan, pid) {
            Some(p) => {
                let live = if show_live {
                    format!(
                        ", also has a live session: {}",
                        if p.has_live_session { "yes" } else { "no" }
                    )
                } else {
                    String::new()
                };
                lines.push(format!("      held by {}{live}", who(p)));
                lines.push(format!("      command: {}", command_line(&p.cmdline)));
            }
            None => lines.push(format!("      held by pid {pid} (exited since)")),
        }
    }
    lines
}

fn who(p: &ProcessInfo) -> String {
    let user = p.user.clone().unwrap_or_else(|| format!("uid {}", p.uid));
    format!(
        "pid {} {}, user {user}, started {}",
        p.pid,
        p.name,
        local_time(p.started_at_ms)
    )
}

fn find(scan: &PortScan, pid: u32) -> Option<&ProcessInfo> {
    scan.processes.iter().find(|p| p.pid == pid)
}
