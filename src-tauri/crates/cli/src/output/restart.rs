//! The words of `restart`: one plain line per step as it happens, the outcome, and the question. Addresses
//! and IBC's own reply go in the "Details" line.

use std::path::Path;

use gateway_proto::{RestartOutcome, RestartPhase, RestartReport, RestartStep};

use super::style::{Style, Tone};

/// Printed just before RESTART is sent.
pub const ASKING: &str = "Asking IB Gateway to restart…";

/// What the trader keeps through the restart, said before and after it.
const LOGIN_KEPT: &str = "No new login is needed: IB Gateway keeps its login (two-factor approval included) until \
IBKR's weekly reset on Sunday.";

pub fn using_text(config: &Path, style: Style) -> String {
    style.dim(&format!("Using IBC's settings in {}", config.display()))
}

/// The y/N question, with what the restart costs and what it does not.
pub fn question(port: u16) -> String {
    format!(
        "This restarts IB Gateway (port {port}) through IBC. Your programs lose their connection for a \
         minute or two and must connect again. {LOGIN_KEPT}\nRestart IB Gateway now? [y/N] "
    )
}

/// Turns each step into its line, with the times between them.
pub struct Steps {
    port: u16,
    sent_at: Option<i64>,
    down_at: Option<i64>,
}

impl Steps {
    pub fn new(port: u16) -> Steps {
        Steps {
            port,
            sent_at: None,
            down_at: None,
        }
    }

    pub fn line(&mut self, step: &RestartStep) -> String {
        match step.phase {
            RestartPhase::Sent => {
                self.sent_at = Some(step.at_ms);
                "IBC accepted. Waiting for IB Gateway to stop (IBC restarts it within about two minutes)…"
                    .to_string()
            }
            RestartPhase::DownSeen => {
                self.down_at = Some(step.at_ms);
                let after = self
                    .sent_at
                    .map(|sent| format!(" after {}", seconds(step.at_ms - sent)))
                    .unwrap_or_default();
                format!("IB Gateway has stopped{after}. Waiting for it to start again…")
            }
            RestartPhase::ListeningAgain => match self.down_at {
                Some(down) => format!(
                    "It is back, listening on port {} after {} down.",
                    self.port,
                    seconds(step.at_ms - down)
                ),
                None => format!(
                    "It is back, listening on port {} (it restarted between two looks, in under a second).",
                    self.port
                ),
            },
        }
    }
}

/// The outcome after the steps: what it means for the trader, then the details.
pub fn outcome_text(report: &RestartReport, style: Style) -> String {
    let mut lines = Vec::new();
    match report.outcome {
        RestartOutcome::Back => {
            // The last step already said how long it was down.
            lines.push(style.paint(Tone::Good, "✓ IB Gateway restarted."));
            lines.push(LOGIN_KEPT.to_string());
            lines.push("Your programs can connect again now.".to_string());
        }
        RestartOutcome::NotBackInTime
        | RestartOutcome::NeverWentDown
        | RestartOutcome::NotWatched => {
            lines.push(style.paint(Tone::Warn, &format!("! {}", report.message)));
        }
    }
    if !report.details.is_empty() {
        lines.push(style.dim(&format!("Details: {}", report.details)));
    }
    lines.join("\n")
}

/// `1.5 s` under ten seconds, `63 s` from there.
pub fn seconds(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 10_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} s", (ms + 500) / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(phase: RestartPhase, at_ms: i64) -> RestartStep {
        RestartStep { phase, at_ms }
    }

    #[test]
    fn each_step_in_plain_words_with_the_down_time() {
        let mut steps = Steps::new(4002);
        assert!(
            steps
                .line(&step(RestartPhase::Sent, 1_000))
                .starts_with("IBC accepted.")
        );
        assert_eq!(
            steps.line(&step(RestartPhase::DownSeen, 41_000)),
            "IB Gateway has stopped after 40 s. Waiting for it to start again…"
        );
        assert_eq!(
            steps.line(&step(RestartPhase::ListeningAgain, 104_000)),
            "It is back, listening on port 4002 after 63 s down."
        );
        let mut quick = Steps::new(4001);
        quick.line(&step(RestartPhase::Sent, 0));
        assert!(
            quick
                .line(&step(RestartPhase::ListeningAgain, 300))
                .contains("under a second")
        );
    }

    #[test]
    fn the_outcome_says_what_it_means_and_keeps_details_apart() {
        let mut report = RestartReport {
            command_server: "127.0.0.1:7462".into(),
            gateway_port: 4002,
            reply: "OK RESTART in progress".into(),
            steps: Vec::new(),
            outcome: RestartOutcome::Back,
            down_ms: Some(63_000),
            took_ms: 70_000,
            message: "IB Gateway restarted: it was down for 63.0 s and is listening again.".into(),
            details: "RESTART to 127.0.0.1:7462 answered \"OK RESTART in progress\"".into(),
        };
        let back = outcome_text(&report, Style::plain());
        assert_eq!(
            back.lines().collect::<Vec<_>>(),
            [
                "✓ IB Gateway restarted.",
                LOGIN_KEPT,
                "Your programs can connect again now.",
                "Details: RESTART to 127.0.0.1:7462 answered \"OK RESTART in progress\"",
            ]
        );
        report.outcome = RestartOutcome::NotBackInTime;
        report.message = "IB Gateway went down to restart but is not back after 300.0 s.".into();
        let late = outcome_text(&report, Style::plain());
        assert!(late.starts_with("! IB Gateway went down"), "{late}");
        assert!(!late.contains("No new login"), "{late}");
    }

    #[test]
    fn seconds_are_tenths_below_ten() {
        assert_eq!(seconds(1_540), "1.5 s");
        assert_eq!(seconds(63_400), "63 s");
        assert_eq!(seconds(-5), "0.0 s");
    }

    #[test]
    fn the_question_says_what_it_costs_and_that_no_login_is_needed() {
        let text = question(4002);
        assert!(text.contains("port 4002"), "{text}");
        assert!(text.contains("No new login is needed"), "{text}");
        assert!(text.ends_with("[y/N] "), "{text}");
    }
}
