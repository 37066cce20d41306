//! IBC's values as Java reads them: IBC parses numbers with Integer.parseInt, yes/no with its own getBoolean
//! and lists with String.split, and Gateway Doctor must read them exactly so.

/// Java's Integer.parseInt: an optional sign and decimal digits, nothing else (no spaces).
pub(super) fn java_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i32>().ok().map(i64::from)
}

/// IBC's getBoolean on a value that is not blank: yes/true and no/false in any case, nothing else.
pub(super) fn java_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("yes") || text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("no") || text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Java's `split(",")`: entries as written, trailing empty ones dropped.
pub(super) fn java_split_commas(text: &str) -> Vec<String> {
    let mut parts: Vec<String> = text.split(',').map(str::to_string).collect();
    while parts.last().is_some_and(String::is_empty) {
        parts.pop();
    }
    parts
}
