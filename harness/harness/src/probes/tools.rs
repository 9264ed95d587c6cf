//! Probes for tools and the content they return: walking `tools/list`, checking each tool's
//! schemas, calling every tool the side-effect guard allows with arguments generated from its
//! `inputSchema` (`gen.rs`), and judging the results, the content blocks inside them, and the
//! server's answers to invalid, hostile or argument-less calls.
//!
//! Each probe takes `{"check": ...}` (where it has several) so that one case file owns one
//! requirement, plus optional `timeout_ms` (per request, default 10 s) and `budget_ms` (the whole
//! probe, default 24 s; calls that would overrun it are skipped and say so). Not here: the
//! envelope and schema oracles (they see the same traffic on their own), and resources, prompts
//! or pagination (`lists.rs`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::{ProbeDef, ProbeResult};
use crate::case::model::Verdict;
use crate::r#gen;
use crate::session::{Incoming, RequestError, SendError, Session, WaitEnd};

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
        doc: "calls every tool the guard allows with generated valid arguments and checks one property of the results (args.check: result-shape, structured-content-present, structured-content-valid, text-fallback, errors-as-results, content-blocks, content-base64, content-mime-type, content-annotations, content-last-modified, content-text-and-blob, embedded-resource-capability, resource-links)",
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
];

const DEFAULT_TIMEOUT_MS: u64 = 10_000;
const DEFAULT_BUDGET_MS: u64 = 24_000;
/// Pages of `tools/list` followed before the walk stops.
const MAX_PAGES: usize = 100;
/// Tools read from `tools/list` before the walk stops.
const MAX_TOOLS: usize = 10_000;
/// Findings listed per probe; the rest are counted.
const MAX_FINDINGS: usize = 20;

// ---------------------------------------------------------------------------------------------
// Shared machinery

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
}

/// What `tools/list` gave, over all pages.
struct Listing {
    tools: Vec<Value>,
    /// Each page's `result`, in order.
    pages: Vec<Value>,
    /// Why the walk stopped early, if it did: (verdict for a check about the list itself, text).
    problem: Option<(Verdict, String)>,
    /// Set when the server died during the walk.
    gone: Option<String>,
}

/// Walks `tools/list` page by page (no `params` on the first request, `{cursor}` after), until a
/// page has no `nextCursor`, a cursor repeats, or the caps are reached.
async fn walk(s: &mut Session, o: &Opts) -> Listing {
    let mut out = Listing {
        tools: Vec::new(),
        pages: Vec::new(),
        problem: None,
        gone: None,
    };
    let mut cursor: Option<String> = None;
    let mut seen = HashSet::new();
    for _ in 0..MAX_PAGES {
        let Some(wait) = o.wait() else {
            out.problem = Some((
                Verdict::Informational,
                "the probe's time budget ran out while listing tools".into(),
            ));
            break;
        };
        let params = cursor.as_ref().map(|c| json!({ "cursor": c }));
        let reply = match s.request("tools/list", params, wait).await {
            Ok(reply) => reply,
            Err(e) => {
                if let Some(how) = s.gone() {
                    out.gone = Some(how.to_string());
                }
                out.problem = Some((Verdict::Fail, format!("tools/list got no answer: {e}")));
                break;
            }
        };
        let Some(result) = reply.value.get("result") else {
            out.problem = Some((
                Verdict::Fail,
                format!(
                    "tools/list was answered with an error: {}",
                    crate::wire::excerpt(
                        &reply
                            .value
                            .get("error")
                            .cloned()
                            .unwrap_or_default()
                            .to_string()
                    )
                ),
            ));
            break;
        };
        out.pages.push(result.clone());
        match result.get("tools").and_then(Value::as_array) {
            Some(tools) => out.tools.extend(tools.iter().cloned()),
            None => {
                out.problem = Some((
                    Verdict::Fail,
                    "a tools/list result has no `tools` array".into(),
                ));
                break;
            }
        }
        if out.tools.len() >= MAX_TOOLS {
            break;
        }
        match result.get("nextCursor") {
            Some(Value::String(next)) => {
                if !seen.insert(next.clone()) {
                    // A cursor seen before: the list loops. Pagination cases judge that.
                    break;
                }
                cursor = Some(next.clone());
            }
            _ => break,
        }
    }
    out
}

/// The walk as a precondition: the tools, or the probe's result when there is nothing to use.
async fn tools_or_stop(s: &mut Session, o: &Opts) -> Result<Vec<Value>, ProbeResult> {
    let listing = walk(s, o).await;
    if let Some(how) = listing.gone {
        return Err(ProbeResult::fail(
            format!("{how} while the harness listed tools"),
            "a server that keeps running",
            how,
        ));
    }
    if listing.tools.is_empty() {
        return Err(ProbeResult::untestable(match listing.problem {
            Some((_, why)) => why,
            None => "tools/list returned no tools".into(),
        }));
    }
    Ok(listing.tools)
}

fn tool_name(tool: &Value) -> Option<&str> {
    tool.get("name").and_then(Value::as_str)
}

fn input_schema(tool: &Value) -> Value {
    tool.get("inputSchema")
        .cloned()
        .unwrap_or_else(|| json!({ "type": "object" }))
}

/// Records why a tool was or was not called, without overwriting an earlier "called".
fn note_tool(s: &mut Session, name: &str, why: String) {
    let keep = s
        .tool_calls
        .get(name)
        .is_some_and(|w| w.starts_with("called"));
    if !keep {
        s.tool_calls.insert(name.to_string(), why);
    }
}

/// Tools that gave no answer in time, per session: later probes on the same session skip them
/// instead of waiting again (a slow tool is not a fault, and each case has a time budget). A
/// session is known by its server's pid together with the session's address, so a recycled pid
/// in a later session does not inherit the list.
type SlowKey = (u32, usize);

fn slow_tools() -> &'static Mutex<HashMap<SlowKey, HashSet<String>>> {
    static SLOW: OnceLock<Mutex<HashMap<SlowKey, HashSet<String>>>> = OnceLock::new();
    SLOW.get_or_init(|| Mutex::new(HashMap::new()))
}

fn slow_key(s: &Session) -> Option<SlowKey> {
    s.pid().map(|pid| (pid, s as *const Session as usize))
}

fn known_slow(s: &Session, name: &str) -> bool {
    let Some(key) = slow_key(s) else {
        return false;
    };
    slow_tools()
        .lock()
        .map(|m| m.get(&key).is_some_and(|set| set.contains(name)))
        .unwrap_or(false)
}

fn mark_slow(s: &Session, name: &str) {
    if let Some(key) = slow_key(s)
        && let Ok(mut m) = slow_tools().lock()
    {
        m.entry(key).or_default().insert(name.to_string());
    }
}

/// How one `tools/call` ended.
#[derive(Debug, Clone)]
enum Answer {
    /// A result object.
    Result(Value),
    /// A JSON-RPC error object.
    Error(Value),
    /// Nothing within the wait (a cancellation was sent).
    Silent(Duration),
    /// The server died or stopped reading.
    Gone(String),
    /// The harness could not send it (its own bug).
    NotSent(String),
}

/// Sends one `tools/call` with these params and waits. With `check` false the request skips the
/// harness-origin schema check (for arguments that are invalid on purpose). After silence, a
/// `notifications/cancelled` is sent for the request.
async fn call(s: &mut Session, params: Value, check: bool, wait: Duration) -> Answer {
    let id = s.next_request_id();
    let message = json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params });
    match s.send(&message, check).await {
        Ok(()) => {}
        Err(SendError::HarnessOrigin(why)) => return Answer::NotSent(why),
        Err(SendError::Transport(e)) => {
            return Answer::Gone(format!("the server stopped reading its input: {e}"));
        }
    }
    match s.wait_response(&id, false, Instant::now() + wait).await {
        Ok(reply) => answer_of(&reply),
        Err(WaitEnd::TimedOut) => {
            let _ = s
                .notify(
                    "notifications/cancelled",
                    Some(json!({ "requestId": id, "reason": "mcpspec: no answer in time" })),
                )
                .await;
            Answer::Silent(wait)
        }
        Err(WaitEnd::Gone(how)) => Answer::Gone(how),
    }
}

fn answer_of(reply: &Incoming) -> Answer {
    match (reply.value.get("result"), reply.value.get("error")) {
        (Some(r), _) => Answer::Result(r.clone()),
        (None, Some(e)) => Answer::Error(e.clone()),
        (None, None) => Answer::Error(Value::Null),
    }
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

/// One tool called with generated arguments.
struct Called {
    name: String,
    tool: Value,
    answer: Answer,
}

/// Calls every tool `want` picks that the guard allows, with generated valid arguments, within
/// the budget. Returns the calls, or the probe's result when nothing could be exercised or the
/// server died.
async fn call_each(
    s: &mut Session,
    o: &Opts,
    want: impl Fn(&Value) -> bool,
    none_wanted: &str,
) -> Result<Vec<Called>, ProbeResult> {
    let tools = tools_or_stop(s, o).await?;
    let picked: Vec<Value> = tools.into_iter().filter(|t| want(t)).collect();
    if picked.is_empty() {
        return Err(ProbeResult::untestable(none_wanted));
    }
    let mut called = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    for tool in picked {
        let Some(name) = tool_name(&tool).map(str::to_string) else {
            continue;
        };
        let allowed = match s.tool_guard.decide(&tool) {
            Ok(why) => why,
            Err(why) => {
                note_tool(s, &name, why);
                skipped.push(format!("{name} (guard)"));
                continue;
            }
        };
        let args = match r#gen::example(&input_schema(&tool)) {
            Ok(g) if g.value.is_object() => g.value,
            Ok(g) => {
                note_tool(
                    s,
                    &name,
                    format!(
                        "not called: its inputSchema describes {}, not an object",
                        r#gen::type_name(&g.value)
                    ),
                );
                skipped.push(format!("{name} (arguments)"));
                continue;
            }
            Err(why) => {
                note_tool(
                    s,
                    &name,
                    format!("not called: no valid arguments could be generated ({why})"),
                );
                skipped.push(format!("{name} (arguments)"));
                continue;
            }
        };
        if known_slow(s, &name) {
            skipped.push(format!("{name} (no answer earlier in this session)"));
            continue;
        }
        let Some(wait) = o.wait() else {
            note_tool(
                s,
                &name,
                "not called: the probe's time budget ran out".into(),
            );
            skipped.push(format!("{name} (time budget)"));
            continue;
        };
        let answer = call(s, json!({ "name": name, "arguments": args }), true, wait).await;
        note_tool(s, &name, allowed);
        match &answer {
            Answer::Gone(how) => {
                return Err(ProbeResult::fail(
                    format!("{how} during a call of tool `{name}` with valid arguments"),
                    "a server that answers tools/call and keeps running",
                    how.clone(),
                ));
            }
            Answer::Silent(_) => mark_slow(s, &name),
            _ => {}
        }
        called.push(Called { name, tool, answer });
    }
    let answered = called
        .iter()
        .any(|c| matches!(c.answer, Answer::Result(_) | Answer::Error(_)));
    if !answered {
        let mut why = "no tool could be called and answered".to_string();
        if !skipped.is_empty() {
            why.push_str(&format!(" (skipped: {})", skipped.join(", ")));
        }
        let silent: Vec<&str> = called
            .iter()
            .filter(|c| matches!(c.answer, Answer::Silent(_)))
            .map(|c| c.name.as_str())
            .collect();
        if !silent.is_empty() {
            why.push_str(&format!(" (no answer in time: {})", silent.join(", ")));
        }
        return Err(ProbeResult::untestable(why));
    }
    Ok(called)
}

/// The results (not errors) among the calls, with the tool each came from.
fn results(called: &[Called]) -> impl Iterator<Item = (&Called, &Value)> {
    called.iter().filter_map(|c| match &c.answer {
        Answer::Result(r) => Some((c, r)),
        _ => None,
    })
}

/// Every content block of every result: (tool name, index, block).
fn blocks(called: &[Called]) -> Vec<(&str, usize, &Value)> {
    let mut out = Vec::new();
    for (c, r) in results(called) {
        if let Some(items) = r.get("content").and_then(Value::as_array) {
            for (i, b) in items.iter().enumerate() {
                out.push((c.name.as_str(), i, b));
            }
        }
    }
    out
}

fn block_type(b: &Value) -> &str {
    b.get("type").and_then(Value::as_str).unwrap_or("")
}

// ---------------------------------------------------------------------------------------------
// tools-list-walk

/// Walks every page of `tools/list` and checks one property of the whole list, chosen by
/// `args.check`: `list-shape` (each page is a valid ListToolsResult, TOOLS-002), `unique-names`
/// (no name twice across pages, TOOLS-003), `input-schema` (each inputSchema has type object and
/// compiles, TOOLS-004), `output-schema` (each outputSchema likewise, TOOLS-005), `annotations`
/// (ToolAnnotations types, TOOLS-015), `names` (no empty name, non-strict, TOOLS-018).
pub fn tools_list_walk<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let o = Opts::new(args);
        if !LIST_CHECKS.contains(&o.check.as_str()) {
            return ProbeResult::untestable(format!(
                "tools-list-walk: unknown check {:?} (a case file error)",
                o.check
            ));
        }
        let listing = walk(s, &o).await;
        if let Some(how) = &listing.gone {
            return ProbeResult::fail(
                format!("{how} while the harness listed tools"),
                "a server that keeps running",
                how.clone(),
            );
        }
        if o.check == "list-shape" {
            return list_shape(s, &listing);
        }
        if listing.tools.is_empty() {
            return ProbeResult::untestable(match listing.problem {
                Some((_, why)) => why,
                None => "tools/list returned no tools".into(),
            });
        }
        match o.check.as_str() {
            "unique-names" => unique_names(&listing.tools),
            "input-schema" => tool_schemas(&listing.tools, "inputSchema"),
            "output-schema" => tool_schemas(&listing.tools, "outputSchema"),
            "annotations" => annotation_types(s, &listing.tools),
            _ => empty_names(&listing.tools),
        }
    })
}

fn list_shape(s: &Session, listing: &Listing) -> ProbeResult {
    let mut f = Findings::new();
    if let Some((verdict, why)) = &listing.problem {
        f.add(
            *verdict,
            why.clone(),
            "every tools/list page answered with a ListToolsResult",
            why.clone(),
        );
    }
    for (i, page) in listing.pages.iter().enumerate() {
        match s.schema().validate("ListToolsResult", page) {
            Ok(violations) => {
                for v in violations.iter().take(5) {
                    f.add(
                        Verdict::Fail,
                        format!(
                            "page {} of tools/list is not a valid ListToolsResult: {v}",
                            i + 1
                        ),
                        "a result valid against ListToolsResult",
                        crate::wire::excerpt(
                            &page
                                .pointer(&v.instance_path)
                                .map(Value::to_string)
                                .unwrap_or_else(|| "(absent)".into()),
                        ),
                    );
                }
            }
            Err(e) => {
                return ProbeResult::untestable(format!(
                    "mcpspec's schema lacks a definition: {e}"
                ));
            }
        }
    }
    f.finish()
}

fn unique_names(tools: &[Value]) -> ProbeResult {
    let mut f = Findings::new();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for t in tools {
        if let Some(n) = tool_name(t) {
            *count.entry(n).or_default() += 1;
        }
    }
    for (name, n) in count.iter().filter(|(_, n)| **n > 1) {
        f.add(
            Verdict::Fail,
            format!("tool name `{name}` appears {n} times across the pages of tools/list"),
            "each tool name once",
            format!("`{name}` x{n}"),
        );
    }
    f.finish()
}

/// TOOLS-004 / TOOLS-005: `type` must be "object" and the schema must compile in its dialect.
fn tool_schemas(tools: &[Value], member: &str) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for t in tools {
        let name = tool_name(t).unwrap_or("(unnamed)");
        let Some(schema) = t.get(member) else {
            if member == "inputSchema" {
                f.add(
                    Verdict::Fail,
                    format!("tool `{name}` has no inputSchema"),
                    "an inputSchema object",
                    "(absent)".into(),
                );
            }
            continue;
        };
        seen += 1;
        if !schema.is_object() {
            f.add(
                Verdict::Fail,
                format!("tool `{name}`: {member} is not a JSON object"),
                "a JSON Schema object",
                excerpt(schema),
            );
            continue;
        }
        if schema.get("type") != Some(&Value::String("object".into())) {
            f.add(
                Verdict::Fail,
                format!("tool `{name}`: {member} does not have type \"object\""),
                "type: \"object\"",
                excerpt(schema.get("type").unwrap_or(&Value::Null)),
            );
        }
        if let Err(why) = r#gen::compile(schema, false) {
            let verdict = if r#gen::has_external_ref(schema) {
                // Not fetched by design (no network): cannot tell whether it would compile.
                Verdict::Informational
            } else {
                Verdict::Fail
            };
            f.add(
                verdict,
                format!("tool `{name}`: {member} does not compile as JSON Schema: {why}"),
                "a JSON Schema that compiles (draft-07, or the dialect its $schema names)",
                excerpt(schema),
            );
        }
    }
    if seen == 0 && member == "outputSchema" {
        return ProbeResult::untestable("no tool declares an outputSchema");
    }
    f.finish()
}

fn annotation_types(s: &Session, tools: &[Value]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for t in tools {
        let Some(a) = t.get("annotations") else {
            continue;
        };
        seen += 1;
        let name = tool_name(t).unwrap_or("(unnamed)");
        match s.schema().validate("ToolAnnotations", a) {
            Ok(violations) => {
                for v in violations.iter().take(3) {
                    f.add(
                        Verdict::Fail,
                        format!("tool `{name}`: annotations are not valid ToolAnnotations: {v}"),
                        "title a string; readOnlyHint, destructiveHint, idempotentHint, openWorldHint booleans",
                        excerpt(a),
                    );
                }
            }
            Err(e) => {
                return ProbeResult::untestable(format!(
                    "mcpspec's schema lacks a definition: {e}"
                ));
            }
        }
    }
    if seen == 0 {
        return ProbeResult::untestable("no tool carries annotations");
    }
    f.finish()
}

fn empty_names(tools: &[Value]) -> ProbeResult {
    let mut f = Findings::new();
    for (i, t) in tools.iter().enumerate() {
        if tool_name(t).is_some_and(|n| n.trim().is_empty()) {
            f.add(
                Verdict::NonStrict,
                format!("tool {i} of tools/list has an empty name"),
                "a non-empty programmatic name",
                excerpt(t.get("name").unwrap_or(&Value::Null)),
            );
        }
    }
    f.finish()
}

// ---------------------------------------------------------------------------------------------
// tools-call-each

/// Calls every tool the guard allows (each decision is recorded for the report) with arguments
/// generated from its inputSchema, and checks one property of the answers, chosen by
/// `args.check`: `result-shape` (CallToolResult, TOOLS-006), `structured-content-present` and
/// `structured-content-valid` (tools with an outputSchema, TOOLS-007), `text-fallback` (a text
/// block holding the structuredContent JSON, TOOLS-008), `errors-as-results` (failures as isError
/// results, TOOLS-011), `content-blocks` (ContentBlock, CONTENT-001), `content-base64` (image and
/// audio data and blobs, CONTENT-002/003), `content-mime-type` (type/subtype, CONTENT-002),
/// `content-annotations` (CONTENT-004), `content-last-modified` (ISO 8601, CONTENT-004),
/// `content-text-and-blob` (CONTENT-007), `embedded-resource-capability` (TOOLS-016) and
/// `resource-links` (TOOLS-017). Tools without a usable answer are left out of the verdict.
pub fn tools_call_each<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let o = Opts::new(args);
        if !CALL_CHECKS.contains(&o.check.as_str()) {
            return ProbeResult::untestable(format!(
                "tools-call-each: unknown check {:?} (a case file error)",
                o.check
            ));
        }
        let structured_only = o.check.starts_with("structured-content");
        let want = |t: &Value| !structured_only || t.get("outputSchema").is_some();
        let called = match call_each(s, &o, want, "no tool declares an outputSchema").await {
            Ok(c) => c,
            Err(r) => return r,
        };
        match o.check.as_str() {
            "result-shape" => result_shape(s, &called),
            "structured-content-present" => structured_present(&called),
            "structured-content-valid" => structured_valid(&called),
            "text-fallback" => text_fallback(&called),
            "errors-as-results" => errors_as_results(&called),
            "content-blocks" => content_blocks(s, &called),
            "content-base64" => content_base64(&called),
            "content-mime-type" => content_mime(&called),
            "content-annotations" => content_annotations(s, &called),
            "content-last-modified" => content_last_modified(&called),
            "content-text-and-blob" => content_text_and_blob(&called),
            "embedded-resource-capability" => embedded_capability(s, &called),
            _ => resource_links(s, &o, &called).await,
        }
    })
}

fn result_shape(s: &Session, called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (c, r) in results(called) {
        seen += 1;
        match s.schema().validate("CallToolResult", r) {
            Ok(violations) => {
                for v in violations.iter().take(3) {
                    f.add(
                        Verdict::Fail,
                        format!(
                            "the result of tool `{}` is not a valid CallToolResult: {v}",
                            c.name
                        ),
                        "a result with a `content` array of content blocks",
                        excerpt(r),
                    );
                }
            }
            Err(e) => {
                return ProbeResult::untestable(format!(
                    "mcpspec's schema lacks a definition: {e}"
                ));
            }
        }
    }
    if seen == 0 {
        return ProbeResult::untestable(
            "every call was answered with an error, none with a result",
        );
    }
    f.finish()
}

/// Results of tools that declare an outputSchema and did not report an error.
fn structured_candidates(called: &[Called]) -> Vec<(&Called, &Value)> {
    results(called)
        .filter(|(c, r)| c.tool.get("outputSchema").is_some() && !is_error_result(r))
        .collect()
}

fn structured_present(called: &[Called]) -> ProbeResult {
    let candidates = structured_candidates(called);
    if candidates.is_empty() {
        return ProbeResult::untestable(
            "no tool with an outputSchema returned a result without isError",
        );
    }
    let mut f = Findings::new();
    for (c, r) in candidates {
        match r.get("structuredContent") {
            Some(Value::Object(_)) => {}
            Some(other) => f.add(
                Verdict::Fail,
                format!(
                    "tool `{}` declares an outputSchema but its structuredContent is not an object",
                    c.name
                ),
                "structuredContent: a JSON object",
                excerpt(other),
            ),
            None => f.add(
                Verdict::Fail,
                format!(
                    "tool `{}` declares an outputSchema but its result has no structuredContent",
                    c.name
                ),
                "a structuredContent object conforming to the outputSchema",
                excerpt(r),
            ),
        }
    }
    f.finish()
}

fn structured_valid(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (c, r) in structured_candidates(called) {
        let Some(content) = r.get("structuredContent").filter(|v| v.is_object()) else {
            continue;
        };
        let Some(schema) = c.tool.get("outputSchema") else {
            continue;
        };
        // A schema that does not compile is judged by the output-schema case, not here.
        let Ok(compiled) = r#gen::compile(schema, false) else {
            continue;
        };
        seen += 1;
        for e in compiled.validator.iter_errors(content).take(3) {
            let at = e.instance_path().to_string();
            f.add(
                Verdict::Fail,
                format!(
                    "the structuredContent of tool `{}` does not conform to its outputSchema: {e} at {}",
                    c.name,
                    if at.is_empty() { "(root)" } else { at.as_str() }
                ),
                "structuredContent valid against the tool's outputSchema",
                excerpt(content),
            );
        }
    }
    if seen == 0 {
        return ProbeResult::untestable(
            "no result of a tool with a compilable outputSchema carried structuredContent",
        );
    }
    f.finish()
}

fn text_fallback(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (c, r) in results(called) {
        let Some(structured) = r.get("structuredContent").filter(|v| v.is_object()) else {
            continue;
        };
        seen += 1;
        let found = r
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|b| block_type(b) == "text")
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .filter_map(|t| serde_json::from_str::<Value>(t).ok())
            .any(|parsed| json_eq(&parsed, structured));
        if !found {
            f.add(
                Verdict::NonStrict,
                format!(
                    "the result of tool `{}` has structuredContent but no text block holding it as JSON",
                    c.name
                ),
                "a text content block whose text parses to the same JSON as structuredContent",
                excerpt(r.get("content").unwrap_or(&Value::Null)),
            );
        }
    }
    if seen == 0 {
        return ProbeResult::untestable("no result carried structuredContent");
    }
    f.finish()
}

fn errors_as_results(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut failures = 0;
    for c in called {
        match &c.answer {
            Answer::Result(r) if is_error_result(r) => failures += 1,
            Answer::Error(e) => {
                failures += 1;
                let invalid_params = e.get("code").and_then(Value::as_i64) == Some(-32602);
                let (verdict, message) = if invalid_params {
                    (
                        Verdict::Informational,
                        format!(
                            "tool `{}` called with schema-valid arguments answered -32602 (invalid params); the arguments may break a rule the schema does not state",
                            c.name
                        ),
                    )
                } else {
                    (
                        Verdict::NonStrict,
                        format!(
                            "tool `{}` failed with a JSON-RPC error instead of a result with isError: true",
                            c.name
                        ),
                    )
                };
                f.add(
                    verdict,
                    message,
                    "a failure inside the tool reported as a CallToolResult with isError: true",
                    error_text(e),
                );
            }
            _ => {}
        }
    }
    if failures == 0 {
        return ProbeResult::untestable(
            "no tool call failed, so how failures are reported could not be seen",
        );
    }
    f.finish()
}

fn content_blocks(s: &Session, called: &[Called]) -> ProbeResult {
    let all = blocks(called);
    if all.is_empty() {
        return ProbeResult::untestable("no result carried a content block");
    }
    let mut f = Findings::new();
    for (name, i, b) in all {
        match s.schema().validate("ContentBlock", b) {
            Ok(violations) => {
                if let Some(v) = violations.first() {
                    f.add(
                        Verdict::Fail,
                        format!(
                            "content block {i} of tool `{name}` (type {:?}) is not a valid content block: {v}",
                            block_type(b)
                        ),
                        "one of text, image, audio, resource_link or resource, with its required fields",
                        excerpt(b),
                    );
                }
            }
            Err(e) => {
                return ProbeResult::untestable(format!(
                    "mcpspec's schema lacks a definition: {e}"
                ));
            }
        }
    }
    f.finish()
}

fn content_base64(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (name, i, b) in blocks(called) {
        let payload = match block_type(b) {
            "image" | "audio" => b.get("data").map(|d| ("data", d)),
            "resource" => b.pointer("/resource/blob").map(|d| ("resource.blob", d)),
            _ => None,
        };
        let Some((field, data)) = payload else {
            continue;
        };
        seen += 1;
        let ok = data.as_str().is_some_and(mcpspec_schema::is_strict_base64);
        if !ok {
            f.add(
                Verdict::Fail,
                format!(
                    "content block {i} of tool `{name}` ({}): `{field}` is not valid base64",
                    block_type(b)
                ),
                "standard base64 (RFC 4648 alphabet, with padding)",
                excerpt(data),
            );
        }
    }
    if seen == 0 {
        return ProbeResult::untestable("no result carried image or audio data or a blob");
    }
    f.finish()
}

fn content_mime(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (name, i, b) in blocks(called) {
        let kind = block_type(b);
        if kind != "image" && kind != "audio" {
            continue;
        }
        seen += 1;
        let Some(mime) = b.get("mimeType").and_then(Value::as_str) else {
            f.add(
                Verdict::Fail,
                format!("{kind} block {i} of tool `{name}` has no string mimeType"),
                "a mimeType such as image/png",
                excerpt(b.get("mimeType").unwrap_or(&Value::Null)),
            );
            continue;
        };
        if !is_mime_type(mime) {
            f.add(
                Verdict::Fail,
                format!(
                    "{kind} block {i} of tool `{name}` has a mimeType that is not type/subtype"
                ),
                "a MIME type of the form type/subtype (RFC 6838)",
                mime.to_string(),
            );
            continue;
        }
        let head = b.get("data").and_then(Value::as_str).map(decode_head);
        if let Some(Some(bytes)) = head
            && let Some(false) = magic_matches(mime, &bytes)
        {
            f.add(
                Verdict::NonStrict,
                format!("{kind} block {i} of tool `{name}`: the data does not start like {mime}"),
                &format!("data whose leading bytes fit {mime}"),
                format!("{:02x?}", &bytes[..bytes.len().min(8)]),
            );
        }
    }
    if seen == 0 {
        return ProbeResult::untestable("no result carried an image or audio block");
    }
    f.finish()
}

fn content_annotations(s: &Session, called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (name, i, b) in blocks(called) {
        let Some(a) = b.get("annotations") else {
            continue;
        };
        seen += 1;
        match s.schema().validate("Annotations", a) {
            Ok(violations) => {
                for v in violations.iter().take(3) {
                    f.add(
                        Verdict::Fail,
                        format!(
                            "annotations of content block {i} of tool `{name}` are invalid: {v}"
                        ),
                        "audience only \"user\"/\"assistant\", priority a number from 0 to 1",
                        excerpt(a),
                    );
                }
            }
            Err(e) => {
                return ProbeResult::untestable(format!(
                    "mcpspec's schema lacks a definition: {e}"
                ));
            }
        }
    }
    if seen == 0 {
        return ProbeResult::untestable("no content block carried annotations");
    }
    f.finish()
}

fn content_last_modified(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (name, i, b) in blocks(called) {
        let Some(Value::String(t)) = b.pointer("/annotations/lastModified") else {
            continue;
        };
        seen += 1;
        if !is_iso8601(t) {
            f.add(
                Verdict::NonStrict,
                format!("annotations.lastModified of content block {i} of tool `{name}` is not an ISO 8601 timestamp"),
                "an ISO 8601 timestamp such as 2025-01-01T00:00:00Z",
                t.clone(),
            );
        }
    }
    if seen == 0 {
        return ProbeResult::untestable("no content block carried annotations.lastModified");
    }
    f.finish()
}

fn content_text_and_blob(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (name, i, b) in blocks(called) {
        if block_type(b) != "resource" {
            continue;
        }
        let Some(res) = b.get("resource") else {
            continue;
        };
        seen += 1;
        if res.get("text").is_some() && res.get("blob").is_some() {
            f.add(
                Verdict::NonStrict,
                format!(
                    "the embedded resource in block {i} of tool `{name}` carries both text and blob"
                ),
                "either text or blob",
                excerpt(res),
            );
        }
    }
    if seen == 0 {
        return ProbeResult::untestable("no result carried an embedded resource");
    }
    f.finish()
}

fn embedded_capability(s: &Session, called: &[Called]) -> ProbeResult {
    if s.server_has("resources") {
        return ProbeResult::pass();
    }
    let embedded: Vec<String> = blocks(called)
        .into_iter()
        .filter(|(_, _, b)| block_type(b) == "resource")
        .map(|(name, i, _)| format!("{name}#{i}"))
        .collect();
    if embedded.is_empty() {
        return ProbeResult::untestable(
            "the server declares no resources capability and no result carried an embedded resource",
        );
    }
    let mut f = Findings::new();
    f.add(
        Verdict::NonStrict,
        format!(
            "tools returned embedded resources although the server does not declare the resources capability ({})",
            embedded.join(", ")
        ),
        "the resources capability declared by a server whose tools embed resources",
        "capabilities without `resources`".into(),
    );
    f.finish()
}

async fn resource_links(s: &mut Session, o: &Opts, called: &[Called]) -> ProbeResult {
    let links: Vec<(String, usize, Value)> = blocks(called)
        .into_iter()
        .filter(|(_, _, b)| block_type(b) == "resource_link")
        .map(|(n, i, b)| (n.to_string(), i, b.clone()))
        .collect();
    if links.is_empty() {
        return ProbeResult::untestable("no result carried a resource_link block");
    }
    let mut f = Findings::new();
    let readable = s.server_has("resources");
    let mut tried = HashSet::new();
    for (name, i, link) in links {
        if let Ok(violations) = s.schema().validate("ResourceLink", &link)
            && let Some(v) = violations.first()
        {
            f.add(
                Verdict::Informational,
                format!(
                    "resource_link block {i} of tool `{name}` is not a valid ResourceLink: {v}"
                ),
                "type, uri (a URI) and name",
                excerpt(&link),
            );
            continue;
        }
        let Some(uri) = link.get("uri").and_then(Value::as_str) else {
            continue;
        };
        if !readable || !tried.insert(uri.to_string()) {
            continue;
        }
        let Some(wait) = o.wait() else { break };
        match s
            .request("resources/read", Some(json!({ "uri": uri })), wait)
            .await
        {
            Ok(reply) if reply.value.get("result").is_some() => {}
            Ok(reply) => f.add(
                Verdict::Informational,
                format!("the resource_link {uri} of tool `{name}` could not be read (links need not be readable)"),
                "a readable resource (not required)",
                excerpt(reply.value.get("error").unwrap_or(&Value::Null)),
            ),
            Err(RequestError::Wait(WaitEnd::Gone(how))) => {
                return ProbeResult::fail(
                    format!("{how} while the harness read a linked resource"),
                    "a server that keeps running",
                    how,
                );
            }
            Err(e) => f.add(
                Verdict::Informational,
                format!("reading the resource_link {uri} of tool `{name}` got no answer: {e}"),
                "an answer to resources/read",
                e.to_string(),
            ),
        }
    }
    f.finish()
}

// ---------------------------------------------------------------------------------------------
// tools-invalid-args

/// Sends, for each tool, arguments its inputSchema rejects: a required property left out, a
/// property of the wrong type, `arguments` as an array, and an unexpected property where
/// `additionalProperties` is false (TOOLS-010). Tools the guard does not allow only get variants
/// without valid sibling arguments, so no variant amounts to a real call of them. A JSON-RPC
/// error or an isError result passes; a plain success is non-strict (the server may have coerced
/// the input), and so is silence from a tool the guard allows (it is probably running); silence
/// from any other tool, or a crash, fails. A final ping must still be answered.
pub fn tools_invalid_args<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let o = Opts::new(args);
        let tools = match tools_or_stop(s, &o).await {
            Ok(t) => t,
            Err(r) => return r,
        };
        let mut f = Findings::new();
        let mut sent = 0;
        for tool in &tools {
            let Some(name) = tool_name(tool).map(str::to_string) else {
                continue;
            };
            let allowed = s.tool_guard.decide(tool);
            let with_siblings = allowed.is_ok();
            let schema = input_schema(tool);
            let before = sent;
            for v in r#gen::variants(&schema, with_siblings) {
                let Some(wait) = o.wait() else { break };
                let check = v.kind != r#gen::VariantKind::ArgumentsArray;
                let answer = call(
                    s,
                    json!({ "name": name, "arguments": v.value }),
                    check,
                    wait,
                )
                .await;
                sent += 1;
                match answer {
                    Answer::Error(_) => {}
                    Answer::Result(r) if is_error_result(&r) => {}
                    Answer::Result(r) => f.add(
                        Verdict::NonStrict,
                        format!(
                            "tool `{name}` accepted invalid arguments ({}) with a normal result",
                            v.label
                        ),
                        "a JSON-RPC error (preferably -32602) or a result with isError: true",
                        excerpt(&r),
                    ),
                    // A tool the guard allows got arguments that are otherwise valid: silence
                    // most likely means it is running with them, which is as lenient as a plain
                    // success. Silence from a call that cannot run is a hang.
                    Answer::Silent(w) => f.add(
                        if with_siblings {
                            Verdict::NonStrict
                        } else {
                            Verdict::Fail
                        },
                        format!(
                            "tool `{name}` with invalid arguments ({}) got no answer within {} ms",
                            v.label,
                            w.as_millis()
                        ),
                        "an answer: an error or a result with isError: true",
                        "nothing".into(),
                    ),
                    Answer::Gone(how) => {
                        f.add(
                            Verdict::Fail,
                            format!(
                                "{how} after tool `{name}` was sent invalid arguments ({})",
                                v.label
                            ),
                            "a server that rejects invalid arguments and keeps running",
                            how.clone(),
                        );
                        return f.finish();
                    }
                    Answer::NotSent(why) => {
                        return ProbeResult::untestable(format!(
                            "mcpspec could not send a variant: {why}"
                        ));
                    }
                }
            }
            let why = match allowed {
                Ok(why) => why,
                Err(why) if sent > before => {
                    format!("{why}; only sent arguments its schema rejects")
                }
                Err(why) => why,
            };
            note_tool(s, &name, why);
        }
        if sent == 0 {
            return ProbeResult::untestable(
                "no tool has an inputSchema from which invalid arguments could be built",
            );
        }
        still_serving(s, &mut f, "invalid tool arguments").await;
        f.finish()
    })
}

/// A final ping: the server must still answer after what the probe sent.
async fn still_serving(s: &mut Session, f: &mut Findings, after: &str) {
    match s.request("ping", None, Duration::from_secs(3)).await {
        Ok(_) => {}
        Err(e) => f.add(
            Verdict::Fail,
            format!("ping after {after} got no answer: {e}"),
            "a server that keeps serving",
            e.to_string(),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// tools-call-no-arguments

/// For each tool the guard allows whose inputSchema requires nothing, calls it once with
/// `arguments` left out and once with `arguments: {}` (TOOLS-013). Both forms must be accepted:
/// a JSON-RPC error for one form while the other got a result fails. A tool that errs both ways
/// is left out of the verdict (it fails for its own reasons).
pub fn tools_call_no_arguments<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let o = Opts::new(args);
        let tools = match tools_or_stop(s, &o).await {
            Ok(t) => t,
            Err(r) => return r,
        };
        let mut f = Findings::new();
        let mut judged = 0;
        let mut eligible = 0;
        for tool in &tools {
            let Some(name) = tool_name(tool).map(str::to_string) else {
                continue;
            };
            if !r#gen::required_properties(&input_schema(tool)).is_empty() {
                continue;
            }
            let why = match s.tool_guard.decide(tool) {
                Ok(why) => why,
                Err(why) => {
                    note_tool(s, &name, why);
                    continue;
                }
            };
            eligible += 1;
            if known_slow(s, &name) {
                continue;
            }
            let mut answers = Vec::new();
            for params in [
                json!({ "name": name }),
                json!({ "name": name, "arguments": {} }),
            ] {
                let Some(wait) = o.wait() else { break };
                let a = call(s, params, true, wait).await;
                if let Answer::Gone(how) = &a {
                    f.add(
                        Verdict::Fail,
                        format!("{how} during a call of tool `{name}` without arguments"),
                        "a server that keeps running",
                        how.clone(),
                    );
                    return f.finish();
                }
                if matches!(a, Answer::Silent(_)) {
                    mark_slow(s, &name);
                }
                answers.push(a);
            }
            note_tool(s, &name, why);
            let [omitted, empty] = answers.as_slice() else {
                continue;
            };
            match (omitted, empty) {
                (Answer::Result(_), Answer::Result(_)) => judged += 1,
                (Answer::Error(e), Answer::Result(_)) => {
                    judged += 1;
                    f.add(
                        Verdict::Fail,
                        format!("tool `{name}` rejected a call that left out `arguments` (it accepted arguments: {{}})"),
                        "a result: `arguments` is optional and the tool requires no property",
                        error_text(e),
                    );
                }
                (Answer::Result(_), Answer::Error(e)) => {
                    judged += 1;
                    f.add(
                        Verdict::Fail,
                        format!("tool `{name}` rejected arguments: {{}} (it accepted a call without `arguments`)"),
                        "a result: the tool requires no property",
                        error_text(e),
                    );
                }
                _ => {}
            }
        }
        if judged == 0 {
            return ProbeResult::untestable(if eligible == 0 {
                "no tool that the guard allows requires no arguments".to_string()
            } else {
                "no tool without required properties answered both calls with a result".to_string()
            });
        }
        f.finish()
    })
}

// ---------------------------------------------------------------------------------------------
// tools-call-hostile

/// A 1 MiB string.
fn big_string() -> String {
    "mcpspec-".repeat(128 * 1024)
}

/// Nesting 64 arrays deep: deep enough to stress a tool's input handling, shallow enough that
/// the JSON parsers of common SDKs still read the message.
fn deep_value() -> Value {
    let mut v = json!("mcpspec");
    for _ in 0..64 {
        v = Value::Array(vec![v]);
    }
    v
}

const UNUSUAL_TEXT: &str = "\u{0}\u{7}\u{202e}\u{feff}e\u{301}\u{1F469}\u{200D}\u{1F467}\u{fffd}\u{10ffff}\\\"'<>%s%n{{x}}";

/// Sends hostile arguments to each tool (TOOLS-012): `__proto__` and `constructor` keys, a value
/// nested 64 arrays deep, a 1 MiB string and a string of unusual Unicode. Tools the guard allows
/// get them next to valid arguments; other tools only get them where the result is still invalid
/// for the schema (a required property missing or mistyped). Every call must be answered (a
/// result or an error, either is fine) and a final ping too; silence or a crash fails, except
/// silence on a payload the schema accepts (a real call of a slow tool), which is not judged.
pub fn tools_call_hostile<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let o = Opts::new(args);
        let tools = match tools_or_stop(s, &o).await {
            Ok(t) => t,
            Err(r) => return r,
        };
        let mut f = Findings::new();
        let mut sent = 0;
        for tool in &tools {
            let Some(name) = tool_name(tool).map(str::to_string) else {
                continue;
            };
            let decision = s.tool_guard.decide(tool);
            let schema = input_schema(tool);
            let compiled = r#gen::compile(&schema, false).ok();
            let payloads = hostile_payloads(&schema, decision.is_ok());
            let before = sent;
            for (label, arguments) in payloads {
                if known_slow(s, &name) {
                    break;
                }
                let Some(wait) = o.wait() else { break };
                // A payload the schema accepts is a real call: a slow tool may take its time.
                let valid_call = compiled
                    .as_ref()
                    .is_some_and(|c| c.validator.is_valid(&arguments));
                let answer = call(
                    s,
                    json!({ "name": name, "arguments": arguments }),
                    false,
                    wait,
                )
                .await;
                sent += 1;
                match answer {
                    Answer::Result(_) | Answer::Error(_) => {}
                    Answer::Silent(_) if valid_call => mark_slow(s, &name),
                    Answer::Silent(w) => f.add(
                        Verdict::Fail,
                        format!(
                            "tool `{name}` with {label} got no answer within {} ms",
                            w.as_millis()
                        ),
                        "a result or an error",
                        "nothing".into(),
                    ),
                    Answer::Gone(how) => {
                        f.add(
                            Verdict::Fail,
                            format!("{how} after tool `{name}` was sent {label}"),
                            "a server that survives hostile input",
                            how.clone(),
                        );
                        return f.finish();
                    }
                    Answer::NotSent(why) => {
                        return ProbeResult::untestable(format!(
                            "mcpspec could not send a payload: {why}"
                        ));
                    }
                }
            }
            let why = match decision {
                Ok(why) => why,
                Err(why) if sent > before => {
                    format!("{why}; only sent arguments its schema rejects")
                }
                Err(why) => why,
            };
            note_tool(s, &name, why);
        }
        if sent == 0 {
            return ProbeResult::untestable(
                "no tool could be sent hostile arguments without running a tool the guard does not allow",
            );
        }
        still_serving(s, &mut f, "hostile tool arguments").await;
        f.finish()
    })
}

/// The hostile argument sets for one tool. With `allowed`, they ride on valid arguments; without,
/// each one leaves a required property missing or mistyped so that no set is a valid call.
fn hostile_payloads(schema: &Value, allowed: bool) -> Vec<(String, Value)> {
    let compiled = r#gen::compile(schema, false).ok();
    let rejects = |v: &Value| compiled.as_ref().is_none_or(|c| !c.validator.is_valid(v));
    let required = r#gen::required_properties(schema);
    let props = r#gen::property_types(schema);
    let base: Map<String, Value> = if allowed {
        match r#gen::valid_example(schema) {
            Some(Value::Object(m)) => m,
            _ => return Vec::new(),
        }
    } else {
        Map::new()
    };
    let mut out = Vec::new();
    let mut push = |label: &str, args: Map<String, Value>| {
        let v = Value::Object(args);
        if allowed || rejects(&v) {
            out.push((label.to_string(), v));
        }
    };
    // Prototype keys.
    let mut proto = base.clone();
    proto.insert("__proto__".into(), json!({ "polluted": "mcpspec" }));
    proto.insert(
        "constructor".into(),
        json!({ "prototype": { "polluted": "mcpspec" } }),
    );
    push("`__proto__` and `constructor` keys", proto);
    // The property to aim at: the first required one, else (allowed tools only) any declared one.
    let target = required.first().cloned().or_else(|| {
        if allowed {
            props.keys().next().cloned()
        } else {
            None
        }
    });
    if let Some(t) = &target {
        let mut deep = base.clone();
        deep.insert(t.clone(), deep_value());
        push(&format!("`{t}` nested 64 arrays deep"), deep);
    }
    // A huge string and unusual text go where strings are expected when the tool may run; else
    // only into a required property that is not a string (so the call stays invalid).
    let string_prop = if allowed {
        props
            .iter()
            .find(|(_, t)| t.as_deref() == Some("string"))
            .map(|(n, _)| n.clone())
            .or(target.clone())
    } else {
        required
            .iter()
            .find(|r| {
                props
                    .get(*r)
                    .is_some_and(|t| t.as_deref() != Some("string"))
            })
            .cloned()
    };
    if let Some(p) = string_prop {
        let mut big = base.clone();
        big.insert(p.clone(), Value::String(big_string()));
        push(&format!("a 1 MiB string in `{p}`"), big);
        let mut odd = base.clone();
        odd.insert(p.clone(), Value::String(UNUSUAL_TEXT.into()));
        push(&format!("unusual Unicode in `{p}`"), odd);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Value checks

/// JSON equality where numbers compare by value (`1` equals `1.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Whether `s` is a MIME type: `type/subtype` of RFC 6838 restricted names, optionally followed
/// by `; name=value` parameters.
pub fn is_mime_type(s: &str) -> bool {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        let name = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";
        let token = r#"[^\s;"=()<>@,:\\/\[\]?]+"#;
        regex::Regex::new(&format!(
            r#"^{name}/{name}(\s*;\s*{token}=({token}|"[^"]*"))*\s*$"#
        ))
        .expect("static regex compiles")
    });
    re.is_match(s)
}

/// Whether `s` is an ISO 8601 date or date-time (extended or basic format, optional fraction and
/// offset), with field values in range.
pub fn is_iso8601(s: &str) -> bool {
    static RE: OnceLock<[regex::Regex; 2]> = OnceLock::new();
    let res = RE.get_or_init(|| {
        [
            regex::Regex::new(
                r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(Z|z|[+-](\d{2})(?::?(\d{2}))?)?)?$",
            )
            .expect("static regex compiles"),
            regex::Regex::new(
                r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(?:(\d{2})(?:[.,]\d+)?)?(Z|[+-](\d{2})(\d{2})?)?)?$",
            )
            .expect("static regex compiles"),
        ]
    });
    let Some(c) = res.iter().find_map(|re| re.captures(s)) else {
        return false;
    };
    let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let (Some(year), Some(month), Some(day)) = (n(1), n(2), n(3)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days {
        return false;
    }
    let within = |i: usize, max: u32| n(i).is_none_or(|v| v <= max);
    within(4, 24) && within(5, 59) && within(6, 60) && within(8, 23) && within(9, 59)
}

/// The first bytes (up to 12) of base64 text, for magic-number checks; `None` if they do not
/// decode.
fn decode_head(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = text.bytes().take_while(|b| *b != b'=').take(16).collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= value(*c)? << (18 - 6 * i);
        }
        let n = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => 0,
        };
        for i in 0..n {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// Whether the leading bytes fit the declared type; `None` for types without a known signature.
fn magic_matches(mime: &str, head: &[u8]) -> Option<bool> {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let riff = |tag: &[u8]| head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == tag;
    Some(match essence.as_str() {
        "image/png" => head.starts_with(&[0x89, b'P', b'N', b'G']),
        "image/jpeg" | "image/jpg" => head.starts_with(&[0xff, 0xd8, 0xff]),
        "image/gif" => head.starts_with(b"GIF8"),
        "image/webp" => riff(b"WEBP"),
        "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => riff(b"WAVE"),
        "audio/ogg" => head.starts_with(b"OggS"),
        "audio/flac" | "audio/x-flac" => head.starts_with(b"fLaC"),
        "audio/mpeg" | "audio/mp3" => {
            head.starts_with(b"ID3")
                || (head.len() >= 2 && head[0] == 0xff && head[1] & 0xe0 == 0xe0)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
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
            if *c == "names" {
                continue;
            }
            assert!(used.contains(*c), "no case uses check {c:?}");
        }
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(json_eq(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": "1"})));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!json_eq(&json!([1]), &json!([1, 1])));
    }

    #[test]
    fn mime_types() {
        for ok in [
            "image/png",
            "audio/wav",
            "application/vnd.api+json",
            "text/plain; charset=utf-8",
            "text/plain;charset=\"utf-8\"",
        ] {
            assert!(is_mime_type(ok), "{ok}");
        }
        for bad in [
            "png",
            "image/",
            "/png",
            "image png",
            "image/png/x",
            "",
            "image/p ng",
        ] {
            assert!(!is_mime_type(bad), "{bad}");
        }
    }

    #[test]
    fn timestamps() {
        for ok in [
            "2025-01-01T00:00:00Z",
            "2025-01-01T00:00:00.123+02:00",
            "2025-01-01",
            "2024-02-29T23:59:60Z",
            "2025-06-18T12:00",
            "20250101T000000Z",
            "2025-01-01 10:00:00+0100",
        ] {
            assert!(is_iso8601(ok), "{ok}");
        }
        for bad in [
            "yesterday",
            "2025-13-01",
            "2025-02-30",
            "2023-02-29",
            "2025-01-01T25:00:00Z",
            "01/02/2025",
            "",
            "2025-01-01T00:00:00 UTC",
        ] {
            assert!(!is_iso8601(bad), "{bad}");
        }
    }

    #[test]
    fn magic_numbers() {
        // A PNG signature and a WAV header, base64.
        let png = decode_head("iVBORw0KGgoAAAANSUhEUgAA").expect("decodes");
        assert_eq!(magic_matches("image/png", &png), Some(true));
        assert_eq!(magic_matches("image/jpeg", &png), Some(false));
        let wav = decode_head("UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=")
            .expect("decodes");
        assert_eq!(magic_matches("audio/wav", &wav), Some(true));
        assert_eq!(magic_matches("image/svg+xml", &wav), None);
        assert_eq!(decode_head("%%not-base64%%"), None);
    }

    #[test]
    fn hostile_payloads_stay_invalid_for_tools_that_may_not_run() {
        let schema = json!({
            "type": "object",
            "properties": {"path": {"type": "string"}, "count": {"type": "integer"}},
            "required": ["path", "count"]
        });
        let validator = r#gen::compile(&schema, false).expect("compiles").validator;
        let guarded = hostile_payloads(&schema, false);
        assert!(!guarded.is_empty());
        for (label, v) in &guarded {
            assert!(!validator.is_valid(v), "{label} would be a valid call");
        }
        // Nothing required: nothing can be sent without risking a real call.
        let open = json!({"type": "object", "properties": {"n": {"type": "integer"}}});
        assert!(hostile_payloads(&open, false).is_empty());
        // Allowed tools get all four, on top of valid arguments.
        let allowed = hostile_payloads(&schema, true);
        assert_eq!(allowed.len(), 4);
        assert!(allowed.iter().all(|(_, v)| v.get("count").is_some()));
    }

    fn called(name: &str, tool: Value, answer: Answer) -> Called {
        Called {
            name: name.into(),
            tool,
            answer,
        }
    }

    fn sum_tool() -> Value {
        json!({"name": "add", "inputSchema": {"type": "object"},
               "outputSchema": {"type": "object", "properties": {"sum": {"type": "number"}}, "required": ["sum"]}})
    }

    #[test]
    fn structured_content_checks() {
        let good = called(
            "add",
            sum_tool(),
            Answer::Result(
                json!({"content": [{"type": "text", "text": "{ \"sum\": 3.0 }"}], "structuredContent": {"sum": 3}}),
            ),
        );
        assert_eq!(
            structured_present(std::slice::from_ref(&good)).verdict,
            Verdict::Pass
        );
        assert_eq!(
            structured_valid(std::slice::from_ref(&good)).verdict,
            Verdict::Pass
        );
        assert_eq!(
            text_fallback(std::slice::from_ref(&good)).verdict,
            Verdict::Pass
        );

        let missing = called("add", sum_tool(), Answer::Result(json!({"content": []})));
        assert_eq!(
            structured_present(std::slice::from_ref(&missing)).verdict,
            Verdict::Fail
        );
        // An isError result is not held to the output schema.
        let failed = called(
            "add",
            sum_tool(),
            Answer::Result(json!({"content": [], "isError": true})),
        );
        assert!(
            structured_present(std::slice::from_ref(&failed))
                .untestable
                .is_some()
        );

        let wrong = called(
            "add",
            sum_tool(),
            Answer::Result(
                json!({"content": [{"type": "text", "text": "{}"}], "structuredContent": {"sum": "three"}}),
            ),
        );
        assert_eq!(
            structured_valid(std::slice::from_ref(&wrong)).verdict,
            Verdict::Fail
        );
        assert_eq!(
            text_fallback(std::slice::from_ref(&wrong)).verdict,
            Verdict::NonStrict
        );
    }

    #[test]
    fn failures_as_results() {
        let tool = json!({"name": "t", "inputSchema": {"type": "object"}});
        let as_result = called(
            "t",
            tool.clone(),
            Answer::Result(json!({"content": [], "isError": true})),
        );
        assert_eq!(
            errors_as_results(std::slice::from_ref(&as_result)).verdict,
            Verdict::Pass
        );
        let internal = called(
            "t",
            tool.clone(),
            Answer::Error(json!({"code": -32603, "message": "boom"})),
        );
        assert_eq!(
            errors_as_results(&[as_result, internal]).verdict,
            Verdict::NonStrict
        );
        let invalid = called(
            "t",
            tool.clone(),
            Answer::Error(json!({"code": -32602, "message": "bad"})),
        );
        assert_eq!(
            errors_as_results(&[invalid]).verdict,
            Verdict::Informational
        );
        let ok = called("t", tool, Answer::Result(json!({"content": []})));
        assert!(errors_as_results(&[ok]).untestable.is_some());
    }

    #[test]
    fn content_checks() {
        let tool = json!({"name": "m", "inputSchema": {"type": "object"}});
        let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
        let good = called(
            "m",
            tool.clone(),
            Answer::Result(json!({"content": [
                {"type": "text", "text": "hi", "annotations": {"lastModified": "2025-01-01T00:00:00Z"}},
                {"type": "image", "data": png, "mimeType": "image/png"},
                {"type": "resource", "resource": {"uri": "x://a", "blob": "aGk="}}
            ]})),
        );
        let one = std::slice::from_ref(&good);
        assert_eq!(content_base64(one).verdict, Verdict::Pass);
        assert_eq!(content_mime(one).verdict, Verdict::Pass);
        assert_eq!(content_last_modified(one).verdict, Verdict::Pass);
        assert_eq!(content_text_and_blob(one).verdict, Verdict::Pass);

        let bad = called(
            "m",
            tool,
            Answer::Result(json!({"content": [
                {"type": "text", "text": "hi", "annotations": {"lastModified": "yesterday"}},
                {"type": "image", "data": "%%not-base64%%", "mimeType": "png"},
                {"type": "audio", "data": png, "mimeType": "audio/wav"},
                {"type": "resource", "resource": {"uri": "x://a", "text": "t", "blob": "aGk"}}
            ]})),
        );
        let one = std::slice::from_ref(&bad);
        let b64 = content_base64(one);
        assert_eq!(b64.verdict, Verdict::Fail);
        assert_eq!(b64.findings.len(), 2, "{:?}", b64.findings);
        assert_eq!(content_mime(one).verdict, Verdict::Fail);
        assert_eq!(content_last_modified(one).verdict, Verdict::NonStrict);
        assert_eq!(content_text_and_blob(one).verdict, Verdict::NonStrict);
    }

    #[test]
    fn mismatched_magic_is_non_strict() {
        let tool = json!({"name": "m", "inputSchema": {"type": "object"}});
        let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
        let c = called(
            "m",
            tool,
            Answer::Result(json!({"content": [
                {"type": "image", "data": png, "mimeType": "image/jpeg"}
            ]})),
        );
        assert_eq!(content_mime(&[c]).verdict, Verdict::NonStrict);
    }
}
