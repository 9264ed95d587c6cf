//! Baselines of expected failures: the baseline file format (JSON, `format_version` 1), case-ID
//! patterns, applying a baseline to a finished report (which failures it accepts, which entries
//! are stale) and writing a baseline that accepts every failure of a report.
//!
//! Pure functions over text and data: no file I/O and no process exit. The CLI reads the file,
//! names it in errors and maps the result to an exit code with [`crate::exit_code::for_report`].
//!
//! A baseline file looks like this (`outcomes` is optional and defaults to `fail` and
//! `non-strict`; `$schema` is optional and ignored):
//!
//! ```json
//! {
//!   "format_version": 1,
//!   "expected": [
//!     { "case": "ping.behavior.empty-result", "reason": "upstream issue 12: result carries _meta" },
//!     { "case": "tools.call.*", "reason": "no sandbox for tool calls yet", "outcomes": ["non-strict"] }
//!   ]
//! }
//! ```

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::model::{BaselineEntryStatus, BaselineReport, BaselinedCase};
use crate::{Outcome, RunReport};

/// The version of the baseline format read and written by this crate.
pub const BASELINE_FORMAT_VERSION: u32 = 1;

/// The outcomes an entry expects when it does not list any.
pub const DEFAULT_OUTCOMES: [Outcome; 2] = [Outcome::Fail, Outcome::NonStrict];

/// The outcomes an entry may list: those that fail a run or its exit code.
pub const EXPECTABLE_OUTCOMES: [Outcome; 3] =
    [Outcome::Fail, Outcome::NonStrict, Outcome::HarnessError];

/// The prefix of the reasons [`from_report`] writes.
pub const ACCEPTED_PREFIX: &str = "accepted: ";

/// A parsed baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// An optional `$schema` reference for editors; not checked.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Always [`BASELINE_FORMAT_VERSION`].
    #[serde(deserialize_with = "format_version")]
    pub format_version: u32,
    /// The expected failures, in file order.
    pub expected: Vec<Entry>,
}

/// One expected failure: a case pattern, why its failure is accepted, and which outcomes count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The cases this entry covers.
    pub case: CasePattern,
    /// Why the failure is accepted (required, not blank).
    #[serde(deserialize_with = "non_blank")]
    pub reason: String,
    /// The outcomes that count as the expected failure; empty means [`DEFAULT_OUTCOMES`].
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "expectable_outcomes"
    )]
    pub outcomes: Vec<Outcome>,
}

impl Entry {
    /// The outcomes this entry accepts.
    pub fn expects(&self) -> &[Outcome] {
        if self.outcomes.is_empty() {
            &DEFAULT_OUTCOMES
        } else {
            &self.outcomes
        }
    }
}

/// A case-ID pattern, as the CLI's `--case` reads one: with a `*` (any run of characters, dots
/// included) or `?` (any one character) it is a glob over the whole ID; without, it names an ID
/// and everything below it (`ping` matches `ping` and `ping.behavior.empty-result`, not `pings`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CasePattern(String);

impl CasePattern {
    /// Checks a pattern: not empty, no whitespace or control characters, and no glob syntax
    /// other than `*` and `?`.
    pub fn new(pattern: &str) -> Result<CasePattern, String> {
        if pattern.is_empty() {
            return Err("the case pattern is empty".into());
        }
        if let Some(c) = pattern
            .chars()
            .find(|c| c.is_whitespace() || c.is_control())
        {
            return Err(format!(
                "the case pattern {pattern:?} holds {c:?}; case IDs have no spaces"
            ));
        }
        if let Some(c) = pattern.chars().find(|c| matches!(c, '[' | ']' | '{' | '}')) {
            return Err(format!(
                "the case pattern {pattern:?} holds {c:?}; only the wildcards * and ? are supported"
            ));
        }
        Ok(CasePattern(pattern.to_string()))
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the pattern has wildcards (and so is matched as a glob, not a prefix).
    pub fn is_glob(&self) -> bool {
        self.0.contains(['*', '?'])
    }

    /// Whether the pattern matches a case ID.
    pub fn matches(&self, id: &str) -> bool {
        if self.is_glob() {
            glob_match(&self.0, id)
        } else {
            id == self.0
                || id
                    .strip_prefix(self.0.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        }
    }
}

impl TryFrom<String> for CasePattern {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        CasePattern::new(&s)
    }
}

impl From<CasePattern> for String {
    fn from(p: CasePattern) -> String {
        p.0
    }
}

impl fmt::Display for CasePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whole-string glob match: `*` is any run of characters (empty and dots included), `?` is one
/// character, everything else is literal.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was and the text position it currently stands for, to retry from.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            // Let the last `*` swallow one more character and retry.
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn format_version<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    if v == BASELINE_FORMAT_VERSION {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "version {v} is not supported; this mcpspec reads version {BASELINE_FORMAT_VERSION}"
        )))
    }
}

fn non_blank<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if s.trim().is_empty() {
        Err(serde::de::Error::custom(
            "the reason is empty; say why the failure is accepted",
        ))
    } else {
        Ok(s)
    }
}

fn expectable_outcomes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Outcome>, D::Error> {
    let outcomes = Vec::<Outcome>::deserialize(d)?;
    if outcomes.is_empty() {
        return Err(serde::de::Error::custom(
            "outcomes is empty; leave it out to expect fail and non-strict",
        ));
    }
    if let Some(o) = outcomes.iter().find(|o| !EXPECTABLE_OUTCOMES.contains(o)) {
        return Err(serde::de::Error::custom(format!(
            "outcome {o} cannot be expected; only fail, non-strict and harness-error can"
        )));
    }
    Ok(outcomes)
}

/// A baseline file that could not be read, with where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineError {
    /// 1-based line of the error (0 when unknown).
    pub line: usize,
    /// 1-based column of the error (0 when unknown).
    pub column: usize,
    /// The key path of the value that was being read, such as `expected[2].reason`; empty at the
    /// top level.
    pub key: String,
    /// What is wrong, in one line.
    pub message: String,
}

impl fmt::Display for BaselineError {
    /// `LINE:COLUMN: KEY: MESSAGE`, ready to follow a file name and a colon.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for BaselineError {}

impl Baseline {
    /// Parses and checks a baseline file's text.
    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
        // serde would also read a struct from an array; a baseline is an object only.
        if let Some((offset, c)) = text.char_indices().find(|(_, c)| !c.is_whitespace())
            && c != '{'
        {
            let before = &text[..offset];
            return Err(BaselineError {
                line: before.matches('\n').count() + 1,
                column: before.rsplit('\n').next().unwrap_or("").chars().count() + 1,
                key: String::new(),
                message: "a baseline is a JSON object with format_version and expected".into(),
            });
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let parsed: Result<Baseline, _> = serde_path_to_error::deserialize(&mut de);
        let baseline = match parsed {
            Ok(b) => b,
            Err(e) => {
                let key = match e.path().to_string() {
                    p if p == "." || p == "?" => String::new(),
                    p => p,
                };
                let inner = e.into_inner();
                return Err(json_error(&inner, key));
            }
        };
        if let Err(e) = de.end() {
            return Err(json_error(&e, String::new()));
        }
        Ok(baseline)
    }

    /// The baseline as pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text =
            serde_json::to_string_pretty(self).expect("a baseline always serialises to JSON");
        text.push('\n');
        text
    }
}

/// A serde_json error as a [`BaselineError`], its position taken out of the message.
fn json_error(e: &serde_json::Error, key: String) -> BaselineError {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
    BaselineError {
        line: e.line(),
        column: e.column(),
        key,
        message,
    }
}

/// Whether an outcome is a verdict on the server (as opposed to "could not tell").
fn is_verdict(o: Outcome) -> bool {
    matches!(
        o,
        Outcome::Pass | Outcome::Informational | Outcome::NonStrict | Outcome::Fail
    )
}

/// Applies a baseline to a finished report and records the result in `report.baseline`:
///
/// - a case whose outcome an entry matching it expects is an *expected failure*, with the reason
///   of the first such entry in file order; every such entry is in use;
/// - an entry not in use whose matching cases ran to a verdict and all passed (pass or
///   informational) is *stale*;
/// - any other entry not in use is *unused*: nothing it matches ran to a verdict, or what it
///   matched failed with an outcome it does not list.
///
/// Outcomes and totals are left as they were; `file` is how the baseline is named in the report.
pub fn apply(baseline: &Baseline, file: &str, report: &mut RunReport) {
    let mut used = vec![false; baseline.expected.len()];
    let mut expected = Vec::new();
    for case in &report.cases {
        let mut first: Option<&Entry> = None;
        for (i, entry) in baseline.expected.iter().enumerate() {
            if entry.case.matches(&case.id) && entry.expects().contains(&case.outcome) {
                used[i] = true;
                first.get_or_insert(entry);
            }
        }
        if let Some(entry) = first {
            expected.push(BaselinedCase {
                case: case.id.clone(),
                pattern: entry.case.to_string(),
                reason: entry.reason.clone(),
            });
        }
    }
    expected.sort_by(|a, b| a.case.cmp(&b.case));
    let mut stale = Vec::new();
    let mut unused = Vec::new();
    for (entry, used) in baseline.expected.iter().zip(used) {
        if used {
            continue;
        }
        let matched: Vec<_> = report
            .cases
            .iter()
            .filter(|c| entry.case.matches(&c.id))
            .collect();
        let ran: Vec<_> = matched.iter().filter(|c| is_verdict(c.outcome)).collect();
        let all_pass = !ran.is_empty()
            && ran
                .iter()
                .all(|c| matches!(c.outcome, Outcome::Pass | Outcome::Informational));
        let status = |cases: Vec<String>| BaselineEntryStatus {
            pattern: entry.case.to_string(),
            reason: entry.reason.clone(),
            cases,
        };
        if all_pass {
            stale.push(status(ran.iter().map(|c| c.id.clone()).collect()));
        } else {
            unused.push(status(matched.iter().map(|c| c.id.clone()).collect()));
        }
    }
    report.baseline = Some(BaselineReport {
        file: file.to_string(),
        entries: baseline.expected.len(),
        expected,
        stale,
        unused,
    });
}

/// A baseline that accepts every `fail` and `non-strict` case of a report, one entry per case
/// (its exact ID), in ID order. Each reason is [`ACCEPTED_PREFIX`] followed by the case's first
/// finding message (else its reason, else its expectation), on one line. Harness errors are left
/// out: they are mcpspec's failures, not the server's.
pub fn from_report(report: &RunReport) -> Baseline {
    let mut cases: Vec<_> = report
        .cases
        .iter()
        .filter(|c| DEFAULT_OUTCOMES.contains(&c.outcome))
        .collect();
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    let expected = cases
        .into_iter()
        .map(|case| {
            let headline = case
                .findings
                .first()
                .map(|f| f.message.as_str())
                .or(case.reason.as_deref())
                .unwrap_or(&case.expectation);
            let line: String = headline
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let line = if line.is_empty() {
                "no message".to_string()
            } else {
                line
            };
            Entry {
                case: CasePattern(case.id.clone()),
                reason: format!("{ACCEPTED_PREFIX}{line}"),
                outcomes: Vec::new(),
            }
        })
        .collect();
    Baseline {
        schema: None,
        format_version: BASELINE_FORMAT_VERSION,
        expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(p: &str) -> CasePattern {
        CasePattern::new(p).unwrap()
    }

    #[test]
    fn globs_match_whole_dotted_ids() {
        let p = pattern("jsonrpc.id.*");
        assert!(p.matches("jsonrpc.id.negative"));
        assert!(
            p.matches("jsonrpc.id.a.b"),
            "* crosses dots, as --case does"
        );
        assert!(p.matches("jsonrpc.id."));
        assert!(!p.matches("jsonrpc.idx"));
        assert!(!p.matches("xjsonrpc.id.a"));
        assert!(pattern("*").matches("anything.at.all"));
        assert!(pattern("*.empty-result").matches("ping.behavior.empty-result"));
        assert!(!pattern("*.empty-result").matches("ping.behavior.empty-result2"));
        assert!(pattern("tools.*.unknown-*").matches("tools.call.unknown-tool"));
        assert!(!pattern("tools.*.unknown-*").matches("tools.call.known-tool"));
        assert!(pattern("ping.behavior.empty-resul?").matches("ping.behavior.empty-result"));
        assert!(!pattern("p?ng").matches("ping.x"));
        assert!(pattern("a*b*c").matches("aXXbYYbZc"));
        assert!(!pattern("a*b*c").matches("aXXbYYbZ"));
        assert!(pattern("**").matches(""));
    }

    #[test]
    fn plain_patterns_are_an_id_and_everything_below_it() {
        let p = pattern("ping");
        assert!(p.matches("ping"));
        assert!(p.matches("ping.behavior.empty-result"));
        assert!(!p.matches("pings.x"));
        assert!(!p.matches("oracle.ping"));
        let exact = pattern("ping.behavior.empty-result");
        assert!(exact.matches("ping.behavior.empty-result"));
        assert!(!exact.matches("ping.behavior.empty-result-2"));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in ["", "a b", "tools.[ab]", "{a,b}", "a\tb"] {
            assert!(CasePattern::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn entries_default_to_fail_and_non_strict() {
        let b = Baseline::parse(
            r#"{"format_version": 1, "expected": [
                {"case": "a", "reason": "r"},
                {"case": "b", "reason": "r", "outcomes": ["harness-error"]}
            ]}"#,
        )
        .unwrap();
        assert_eq!(b.expected[0].expects(), &DEFAULT_OUTCOMES);
        assert_eq!(b.expected[1].expects(), &[Outcome::HarnessError]);
        let again = Baseline::parse(&b.to_json()).unwrap();
        assert_eq!(again, b);
    }

    #[test]
    fn errors_carry_line_column_and_key() {
        let text = "{\n  \"format_version\": 1,\n  \"expected\": [\n    {\"case\": \"a\", \"reason\": \"ok\"},\n    {\"case\": \"b\", \"reason\": \"  \"}\n  ]\n}\n";
        let e = Baseline::parse(text).unwrap_err();
        assert_eq!(e.line, 5, "{e}");
        assert_eq!(e.key, "expected[1].reason", "{e}");
        assert!(e.message.contains("reason is empty"), "{e}");
        assert!(!e.message.contains("at line"), "{e}");
        assert!(e.to_string().starts_with("5:"), "{e}");
    }

    fn case(id: &str, outcome: Outcome) -> crate::CaseResult {
        crate::CaseResult {
            id: id.into(),
            title: "t".into(),
            expectation: format!("{id} behaves"),
            level: crate::Level::Must,
            requirements: Vec::new(),
            spec: crate::SpecRef {
                revision: "2025-06-18".into(),
                page: "basic".into(),
                anchor: String::new(),
                url: "https://example.test/".into(),
                statement: "s".into(),
            },
            outcome,
            reason: None,
            findings: Vec::new(),
            duration_ms: 0,
            transcript: Vec::new(),
            transcript_truncated: false,
        }
    }

    fn report(cases: &[(&str, Outcome)]) -> RunReport {
        let mut cases: Vec<_> = cases.iter().map(|(id, o)| case(id, *o)).collect();
        cases.sort_by(|a, b| a.id.cmp(&b.id));
        RunReport {
            format_version: crate::FORMAT_VERSION,
            tool: crate::model::ToolInfo {
                name: "mcpspec".into(),
                version: "0".into(),
            },
            started_at: "2025-07-01T00:00:00Z".into(),
            duration_ms: 0,
            target: Default::default(),
            requested_protocol_version: "2025-06-18".into(),
            negotiated_protocol_version: None,
            server_info: None,
            capabilities: None,
            selection: Default::default(),
            notes: Vec::new(),
            could_not_test: Default::default(),
            tools: Default::default(),
            summary: crate::Summary::of(&cases),
            cases,
            baseline: None,
        }
    }

    fn entry(case: &str, reason: &str, outcomes: &[Outcome]) -> Entry {
        Entry {
            case: pattern(case),
            reason: reason.into(),
            outcomes: outcomes.to_vec(),
        }
    }

    fn baseline(entries: Vec<Entry>) -> Baseline {
        Baseline {
            schema: None,
            format_version: BASELINE_FORMAT_VERSION,
            expected: entries,
        }
    }

    /// Applies `entries` to a report of `cases` and returns the report and its exit code.
    fn run(cases: &[(&str, Outcome)], entries: Vec<Entry>, fail_on: FailOn) -> (RunReport, i32) {
        let mut r = report(cases);
        apply(&baseline(entries), "b.json", &mut r);
        let code = exit_code::for_report(&r, fail_on);
        (r, code)
    }

    use crate::exit_code::{self, FailOn};
    use Outcome::*;

    #[test]
    fn an_expected_failure_does_not_fail_the_run() {
        let cases = [("ping.a", Fail), ("ping.b", Pass)];
        assert_eq!(exit_code::for_report(&report(&cases), FailOn::Must), 1);
        let (r, code) = run(&cases, vec![entry("ping.a", "known", &[])], FailOn::Must);
        assert_eq!(code, exit_code::SUCCESS);
        assert_eq!(r.baselined("ping.a"), Some("known"));
        assert_eq!(r.baselined("ping.b"), None);
        let b = r.baseline.as_ref().unwrap();
        assert_eq!((b.file.as_str(), b.entries), ("b.json", 1));
        assert!(b.stale.is_empty() && b.unused.is_empty());
        // Totals still count the failure under its own outcome.
        assert_eq!(r.summary.count(Fail), 1);
    }

    #[test]
    fn failures_outside_the_baseline_still_fail() {
        let cases = [("ping.a", Fail), ("tools.b", Fail)];
        let (r, code) = run(&cases, vec![entry("ping", "known", &[])], FailOn::Must);
        assert_eq!(code, exit_code::CONFORMANCE_FAILURES);
        assert_eq!(r.baseline.unwrap().expected.len(), 1);
    }

    #[test]
    fn an_entry_whose_cases_all_pass_is_stale() {
        let cases = [
            ("ping.a", Pass),
            ("ping.b", Informational),
            ("ping.c", NotApplicable),
        ];
        let (r, code) = run(&cases, vec![entry("ping.*", "gone", &[])], FailOn::Must);
        assert_eq!(code, exit_code::STALE_BASELINE);
        let b = r.baseline.unwrap();
        assert_eq!(b.stale.len(), 1);
        assert_eq!(b.stale[0].pattern, "ping.*");
        assert_eq!(
            b.stale[0].cases,
            ["ping.a", "ping.b"],
            "only the cases that ran"
        );
        assert!(b.expected.is_empty() && b.unused.is_empty());
    }

    #[test]
    fn an_entry_that_matched_nothing_that_ran_only_warns() {
        let cases = [
            ("ping.a", Pass),
            ("tools.x", NotApplicable),
            ("res.y", Untestable),
        ];
        let entries = vec![
            entry("prompts", "nothing selected", &[]),
            entry("tools.x", "not declared", &[]),
            entry("res.*", "nothing to read", &[]),
        ];
        let (r, code) = run(&cases, entries, FailOn::Must);
        assert_eq!(code, exit_code::SUCCESS);
        let b = r.baseline.unwrap();
        assert!(b.stale.is_empty());
        let unused: Vec<(&str, Vec<String>)> = b
            .unused
            .iter()
            .map(|u| (u.pattern.as_str(), u.cases.clone()))
            .collect();
        assert_eq!(
            unused,
            [
                ("prompts", vec![]),
                ("tools.x", vec!["tools.x".to_string()]),
                ("res.*", vec!["res.y".to_string()]),
            ]
        );
    }

    #[test]
    fn a_glob_with_one_failure_among_passes_is_in_use() {
        let cases = [("ping.a", Pass), ("ping.b", Fail), ("ping.c", Pass)];
        let (r, code) = run(&cases, vec![entry("ping.*", "one", &[])], FailOn::Must);
        assert_eq!(code, exit_code::SUCCESS);
        let b = r.baseline.unwrap();
        assert_eq!(b.expected.len(), 1);
        assert!(b.stale.is_empty() && b.unused.is_empty());
    }

    #[test]
    fn listed_outcomes_narrow_an_entry() {
        // A fail where the entry expects only non-strict: not accepted, not stale (it did not pass).
        let cases = [("ping.a", Fail)];
        let (r, code) = run(
            &cases,
            vec![entry("ping.a", "r", &[NonStrict])],
            FailOn::Must,
        );
        assert_eq!(code, exit_code::CONFORMANCE_FAILURES);
        let b = r.baseline.unwrap();
        assert_eq!(b.unused.len(), 1);
        assert!(b.stale.is_empty());
        // Non-strict only fails under --fail-on should; the default entry accepts it there.
        let cases = [("ping.a", NonStrict)];
        assert_eq!(run(&cases, vec![], FailOn::Should).1, 1);
        assert_eq!(
            run(&cases, vec![entry("ping", "r", &[])], FailOn::Should).1,
            0
        );
        assert_eq!(
            run(&cases, vec![entry("ping", "r", &[Fail])], FailOn::Should).1,
            1
        );
    }

    #[test]
    fn harness_errors_can_be_expected_explicitly() {
        let cases = [("ping.a", HarnessError), ("ping.b", Pass)];
        assert_eq!(
            run(&cases, vec![], FailOn::Must).1,
            exit_code::HARNESS_ERROR
        );
        // The default outcomes do not cover harness errors (and the entry is not stale either).
        let (r, code) = run(&cases, vec![entry("ping.a", "r", &[])], FailOn::Must);
        assert_eq!(code, exit_code::HARNESS_ERROR);
        assert_eq!(r.baseline.unwrap().unused.len(), 1);
        let (_, code) = run(
            &cases,
            vec![entry("ping.a", "r", &[HarnessError])],
            FailOn::Must,
        );
        assert_eq!(code, exit_code::SUCCESS);
    }

    #[test]
    fn exit_codes_rank_failures_then_stale_then_harness_errors() {
        let cases = [("a.x", Fail), ("b.x", Pass), ("c.x", HarnessError)];
        let stale = || entry("b", "gone", &[]);
        assert_eq!(run(&cases, vec![stale()], FailOn::Must).1, 1);
        let accept_a = || entry("a", "known", &[]);
        assert_eq!(run(&cases, vec![accept_a(), stale()], FailOn::Must).1, 6);
        assert_eq!(run(&cases, vec![accept_a()], FailOn::Must).1, 5);
        assert_eq!(run(&[], vec![accept_a()], FailOn::Must).1, 4);
    }

    #[test]
    fn the_first_matching_entry_gives_the_reason_and_all_matching_are_in_use() {
        let cases = [("ping.a", Fail)];
        let entries = vec![
            entry("ping.*", "broad", &[]),
            entry("ping.a", "narrow", &[]),
        ];
        let (r, code) = run(&cases, entries, FailOn::Must);
        assert_eq!(code, 0);
        assert_eq!(r.baselined("ping.a"), Some("broad"));
        let b = r.baseline.unwrap();
        assert_eq!(b.expected[0].pattern, "ping.*");
        assert!(b.stale.is_empty() && b.unused.is_empty());
    }

    #[test]
    fn without_a_baseline_for_report_equals_for_summary() {
        for outcomes in [
            vec![],
            vec![Pass],
            vec![Pass, Fail],
            vec![NonStrict],
            vec![HarnessError, NonStrict],
            vec![HarnessError, Fail],
            vec![NotApplicable, Untestable, Informational],
        ] {
            let ids: Vec<String> = (0..outcomes.len()).map(|i| format!("c.{i}")).collect();
            let cases: Vec<(&str, Outcome)> = ids
                .iter()
                .map(String::as_str)
                .zip(outcomes.iter().copied())
                .collect();
            let r = report(&cases);
            for fail_on in [FailOn::Must, FailOn::Should] {
                assert_eq!(
                    exit_code::for_report(&r, fail_on),
                    exit_code::for_summary(&r.summary, fail_on),
                    "{outcomes:?} {fail_on:?}"
                );
            }
        }
    }

    #[test]
    fn a_written_baseline_accepts_every_failure_of_its_report() {
        let mut r = report(&[
            ("a.fail", Fail),
            ("b.soft", NonStrict),
            ("c.ok", Pass),
            ("d.err", HarnessError),
            ("e.na", NotApplicable),
        ]);
        r.cases[0].findings.push(crate::Finding {
            message: "result was\n  not empty".into(),
            expected: "{}".into(),
            actual: "{\"x\":1}".into(),
            step: None,
            json_pointer: None,
            observed_in: None,
        });
        let written = from_report(&r);
        let text = written.to_json();
        let parsed = Baseline::parse(&text).expect("a written baseline parses");
        assert_eq!(parsed, written);
        let entries: Vec<(&str, &str)> = parsed
            .expected
            .iter()
            .map(|e| (e.case.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(
            entries,
            [
                ("a.fail", "accepted: result was not empty"),
                ("b.soft", "accepted: b.soft behaves"),
            ]
        );
        apply(&parsed, "written.json", &mut r);
        assert_eq!(
            exit_code::for_report(&r, FailOn::Should),
            exit_code::HARNESS_ERROR
        );
        let b = r.baseline.unwrap();
        assert_eq!(b.expected.len(), 2);
        assert!(b.stale.is_empty() && b.unused.is_empty());
    }
}
