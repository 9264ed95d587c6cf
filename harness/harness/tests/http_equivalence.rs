//! The same cases give the same verdicts over stdio and over Streamable HTTP against the fixture
//! server: clean, and under each knob for the cases that knob breaks. Cases that apply to one
//! transport only (stdio framing) are left out of the comparison.

mod common;

use std::collections::BTreeMap;

use mcpspec_harness::RunConfig;
use mcpspec_harness::case::model::{Case, SelfTest, TransportReq};
use mcpspec_harness::select::Selector;
use mcpspec_report::{Outcome, RunReport};

/// The cases that apply to both transports.
fn shared_cases() -> Vec<Case> {
    mcpspec_harness::case::embedded_cases()
        .expect("cases load")
        .into_iter()
        .map(|l| l.case)
        .filter(|c| c.requires.transport == TransportReq::Any)
        .collect()
}

async fn run(config: &RunConfig, cases: &[Case]) -> RunReport {
    mcpspec_harness::runner::run_cases(config, cases, &Selector::default(), &mut |_| {})
        .await
        .expect("run against the fixture server")
        .report
}

fn http_fixture(bugs: &[&str]) -> common::HttpServer {
    let fixture = common::fixture_path().display().to_string();
    let mut args = vec!["--http", "127.0.0.1:{port}"];
    for b in bugs {
        args.extend(["--bug", b]);
    }
    common::HttpServer::start(&fixture, &args, &[], "/mcp")
}

/// Runs `cases` under `bugs` over both transports; one line per case whose outcomes differ.
async fn differences(cases: &[Case], bugs: &[&str]) -> Vec<String> {
    let over_stdio = run(&common::fixture_config(bugs), cases).await;
    let server = http_fixture(bugs);
    let mut config = server.config();
    config.timeout_ms = 2000;
    let over_http = run(&config, cases).await;
    let outcome = |r: &RunReport, id: &str| -> Option<Outcome> {
        r.cases.iter().find(|c| c.id == id).map(|c| c.outcome)
    };
    cases
        .iter()
        .filter_map(|c| {
            let (a, b) = (outcome(&over_stdio, &c.id), outcome(&over_http, &c.id));
            (a != b).then(|| format!("{} {bugs:?}: stdio {a:?}, http {b:?}", c.id))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_fixture_same_verdicts_over_both_transports() {
    let cases = shared_cases();
    assert!(
        cases.len() > 100,
        "only {} cases apply to both",
        cases.len()
    );
    let diff = differences(&cases, &[]).await;
    assert!(diff.is_empty(), "verdicts differ:\n{}", diff.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_knob_same_verdicts_over_both_transports() {
    let mut by_knob: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    for c in shared_cases() {
        if let SelfTest::BreaksWith(knob) = &c.self_test {
            // HTTP-only knobs have no stdio counterpart.
            if knob.starts_with("http-") || knob.starts_with("auth-") {
                continue;
            }
            by_knob.entry(knob.clone()).or_default().push(c.clone());
        }
    }
    let mut diff = Vec::new();
    for (knob, group) in &by_knob {
        diff.extend(differences(group, &[knob]).await);
    }
    assert!(diff.is_empty(), "verdicts differ:\n{}", diff.join("\n"));
}
