//! `mcpspec render` as a user meets it: a saved report rendered offline in every format, to
//! standard output or a file, and one-line usage errors (exit 2) for input that is not a report.
//! Not the renderers' own output (the report crate snapshots that).

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{fixture_server, mcpspec, stderr_line};

fn fixture_report() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reports/tests/fixtures/all-outcomes.json")
}

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    common::scratch(&format!("render-{test}"))
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

#[test]
fn renders_a_saved_report_in_every_format() {
    let report = fixture_report();
    let report = report.to_str().unwrap();

    let out = mcpspec(&["render", report, "--format", "markdown"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_line(&out));
    let md = stdout(&out);
    assert!(md.starts_with("## mcpspec: not conformant\n"), "{md}");
    assert!(
        md.contains("#### fail `ping.behavior.empty-result`"),
        "{md}"
    );
    // `md` is accepted as a short name and gives the same output.
    assert_eq!(stdout(&mcpspec(&["render", report, "--format", "md"])), md);

    let out = mcpspec(&["render", report, "--format", "junit"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_line(&out));
    let xml = stdout(&out);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains(r#"tests="8" skipped="2" failures="2" errors="1""#),
        "{xml}"
    );

    let out = mcpspec(&["render", report, "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_line(&out));
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 7);

    let out = mcpspec(&["render", report, "--format", "html"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_line(&out));
    let html = stdout(&out);
    assert!(html.starts_with("<!DOCTYPE html>\n"), "{html}");
    assert!(html.contains("Content-Security-Policy"), "{html}");
    assert!(
        html.contains("<code class=\"id\">ping.behavior.empty-result</code>"),
        "{html}"
    );
    assert_eq!(html.matches("<details class=\"case\"").count(), 8);

    let out = mcpspec(&["render", report, "--format", "text"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_line(&out));
    let text = stdout(&out);
    assert!(
        text.contains("fail ping.behavior.empty-result [MUST PING-001]"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "no colour when NO_COLOR is set");
}

#[test]
fn writes_to_a_file_with_dash_o() {
    let dir = scratch("dash-o");
    let target = dir.join("nested/report.xml");
    let report = fixture_report();
    let out = mcpspec(&[
        "render",
        report.to_str().unwrap(),
        "--format",
        "junit",
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_line(&out));
    assert!(out.stdout.is_empty(), "nothing on stdout with -o");
    let written = std::fs::read_to_string(&target).expect("-o file written");
    let direct = stdout(&mcpspec(&[
        "render",
        report.to_str().unwrap(),
        "--format",
        "junit",
    ]));
    assert_eq!(written, direct);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = scratch("bad-input");
    let not_json = dir.join("not-json.json");
    std::fs::write(&not_json, "this is not json\n").unwrap();
    let not_report = dir.join("not-report.json");
    std::fs::write(&not_report, r#"{"hello": "world"}"#).unwrap();
    let broken_report = dir.join("broken-report.json");
    std::fs::write(&broken_report, r#"{"format_version": 1, "cases": []}"#).unwrap();
    let future = dir.join("future.json");
    std::fs::write(&future, r#"{"format_version": 99}"#).unwrap();
    let missing = dir.join("does-not-exist.json");

    for (path, says) in [
        (&missing, "cannot read"),
        (&not_json, "is not JSON"),
        (&not_report, "is not an mcpspec report"),
        (&broken_report, "is not an mcpspec report"),
        (&future, "format_version 99"),
    ] {
        let out = mcpspec(&["render", path.to_str().unwrap(), "--format", "markdown"]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{path:?}: {}",
            stderr_line(&out)
        );
        let err = stderr_line(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("mcpspec: error: "), "{err}");
        assert!(err.contains(says), "{path:?}: {err}");
        assert!(out.stdout.is_empty());
    }

    // An unknown format is a clap usage error, also exit 2.
    let report = fixture_report();
    let out = mcpspec(&["render", report.to_str().unwrap(), "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_writes_every_format_it_is_asked_for() {
    let server = fixture_server();
    let dir = scratch("run");
    let (md, junit, sarif, html) = (
        dir.join("out/report.md"),
        dir.join("junit.xml"),
        dir.join("report.sarif"),
        dir.join("out/report.html"),
    );
    let out = mcpspec(&[
        "run",
        "--quiet",
        "--timeout-ms",
        "2000",
        "--out",
        dir.join("run").to_str().unwrap(),
        "--case",
        "ping",
        "--md",
        md.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--sarif",
        sarif.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--",
        server.to_str().unwrap(),
        "--bug",
        "ping-result-not-empty",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_line(&out));
    let md = std::fs::read_to_string(&md).expect("--md written");
    assert!(md.starts_with("## mcpspec: not conformant\n"), "{md}");
    assert!(md.contains("`PING-001`"), "{md}");
    let junit = std::fs::read_to_string(&junit).expect("--junit written");
    assert!(junit.contains(r#"classname="mcpspec.ping""#), "{junit}");
    assert!(junit.contains("<failure "), "{junit}");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("--sarif written")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["level"] == "error" && r["ruleId"].as_str().unwrap().starts_with("ping.")),
        "{sarif}"
    );
    // What `run` wrote is what `render` gives for the report.json of the same run.
    let report = dir.join("run/report.json");
    let rendered = stdout(&mcpspec(&[
        "render",
        report.to_str().unwrap(),
        "--format",
        "md",
    ]));
    assert_eq!(rendered, md);
    let html = std::fs::read_to_string(&html).expect("--html written");
    assert!(
        html.contains("id=\"case-ping.behavior.empty-result\" data-outcome=\"fail\""),
        "the failing ping case is on the page"
    );
    let rendered = stdout(&mcpspec(&[
        "render",
        report.to_str().unwrap(),
        "--format",
        "html",
    ]));
    assert_eq!(rendered, html);
    let _ = std::fs::remove_dir_all(&dir);
}
