//! Probes: named Rust procedures that case files call (`{"probe": {"name": ...}}`) for what the
//! step vocabulary cannot say.
//!
//! Adding a probe: write an async function `fn(&mut Session, &Value) -> ProbeResult` in a module
//! of this folder, wrap it with `Box::pin`, and add one [`ProbeDef`] line to [`PROBES`] with a
//! one-line doc; `cases/README.md` lists every probe. The loader rejects unknown probe names. Not
//! here: oracles (they watch every message; probes run only when a case asks).

pub mod stdio;

use std::future::Future;
use std::pin::Pin;

use mcpspec_report::Finding;
use serde_json::Value;

use crate::case::model::Verdict;
use crate::session::Session;

/// What a probe found.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    /// The verdict, before grading by the case level.
    pub verdict: Verdict,
    /// Findings (empty when the verdict is pass).
    pub findings: Vec<Finding>,
}

impl ProbeResult {
    /// A passing result.
    pub fn pass() -> Self {
        ProbeResult {
            verdict: Verdict::Pass,
            findings: Vec::new(),
        }
    }

    /// A failing result with one finding.
    pub fn fail(message: String, expected: &str, actual: String) -> Self {
        ProbeResult {
            verdict: Verdict::Fail,
            findings: vec![Finding {
                message,
                expected: expected.to_string(),
                actual,
                step: None,
                json_pointer: None,
                observed_in: None,
            }],
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

/// Every probe, by name.
pub const PROBES: &[ProbeDef] = &[
    ProbeDef {
        name: "stdout-clean",
        doc: "fails if any stdout line of this session so far was not a JSON-RPC message",
        run: stdio::stdout_clean,
    },
    ProbeDef {
        name: "stdout-no-crlf",
        doc: "fails if any stdout line of this session so far ended in CR LF",
        run: stdio::stdout_no_crlf,
    },
    ProbeDef {
        name: "stdout-single-line",
        doc: "fails if any message of this session so far was spread over several lines",
        run: stdio::stdout_single_line,
    },
    ProbeDef {
        name: "stdout-utf8",
        doc: "fails if any stdout line of this session so far was not valid UTF-8",
        run: stdio::stdout_utf8,
    },
];

/// Looks up a probe by name.
pub fn find(name: &str) -> Option<&'static ProbeDef> {
    PROBES.iter().find(|p| p.name == name)
}
