//! The live progress line and colour as a terminal user meets them: `cases done / total` redrawn
//! in place on stderr only when stderr is a terminal and the run is not `--quiet`, colour only
//! when stdout is a terminal and `NO_COLOR` is unset. The terminal is a pseudo-terminal made by
//! util-linux `script`; on a system without it the terminal half is skipped with a note (the
//! not-a-terminal half always runs). Not the summary's wording (the report crate tests that).

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::fixture_server;

fn scratch(test: &str) -> PathBuf {
    common::scratch(&format!("progress-{test}"))
}

/// The `run` arguments of a short run (the ping cases of the reference server) writing to `out`.
fn run_args(out: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["run", "--case", "ping", "--timeout-ms", "2000", "--out"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(out.to_str().unwrap().into());
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push("--".into());
    args.push(fixture_server().to_str().unwrap().into());
    args
}

/// Whether `text` holds an SGR (colour) escape: ESC `[` digits and semicolons, then `m`.
fn has_sgr(text: &str) -> bool {
    text.match_indices("\u{1b}[").any(|(i, _)| {
        let rest = &text[i + 2..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(rest.len());
        rest[end..].starts_with('m')
    })
}

/// Runs mcpspec with stdout and stderr on a pseudo-terminal; `None` when `script` is missing.
fn on_a_terminal(args: &[String], no_color: bool) -> Option<(Option<i32>, String)> {
    let present = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        return None;
    }
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut line = quote(env!("CARGO_BIN_EXE_mcpspec"));
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &line, "/dev/null"])
        .stdin(std::process::Stdio::null());
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let out: Output = cmd.output().expect("run script");
    Some((
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

#[test]
fn no_progress_and_no_colour_when_not_a_terminal() {
    let dir = scratch("pipe");
    let out = Command::new(env!("CARGO_BIN_EXE_mcpspec"))
        .args(run_args(&dir, &[]))
        .env_remove("NO_COLOR")
        .output()
        .expect("run mcpspec");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\r'),
        "{stdout:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn progress_counts_up_to_the_total_on_a_terminal() {
    let dir = scratch("tty");
    let Some((code, text)) = on_a_terminal(&run_args(&dir, &[]), true) else {
        eprintln!("note: util-linux `script` is not installed; the terminal half is skipped");
        return;
    };
    assert_eq!(code, Some(0), "{text}");
    let start = text
        .find("\r\u{1b}[2K[0/")
        .unwrap_or_else(|| panic!("no progress line in {text:?}"));
    let total: usize = text[start + 8..]
        .split(']')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a total");
    assert!(total > 5, "{total}");
    for done in 1..=total {
        assert!(
            text.contains(&format!("\r\u{1b}[2K[{done}/{total}] ")),
            "[{done}/{total}] missing in {text:?}"
        );
    }
    // The summary counts the same cases (oracles included).
    assert!(text.contains(&format!("{total} cases:")), "{text:?}");
    // NO_COLOR: the progress line's erase codes, but no colour anywhere.
    assert!(!has_sgr(&text), "{text:?}");

    // Without NO_COLOR the summary on the terminal is coloured.
    let (code, text) = on_a_terminal(&run_args(&dir, &[]), false).unwrap();
    assert_eq!(code, Some(0));
    assert!(has_sgr(&text), "{text:?}");

    // --quiet: no progress line even on a terminal.
    let (code, text) = on_a_terminal(&run_args(&dir, &["--quiet"]), true).unwrap();
    assert_eq!(code, Some(0));
    assert!(!text.contains("[0/"), "{text:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sgr_detection() {
    assert!(has_sgr("a \u{1b}[31mfail\u{1b}[0m"));
    assert!(has_sgr("\u{1b}[1;32m"));
    assert!(!has_sgr("\r\u{1b}[2K[1/3] x"));
    assert!(!has_sgr("plain"));
}
