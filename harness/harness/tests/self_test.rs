//! The case self-test: every case and oracle passes on the clean fixture server and turns
//! fail / non-strict under the bug knob its `self_test` names; and every case file lints.

mod common;

use std::collections::BTreeMap;

use mcpspec_harness::case::model::{Case, SelfTest, SessionKind, TransportReq};
use mcpspec_harness::oracles::ORACLES;
use mcpspec_harness::select::Selector;
use mcpspec_harness::{RunConfig, Target};
use mcpspec_report::{Level, Outcome, RunReport};

fn all_cases() -> Vec<Case> {
    let loaded = mcpspec_harness::case::embedded_cases().unwrap_or_else(|errors| {
        panic!(
            "case files do not load:\n{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    loaded.into_iter().map(|l| l.case).collect()
}

/// The bearer token of the protected fixture server.
const TOKEN: &str = "mcpspec-self-test-token";

/// Runs `cases` under `bugs`: cases for either transport over stdio, HTTP-only cases against
/// the fixture's HTTP mode protected by a bearer token (so the authorization cases apply and
/// every other HTTP case shows it works with credentials too). The two reports are merged.
async fn run(cases: &[Case], bugs: &[&str]) -> RunReport {
    let (http, other): (Vec<Case>, Vec<Case>) = cases
        .iter()
        .cloned()
        .partition(|c| c.requires.transport == TransportReq::Http);
    let mut report = run_with(&common::fixture_config(bugs), &other).await;
    if !http.is_empty() {
        let extra = run_http(&http, bugs, true).await;
        report.cases.extend(extra.cases);
    }
    report
}

async fn run_with(config: &RunConfig, cases: &[Case]) -> RunReport {
    let selector = Selector::default();
    mcpspec_harness::runner::run_cases(config, cases, &selector, &mut |_| {})
        .await
        .expect("run against the fixture server")
        .report
}

/// Runs `cases` against the fixture's HTTP mode, protected by [`TOKEN`] or open.
async fn run_http(cases: &[Case], bugs: &[&str], protected: bool) -> RunReport {
    let fixture = common::fixture_path().to_string_lossy().into_owned();
    let mut args = vec!["--http", "127.0.0.1:{port}"];
    if protected {
        args.extend(["--require-bearer", TOKEN]);
    }
    for b in bugs {
        args.extend(["--bug", b]);
    }
    let server = common::HttpServer::start(&fixture, &args, &[], "/mcp");
    let mut config = server.config();
    if protected && let Target::Http(spec) = &mut config.target {
        spec.headers
            .push(("Authorization".into(), format!("Bearer {TOKEN}")));
    }
    run_with(&config, cases).await
}

#[test]
fn case_files_lint_clean_with_known_knobs() {
    let loaded = mcpspec_harness::case::embedded_cases().expect("cases load");
    assert!(
        loaded.len() >= 40,
        "expected at least 40 cases, found {}",
        loaded.len()
    );
    let knobs = common::fixture_knobs();
    let problems = mcpspec_harness::case::lint(&loaded, Some(&knobs));
    assert!(
        problems.is_empty(),
        "lint problems:\n{}",
        problems
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    for o in ORACLES {
        assert!(
            o.level == Level::May || knobs.iter().any(|k| k == o.knob),
            "{} names unknown knob {:?}",
            o.id,
            o.knob
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_fixture_passes_everything() {
    let cases = all_cases();
    let mut report = run(&cases, &[]).await;
    // The HTTP-only cases once more against an open server: all but the authorization cases
    // (not applicable without credentials) must pass there too.
    let http: Vec<Case> = cases
        .iter()
        .filter(|c| c.requires.transport == TransportReq::Http && !c.requires.authorization)
        .cloned()
        .collect();
    let open = run_http(&http, &[], false).await;
    report.cases.extend(open.cases.into_iter().map(|mut c| {
        c.id = format!("{} (open server)", c.id);
        c
    }));
    let bad: Vec<String> = report
        .cases
        .iter()
        .filter(|c| {
            c.outcome != Outcome::Pass
                && !(c.level == Level::May && c.outcome == Outcome::Informational)
        })
        .map(|c| {
            format!(
                "{} -> {} {:?} {:?}",
                c.id,
                c.outcome,
                c.reason,
                c.findings.first().map(|f| &f.message)
            )
        })
        .collect();
    assert!(
        bad.is_empty(),
        "not passing on the clean fixture:\n{}",
        bad.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_breaks_under_its_knob() {
    let cases = all_cases();
    let mut by_knob: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    for c in &cases {
        if let SelfTest::BreaksWith(knob) = &c.self_test {
            by_knob.entry(knob.clone()).or_default().push(c.clone());
        }
    }
    let mut failures = Vec::new();
    let mut set = tokio::task::JoinSet::new();
    let knobs: Vec<(String, Vec<Case>)> = by_knob.into_iter().collect();
    let mut pending = knobs.into_iter();
    let mut running = 0;
    loop {
        while running < 3 {
            let Some((knob, group)) = pending.next() else {
                break;
            };
            set.spawn(async move {
                let report = run(&group, &[&knob]).await;
                (knob, group, report)
            });
            running += 1;
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        running -= 1;
        let (knob, group, report) = joined.expect("task");
        for c in &group {
            let got = report
                .cases
                .iter()
                .find(|r| r.id == c.id)
                .map(|r| r.outcome);
            let ok = match c.level {
                Level::Must => matches!(got, Some(Outcome::Fail | Outcome::NonStrict)),
                Level::Should => got == Some(Outcome::NonStrict),
                Level::May => got == Some(Outcome::Informational),
            };
            if !ok {
                failures.push(format!("{} under --bug {knob}: {:?}", c.id, got));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "cases that did not break under their knob:\n{}",
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_oracle_trips_under_its_knob() {
    // The oracles watch the traffic of the shared-session cases, which provoke errors, ids and
    // notifications enough for each knob to show.
    let shared: Vec<Case> = all_cases()
        .into_iter()
        .filter(|c| c.session == SessionKind::Shared)
        .collect();
    assert!(!shared.is_empty());
    let mut failures = Vec::new();
    for o in ORACLES.iter().filter(|o| !o.knob.is_empty()) {
        let report = if o.transport == TransportReq::Http {
            // HTTP-only oracles watch the HTTP traffic of the same cases.
            let over_http: Vec<Case> = shared
                .iter()
                .filter(|c| c.requires.transport != TransportReq::Stdio)
                .cloned()
                .collect();
            run_http(&over_http, &[o.knob], true).await
        } else {
            run(&shared, &[o.knob]).await
        };
        let got = report
            .cases
            .iter()
            .find(|r| r.id == o.id)
            .map(|r| r.outcome);
        let want = if o.level == Level::Must {
            Outcome::Fail
        } else {
            Outcome::NonStrict
        };
        if got != Some(want) {
            failures.push(format!("{} under --bug {}: {:?}", o.id, o.knob, got));
        }
    }
    assert!(
        failures.is_empty(),
        "oracles that did not trip:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_probe_is_documented_in_the_case_manual() {
    let manual = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../cases/README.md"
    ))
    .expect("cases/README.md");
    let missing: Vec<&str> = mcpspec_harness::probes::all()
        .map(|p| p.name)
        .filter(|name| !manual.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "probes not listed in cases/README.md: {missing:?}"
    );
}
