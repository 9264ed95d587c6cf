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
/// A baseline lists a case that now passes (stale entry).
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
