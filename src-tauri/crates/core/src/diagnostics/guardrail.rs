//! The guardrail, asked before a run connects by itself to test the API (`gateway-doctor diagnose
//! --handshake` with no app open): a Gateway whose API layer was found dead (a latch kept on disk, and the
//! same Gateway listener as then) gets no new connect, nor does one whose connect budget, shared by every
//! Gateway Doctor process, is spent for now (supervisor/connect_record.rs). The run then diagnoses without a
//! session and [`explain`] says in the report why the API was not tested, since when, and what to do.

use std::path::Path;
use std::time::Duration;

use gateway_proto::{CheckId, CheckStatus, Remedy, Report, Verdict};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::assess::{RESTART_STEPS, note_for};
use crate::supervisor::{CONNECT_BUDGET, ConnectRecord, LatchFile, LatchRecord};

/// Why a run holds back from connecting.
#[derive(Debug, Clone, PartialEq)]
pub enum HeldBack {
    /// The guardrail tripped for this Gateway and it has not restarted since (the same listener).
    Latched(LatchRecord),
    /// The connect budget shared by every Gateway Doctor process is spent; a connect fits after `wait`.
    BudgetSpent { wait: Duration, until_ms: i64 },
}

/// Whether a connect to `host:port` must be held back, from the latch file at `latch_path` and the connect
/// record beside it, at `now_ms`. A file that cannot be read holds nothing back (`note` is told why; the
/// supervisor checks again when it connects, and the budget then holds at least in memory).
pub fn held_back(
    latch_path: &Path,
    host: &str,
    port: u16,
    now_ms: i64,
    mut note: impl FnMut(String),
) -> Option<HeldBack> {
    let key = LatchFile::key(host, port);
    match LatchFile::new(latch_path.to_path_buf()).get(&key) {
        Ok(Some(record)) => {
            let listener = crate::sockets::scan_quick(port)
                .ok()
                .and_then(|q| q.listener_inode);
            // A new listener (or none) is a restarted Gateway: the entry is stale, and the supervisor removes
            // it when it starts.
            if record.listener_inode == listener {
                return Some(HeldBack::Latched(record));
            }
        }
        Ok(None) => {}
        Err(e) => note(format!("{e}: the guardrail is taken as clear")),
    }
    match ConnectRecord::beside(latch_path).wait(&key, &CONNECT_BUDGET, now_ms) {
        Ok(wait) if wait.is_zero() => None,
        Ok(wait) => Some(HeldBack::BudgetSpent {
            wait,
            until_ms: now_ms.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)),
        }),
        Err(e) => {
            note(e.to_string());
            None
        }
    }
}

/// Says in `report` why its API was not tested and what to do. A verdict that matters more than the
/// guardrail (nothing listens, bad settings, IBKR's reset window) is kept; the API handshake check says
/// why it was not tried either way.
pub fn explain(report: &mut Report, held: &HeldBack, tz: &TimeZone) {
    let keeps_verdict = matches!(
        report.verdict,
        Verdict::GatewayNotRunning | Verdict::BadConfig | Verdict::ResetWindow
    );
    let (detail, verdict) = match held {
        HeldBack::Latched(record) => {
            let when = local_time(record.latched_at_ms, tz);
            (
                format!(
                    "Not tried: Gateway Doctor found the API unresponsive at {when} and IB Gateway has not \
                     restarted since (it is still the same running Gateway). Then: {}",
                    record.reason.message
                ),
                (
                    Verdict::GatewayUnresponsive,
                    format!(
                        "IB Gateway's API was found unresponsive at {when} and IB Gateway has not restarted \
                         since, so Gateway Doctor did not connect again (connecting to it again and again can \
                         keep it stuck)."
                    ),
                    RESTART_STEPS.to_string(),
                    Remedy::RestartGateway,
                ),
            )
        }
        HeldBack::BudgetSpent { wait, until_ms } => {
            let seconds = wait.as_secs_f64().ceil();
            let [(short, short_limit), (long, long_limit)] = CONNECT_BUDGET;
            (
                format!(
                    "Not tried: Gateway Doctor programs on this computer connect at most {short_limit} times in \
                     {} s and {long_limit} times in {} minutes, together, and that is spent for {seconds:.0} s \
                     more.",
                    short.as_secs(),
                    long.as_secs() / 60
                ),
                (
                    Verdict::ListeningNotTested,
                    "IB Gateway's API was not tested: Gateway Doctor connected to it many times just now, so \
                     this run did not connect again (that can overload IB Gateway)."
                        .to_string(),
                    format!(
                        "Wait {seconds:.0} seconds, then run this again, or open the Gateway Doctor app: its \
                         connection tests the API without a new one."
                    ),
                    Remedy::WaitUntil { at_ms: *until_ms },
                ),
            )
        }
    };
    if let Some(check) = report
        .checks
        .iter_mut()
        .find(|c| c.id == CheckId::Handshake)
    {
        check.status = match held {
            HeldBack::Latched(_) => CheckStatus::Fail,
            HeldBack::BudgetSpent { .. } => CheckStatus::Skip,
        };
        check.detail = detail;
    }
    if keeps_verdict {
        return;
    }
    let (verdict, summary, next_step, remedy) = verdict;
    // A problem found without a session (stale connections, a wrong port) still leads when the API was
    // only held back by the budget: it is news, the budget is not.
    if matches!(held, HeldBack::BudgetSpent { .. }) && report.verdict != Verdict::ListeningNotTested
    {
        return;
    }
    // Neither verdict set here is about the Gateway's API settings.
    report.settings_to_check.clear();
    report.note = note_for(verdict);
    report.verdict = verdict;
    report.summary = summary;
    report.next_step = next_step;
    report.remedy = Some(remedy);
}

fn local_time(ms: i64, tz: &TimeZone) -> String {
    Timestamp::from_millisecond(ms).map_or_else(
        |_| "an unknown time".to_string(),
        |t| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_proto::{Check, ErrorBody, ErrorCode};

    fn report(verdict: Verdict) -> Report {
        Report {
            verdict,
            summary: "listening".into(),
            next_step: "test it".into(),
            settings_to_check: Vec::new(),
            note: None,
            remedy: Some(Remedy::Retry),
            account_mode: None,
            checks: vec![Check {
                id: CheckId::Handshake,
                title: "API handshake".into(),
                status: CheckStatus::Skip,
                detail: "Not tested.".into(),
                next_step: None,
                technical: None,
                ms: None,
            }],
            took_ms: 0.0,
        }
    }

    fn latched() -> HeldBack {
        HeldBack::Latched(LatchRecord {
            listener_inode: Some(9),
            // 2026-01-02 03:04:05 UTC
            latched_at_ms: 1_767_323_045_000,
            reason: ErrorBody::new(ErrorCode::GatewayUnresponsive, "no answer to 3 handshakes"),
        })
    }

    #[test]
    fn a_kept_latch_is_an_unresponsive_api_named_with_when_and_the_restart_steps() {
        let mut r = report(Verdict::ListeningNotTested);
        explain(&mut r, &latched(), &TimeZone::UTC);
        assert_eq!(r.verdict, Verdict::GatewayUnresponsive);
        assert!(r.summary.contains("2026-01-02 03:04:05"), "{}", r.summary);
        assert_eq!(r.next_step, RESTART_STEPS);
        assert_eq!(r.remedy, Some(Remedy::RestartGateway));
        assert_eq!(r.checks[0].status, CheckStatus::Fail);
        assert!(r.checks[0].detail.contains("no answer to 3 handshakes"));
    }

    #[test]
    fn a_spent_budget_is_not_tested_with_how_long_to_wait() {
        let mut r = report(Verdict::ListeningNotTested);
        let held = HeldBack::BudgetSpent {
            wait: Duration::from_millis(13_200),
            until_ms: 5,
        };
        explain(&mut r, &held, &TimeZone::UTC);
        assert_eq!(r.verdict, Verdict::ListeningNotTested);
        assert!(r.next_step.contains("Wait 14 seconds"), "{}", r.next_step);
        assert_eq!(r.remedy, Some(Remedy::WaitUntil { at_ms: 5 }));

        let mut zombies = report(Verdict::ZombiesPresent);
        explain(&mut zombies, &held, &TimeZone::UTC);
        assert_eq!(zombies.verdict, Verdict::ZombiesPresent, "the news leads");
        assert!(zombies.checks[0].detail.contains("14 s more"));
    }

    #[test]
    fn nothing_listening_keeps_its_verdict() {
        let mut r = report(Verdict::GatewayNotRunning);
        explain(&mut r, &latched(), &TimeZone::UTC);
        assert_eq!(r.verdict, Verdict::GatewayNotRunning);
        assert_eq!(r.summary, "listening");
    }

    #[test]
    fn a_latch_for_the_listener_on_the_port_holds_back_and_a_spent_budget_too() {
        let dir = tempfile::tempdir().expect("temp dir");
        let latch_path = dir.path().join("guardrail.json");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let inode = crate::sockets::scan_quick(port)
            .expect("scan")
            .listener_inode;
        let file = LatchFile::new(latch_path.clone());
        let key = LatchFile::key("127.0.0.1", port);
        let record = LatchRecord {
            listener_inode: inode,
            latched_at_ms: 1,
            reason: ErrorBody::new(ErrorCode::GatewayUnresponsive, "dead"),
        };
        let no_note = |n: String| panic!("unexpected note: {n}");
        file.set(&key, record.clone()).expect("latch");
        assert_eq!(
            held_back(&latch_path, "127.0.0.1", port, 0, no_note),
            Some(HeldBack::Latched(record.clone()))
        );
        // Another listener: the Gateway restarted, nothing is held back.
        file.set(
            &key,
            LatchRecord {
                listener_inode: inode.map(|i| i + 1),
                ..record
            },
        )
        .expect("latch");
        assert_eq!(held_back(&latch_path, "127.0.0.1", port, 0, no_note), None);

        let connects = ConnectRecord::beside(&latch_path);
        let now = 1_700_000_000_000;
        for _ in 0..6 {
            connects.take(&key, &CONNECT_BUDGET, now).expect("take");
        }
        assert_eq!(
            held_back(&latch_path, "127.0.0.1", port, now + 1000, no_note),
            Some(HeldBack::BudgetSpent {
                wait: Duration::from_secs(19),
                until_ms: now + 20_000
            })
        );
    }
}
