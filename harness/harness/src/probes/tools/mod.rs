//! Probes for tools and the content they return: the registry of the tool probes, the checks
//! they know, and the small helpers they share (options, capped findings, schema validation).
//!
//! The probes walk `tools/list` and check each tool's schemas (`list.rs`), call every tool the
//! side-effect guard allows with arguments generated from its `inputSchema` (`crate::r#gen`) and
//! judge the results (`call.rs`) and the content blocks inside them (`content.rs`), and send
//! invalid (`invalid.rs`), argument-less (`no_arguments.rs`) or hostile (`hostile.rs`) calls.
//!
//! Each probe takes `{"check": ...}` (where it has several) so that one case file owns one
//! requirement, plus optional `timeout_ms` (per request, default 10 s) and `budget_ms` (the whole
//! probe, default 24 s; calls that would overrun it are skipped and say so). Not here: the
//! envelope and schema oracles (they see the same traffic on their own), and resources, prompts
//! or pagination (`probes/lists/`).

mod call;
mod content;
mod each;
mod hostile;
mod invalid;
mod list;
mod no_arguments;
mod request;
mod sweep;
mod values;
mod walk;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use mcpspec_schema::SchemaViolation;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{ProbeDef, ProbeResult};
use crate::case::model::Verdict;
use crate::session::Session;

pub use call::tools_call_each;
pub use each::ToolSweep;
pub use hostile::tools_call_hostile;
pub use invalid::tools_invalid_args;
pub use list::tools_list_walk;
pub use no_arguments::tools_call_no_arguments;
pub use values::{is_iso8601, is_mime_type, json_eq};

type Fut<'a> = Pin<Box<dyn Future<Output = ProbeResult> + Send + 'a>>;

/// The tool probes.
pub const PROBES: &[ProbeDef] = &[
    ProbeDef {
        name: "tools-list-walk",
        doc: "walks every page of tools/list and checks one property of the list (args.check: list-shape, unique-names, input-schema, output-schema, annotations, names)",
        run: tools_list_walk,
    },
    ProbeDef {
        name: "tools-call-each",
        doc: "calls every tool the guard allows with generated valid arguments (once per session, all at once) and checks one property of the results (args.check: result-shape, structured-content-present, structured-content-valid, text-fallback, errors-as-results, content-blocks, content-base64, content-mime-type, content-annotations, content-last-modified, content-text-and-blob, embedded-resource-capability, resource-links)",
        run: tools_call_each,
    },
    ProbeDef {
        name: "tools-invalid-args",
        doc: "sends arguments each tool's inputSchema rejects; an error or an isError result passes, a plain success is non-strict, a crash or silence fails",
        run: tools_invalid_args,
    },
    ProbeDef {
        name: "tools-call-no-arguments",
        doc: "calls each allowed tool that requires no property with `arguments` left out and with {}; both must be accepted",
        run: tools_call_no_arguments,
    },
    ProbeDef {
        name: "tools-call-hostile",
        doc: "sends hostile arguments (prototype keys, deep nesting, a 1 MiB string, unusual Unicode) to each tool; every call must be answered and the server must keep serving",
        run: tools_call_hostile,
    },
];

/// Checks `tools-list-walk` knows.
pub const LIST_CHECKS: &[&str] = &[
    "list-shape",
    "unique-names",
    "input-schema",
    "output-schema",
    "annotations",
    "names",
];

/// Checks `tools-call-each` knows.
pub const CALL_CHECKS: &[&str] = &[
    "result-shape",
    "structured-content-present",
    "structured-content-valid",
    "text-fallback",
    "errors-as-results",
    "content-blocks",
    "content-base64",
    "content-mime-type",
    "content-annotations",
    "content-last-modified",
    "content-text-and-blob",
    "embedded-resource-capability",
    "resource-links",
    "content-uris",
];

const DEFAULT_TIMEOUT_MS: u64 = 10_000;
const DEFAULT_BUDGET_MS: u64 = 24_000;
/// Findings listed per probe; the rest are counted.
const MAX_FINDINGS: usize = 20;

/// Options every tool probe reads from its arguments.
struct Opts {
    check: String,
    timeout: Duration,
    deadline: Instant,
}

impl Opts {
    fn new(args: &Value) -> Opts {
        let ms = |k: &str, d: u64| args.get(k).and_then(Value::as_u64).unwrap_or(d);
        Opts {
            check: args
                .get("check")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            timeout: Duration::from_millis(ms("timeout_ms", DEFAULT_TIMEOUT_MS).max(1)),
            deadline: Instant::now() + Duration::from_millis(ms("budget_ms", DEFAULT_BUDGET_MS)),
        }
    }

    /// The wait for one request: the per-request timeout, cut to what is left of the budget.
    /// `None` when less than a second is left.
    fn wait(&self) -> Option<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        (left >= Duration::from_secs(1)).then(|| left.min(self.timeout))
    }

    /// The untestable result for a `check` the probe does not know (a case file error).
    fn unknown_check(&self, probe: &str, known: &[&str]) -> Option<ProbeResult> {
        (!known.contains(&self.check.as_str())).then(|| {
            ProbeResult::untestable(format!(
                "{probe}: unknown check {:?} (a case file error)",
                self.check
            ))
        })
    }
}

/// Collects findings with a cap, so a server with hundreds of tools gives a readable report.
struct Findings {
    result: ProbeResult,
    dropped: usize,
}

impl Findings {
    fn new() -> Self {
        Findings {
            result: ProbeResult::pass(),
            dropped: 0,
        }
    }

    fn add(&mut self, verdict: Verdict, message: String, expected: &str, actual: String) {
        if verdict != Verdict::Pass && self.result.findings.len() >= MAX_FINDINGS {
            self.result.verdict = self.result.verdict.max(verdict);
            self.dropped += 1;
            return;
        }
        self.result.add(verdict, message, expected, actual);
    }

    fn finish(mut self) -> ProbeResult {
        if self.dropped > 0 {
            let v = self.result.verdict;
            self.result.add(
                v,
                format!("{} more finding(s) of this kind not listed", self.dropped),
                "",
                String::new(),
            );
        }
        self.result
    }

    /// As [`Findings::finish`], but untestable with `why` when nothing was `seen`.
    fn finish_seen(self, seen: usize, why: &str) -> ProbeResult {
        if seen == 0 {
            return ProbeResult::untestable(why);
        }
        self.finish()
    }
}

/// A check's result, or (as `Err`) the result that ended it early.
type Checked = Result<ProbeResult, ProbeResult>;

/// The result of a check either way it ended.
fn settle(checked: Checked) -> ProbeResult {
    checked.unwrap_or_else(|stop| stop)
}

/// The violations of `value` against one definition of the MCP schema; `Err` (untestable) when
/// mcpspec's schema lacks the definition.
fn violations(
    s: &Session,
    definition: &str,
    value: &Value,
) -> Result<Vec<SchemaViolation>, ProbeResult> {
    s.schema()
        .validate(definition, value)
        .map_err(|e| ProbeResult::untestable(format!("mcpspec's schema lacks a definition: {e}")))
}

fn tool_name(tool: &Value) -> Option<&str> {
    tool.get("name").and_then(Value::as_str)
}

fn input_schema(tool: &Value) -> Value {
    tool.get("inputSchema")
        .cloned()
        .unwrap_or_else(|| json!({ "type": "object" }))
}

fn is_error_result(result: &Value) -> bool {
    result.get("isError") == Some(&Value::Bool(true))
}

fn error_text(e: &Value) -> String {
    let code = e
        .get("code")
        .map(Value::to_string)
        .unwrap_or_else(|| "(no code)".into());
    let msg = e.get("message").and_then(Value::as_str).unwrap_or("");
    crate::wire::excerpt(&format!("{code} {msg}"))
}

fn excerpt(v: &Value) -> String {
    crate::wire::excerpt(&v.to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn registry_names_are_unique_and_documented() {
        let mut names = HashSet::new();
        for p in PROBES {
            assert!(names.insert(p.name), "{} twice", p.name);
            assert!(!p.doc.is_empty());
            assert!(crate::probes::find(p.name).is_some());
        }
    }

    #[test]
    fn case_files_use_known_checks() {
        let cases = crate::case::embedded_cases().expect("cases load");
        let mut used = HashSet::new();
        for lc in cases {
            for step in &lc.case.steps {
                let crate::case::model::Step::Probe(p) = step else {
                    continue;
                };
                let check = p.args.get("check").and_then(Value::as_str).unwrap_or("");
                let known = match p.name.as_str() {
                    "tools-list-walk" => LIST_CHECKS,
                    "tools-call-each" => CALL_CHECKS,
                    _ => continue,
                };
                assert!(
                    known.contains(&check),
                    "{}: unknown check {check:?}",
                    lc.path
                );
                used.insert(check.to_string());
            }
        }
        for c in LIST_CHECKS.iter().chain(CALL_CHECKS) {
            assert!(used.contains(*c), "no case uses check {c:?}");
        }
    }
}
