//! Baselines and comparisons as a user meets them: `mcpspec run --baseline` against the reference
//! server under a bug knob (exit 1 without the baseline, 0 with it, 6 with a stale entry),
//! `mcpspec baseline write` round trips, one-line errors for bad baseline files, and
//! `mcpspec compare` over saved reports. Not the matching rules (the report crate tests those).

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{fixture_server, mcpspec};

use serde_json::{Value, json};

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    common::scratch(&format!("baseline-{test}"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs the ping cases against the reference server, under `bug` if given, writing the report
/// to `out/report.json`.
fn run_ping(out: &Path, baseline: Option<&Path>, bug: Option<&str>) -> Output {
    let server = fixture_server();
    let mut args: Vec<String> = ["run", "--timeout-ms", "2000", "--case", "ping", "--out"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(out.to_str().unwrap().into());
    if let Some(b) = baseline {
        args.push("--baseline".into());
        args.push(b.to_str().unwrap().into());
    }
    args.push("--".into());
    args.push(server.to_str().unwrap().into());
    if let Some(bug) = bug {
        args.push("--bug".into());
        args.push(bug.into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    mcpspec(&args)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn case_ids(report: &Value, outcome: &str) -> Vec<String> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == outcome)
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn baseline_accepts_known_failures_and_flags_stale_entries() {
    let dir = scratch("run");
    const BUG: &str = "ping-result-not-empty";

    // Without a baseline the knob fails the run.
    let out = run_ping(&dir.join("plain"), None, Some(BUG));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let report_path = dir.join("plain/report.json");
    let report = read_json(&report_path);
    let failing = case_ids(&report, "fail");
    assert!(
        failing.contains(&"ping.behavior.empty-result".to_string()),
        "{failing:?}"
    );
    let passing = case_ids(&report, "pass");
    assert!(!passing.is_empty());

    // `baseline write` lists every failure; used as --baseline, the same run exits 0.
    let written = dir.join("written.json");
    let out = mcpspec(&[
        "baseline",
        "write",
        report_path.to_str().unwrap(),
        "-o",
        written.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let baseline = read_json(&written);
    let listed: Vec<&str> = baseline["expected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["case"].as_str().unwrap())
        .collect();
    assert_eq!(listed, failing, "one entry per failing case");
    assert!(
        baseline["expected"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["reason"].as_str().unwrap().starts_with("accepted: "))
    );
    // Printed to standard output without -o, byte for byte the same.
    let printed = mcpspec(&["baseline", "write", report_path.to_str().unwrap()]);
    assert_eq!(printed.stdout, std::fs::read(&written).unwrap());

    let out = run_ping(&dir.join("accepted"), Some(&written), Some(BUG));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", stderr(&out));
    assert!(
        text.contains("expected failure (baselined: accepted: "),
        "{text}"
    );
    let report = read_json(&dir.join("accepted/report.json"));
    let expected: Vec<&str> = report["baseline"]["expected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["case"].as_str().unwrap())
        .collect();
    assert_eq!(expected, failing);
    assert_eq!(report["baseline"]["file"], written.to_str().unwrap());
    assert_eq!(
        report["summary"]["totals"]["fail"],
        failing.len(),
        "totals are unchanged"
    );

    // Listing a case that passes as well makes the baseline stale: exit 6.
    let mut stale = baseline.clone();
    stale["expected"].as_array_mut().unwrap().push(json!({
        "case": passing[0],
        "reason": "was broken once"
    }));
    let stale_path = dir.join("stale.json");
    std::fs::write(&stale_path, serde_json::to_string_pretty(&stale).unwrap()).unwrap();
    let out = run_ping(&dir.join("stale"), Some(&stale_path), Some(BUG));
    assert_eq!(out.status.code(), Some(6), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("stale baseline entry"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(&passing[0]), "{}", stderr(&out));
    let report = read_json(&dir.join("stale/report.json"));
    assert_eq!(report["baseline"]["stale"][0]["pattern"], passing[0]);

    // Once the bug is fixed, the written baseline is stale as a whole.
    let out = run_ping(&dir.join("fixed"), Some(&written), None);
    assert_eq!(out.status.code(), Some(6), "{}", stdout(&out));

    // An entry for cases that did not run only warns.
    let mut unused = baseline.clone();
    unused["expected"].as_array_mut().unwrap().push(json!({
        "case": "tools.call.*",
        "reason": "tools are not selected here"
    }));
    let unused_path = dir.join("unused.json");
    std::fs::write(&unused_path, serde_json::to_string(&unused).unwrap()).unwrap();
    let out = run_ping(&dir.join("unused"), Some(&unused_path), Some(BUG));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stderr(&out).contains("warning"), "{}", stderr(&out));
    assert!(stderr(&out).contains("tools.call.*"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_baseline_files_are_one_line_usage_errors() {
    let dir = scratch("bad");
    let server = fixture_server();
    let cases: [(&str, &str, &[&str]); 4] = [
        (
            "empty-reason.json",
            "{\n  \"format_version\": 1,\n  \"expected\": [\n    {\"case\": \"ping\", \"reason\": \"\"}\n  ]\n}\n",
            &[":4:", "expected[0].reason", "reason is empty"],
        ),
        (
            "typo.json",
            "{\"format_version\": 1,\n\"expected\": [{\"case\": \"ping\", \"reson\": \"x\"}]}",
            &[":2:", "expected[0].reson", "unknown field"],
        ),
        (
            "not-json.json",
            "format_version = 1\n",
            &[":1:", "JSON object"],
        ),
        (
            "bad-outcome.json",
            "{\"format_version\": 1, \"expected\": [{\"case\": \"ping\", \"reason\": \"x\", \"outcomes\": [\"pass\"]}]}",
            &[":1:", "expected[0].outcomes", "cannot be expected"],
        ),
    ];
    for (name, text, needles) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out = mcpspec(&[
            "run",
            "--baseline",
            path.to_str().unwrap(),
            "--",
            server.to_str().unwrap(),
        ]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.contains(name), "{name}: the file is named: {err}");
        for n in needles {
            assert!(err.contains(n), "{name}: {n:?} in {err}");
        }
    }
    let out = mcpspec(&[
        "run",
        "--baseline",
        dir.join("missing.json").to_str().unwrap(),
        "--",
        server.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).lines().count(), 1);
    let out = mcpspec(&["baseline", "write", dir.join("typo.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "a baseline is not a report");
    assert_eq!(stderr(&out).lines().count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

fn compare_fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../reports/tests/fixtures/compare")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

#[test]
fn compare_renders_saved_reports() {
    let dir = scratch("compare");
    let old = compare_fixture("fixture-0.1.json");
    let new = compare_fixture("fixture-0.2.json");
    let other = compare_fixture("other.json");

    let out = mcpspec(&["compare", &old, &new]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = stdout(&out);
    assert!(
        md.starts_with("## mcpspec comparison: 2 reports, 8 cases\n"),
        "{md}"
    );
    assert!(
        md.contains("| `ping.behavior.empty-result` | ✗ | ✓ |"),
        "{md}"
    );
    assert!(md.contains("### Changes from"), "{md}");
    assert!(
        md.contains("| `ping.behavior.empty-result` | fail | pass |"),
        "{md}"
    );

    let html = dir.join("cmp.html");
    let out = mcpspec(&[
        "compare",
        &old,
        &new,
        &other,
        "--format",
        "html",
        "-o",
        html.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(
        !page.contains("Changes from"),
        "no diff across three servers"
    );
    assert!(page.contains("other&lt;b&gt;"), "server names are escaped");

    // Fewer than two reports, or a file that is not a report: one-line usage errors.
    let out = mcpspec(&["compare", &old]);
    assert_eq!(out.status.code(), Some(2));
    let not_report = dir.join("x.json");
    std::fs::write(&not_report, "{}").unwrap();
    let out = mcpspec(&["compare", &old, not_report.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("x.json"));
    let _ = std::fs::remove_dir_all(&dir);
}
