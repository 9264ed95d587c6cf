//! The process exit codes of `mcpspec`, as documented constants other tools can rely on.

/// The run is conformant under the chosen policy (`--fail-on`).
pub const SUCCESS: i32 = 0;
/// At least one case failed under the chosen policy.
pub const CONFORMANCE_FAILURES: i32 = 1;
/// Bad flags, a bad config file or a bad case file: nothing was run.
pub const USAGE_ERROR: i32 = 2;
/// The target could not be started or reached.
pub const TARGET_UNREACHABLE: i32 = 3;
/// The selection matched no case.
pub const NO_CASES_SELECTED: i32 = 4;
/// mcpspec itself failed during the run (a `harness-error` outcome and no conformance failure).
pub const HARNESS_ERROR: i32 = 5;
/// No unexpected failure, but a baseline entry is stale: every case it matches that ran now
/// passes, so the entry should be removed (baselines only shrink).
pub const STALE_BASELINE: i32 = 6;

/// Which outcomes fail a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Only `fail` (a broken MUST) fails the run. The default.
    #[default]
    Must,
    /// `non-strict` (a broken SHOULD) fails the run too.
    Should,
}

/// The exit code for a finished run's totals under a policy.
pub fn for_summary(summary: &crate::Summary, fail_on: FailOn) -> i32 {
    use crate::Outcome;
    let count = |o: Outcome| summary.totals.get(o.as_str()).copied().unwrap_or(0);
    let failures = count(Outcome::Fail)
        + match fail_on {
            FailOn::Must => 0,
            FailOn::Should => count(Outcome::NonStrict),
        };
    if summary.cases == 0 {
        NO_CASES_SELECTED
    } else if failures > 0 {
        CONFORMANCE_FAILURES
    } else if count(Outcome::HarnessError) > 0 {
        HARNESS_ERROR
    } else {
        SUCCESS
    }
}

/// The exit code for a finished run under a policy, honouring the run's baseline if it had one
/// (`report.baseline`): failures the baseline expects do not count, and stale baseline entries
/// give [`STALE_BASELINE`]. In order: no case ([`NO_CASES_SELECTED`]), unexpected failures
/// ([`CONFORMANCE_FAILURES`]), stale entries ([`STALE_BASELINE`]), unexpected harness errors
/// ([`HARNESS_ERROR`]), else [`SUCCESS`]. Without a baseline it equals [`for_summary`].
pub fn for_report(report: &crate::RunReport, fail_on: FailOn) -> i32 {
    use crate::Outcome;
    let unexpected = |o: Outcome| {
        report
            .cases
            .iter()
            .filter(|c| c.outcome == o && report.baselined(&c.id).is_none())
            .count()
    };
    let failures = unexpected(Outcome::Fail)
        + match fail_on {
            FailOn::Must => 0,
            FailOn::Should => unexpected(Outcome::NonStrict),
        };
    let stale = report
        .baseline
        .as_ref()
        .is_some_and(|b| !b.stale.is_empty());
    if report.cases.is_empty() {
        NO_CASES_SELECTED
    } else if failures > 0 {
        CONFORMANCE_FAILURES
    } else if stale {
        STALE_BASELINE
    } else if unexpected(Outcome::HarnessError) > 0 {
        HARNESS_ERROR
    } else {
        SUCCESS
    }
}
