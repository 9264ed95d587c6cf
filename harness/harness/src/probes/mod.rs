//! Probes: named Rust procedures that case files call (`{"probe": {"name": ...}}`) for what the
//! step vocabulary cannot say.
//!
//! Adding a probe: write an async function `fn(&mut Session, &Value) -> ProbeResult` in the
//! module of its area (`stdio.rs`, `tools/`, `lists/` for resources, prompts, completion and
//! pagination, `flow/` for logging, progress, cancellation and server requests), wrap it with
//! `Box::pin`, and add one [`ProbeDef`] line to that module's `PROBES` slice with a one-line doc;
//! `cases/README.md` lists every probe. The loader rejects unknown probe names. Not
//! here: oracles (they watch every message; probes run only when a case asks).

pub mod flow;
pub mod http;
pub mod lists;
pub mod stdio;
pub mod tools;

use std::future::Future;
use std::pin::Pin;

use mcpspec_report::Finding;
use serde_json::Value;

use crate::case::model::Verdict;
use crate::session::Session;

/// What a probe found.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    /// The worst verdict, before grading by the case level.
    pub verdict: Verdict,
    /// Findings (empty when the verdict is pass).
    pub findings: Vec<Finding>,
    /// Set when the probe found nothing to exercise (the case becomes `untestable`).
    pub untestable: Option<String>,
}

impl ProbeResult {
    /// A passing result.
    pub fn pass() -> Self {
        ProbeResult {
            verdict: Verdict::Pass,
            findings: Vec::new(),
            untestable: None,
        }
    }

    /// A failing result with one finding.
    pub fn fail(message: String, expected: &str, actual: String) -> Self {
        let mut r = ProbeResult::pass();
        r.add(Verdict::Fail, message, expected, actual);
        r
    }

    /// Nothing to exercise: the case is reported `untestable` with this reason.
    pub fn untestable(reason: impl Into<String>) -> Self {
        ProbeResult {
            untestable: Some(reason.into()),
            ..ProbeResult::pass()
        }
    }

    /// Records one finding with its verdict; the result's verdict becomes the worst seen.
    pub fn add(&mut self, verdict: Verdict, message: String, expected: &str, actual: String) {
        self.verdict = self.verdict.max(verdict);
        if verdict != Verdict::Pass {
            self.findings.push(Finding {
                message,
                expected: expected.to_string(),
                actual,
                step: None,
                json_pointer: None,
                observed_in: None,
            });
        }
    }
}

/// A probe's entry point.
pub type ProbeFn = for<'a> fn(
    &'a mut Session,
    &'a Value,
) -> Pin<Box<dyn Future<Output = ProbeResult> + Send + 'a>>;

/// One registered probe.
#[derive(Debug, Clone, Copy)]
pub struct ProbeDef {
    /// The kebab-case name case files use.
    pub name: &'static str,
    /// What it checks.
    pub doc: &'static str,
    /// The procedure.
    pub run: ProbeFn,
}

/// The probe groups, one slice per module; each module owns its own `PROBES` list.
const GROUPS: &[&[ProbeDef]] = &[
    stdio::PROBES,
    tools::PROBES,
    lists::PROBES,
    flow::PROBES,
    http::PROBES,
];

/// Every probe, in registry order.
pub fn all() -> impl Iterator<Item = &'static ProbeDef> {
    GROUPS.iter().flat_map(|g| g.iter())
}

/// Looks up a probe by name.
pub fn find(name: &str) -> Option<&'static ProbeDef> {
    all().find(|p| p.name == name)
}
