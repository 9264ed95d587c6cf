//! Snapshot and property tests of the plain-text end-of-run summary over every fixture. Not the
//! format itself (see `schema.rs`).

use std::path::Path;

use mcpspec_report::RunReport;
use mcpspec_report::render::text;

fn load(path: &Path) -> RunReport {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    serde_json::from_str(&text).expect("fixture deserialises")
}

#[test]
fn text_summary() {
    insta::glob!("fixtures/*.json", |path| {
        let report = load(path);
        insta::assert_snapshot!(text::summary(&report, false));
    });
}

#[test]
fn colour_only_when_asked() {
    insta::glob!("fixtures/*.json", |path| {
        let report = load(path);
        let plain = text::summary(&report, false);
        assert!(
            !plain.contains('\u{1b}'),
            "escape in plain output:\n{plain}"
        );
        let coloured = text::summary(&report, true);
        if report.cases.is_empty() {
            // Only outcome names are coloured, and an empty run names none.
            assert_eq!(coloured, plain);
        } else {
            assert!(
                coloured.contains("\u{1b}["),
                "no ANSI escape in coloured output"
            );
            assert!(coloured.contains("\u{1b}[0m"), "colour is never reset");
            let stripped = strip_sgr(&coloured);
            assert_eq!(
                stripped, plain,
                "colour changes more than the outcome names"
            );
        }
    });
}

#[test]
fn server_text_cannot_break_the_layout() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/server-text.json");
    let report = load(&path);
    for color in [false, true] {
        let out = text::summary(&report, color);
        let controls: Vec<char> = out
            .chars()
            .filter(|c| c.is_control() && *c != '\n' && *c != '\u{1b}')
            .collect();
        assert!(
            controls.is_empty(),
            "control characters {controls:?} in:\n{out}"
        );
        assert!(
            !out.contains("\u{1b}[2J"),
            "server escape passed through:\n{out}"
        );
        assert!(
            !out.contains("\u{1b}]0;"),
            "server escape passed through:\n{out}"
        );
        // Line breaks inside server text stay inside their line, shown escaped.
        assert!(out.contains(r"server: noisy\u{1b}[2J\nserver ?"), "{out}");
        assert!(
            out.contains(r"reason: the reader stopped early:\nbroken pipe"),
            "{out}"
        );
        assert!(out.contains(r"actual:   boom\n\tat main\r\u{7}"), "{out}");
        assert!(out.contains(r"actual:   \u{1b}[32mready\u{1b}[0m"), "{out}");
    }
}

/// `text` without SGR colour sequences (`ESC [ ... m`).
fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn an_empty_run_has_a_clean_totals_line() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal.json");
    let out = text::summary(&load(&path), false);
    assert!(out.ends_with("\n0 cases (0 ms)\n"), "{out:?}");
}

#[test]
fn cases_without_requirements_have_a_tidy_header() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/server-text.json");
    let out = text::summary(&load(&path), false);
    assert!(
        out.contains("harness-error oracle.transport-framing [MUST]"),
        "{out}"
    );
    assert!(!out.contains(" ]"), "{out}");
}
