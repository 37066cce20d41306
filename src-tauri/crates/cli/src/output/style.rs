//! Colour, used only to help: every status also has a symbol and a word, so nothing depends on colour.

use std::io::IsTerminal;

use gateway_proto::CheckStatus;

/// How a piece of text should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Warn,
    Bad,
    Muted,
    Strong,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    color: bool,
}

impl Style {
    /// Colour only when stdout is a terminal and NO_COLOR (no-color.org) is not set.
    pub fn for_stdout() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: std::io::stdout().is_terminal() && !no_color,
        }
    }

    /// No colour, whatever the terminal (unit tests).
    #[cfg(test)]
    pub fn plain() -> Style {
        Style { color: false }
    }

    pub fn dim(self, text: &str) -> String {
        self.paint(Tone::Muted, text)
    }

    pub fn paint(self, tone: Tone, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        let code = match tone {
            Tone::Good => "32",
            Tone::Warn => "33",
            Tone::Bad => "31",
            Tone::Muted => "2",
            Tone::Strong => "1",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

/// A check's symbol, word and tone.
pub fn mark(status: CheckStatus) -> (&'static str, &'static str, Tone) {
    match status {
        CheckStatus::Pass => ("✓", "PASS", Tone::Good),
        CheckStatus::Warn => ("!", "WARN", Tone::Warn),
        CheckStatus::Fail => ("✗", "FAIL", Tone::Bad),
        CheckStatus::Skip => ("-", "SKIP", Tone::Muted),
    }
}
