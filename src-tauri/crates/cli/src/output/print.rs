//! Writing to the terminal. A closed stdout (`gateway-doctor zombies | head -1`) is not an error worth a
//! panic: the exit code still tells the caller what was found.

use std::io::Write;

use serde::Serialize;

use crate::error::CliError;

/// Writes `text` (and a newline) to stdout; `false` when nobody reads it any more.
pub fn print(text: &str) -> bool {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").and_then(|()| out.flush()).is_ok()
}

/// `value` as JSON text: pretty for one document, one line for a stream of them.
pub fn json<T: Serialize>(value: &T, one_line: bool) -> String {
    let text = if one_line {
        serde_json::to_string(value)
    } else {
        serde_json::to_string_pretty(value)
    };
    // Core's types are plain data (no maps with non-text keys), so this cannot fail; say so if it does.
    text.unwrap_or_else(|e| format!("{{\"error\":\"cannot write JSON: {e}\"}}"))
}

/// The error, in words, on stderr.
pub fn error(err: &CliError) {
    let mut out = std::io::stderr().lock();
    let _ = match err {
        CliError::Config(values) => {
            let mut text = String::from("gateway-doctor: these settings cannot be used:\n");
            for value in values {
                text.push_str(&format!("  - {}\n", value.message));
            }
            text.push_str(
                "Correct them where they come from (named above), or give the right value as an option, e.g. --port 4002.",
            );
            writeln!(out, "{text}")
        }
        other => writeln!(out, "gateway-doctor: {other}"),
    };
}

/// A message on stderr, with its technical details (if any) on a line of their own.
pub fn error_text(message: &str, details: &str) {
    let mut out = std::io::stderr().lock();
    let _ = writeln!(out, "gateway-doctor: {message}");
    if !details.is_empty() {
        let _ = writeln!(out, "Details: {details}");
    }
}
