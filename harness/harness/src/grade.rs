//! Grading, in one place: a step verdict and a requirement level give an outcome.
//!
//! Not the preconditions (not-applicable, untestable) or harness errors: the runner sets those
//! directly, because no server behaviour was judged.

use mcpspec_report::{Level, Outcome};

use crate::case::model::Verdict;

/// The outcome of a judged behaviour: a broken MUST fails, a broken SHOULD is non-strict, a MAY
/// is informational at most. A verdict never grades above its level, and a `non-strict` verdict
/// (a SHOULD-part of a MUST rule) never becomes `fail`.
pub fn grade(level: Level, verdict: Verdict) -> Outcome {
    match (level, verdict) {
        (_, Verdict::Pass) => Outcome::Pass,
        (_, Verdict::Informational) => Outcome::Informational,
        (Level::May, Verdict::NonStrict | Verdict::Fail) => Outcome::Informational,
        (Level::Should, Verdict::NonStrict | Verdict::Fail) => Outcome::NonStrict,
        (Level::Must, Verdict::NonStrict) => Outcome::NonStrict,
        (Level::Must, Verdict::Fail) => Outcome::Fail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truth_table() {
        use Level::*;
        use Verdict::*;
        let table = [
            (Must, Pass, Outcome::Pass),
            (Must, Informational, Outcome::Informational),
            (Must, NonStrict, Outcome::NonStrict),
            (Must, Fail, Outcome::Fail),
            (Should, Pass, Outcome::Pass),
            (Should, Informational, Outcome::Informational),
            (Should, NonStrict, Outcome::NonStrict),
            (Should, Fail, Outcome::NonStrict),
            (May, Pass, Outcome::Pass),
            (May, Informational, Outcome::Informational),
            (May, NonStrict, Outcome::Informational),
            (May, Fail, Outcome::Informational),
        ];
        for (level, verdict, want) in table {
            assert_eq!(grade(level, verdict), want, "{level:?} {verdict:?}");
        }
    }
}
