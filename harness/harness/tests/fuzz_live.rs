//! The live fuzzer against the fixture server: with a fixed seed and a small budget it finds
//! bug knobs (crashes on malformed input, on invalid tool arguments and on batches, and two
//! knobs no scripted case targets: duplicated responses and a wrong `jsonrpc` version, caught by
//! the oracles), shrinks each to a few actions, finds nothing on the clean server, plays the
//! same sequences for the same seed, and writes case files that replay through the normal
//! runner: failing under the knob, passing on the clean server. Over Streamable HTTP the
//! transport-abuse actions find HTTP knobs (an ignored version header, an ended session still
//! served, a refused notification answered 200) as `http` steps that replay the same way, and
//! every such action passes on the clean fixture. Over stdio, actions whose listing is missing
//! play it first instead of being skipped.
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
    let f = reproducible(&search(&[knob]), knob, rule, 4);
    assert!(f.id.starts_with("found."), "{}", f.id);
    f
}

/// The reproducible finding of `rule` in a search under `knob`, shrunk to at most `most`
/// actions.
fn reproducible(out: &FuzzOutput, knob: &str, rule: &str, most: usize) -> Finding {
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
        f.actions.len() <= most,
        "{knob}: shrunk only to {} actions: {:?}",
        f.actions.len(),
        f.played.played
    );
    assert!(f.shrunk_from >= f.actions.len());
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

/// The fixture in HTTP mode with these knobs, on a free loopback port.
fn http_fixture(bugs: &[&str]) -> common::HttpServer {
    let fixture = common::fixture_path().display().to_string();
    let mut args = vec!["--http", "127.0.0.1:{port}"];
    for b in bugs {
        args.extend(["--bug", b]);
    }
    common::HttpServer::start(&fixture, &args, &[], "/mcp")
}

fn http_config(server: &common::HttpServer, cases: u32) -> FuzzConfig {
    let mut run = server.config();
    run.timeout_ms = 2000;
    let mut c = FuzzConfig::new(run);
    c.seed = SEED;
    c.cases = cases;
    c.max_steps = 8;
    c.time_budget = Duration::from_secs(20);
    c
}

fn search_http(bugs: &[&str]) -> FuzzOutput {
    let server = http_fixture(bugs);
    fuzz::fuzz(&http_config(&server, 30), &mut |_| {}).expect("the endpoint answers")
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

/// The skipped share of generated actions against the clean fixture over stdio: with actions
/// playing their missing listing first, almost nothing is left without something to act on
/// (measured 363 of 961, 37.8 %, when such actions were skipped; 0 of 961 now).
#[test]
fn actions_play_their_missing_listing_instead_of_being_skipped() {
    let out = search(&[]);
    let t = &out.stats.totals;
    let generated = t.actions + t.skipped;
    assert!(generated > 500, "{t:?}");
    assert!(
        t.skipped * 20 < generated,
        "{} of {generated} skipped",
        t.skipped
    );
}

/// A search over HTTP under one knob: its reproducible finding of `rule`, shrunk to at most
/// two actions, whose case file fails again under the knob and passes on the clean fixture.
fn found_over_http(knob: &str, rule: &str, cases: u32) -> Finding {
    let server = http_fixture(&[knob]);
    let out = fuzz::fuzz(&http_config(&server, cases), &mut |_| {}).expect("the endpoint answers");
    let f = reproducible(&out, knob, rule, 2);
    assert_eq!(f.case["requires"]["transport"], "http");
    let steps = f.case["steps"].as_array().expect("steps");
    assert!(steps.iter().any(|s| s.get("http").is_some()), "{steps:?}");

    // The case file replays through the normal runner, on a fresh server (nothing of the
    // search's sessions left): failing under the knob...
    let dir = TempDir::new(&format!("http-{knob}"));
    fuzz::write_cases(&dir.0, &out).expect("write the case files");
    drop(server);
    let file = dir.0.join(format!("{}.json", f.id));
    let server = http_fixture(&[knob]);
    let again = fuzz::replay(&server.config(), &file).expect("replay");
    assert!(again.still_fails(), "{knob}: {again:?}");
    let mut run = server.config();
    run.cases_dir = Some(dir.0.clone());
    let report = run_with(&run);
    let case = report
        .cases
        .iter()
        .find(|c| c.id == f.id)
        .expect("the found case ran");
    assert_eq!(case.outcome, Outcome::Fail, "{case:#?}");
    drop(server);
    // ...and passing on the clean fixture.
    let clean = http_fixture(&[]);
    let fixed = fuzz::replay(&clean.config(), &file).expect("replay");
    assert!(!fixed.still_fails(), "{knob}: {:?}", fixed.failures);
    f
}

fn run_with(run: &RunConfig) -> RunReport {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime
        .block_on(mcpspec_harness::run(run, &mut |_| {}))
        .expect("the found cases load and run")
        .report
}

#[test]
fn finds_an_unsupported_version_header_accepted_over_http() {
    let f = found_over_http(
        "http-version-header-ignored",
        "fuzz.http-version-header-400",
        30,
    );
    assert!(
        described(&f).contains("MCP-Protocol-Version"),
        "{}",
        described(&f)
    );
    assert_eq!(f.failure.requirements(), ["HTTP-027"]);
}

#[test]
fn finds_an_ended_session_still_served_over_http() {
    let f = found_over_http(
        "http-ended-session-served",
        "fuzz.http-ended-session-404",
        60,
    );
    assert!(described(&f).contains("DELETE"), "{}", described(&f));
    assert!(f.failure.message.contains("404"), "{}", f.failure.message);
}

#[test]
fn finds_a_refused_notification_answered_200_over_http() {
    let f = found_over_http(
        "http-rejected-notification-200",
        "fuzz.http-unanswered-202",
        30,
    );
    assert!(
        described(&f).contains("without answer"),
        "{}",
        described(&f)
    );
}

#[test]
fn clean_fixture_over_http_gives_no_failure() {
    let server = http_fixture(&[]);
    let out = fuzz::fuzz(&http_config(&server, 60), &mut |_| {}).expect("the endpoint answers");
    let listing: Vec<String> = out
        .findings
        .iter()
        .map(|f| format!("{}: {} ({})", f.id, f.failure.message, described(f)))
        .collect();
    assert!(listing.is_empty(), "{listing:#?}");
    let http_soft: Vec<&str> = out
        .soft
        .iter()
        .filter(|s| s.first.key.starts_with("http:"))
        .map(|s| s.first.message.as_str())
        .collect();
    assert!(http_soft.is_empty(), "{http_soft:#?}");
    assert_eq!(out.stats.cases, 60, "the whole case count ran");
}

#[test]
fn every_http_abuse_passes_on_the_clean_fixture() {
    use fuzz::action::Action;
    use fuzz::http_abuse::*;
    let mut actions: Vec<Action> = vec![
        HttpAbuse::Version(VersionPick::Unsupported("1999-01-01".into())),
        HttpAbuse::Version(VersionPick::Empty),
        HttpAbuse::Version(VersionPick::Missing),
        HttpAbuse::Version(VersionPick::Other("2025-03-26".into())),
        HttpAbuse::Session(SessionPick::Unknown(7)),
        HttpAbuse::Session(SessionPick::Missing),
        HttpAbuse::Get(GetPick::Stream),
        HttpAbuse::Get(GetPick::JsonAccept),
    ]
    .into_iter()
    .chain(MalformedId::ALL.map(|m| HttpAbuse::Session(SessionPick::Malformed(m))))
    .chain(AcceptPick::ALL.map(HttpAbuse::Accept))
    .chain(ContentTypePick::ALL.map(HttpAbuse::ContentType))
    .chain(Unanswered::ALL.map(HttpAbuse::Unanswered))
    .chain(NotJson::ALL.map(HttpAbuse::NotJson))
    .chain([HttpAbuse::Delete])
    .map(Action::Http)
    .collect();
    // After the DELETE the session is gone: a later action must get 404.
    actions.push(Action::Ping);
    let server = http_fixture(&[]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let played = runtime
        .block_on(fuzz::play::play(&server.config(), &actions, None))
        .expect("the endpoint answers");
    assert!(played.failure.is_none(), "{:#?}", played.failure);
    let soft: Vec<&str> = played.soft.iter().map(|s| s.message.as_str()).collect();
    assert!(soft.is_empty(), "{soft:#?}");
    assert_eq!(played.played.len(), actions.len(), "{:#?}", played.played);
    let last = &played.played.last().expect("played").1;
    assert!(last.contains("ended session"), "{last}");
    let http_steps = played.steps.iter().filter(|s| s.get("http").is_some());
    assert_eq!(
        http_steps.count(),
        actions.len() + 1,
        "the DELETE adds its 404 probe"
    );
}

#[test]
fn the_same_seed_plays_the_same_http_search() {
    let ids = |knob: &str| -> Vec<String> {
        let server = http_fixture(&[knob]);
        let out = fuzz::fuzz(&http_config(&server, 30), &mut |_| {}).expect("the endpoint answers");
        out.findings.into_iter().map(|f| f.id).collect()
    };
    let a = ids("http-version-header-ignored");
    assert!(!a.is_empty());
    assert_eq!(a, ids("http-version-header-ignored"));
}
