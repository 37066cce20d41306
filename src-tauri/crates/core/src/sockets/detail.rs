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
                // Windows: no account name, no SID either (the process would not tell); never its stand-in
                // NO_UID, which is no user's number.
                (None, _) if p.uid == gateway_proto::NO_UID => "another user".to_string(),
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

#[cfg(test)]
mod tests {
    use gateway_proto::{CleanResult, NO_UID, ProcessInfo, RefusalReason};

    use super::describe;
    use crate::sockets::policy::Context;
    use crate::sockets::sys::OwnUser;

    fn other(uid: u32, user: Option<&str>) -> ProcessInfo {
        ProcessInfo {
            pid: 7,
            name: "bot".into(),
            cmdline: vec!["bot".into()],
            uid,
            owner_sid: None,
            user: user.map(str::to_string),
            start_ticks: 1,
            started_at_ms: 0,
            is_gateway: false,
            product: None,
            has_live_session: false,
        }
    }

    fn said(p: &ProcessInfo) -> String {
        let ctx = Context {
            own_pid: 1000,
            ancestors: vec![],
            own: OwnUser::Uid(1000),
            system_pids: &[0, 1],
        };
        let grace = std::time::Duration::from_secs(3);
        describe(
            p,
            CleanResult::Refused,
            Some(RefusalReason::OtherUser),
            &ctx,
            grace,
        )
    }

    #[test]
    fn another_users_program_is_named_by_its_user_never_by_a_stand_in_number() {
        assert!(said(&other(1001, Some("alice"))).contains("belongs to user alice"));
        assert!(said(&other(1001, None)).contains("belongs to uid 1001"));
        let windows = said(&other(NO_UID, None));
        assert!(windows.contains("belongs to another user"), "{windows}");
        assert!(!windows.contains(&NO_UID.to_string()), "{windows}");
    }
}
