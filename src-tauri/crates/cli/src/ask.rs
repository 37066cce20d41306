//! A yes/no question on the terminal, for the commands that change something (`clean`, `restart`).

use std::io::{BufRead, Write};

/// Writes `question` to stderr and reads one line from stdin: only `y` or `yes` (any case) is a yes.
pub fn yes_or_no(question: &str) -> std::io::Result<bool> {
    let mut err = std::io::stderr().lock();
    err.write_all(question.as_bytes())?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(is_yes(&answer))
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_y_or_yes_is_a_yes() {
        for yes in ["y\n", "Y", " yes \r\n", "YES"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yeah", "y y", "ja"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
