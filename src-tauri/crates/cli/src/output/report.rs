//! The diagnose report as text: the verdict line, the summary, the one next step, then the checklist.

use gateway_proto::{AccountMode, CheckStatus, Report, Verdict};

use super::style::{Style, Tone, mark};

/// The report for a person to read.
pub fn report_text(report: &Report, style: Style) -> String {
    let (symbol, word, tone) = verdict_mark(report.verdict);
    let mut lines = vec![format!(
        "{} {}  ({})",
        style.paint(tone, &format!("{symbol} {word}:")),
        style.paint(Tone::Strong, verdict_title(report.verdict)),
        stable_id(&report.verdict)
    )];
    lines.push(report.summary.clone());
    lines.push(format!(
        "{} {}",
        style.paint(Tone::Strong, "Next step:"),
        report.next_step
    ));
    for (n, step) in report.settings_to_check.iter().enumerate() {
        lines.push(format!("  {}. {step}", n + 1));
    }
    if let Some(note) = &report.note {
        lines.push(style.paint(Tone::Muted, note));
    }
    match report.account_mode {
        Some(AccountMode::Live) => lines.push(format!(
            "Account: {} (real money)",
            style.paint(Tone::Bad, "LIVE")
        )),
        Some(AccountMode::Paper) => lines.push("Account: PAPER (simulated trading)".into()),
        None => {}
    }
    lines.push(String::new());
    lines.push("Checks:".into());
    for check in &report.checks {
        let (symbol, word, tone) = mark(check.status);
        lines.push(format!(
            "  {} {} — {}",
            style.paint(tone, &format!("{symbol} [{word}]")),
            check.title,
            check.detail
        ));
        if let (Some(step), CheckStatus::Warn | CheckStatus::Fail) =
            (&check.next_step, check.status)
        {
            lines.push(format!("           What to do: {step}"));
        }
    }
    lines.push(style.paint(
        Tone::Muted,
        &format!("Checked in {:.0} ms.", report.took_ms),
    ));
    lines.join("\n")
}

fn verdict_mark(verdict: Verdict) -> (&'static str, &'static str, Tone) {
    match verdict {
        Verdict::Healthy => ("✓", "HEALTHY", Tone::Good),
        Verdict::ResetWindow => ("!", "WAIT", Tone::Warn),
        Verdict::ListeningNotTested => ("?", "NOT TESTED", Tone::Warn),
        Verdict::ZombiesPresent => ("!", "PROBLEM", Tone::Warn),
        _ => ("✗", "PROBLEM", Tone::Bad),
    }
}

fn verdict_title(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Healthy => "the connection to the Gateway is healthy",
        Verdict::ListeningNotTested => "the Gateway is listening; its API was not tested",
        Verdict::GatewayNotRunning => "the Gateway is not running",
        Verdict::GatewayUnresponsive => "the Gateway is not responding",
        Verdict::ClientIdInUse => "the client id is already in use",
        Verdict::ZombiesPresent => "stale connections are in the way",
        Verdict::WrongPortOrApiDisabled => "wrong port, or the Gateway's API is turned off",
        Verdict::GatewayTooOld => "the Gateway is too old",
        Verdict::BadConfig => "a setting is wrong",
        Verdict::IbServersDisconnected => "the Gateway lost IBKR's servers",
        Verdict::ResetWindow => "IBKR's servers are in their scheduled reset",
    }
}

/// The stable snake_case id (what `--json` and support bundles show), for searching and support.
fn stable_id<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use gateway_proto::{Check, CheckId};

    use super::*;

    #[test]
    fn every_check_has_a_symbol_and_a_word_and_no_colour_off_a_terminal() {
        let report = Report {
            verdict: Verdict::GatewayNotRunning,
            summary: "The Gateway is not running.".into(),
            next_step: "Start IB Gateway and log in.".into(),
            settings_to_check: Vec::new(),
            note: None,
            remedy: None,
            account_mode: Some(AccountMode::Paper),
            checks: vec![
                Check {
                    id: CheckId::Config,
                    title: "Settings".into(),
                    status: CheckStatus::Pass,
                    detail: "Port 4002, client id 1.".into(),
                    next_step: None,
                    technical: None,
                    ms: None,
                },
                Check {
                    id: CheckId::PortListening,
                    title: "Gateway port".into(),
                    status: CheckStatus::Fail,
                    detail: "Nothing is listening on port 4002.".into(),
                    next_step: Some("Start IB Gateway.".into()),
                    technical: None,
                    ms: Some(1.0),
                },
            ],
            took_ms: 12.0,
        };
        let text = report_text(&report, Style::plain());
        assert!(
            text.starts_with("✗ PROBLEM: the Gateway is not running  (gateway_not_running)"),
            "{text}"
        );
        assert!(
            text.contains("Next step: Start IB Gateway and log in."),
            "{text}"
        );
        assert!(
            text.contains("  ✓ [PASS] Settings — Port 4002, client id 1."),
            "{text}"
        );
        assert!(
            text.contains("  ✗ [FAIL] Gateway port — Nothing is listening on port 4002."),
            "{text}"
        );
        assert!(text.contains("What to do: Start IB Gateway."), "{text}");
        assert!(!text.contains('\x1b'), "{text}");
    }
}
