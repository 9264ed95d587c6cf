//! The canonical, versioned report model (`report.json`, `format_version` 1).
//!
//! Plain serde data with deterministic order (`BTreeMap`, cases sorted by ID, integer
//! milliseconds, one wall-clock field). It stores wire data as `serde_json::Value` or text, never
//! as codec types, so the format does not churn when the codec does. It holds no logic beyond
//! small accessors: grading happens in the harness, rendering in [`crate::render`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Outcome;

/// The version of the report format written by this crate.
pub const FORMAT_VERSION: u32 = 1;

/// One whole run of mcpspec against one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The report format version; [`FORMAT_VERSION`] for reports written by this crate.
    pub format_version: u32,
    /// The tool that wrote the report.
    pub tool: ToolInfo,
    /// Wall-clock start of the run (RFC 3339, UTC). The only wall-clock field in the report.
    pub started_at: String,
    /// Wall time of the whole run.
    pub duration_ms: u64,
    /// What was tested, with secrets redacted.
    pub target: TargetInfo,
    /// The protocol revision the harness asked for in `initialize`.
    pub requested_protocol_version: String,
    /// The revision the server answered with, if the handshake succeeded.
    pub negotiated_protocol_version: Option<String>,
    /// `serverInfo` from the initialize result, as sent.
    pub server_info: Option<Value>,
    /// `capabilities` from the initialize result, as sent.
    pub capabilities: Option<Value>,
    /// Which case IDs were selected and skipped.
    pub selection: Selection,
    /// Run-level notes, such as "the server does not implement 2025-06-18".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Per capability (or area), what could not be tested and why.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub could_not_test: BTreeMap<String, Vec<String>>,
    /// Per tool name: whether the harness called it and why (the side-effect guard).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tools: BTreeMap<String, String>,
    /// Every case and oracle pseudo-case, sorted by ID.
    pub cases: Vec<CaseResult>,
    /// Totals per outcome.
    pub summary: Summary,
    /// How a baseline of expected failures (`mcpspec run --baseline FILE`) applied to this run;
    /// absent when the run had no baseline. Reports written before baselines existed load as `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineReport>,
}

/// The baseline section of a report: which failures a baseline file expected, and which of its
/// entries no longer match a failure. The totals in [`Summary`] still count expected failures
/// under their own outcome; only the exit code treats them as accepted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BaselineReport {
    /// The baseline file, as named on the command line.
    pub file: String,
    /// How many entries the baseline has.
    pub entries: usize,
    /// Every case whose outcome an entry expected, in case ID order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expected: Vec<BaselinedCase>,
    /// Entries whose matching cases ran and none of them failed as expected, while at least one
    /// passed: the failure is gone and the entry should be removed. They fail the run (exit 6).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stale: Vec<BaselineEntryStatus>,
    /// Entries that matched no case that ran to a verdict (nothing selected, or only
    /// not-applicable, untestable or harness-error outcomes, or failures of another outcome than the
    /// entry lists). Reported as a warning; they do not fail the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unused: Vec<BaselineEntryStatus>,
}

/// One case whose failure a baseline entry expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselinedCase {
    /// The case ID.
    pub case: String,
    /// The entry's case pattern that matched it.
    pub pattern: String,
    /// The entry's reason for accepting the failure.
    pub reason: String,
}

/// A baseline entry that did not match an expected failure, with the cases it did match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntryStatus {
    /// The entry's case pattern.
    pub pattern: String,
    /// The entry's reason.
    pub reason: String,
    /// For a stale entry, the cases that passed; for an unused one, the cases it matched, if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<String>,
}

/// The tool that wrote a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// Always `mcpspec`.
    pub name: String,
    /// The tool's version.
    pub version: String,
}

/// The target under test, as the user named it, with secret values redacted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TargetInfo {
    /// `stdio` or `http`.
    pub transport: String,
    /// For stdio: the program and its arguments, exactly as spawned (no shell).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// For stdio: the working directory, if one was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Environment variables set for the target; secret-looking values are redacted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// For HTTP: the endpoint URL with credentials redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The case selection of a run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Selection {
    /// ID globs that selected cases (empty: all).
    #[serde(default)]
    pub include: Vec<String>,
    /// ID globs that were skipped.
    #[serde(default)]
    pub skip: Vec<String>,
}

/// A requirement level, as the spec writes it (MUST NOT and SHOULD NOT folded in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// MUST, MUST NOT, REQUIRED, SHALL: broken gives `fail`.
    Must,
    /// SHOULD, SHOULD NOT, RECOMMENDED: broken gives `non-strict`.
    Should,
    /// MAY, OPTIONAL: an observation, `informational` at most.
    May,
}

impl Level {
    /// The keyword as the spec writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

/// Where a requirement lives in the specification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecRef {
    /// The dated revision, e.g. `2025-06-18`.
    pub revision: String,
    /// The page path under the revision, e.g. `basic/utilities/ping`.
    pub page: String,
    /// The section anchor on that page.
    #[serde(default)]
    pub anchor: String,
    /// The full URL of the section.
    pub url: String,
    /// mcpspec's own statement of the requirement, carrying its keyword.
    pub statement: String,
}

/// The result of one case or oracle pseudo-case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    /// The stable case ID (`area.topic.behaviour`, or `oracle.<name>`).
    pub id: String,
    /// What the harness does.
    pub title: String,
    /// What the server must do.
    pub expectation: String,
    /// The requirement level.
    pub level: Level,
    /// The catalogue IDs this case checks (`BASE-004`, ...).
    pub requirements: Vec<String>,
    /// The spec section it traces to.
    pub spec: SpecRef,
    /// The graded outcome.
    pub outcome: Outcome,
    /// Why the case was not-applicable, untestable or a harness error; or a one-line verdict note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What went wrong (or was observed), each with expected and actual.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// Wall time of the case.
    pub duration_ms: u64,
    /// The first wire entries of the case (the full log is in `transcripts/<id>.jsonl`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transcript: Vec<WireEntry>,
    /// Whether `transcript` was cut short.
    #[serde(default, skip_serializing_if = "is_false")]
    pub transcript_truncated: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One observed deviation, in Expected/Actual form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// One line saying what happened.
    pub message: String,
    /// What the requirement asks for.
    pub expected: String,
    /// What the server did.
    pub actual: String,
    /// The 0-based index of the case step where it was seen, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    /// A JSON pointer into the offending message, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_pointer: Option<String>,
    /// For oracle findings: the case during which it was observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_in: Option<String>,
}

/// One entry of a wire transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireEntry {
    /// Milliseconds since the session started.
    pub t_ms: u64,
    /// `out` (harness to server), `in` (server to harness) or `local` (the harness's own events).
    pub dir: String,
    /// `message`, `raw`, `stderr`, `closed`, `exit` or `note`.
    pub kind: String,
    /// The message, when it parsed as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    /// The raw text (lossy UTF-8), when it did not parse or is not a message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Whether `json`/`text` was cut to the excerpt limit.
    #[serde(default, skip_serializing_if = "is_false")]
    pub truncated: bool,
}

/// Totals of a run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Number of cases (including oracle pseudo-cases).
    pub cases: usize,
    /// Count per outcome name; every outcome is present, zero or not.
    pub totals: BTreeMap<String, usize>,
}

impl Summary {
    /// Totals over a list of case results.
    pub fn of(cases: &[CaseResult]) -> Summary {
        let mut totals: BTreeMap<String, usize> = Outcome::ALL
            .iter()
            .map(|o| (o.as_str().to_string(), 0))
            .collect();
        for c in cases {
            *totals.entry(c.outcome.as_str().to_string()).or_default() += 1;
        }
        Summary {
            cases: cases.len(),
            totals,
        }
    }

    /// The count for one outcome.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.totals.get(outcome.as_str()).copied().unwrap_or(0)
    }
}

impl RunReport {
    /// The worst outcome in the run, if any case ran.
    pub fn worst(&self) -> Option<Outcome> {
        self.cases.iter().map(|c| c.outcome).max()
    }

    /// The reason a baseline gives for expecting this case's outcome, if the run had a baseline
    /// that lists it.
    pub fn baselined(&self, id: &str) -> Option<&str> {
        self.baseline
            .as_ref()?
            .expected
            .iter()
            .find(|b| b.case == id)
            .map(|b| b.reason.as_str())
    }
}
