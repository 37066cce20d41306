//! The file format of IBC's config.ini, read the way IBC reads it (it loads the file as Java properties),
//! so a setting means here exactly what it means to IBC.
//!
//! The rules: the bytes are ISO-8859-1 text; lines end at `\n`, `\r\n` or `\r`; a line whose first
//! non-blank character is `#` or `!` is a comment; a line ending in an odd number of backslashes continues
//! on the next line (whose leading blanks are dropped); the key runs to the first unescaped `=`, `:` or
//! blank, then blanks, at most one `=` or `:`, and blanks are skipped; the rest of the line is the value,
//! trailing blanks included. `\t`, `\n`, `\r`, `\f` and `\uXXXX` are escapes, any other escaped character
//! stands for itself. A key given twice keeps its last value. Only a broken `\uXXXX` escape makes the
//! file unreadable to IBC; everything else parses.

/// One `key=value` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    /// As IBC gets it: leading blanks removed, trailing ones kept.
    pub value: String,
    /// From 1: where the entry starts.
    pub line: u32,
}

/// Where and why the file cannot be read as properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u32,
    pub message: String,
}

/// The entries of `bytes`, in file order.
pub fn parse(bytes: &[u8]) -> Result<Vec<Entry>, SyntaxError> {
    // ISO-8859-1: every byte is the character with that code.
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    let lines = natural_lines(&text);
    let mut entries = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let start = index;
        let first = lines[index].trim_start_matches(is_blank);
        index += 1;
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        let mut logical = String::from(first);
        while ends_with_odd_backslashes(&logical) {
            logical.pop();
            match lines.get(index) {
                Some(next) => {
                    logical.push_str(next.trim_start_matches(is_blank));
                    index += 1;
                }
                None => break,
            }
        }
        let line = u32::try_from(start + 1).unwrap_or(u32::MAX);
        let (key, value) = split_entry(&logical);
        entries.push(Entry {
            key: unescape(key, line)?,
            value: unescape(value, line)?,
            line,
        });
    }
    Ok(entries)
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

fn natural_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\n', '\r']) {
            Some(at) => {
                lines.push(&rest[..at]);
                let skip = if rest[at..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[at + skip..];
            }
            None => {
                lines.push(rest);
                rest = "";
            }
        }
    }
    lines
}

fn ends_with_odd_backslashes(text: &str) -> bool {
    text.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

/// The raw (still escaped) key and value of a logical line.
fn split_entry(logical: &str) -> (&str, &str) {
    let mut escaped = false;
    let mut key_end = logical.len();
    for (at, c) in logical.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '=' || c == ':' || is_blank(c) {
            key_end = at;
            break;
        }
    }
    let key = &logical[..key_end];
    let mut rest = logical[key_end..].trim_start_matches(is_blank);
    if let Some(after) = rest.strip_prefix(['=', ':']) {
        rest = after.trim_start_matches(is_blank);
    }
    (key, rest)
}

fn unescape(raw: &str, line: u32) -> Result<String, SyntaxError> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let code = (hex.len() == 4)
                    .then(|| u32::from_str_radix(&hex, 16).ok())
                    .flatten()
                    .and_then(char::from_u32);
                match code {
                    Some(decoded) => out.push(decoded),
                    None => {
                        return Err(SyntaxError {
                            line,
                            message: format!(
                                "\\u{hex} is not a valid \\uXXXX escape (IBC cannot load the file)"
                            ),
                        });
                    }
                }
            }
            Some(other) => out.push(other),
            // A lone trailing backslash (the last line of the file continued into nothing) is dropped.
            None => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<(String, String, u32)> {
        parse(text.as_bytes())
            .expect("parses")
            .into_iter()
            .map(|e| (e.key, e.value, e.line))
            .collect()
    }

    /// The entries as `key=value@line`, one string each: short enough to list on one line.
    fn listed(text: &str) -> Vec<String> {
        entries(text)
            .into_iter()
            .map(|(key, value, line)| format!("{key}={value}@{line}"))
            .collect()
    }

    #[test]
    fn comments_blanks_and_separators_follow_java_properties() {
        let text = "# comment\n  ! also a comment\n\nA=1\nB = 2 \n  C:3\nD 4\nE\nF=\n";
        assert_eq!(
            listed(text),
            ["A=1@4", "B=2 @5", "C=3@6", "D=4@7", "E=@8", "F=@9"]
        );
    }

    #[test]
    fn continuations_escapes_and_line_endings() {
        let text = "A=one \\\r\n    two\rB=x\\\\\nC=a\\=b\\u0041\\q\nD\\ E=5";
        assert_eq!(
            entries(text),
            [
                ("A".to_string(), "one two".to_string(), 1),
                ("B".into(), "x\\".into(), 3),
                ("C".into(), "a=bAq".into(), 4),
                ("D E".into(), "5".into(), 5)
            ]
        );
    }

    #[test]
    fn a_comment_line_does_not_continue_and_latin1_bytes_are_characters() {
        assert_eq!(
            listed("# note \\\nA=1\n"),
            ["A=1@2"],
            "a comment ending in a backslash does not swallow the next line"
        );
        let parsed = parse(b"P=caf\xe9\n").expect("parses");
        assert_eq!(parsed[0].value, "caf\u{e9}");
    }

    #[test]
    fn a_broken_unicode_escape_names_its_line() {
        let err = parse(b"A=1\nB=\\u12G4\n").expect_err("broken escape");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("\\uXXXX"), "{}", err.message);
        assert!(parse(b"B=\\u12").is_err(), "too short");
    }
}
