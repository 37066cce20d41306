//! Small wording helpers shared by the text views.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// A Unix-ms instant as this computer's local date and time.
pub fn local_time(ms: i64) -> String {
    Timestamp::from_millisecond(ms).map_or_else(
        |_| "an unknown time".to_string(),
        |t| {
            t.to_zoned(TimeZone::system())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        },
    )
}

/// `1 program`, `2 programs`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A command line as a person would type it (arguments with spaces quoted).
pub fn command_line(args: &[String]) -> String {
    if args.is_empty() {
        return "(not readable)".to_string();
    }
    args.iter()
        .map(|a| {
            if a.is_empty() || a.contains(char::is_whitespace) {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording() {
        assert_eq!(plural(1, "program"), "1 program");
        assert_eq!(plural(3, "program"), "3 programs");
        let args = ["python".to_string(), "my bot.py".to_string()];
        assert_eq!(command_line(&args), "python 'my bot.py'");
        assert_eq!(command_line(&[]), "(not readable)");
    }
}
