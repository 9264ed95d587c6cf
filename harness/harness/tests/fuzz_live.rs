//! The live fuzzer against the fixture server: with a fixed seed and a small budget it finds
//! bug knobs (crashes on malformed input, on invalid tool arguments and on batches, and two
//! knobs no scripted case targets: duplicated responses and a wrong `jsonrpc` version, caught by
//! the oracles), shrinks each to a few actions, finds nothing on the clean server, plays the
//! same sequences for the same seed, and writes case files that replay through the normal
//! runner: failing under the knob, passing on the clean server.
//!
//! Not a test of the oracles themselves (the self-test does that) and not a benchmark.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use mcpspec_harness::RunConfig;
use mcpspec_harness::fuzz::{self, Finding, FuzzConfig, FuzzOutput};
use mcpspec_report::{Outcome, RunReport};

/// The seed of every search here.
const SEED: u64 = 7;

fn config(bugs: &[&str]) -> FuzzConfig {
    let mut run = common::fixture_config(bugs);
    run.timeout_ms = 2000;
    let mut c = FuzzConfig::new(run);
    c.seed = SEED;
    c.cases = 150;
    c.max_steps = 12;
    c.time_budget = Duration::from_secs(20);
    c
}

fn search(bugs: &[&str]) -> FuzzOutput {
    fuzz::fuzz(&config(bugs), &mut |_| {}).expect("the fixture server starts")
}

/// The single reproducible finding of a search under one knob, checked for its rule and size.
fn found(knob: &str, rule: &str) -> Finding {
    let out = search(&[knob]);
    let listing: Vec<String> = out
        .findings
        .iter()
        .map(|f| format!("{} ({})", f.id, f.failure.message))
        .collect();
    let f = out
        .findings
        .iter()
        .find(|f| f.failure.rule.id == rule && f.reproduced)
        .unwrap_or_else(|| panic!("{knob}: no reproducible {rule} finding in {listing:?}"))
        .clone();
    assert!(
        f.actions.len() <= 4,
        "{knob}: shrunk only to {} actions: {:?}",
        f.actions.len(),
        f.played.played
    );
    assert!(f.shrunk_from >= f.actions.len());
    assert!(f.id.starts_with("found."), "{}", f.id);
    f
}

fn described(f: &Finding) -> String {
    f.played
        .played
        .iter()
        .map(|(_, d)| d.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn finds_a_crash_on_malformed_input() {
    let f = found("crash-on-parse-error", "fuzz.server-survives");
    let seq = described(&f);
    assert!(
        seq.contains("malformed line") || seq.contains("nested"),
        "{seq}"
    );
    assert!(f.failure.actual.contains("exit"), "{}", f.failure.actual);
}

#[test]
fn finds_a_crash_on_invalid_tool_arguments() {
    let f = found("tools-crash-on-invalid-args", "fuzz.server-survives");
    let seq = described(&f);
    assert!(
        seq.contains("tools/list") && seq.contains("tools/call"),
        "{seq}"
    );
}

#[test]
fn finds_a_crash_on_a_batch() {
    let f = found("crash-on-batch", "fuzz.server-survives");
    assert!(described(&f).contains("batch"), "{}", described(&f));
}

#[test]
fn finds_duplicated_responses_through_the_oracle() {
    // No scripted case targets this knob: only the oracle sees it.
    let f = found("duplicate-responses", "oracle.one-response-per-request");
    assert!(f.failure.message.contains("second response"));
}

#[test]
fn finds_a_wrong_jsonrpc_version_through_the_oracle() {
    // No scripted case targets this knob either.
    let f = found("wrong-jsonrpc-version", "oracle.jsonrpc-envelope");
    assert!(f.failure.message.contains("2.0"), "{}", f.failure.message);
}

#[test]
fn clean_fixture_gives_no_finding() {
    let out = search(&[]);
    let listing: Vec<String> = out
        .findings
        .iter()
        .map(|f| format!("{}: {} ({})", f.id, f.failure.message, described(f)))
        .collect();
    assert!(listing.is_empty(), "{listing:#?}");
    let soft: Vec<&str> = out.soft.iter().map(|s| s.first.message.as_str()).collect();
    assert!(soft.is_empty(), "{soft:#?}");
    assert_eq!(out.stats.cases, 150, "the whole case count ran");
    assert!(out.stats.totals.actions > 150, "{:?}", out.stats.totals);
    let report = fuzz::report::build(&config(&[]), &out, "now".into()).report;
    assert_eq!(report.worst(), Some(Outcome::Pass));
}

#[test]
fn the_same_seed_plays_the_same_search() {
    let ids = |out: FuzzOutput| -> Vec<String> { out.findings.into_iter().map(|f| f.id).collect() };
    let a = ids(search(&["crash-on-parse-error"]));
    assert!(!a.is_empty());
    assert_eq!(a, ids(search(&["crash-on-parse-error"])));
}

/// A fresh directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("mcpspec-fuzz-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run_dir(bugs: &[&str], dir: &std::path::Path) -> RunReport {
    let mut run: RunConfig = common::fixture_config(bugs);
    run.cases_dir = Some(dir.to_path_buf());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime
        .block_on(mcpspec_harness::run(&run, &mut |_| {}))
        .expect("the found cases load and run")
        .report
}

#[test]
fn found_cases_replay_through_the_runner() {
    let knob = "tools-crash-on-invalid-args";
    let out = search(&[knob]);
    let dir = TempDir::new("replay");
    let written = fuzz::write_cases(&dir.0, &out).expect("write the case files");
    assert_eq!(written.len(), out.findings.len());
    let f = &out.findings[0];

    let broken = run_dir(&[knob], &dir.0);
    let case = broken
        .cases
        .iter()
        .find(|c| c.id == f.id)
        .expect("the found case ran");
    assert_eq!(case.outcome, Outcome::Fail, "{case:#?}");
    let clean = run_dir(&[], &dir.0);
    let failing: Vec<&str> = clean
        .cases
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .map(|c| c.id.as_str())
        .collect();
    assert!(failing.is_empty(), "{failing:?}");

    let file = dir.0.join(format!("{}.json", f.id));
    let again = fuzz::replay(&common::fixture_config(&[knob]), &file).expect("replay");
    assert!(again.still_fails(), "{again:?}");
    let fixed = fuzz::replay(&common::fixture_config(&[]), &file).expect("replay");
    assert!(!fixed.still_fails(), "{:?}", fixed.failures);
}

#[test]
fn oracle_findings_replay_as_oracle_failures_of_the_case() {
    let knob = "duplicate-responses";
    let out = search(&[knob]);
    let dir = TempDir::new("oracle");
    fuzz::write_cases(&dir.0, &out).expect("write the case files");
    let f = &out.findings[0];
    let report = run_dir(&[knob], &dir.0);
    let oracle = report
        .cases
        .iter()
        .find(|c| c.id == "oracle.one-response-per-request")
        .expect("the oracle ran");
    assert_eq!(oracle.outcome, Outcome::Fail);
    assert!(
        oracle
            .findings
            .iter()
            .any(|x| x.observed_in.as_deref() == Some(f.id.as_str())),
        "{:#?}",
        oracle.findings
    );
    let file = dir.0.join(format!("{}.json", f.id));
    let fixed = fuzz::replay(&common::fixture_config(&[]), &file).expect("replay");
    assert!(!fixed.still_fails(), "{:?}", fixed.failures);
}

fn search_http(bugs: &[&str]) -> FuzzOutput {
    let fixture = common::fixture_path().display().to_string();
    let mut args = vec!["--http", "127.0.0.1:{port}"];
    for b in bugs {
        args.extend(["--bug", b]);
    }
    let server = common::HttpServer::start(&fixture, &args, &[], "/mcp");
    let mut run = server.config();
    run.timeout_ms = 2000;
    let mut c = FuzzConfig::new(run);
    c.seed = SEED;
    c.cases = 30;
    c.max_steps = 8;
    c.time_budget = Duration::from_secs(15);
    fuzz::fuzz(&c, &mut |_| {}).expect("the endpoint answers")
}

#[test]
fn fuzzes_over_streamable_http_too() {
    // Over HTTP the duplicate of each answer travels on the GET stream, where an oracle of
    // the HTTP transport catches it.
    let out = search_http(&["duplicate-responses"]);
    let ids: Vec<&str> = out.findings.iter().map(|f| f.id.as_str()).collect();
    assert!(
        out.findings
            .iter()
            .any(|f| f.reproduced && f.failure.rule.id.starts_with("oracle.")),
        "{ids:?}"
    );
    let clean = search_http(&[]);
    let ids: Vec<&str> = clean.findings.iter().map(|f| f.id.as_str()).collect();
    assert!(ids.is_empty(), "{ids:?}");
}
