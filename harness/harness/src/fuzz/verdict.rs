//! What the fuzzer holds against a server, in two grades. A [`Failure`] breaks an invariant: an
//! oracle hit that grades `fail` (the same oracles and grading as scripted runs), a server that
//! died or stopped reading, a well-formed request left without an answer, or a MUST of the
//! Streamable HTTP transport broken by a transport-abuse request (`http_rules.rs`). Failures are
//! shrunk and written out as cases. A [`Soft`] finding is a mismatch that a careful server could
//! still defend (an error code other than JSON-RPC's for the input class, silence after
//! malformed input, a SHOULD-level oracle hit): it is reported, never shrunk, never a failure.
//!
//! Not the playing of actions (`play/`) and not the report (`report.rs`).

use mcpspec_report::{Level, Outcome};

use crate::case::model::TransportReq;
use crate::grade::grade;
use crate::oracles::{self, Hit, OracleDef};

/// The invariant "the server survives whatever it is sent". Not an entry of
/// [`oracles::ORACLES`]: it is judged by the fuzzer (and by every case's waits), not per message.
pub const SURVIVES: OracleDef = OracleDef {
    id: "fuzz.server-survives",
    title: "Plays a generated sequence of client actions, valid and hostile",
    expectation: "Whatever it is sent, the server MUST keep running and keep reading its input.",
    level: Level::Must,
    requirements: &["BASE-019"],
    page: "basic",
    anchor: "",
    statement: "A server MUST keep serving the base protocol whatever a client sends; invalid input gets an error or is ignored, never a crash.",
    knob: "",
    transport: TransportReq::Any,
};

/// The invariant "every well-formed request gets an answer in time".
pub const ANSWERS: OracleDef = OracleDef {
    id: "fuzz.request-answered",
    title: "Plays a generated sequence of client actions and waits for each request's answer",
    expectation: "Every well-formed request MUST get exactly one response within the run's timeout.",
    level: Level::Must,
    requirements: &["BASE-003"],
    page: "basic",
    anchor: "responses",
    statement: "Every request MUST be answered with a response carrying its id; a request left without any response breaks that.",
    knob: "",
    transport: TransportReq::Any,
};

/// A broken invariant.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The rule broken: an oracle, [`SURVIVES`] or [`ANSWERS`].
    pub rule: &'static OracleDef,
    /// The requirement the triggering action exercises, when the rule is one of the fuzzer's.
    pub requirement: Option<&'static str>,
    /// What identifies "the same bug" across sequences: rule, plus the action class or method.
    pub signature: String,
    /// One line saying what happened.
    pub message: String,
    /// What the rule asks for.
    pub expected: String,
    /// What was seen.
    pub actual: String,
    /// JSON pointer into the offending message, if any.
    pub pointer: Option<String>,
    /// Index of the action being played when it was seen (`None`: handshake or closing ping).
    pub action: Option<usize>,
}

impl Failure {
    /// The catalogue requirements of the failure.
    pub fn requirements(&self) -> Vec<String> {
        match self.requirement {
            Some(r) => vec![r.to_string()],
            None => self
                .rule
                .requirements
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }

    /// The rule's name without its `oracle.` or `fuzz.` prefix (for case IDs).
    pub fn rule_name(&self) -> &'static str {
        let id = self.rule.id;
        id.split_once('.').map_or(id, |(_, rest)| rest)
    }
}

/// A mismatch a careful server could defend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Soft {
    /// Groups findings of one kind (no ids in it), for de-duplication.
    pub key: String,
    /// One line saying what happened.
    pub message: String,
    /// What was asked for.
    pub expected: String,
    /// What was seen.
    pub actual: String,
}

/// Sorts oracle hits: those that grade `fail` at their oracle's level become failures, those
/// that grade `non-strict` soft findings; informational hits are dropped.
pub fn sort_hits(hits: Vec<Hit>, action: Option<usize>) -> (Vec<Failure>, Vec<Soft>) {
    let mut failures = Vec::new();
    let mut soft = Vec::new();
    for hit in hits {
        let Some(def) = oracles::find(hit.oracle) else {
            // Every emitted ID is registered (a test of the oracle registry checks it).
            continue;
        };
        match grade(def.level, hit.verdict) {
            Outcome::Fail => failures.push(Failure {
                rule: def,
                requirement: None,
                signature: def.id.to_string(),
                message: hit.message,
                expected: hit.expected,
                actual: hit.actual,
                pointer: hit.pointer,
                action,
            }),
            Outcome::NonStrict => soft.push(Soft {
                key: def.id.to_string(),
                message: hit.message,
                expected: hit.expected,
                actual: hit.actual,
            }),
            _ => {}
        }
    }
    (failures, soft)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::Verdict;

    #[test]
    fn hits_are_graded_by_their_oracle_level() {
        let must = Hit::fail(
            "oracle.one-response-per-request",
            "second response".into(),
            "one",
            "two".into(),
        );
        let should = Hit::fail(
            "oracle.error-message-short",
            "long".into(),
            "short",
            "long".into(),
        );
        let softened = must.clone().with_verdict(Verdict::NonStrict);
        let (failures, soft) = sort_hits(vec![must, should, softened], Some(2));
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].rule_name(), "one-response-per-request");
        assert_eq!(failures[0].action, Some(2));
        assert_eq!(soft.len(), 2);
        for def in [&SURVIVES, &ANSWERS] {
            assert!(def.statement.contains("MUST"));
            assert!(oracles::find(def.id).is_none());
        }
    }
}
