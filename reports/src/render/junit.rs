//! The JUnit XML report, for CI systems that show test results: one `<testsuite>` per area (the
//! first segment of a case ID), one `<testcase>` per case. Built with `quick-junit`; not a parser
//! of JUnit files.
//!
//! The mapping:
//!
//! | outcome | JUnit |
//! | --- | --- |
//! | `pass` | passed |
//! | `informational`, `non-strict` | passed, with the findings in `<system-out>` |
//! | `not-applicable`, `untestable` | `<skipped>` with the reason |
//! | `fail` | `<failure>`: the first finding as message, every finding in the body |
//! | `harness-error` | `<error>`: the reason as message |
//!
//! Every case carries the properties `outcome`, `level`, `requirements` and `spec_url`. Times come
//! from the report (`started_at`, `duration_ms`), so the output depends only on the report.
//! Server text is written with control characters shown escaped, as in the text summary.

use std::fmt::Write as _;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::common::{self, by_area, excerpt, finding_text};
use super::text::clean;
use crate::{CaseResult, Outcome, RunReport};

/// Renders the report as a JUnit XML document (UTF-8, with an XML declaration).
pub fn render(report: &RunReport) -> String {
    let mut doc = Report::new(run_name(report));
    if let Ok(started) = chrono::DateTime::parse_from_rfc3339(&report.started_at) {
        doc.set_timestamp(started);
    }
    doc.set_time(Duration::from_millis(report.duration_ms));
    for (area, cases) in by_area(report) {
        let mut suite = TestSuite::new(clean(area));
        let total: u64 = cases.iter().map(|c| c.duration_ms).sum();
        suite.set_time(Duration::from_millis(total));
        suite.add_test_cases(cases.iter().map(|c| test_case(report, area, c)));
        doc.add_test_suite(suite);
    }
    match doc.to_string() {
        Ok(xml) => xml,
        // Serialising into memory has no I/O to fail, and every string is valid UTF-8.
        Err(e) => unreachable!("quick-junit could not serialise a report in memory: {e}"),
    }
}

/// `mcpspec` followed by the server's name and version, when it sent them.
fn run_name(report: &RunReport) -> String {
    match common::server(report) {
        Some((name, version)) => format!("mcpspec {} {}", clean(&name), clean(&version)),
        None => "mcpspec".to_string(),
    }
}

fn test_case(report: &RunReport, area: &str, case: &CaseResult) -> TestCase {
    let baselined = report
        .baselined(&case.id)
        .filter(|_| matches!(case.outcome, Outcome::Fail | Outcome::HarnessError));
    let status = match case.outcome {
        // A failure the baseline expects does not fail the run, so CI must not see a failure.
        _ if baselined.is_some() => {
            let mut s = TestCaseStatus::skipped();
            s.set_type("expected-failure");
            s.set_message(clean(&format!(
                "expected failure (baselined: {})",
                baselined.unwrap_or_default()
            )));
            s.set_description(body(case));
            s
        }
        Outcome::Pass | Outcome::Informational | Outcome::NonStrict => TestCaseStatus::success(),
        Outcome::NotApplicable | Outcome::Untestable => {
            let mut s = TestCaseStatus::skipped();
            s.set_type(case.outcome.as_str());
            s.set_message(clean(
                case.reason.as_deref().unwrap_or("no reason given").trim(),
            ));
            s
        }
        Outcome::Fail | Outcome::HarnessError => {
            let kind = if case.outcome == Outcome::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut s = TestCaseStatus::non_success(kind);
            s.set_type(case.outcome.as_str());
            s.set_message(clean(common::headline(case)));
            s.set_description(body(case));
            s
        }
    };
    let mut tc = TestCase::new(clean(&case.id), status);
    tc.set_classname(format!("mcpspec.{}", clean(area)));
    tc.set_time(Duration::from_millis(case.duration_ms));
    tc.add_properties([
        Property::new("outcome", case.outcome.as_str()),
        Property::new("level", case.level.as_str()),
        Property::new("requirements", clean(&case.requirements.join(","))),
        Property::new("spec_url", clean(&case.spec.url)),
    ]);
    let out = system_out(case);
    if !out.is_empty() {
        tc.set_system_out(out);
    }
    tc
}

/// The body of a `<failure>` or `<error>`: the requirement, the reason and every finding.
fn body(case: &CaseResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} [{}]",
        clean(&case.spec.statement),
        common::tag(case)
    );
    let _ = writeln!(out, "spec: {}", clean(&case.spec.url));
    let _ = writeln!(out, "expectation: {}", clean(&case.expectation));
    if let Some(reason) = &case.reason {
        let _ = writeln!(out, "reason: {}", clean(reason));
    }
    for f in &case.findings {
        out.push_str(&finding_text(f, ""));
    }
    out
}

/// `<system-out>` of a case: the findings of a passed case (`informational`, `non-strict`) and the
/// transcript excerpt of any case that has problems; empty otherwise.
fn system_out(case: &CaseResult) -> String {
    let mut out = String::new();
    if matches!(case.outcome, Outcome::Informational | Outcome::NonStrict) {
        let _ = writeln!(
            out,
            "{}: {} [{}]",
            case.outcome,
            clean(&case.spec.statement),
            common::tag(case)
        );
        if let Some(reason) = &case.reason {
            let _ = writeln!(out, "reason: {}", clean(reason));
        }
        for f in &case.findings {
            out.push_str(&finding_text(f, ""));
        }
    }
    if matches!(
        case.outcome,
        Outcome::Informational | Outcome::NonStrict | Outcome::Fail | Outcome::HarnessError
    ) {
        let lines = excerpt(case);
        if !lines.is_empty() {
            let _ = writeln!(out, "transcript excerpt:");
            for l in lines {
                let _ = writeln!(out, "  {l}");
            }
        }
    }
    out
}
