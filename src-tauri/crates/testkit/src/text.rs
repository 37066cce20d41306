//! Assertions on text the tests share.

/// Asserts that `text` contains `part`; the failure shows the whole text.
#[track_caller]
pub fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "expected {part:?} in:\n{text}");
}
