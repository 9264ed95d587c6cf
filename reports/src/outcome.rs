//! The outcome scale of a case, ordered by severity. Not the grading rules: those live in the harness.

use serde::{Deserialize, Serialize};

/// What a case (or an oracle pseudo-case) came to. The declaration order is the severity order, so
/// `Ord` ranks a worse outcome higher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The server did what the requirement asks.
    Pass,
    /// A MAY-level observation, or an open behaviour recorded for the reader. Never fails a run.
    Informational,
    /// The server does not advertise the capability the case needs.
    NotApplicable,
    /// A SHOULD-level requirement was broken: still conformant, fails only under `--fail-on should`.
    NonStrict,
    /// The capability is advertised, but the server offered nothing the case could exercise.
    Untestable,
    /// A MUST-level requirement was broken.
    Fail,
    /// mcpspec itself failed (the target could not start, a harness-origin message was invalid, ...).
    HarnessError,
}

impl Outcome {
    /// Every outcome, in severity order.
    pub const ALL: [Outcome; 7] = [
        Outcome::Pass,
        Outcome::Informational,
        Outcome::NotApplicable,
        Outcome::NonStrict,
        Outcome::Untestable,
        Outcome::Fail,
        Outcome::HarnessError,
    ];

    /// The kebab-case name used in `report.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Informational => "informational",
            Outcome::NotApplicable => "not-applicable",
            Outcome::NonStrict => "non-strict",
            Outcome::Untestable => "untestable",
            Outcome::Fail => "fail",
            Outcome::HarnessError => "harness-error",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
