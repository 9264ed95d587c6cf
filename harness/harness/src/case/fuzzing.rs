//! The body of the `case_load` fuzz target: arbitrary bytes as a user's case file, through the
//! loader and the lint. Not a fuzzer itself (the shim lives in `fuzz/`), and not the rules of
//! the lint (`load.rs`).

use super::load::{lint, parse_text};
use super::model::Case;

/// The path every fuzzed case file pretends to have: its id must be `fuzz.case`.
pub const FUZZ_PATH: &str = "fuzz/case.json";

/// Loads `data` as a case file (lossy UTF-8) and lints it. Never panics on any input; a case
/// that loads survives a round trip through its own serialization unchanged, and the lint of
/// it terminates with findings that name the file.
pub fn case_load(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(loaded) = parse_text(FUZZ_PATH, &text) else {
        return;
    };
    let value = serde_json::to_value(&loaded.case).expect("a loaded case serializes");
    let again: Case = serde_json::from_value(value).expect("a serialized case loads again");
    assert_eq!(again, loaded.case, "a case changed in a serde round trip");
    for e in lint(std::slice::from_ref(&loaded), None) {
        assert_eq!(e.path, FUZZ_PATH, "a lint finding names another file: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_cases_and_garbage_do_not_panic() {
        let cases = crate::case::embedded_cases().expect("cases load");
        let text = serde_json::to_string(&cases[0].case).expect("serializes");
        case_load(text.as_bytes());
        case_load(b"");
        case_load(b"{\"id\": 1}");
        case_load(&[0xff, 0xfe, b'{']);
    }
}
