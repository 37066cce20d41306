//! The plain words of each cleanup outcome, for a trader rather than an engineer.

use std::time::Duration;

use gateway_proto::{CleanResult, ProcessInfo, RefusalReason};

use super::policy::Context;

/// One sentence on what happened to `p` and why.
pub(crate) fn describe(
    p: &ProcessInfo,
    result: CleanResult,
    reason: Option<RefusalReason>,
    ctx: &Context,
    grace: Duration,
) -> String {
    let who = format!("{} (pid {})", p.name, p.pid);
    match (result, reason) {
        (CleanResult::Terminated, _) => {
            format!("Ended {who}; its stale connection to the Gateway is closed.")
        }
        (CleanResult::KilledAfterGrace, _) => format!(
            "{who} did not exit within {:.1} s of being asked, so it was force-stopped.",
            grace.as_secs_f64()
        ),
        (CleanResult::WouldTerminate, _) => {
            format!("Would end {who}, which holds a stale connection to the Gateway.")
        }
        (CleanResult::AlreadyGone, _) => format!("{who} had already exited; nothing to do."),
        (CleanResult::Failed, _) => {
            format!("Could not end {who}; close it yourself or restart the computer.")
        }
        (CleanResult::Refused, reason) => refused(&who, p, reason, ctx),
    }
}

fn refused(who: &str, p: &ProcessInfo, reason: Option<RefusalReason>, ctx: &Context) -> String {
    match reason {
        Some(RefusalReason::IsGateway) => format!(
            "Left {who} alone: it is the Gateway itself. Its stale connections clear only when you restart the Gateway."
        ),
        Some(RefusalReason::OtherUser) => format!(
            "Left {who} alone: it belongs to {}, and Gateway Doctor only ends your own programs.",
            match (&p.user, &p.owner_sid) {
                (Some(user), _) => format!("user {user}"),
                // Windows: an account whose name is not known here (the SID is in the outcome's process).
                (None, Some(_)) => "another user".to_string(),
                (None, None) => format!("uid {}", p.uid),
            }
        ),
        Some(RefusalReason::LiveSessionNeedsConfirmation) => format!(
            "Left {who} alone: it also has a working connection to the Gateway that ending it would drop. Confirm to include it."
        ),
        Some(RefusalReason::IdentityChanged) => format!(
            "Left pid {} alone: it is no longer the {} seen in the scan.",
            p.pid, p.name
        ),
        Some(RefusalReason::ProtectedPid) => {
            let what = if p.pid == ctx.own_pid {
                "Gateway Doctor itself"
            } else if ctx.ancestors.first() == Some(&p.pid) {
                "the program that started Gateway Doctor"
            } else if ctx.is_ancestor(p.pid) {
                "one of the programs that started Gateway Doctor"
            } else {
                "a core part of the system"
            };
            format!("Left {who} alone: it is {what}, which is never ended.")
        }
        Some(RefusalReason::OtherHost) => format!(
            "Left {who} alone: its stale connections go to another machine, not this Gateway."
        ),
        Some(RefusalReason::NotConfirmed) => {
            format!("Left {who} alone: it was not in the list you confirmed. Scan again to see it.")
        }
        Some(RefusalReason::NotSeenInBothScans) => format!(
            "Left {who} alone: its stale connection was not in the list you confirmed, so it may have just appeared. Scan again to see it."
        ),
        Some(RefusalReason::OwnerUnknown) => format!(
            "Left {who} alone: Gateway Doctor cannot tell which user it belongs to, and it only ends your own programs."
        ),
        Some(RefusalReason::NoLongerHoldsZombie) => format!(
            "Left {who} alone: it no longer holds the stale connection, so there is nothing to end."
        ),
        None => format!("Left {who} alone."),
    }
}
