//! Probes for logging, progress, cancellation and server-to-client requests. They work on any
//! server: they pick among the tools the server lists (only those the side-effect guard allows),
//! generate arguments from each tool's input schema, and report `untestable` when nothing fits.
//!
//! Not the oracles: the progress, cancellation and subscription rules are also watched on every
//! message by `oracles/`; these probes provoke the traffic and judge the part their case owns.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use mcpspec_codec::{MessageKind, classify};
use mcpspec_schema::Direction;
use regex::Regex;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::{ProbeDef, ProbeResult};
use crate::case::model::Verdict;
use crate::config::{ElicitationReply, SamplingReply};
use crate::oracles::{Hit, id_key, progress};
use crate::session::{ElicitationOverride, Incoming, Session, WaitEnd};

type Fut<'a> = Pin<Box<dyn Future<Output = ProbeResult> + Send + 'a>>;

/// The probes of this area.
pub const PROBES: &[ProbeDef] = &[
    ProbeDef {
        name: "cancel-in-flight",
        doc: "calls a tool (a slow-looking one first), cancels it after 100 ms, and judges any late response (`judge: response`) or only that the session survives (`judge: survival`)",
        run: cancel_in_flight,
    },
    ProbeDef {
        name: "logging-provoke",
        doc: "sets the log level (`level`, default debug), calls up to three tools, and judges the log messages that follow: `check: threshold` (none below the level) or `check: schema` (each valid)",
        run: logging_provoke,
    },
    ProbeDef {
        name: "progress-provoke",
        doc: "calls a tool (a progress-looking one first) with a string token, an integer token and no token, and judges one progress rule: `rule: token`, `increasing`, `after-response` or `no-token`",
        run: progress_provoke,
    },
    ProbeDef {
        name: "progress-token-accepted",
        doc: "sends ping, tools/list, prompts/list, resources/read and completion/complete (as declared) with and without a progress token; fails when only the one with a token is refused",
        run: progress_token_accepted,
    },
    ProbeDef {
        name: "server-request",
        doc: "provokes `method` (sampling/createMessage, roots/list or elicitation/create) by calling tools that look related; `check: valid` (each request valid, each call ends), `absent` (none may come) or `validates-content` (elicitation answered with schema-breaking content must be rejected)",
        run: server_request,
    },
];

/// Longest wait for one call a probe makes.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a probe runs in all; the runner's slack per case is 30 s.
const PROBE_BUDGET: Duration = Duration::from_secs(20);
/// Most tools a probe calls to provoke traffic.
const MAX_PROVOKE_CALLS: usize = 3;
/// Most pages of `tools/list` followed.
const MAX_PAGES: usize = 20;
/// How long a cancellation probe waits before cancelling.
const CANCEL_AFTER: Duration = Duration::from_millis(100);
/// How long after the cancellation a late response is still watched for.
const CANCEL_WATCH: Duration = Duration::from_millis(2500);
/// A response this soon after the cancellation may have crossed it on the wire.
const CANCEL_RACE_MS: u64 = 500;
/// How long stray notifications are still collected after the last call.
const GRACE: Duration = Duration::from_millis(500);

/// The eight log levels, least severe first.
const LEVELS: [&str; 8] = [
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
];

/// The end of a probe's time.
struct Budget {
    end: Instant,
}

impl Budget {
    fn new() -> Self {
        Budget {
            end: Instant::now() + PROBE_BUDGET,
        }
    }

    /// A deadline `wait` from now, never past the budget.
    fn deadline(&self, wait: Duration) -> Instant {
        (Instant::now() + wait).min(self.end)
    }

    /// How long a wait of at most `cap` may last from now.
    fn wait(&self, cap: Duration) -> Duration {
        self.deadline(cap).saturating_duration_since(Instant::now())
    }

    fn spent(&self) -> bool {
        Instant::now() >= self.end
    }
}

/// Which tools a probe looks for first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hint {
    /// Long-running tools, likely to report progress and to be cancellable.
    Slow,
    /// Tools that ask the client for a model completion.
    Sampling,
    /// Tools that ask the user for input.
    Elicitation,
    /// Tools that read the client's roots.
    Roots,
}

impl Hint {
    fn regex(self) -> &'static Regex {
        static RES: OnceLock<[Regex; 4]> = OnceLock::new();
        let all = RES.get_or_init(|| {
            [
                r"(?i)progress|long.?running|slow|sleep|delay|wait",
                r"(?i)sampl|createMessage|\bllm\b",
                r"(?i)elicit",
                r"(?i)roots?\b|roots",
            ]
            .map(|p| Regex::new(p).expect("static regex compiles"))
        });
        &all[self as usize]
    }

    fn for_method(method: &str) -> Option<Hint> {
        match method {
            "sampling/createMessage" => Some(Hint::Sampling),
            "elicitation/create" => Some(Hint::Elicitation),
            "roots/list" => Some(Hint::Roots),
            _ => None,
        }
    }

    /// 2 when the name or title matches, 1 when only the description does, else 0.
    fn score(self, tool: &Value) -> u8 {
        let text = |k: &str| tool.get(k).and_then(Value::as_str).unwrap_or("");
        let re = self.regex();
        if re.is_match(text("name")) || re.is_match(text("title")) {
            2
        } else if re.is_match(text("description")) {
            1
        } else {
            0
        }
    }
}

/// A tool the guard lets the harness call, with arguments generated for it.
#[derive(Debug, Clone)]
struct Callable {
    name: String,
    args: Value,
    score: u8,
}

/// Every tool the server lists (following cursors), or why there are none.
async fn list_tools(s: &mut Session, budget: &Budget) -> Result<Vec<Value>, String> {
    if !s.server_has("tools") {
        return Err("the server does not declare the tools capability".into());
    }
    let mut tools = Vec::new();
    let mut cursor: Option<Value> = None;
    let mut seen = Vec::new();
    for _ in 0..MAX_PAGES {
        let params = cursor.as_ref().map(|c| json!({ "cursor": c }));
        let wait = budget.wait(CALL_TIMEOUT);
        let reply = s
            .request("tools/list", params, wait)
            .await
            .map_err(|e| format!("tools/list got no answer: {e}"))?;
        let Some(page) = reply
            .value
            .pointer("/result/tools")
            .and_then(Value::as_array)
        else {
            return Err("tools/list was not answered with a list of tools".into());
        };
        tools.extend(page.iter().cloned());
        match reply.value.pointer("/result/nextCursor") {
            Some(Value::String(next)) if !seen.contains(next) => {
                seen.push(next.clone());
                cursor = Some(Value::String(next.clone()));
            }
            _ => break,
        }
    }
    Ok(tools)
}

/// The tools the guard allows, with generated arguments, best `hint` score first (list order
/// otherwise). Records the guard's decision for each tool in `tool_calls`; `quick` asks for
/// short durations where a tool takes one.
fn callables(s: &mut Session, tools: &[Value], hint: Option<Hint>, quick: bool) -> Vec<Callable> {
    let mut out = Vec::new();
    for tool in tools {
        let Some(name) = tool.get("name").and_then(Value::as_str) else {
            continue;
        };
        match s.tool_guard.decide(tool) {
            Ok(_) => {}
            Err(why) => {
                s.tool_calls.entry(name.to_string()).or_insert(why);
                continue;
            }
        }
        let schema = tool.get("inputSchema").cloned().unwrap_or(json!({}));
        let Some(args) = sample_arguments(&schema, quick) else {
            continue;
        };
        out.push(Callable {
            name: name.to_string(),
            args,
            score: hint.map_or(0, |h| h.score(tool)),
        });
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.score));
    out
}

/// Notes in the report that the harness called `name`.
fn note_called(s: &mut Session, tools: &[Value], name: &str) {
    if let Some(tool) = tools
        .iter()
        .find(|t| t.get("name").and_then(Value::as_str) == Some(name))
        && let Ok(why) = s.tool_guard.decide(tool)
    {
        s.tool_calls.insert(name.to_string(), why);
    }
}

/// Sends `tools/call` with a fresh id (and `_meta` when given) without waiting; returns the id.
async fn send_call(s: &mut Session, c: &Callable, meta: Option<Value>) -> Result<Value, String> {
    let id = s.next_request_id();
    let mut params = json!({ "name": c.name, "arguments": c.args });
    if let Some(m) = meta {
        params["_meta"] = m;
    }
    let message = json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params });
    s.send(&message, true).await.map_err(|e| e.to_string())?;
    Ok(id)
}

/// Arguments for a tool from its input schema (the shared generator: required properties only,
/// checked against the schema). With `quick`, optional numeric properties named like a duration
/// get their smallest sensible value, so slow tools finish soon. `None` when no valid arguments
/// could be built.
pub fn sample_arguments(schema: &Value, quick: bool) -> Option<Value> {
    let mut out = match crate::r#gen::valid_example(schema)? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if quick && let Some(Value::Object(props)) = schema.get("properties") {
        for (name, prop) in props {
            if required.contains(&name.as_str()) || !duration_like(name) {
                continue;
            }
            if let Some(v) = small_number(prop) {
                out.insert(name.clone(), v);
            }
        }
    }
    Some(Value::Object(out))
}

fn duration_like(name: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^(duration|delay|sleep|wait|ms|millis|milliseconds|seconds|secs|time_?ms|timeout)$|duration|delay|millis|seconds")
            .expect("static regex compiles")
    })
    .is_match(name)
}

/// The type a schema names (the first non-null one of a list).
fn schema_type(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

/// 1, or the minimum when it is larger, or the maximum when that is smaller; for numeric types
/// only.
fn small_number(prop: &Value) -> Option<Value> {
    let integer = match schema_type(prop)? {
        "integer" => true,
        "number" => false,
        _ => return None,
    };
    let mut v = 1.0_f64;
    if let Some(min) = prop.get("minimum").and_then(Value::as_f64) {
        v = v.max(min);
    }
    if let Some(max) = prop.get("maximum").and_then(Value::as_f64) {
        v = v.min(max);
    }
    Some(if integer {
        json!(v.ceil() as i64)
    } else {
        json!(v)
    })
}

/// Waits for the response to `id`, handing every other message `on_other` picks to it in arrival
/// order. Returns the response, or how the wait ended.
async fn wait_call(
    s: &mut Session,
    id: &Value,
    deadline: Instant,
    on_other: impl Fn(&Incoming) -> bool,
    seen: &mut Vec<Incoming>,
) -> Result<Incoming, WaitEnd> {
    loop {
        let want = |m: &Incoming| {
            matches!(m.kind, MessageKind::Result | MessageKind::Error) && m.id() == Some(id)
                || on_other(m)
        };
        let got = s.watch(want, deadline).await;
        match got {
            Some(m)
                if matches!(m.kind, MessageKind::Result | MessageKind::Error)
                    && m.id() == Some(id) =>
            {
                return Ok(m);
            }
            Some(m) => seen.push(m),
            None => {
                return Err(match s.gone() {
                    Some(how) => WaitEnd::Gone(how.to_string()),
                    None => WaitEnd::TimedOut,
                });
            }
        }
    }
}

/// Takes every kept message `pick` selects that arrives before `deadline`.
async fn collect(
    s: &mut Session,
    deadline: Instant,
    pick: impl Fn(&Incoming) -> bool,
) -> Vec<Incoming> {
    let mut out = Vec::new();
    while let Some(m) = s.watch(&pick, deadline).await {
        out.push(m);
    }
    out
}

fn is_notification(m: &Incoming, method: &str) -> bool {
    m.kind == MessageKind::Notification && m.method() == Some(method)
}

/// A failing finding when the server is gone, so the case counts as a crash.
fn check_alive(s: &mut Session, r: &mut ProbeResult) {
    if !s.alive() {
        let how = s.gone().unwrap_or("the server is gone").to_string();
        r.add(
            Verdict::Fail,
            format!("{how} during the probe"),
            "a server that keeps running",
            how,
        );
    }
}

/// Sends ping and fails when it is not answered with a result.
async fn ping_survives(s: &mut Session, r: &mut ProbeResult, after: &str) {
    match s.request("ping", None, Duration::from_secs(5)).await {
        Ok(m) if m.kind == MessageKind::Result => {}
        Ok(m) => r.add(
            Verdict::Fail,
            format!("ping after {after} was answered with an error"),
            "ping answered with a result",
            crate::wire::excerpt(&m.value.to_string()),
        ),
        Err(e) => r.add(
            Verdict::Fail,
            format!("ping after {after} got no answer: {e}"),
            "ping answered with a result",
            e.to_string(),
        ),
    }
}

fn arg_str<'a>(args: &'a Value, key: &str, default: &'a str) -> &'a str {
    args.get(key).and_then(Value::as_str).unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// Logging

/// Sets a level, provokes log messages by calling tools, and judges them.
pub fn logging_provoke<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let budget = Budget::new();
        let level = arg_str(args, "level", "debug").to_string();
        let check = arg_str(args, "check", "schema").to_string();
        let Some(rank) = LEVELS.iter().position(|l| *l == level) else {
            return ProbeResult::untestable(format!("unknown log level {level:?} in the case"));
        };
        let tools = match list_tools(s, &budget).await {
            Ok(t) => t,
            Err(why) => return ProbeResult::untestable(format!("no tool to call: {why}")),
        };
        let mut chosen = callables(s, &tools, Some(Hint::Slow), true);
        // Quick tools first (list order among them): logs are the point, not the tool's work.
        chosen.sort_by_key(|c| c.score);
        if chosen.is_empty() {
            return ProbeResult::untestable(
                "the server lists no tool that the side-effect guard lets the harness call",
            );
        }
        let set = s
            .request(
                "logging/setLevel",
                Some(json!({ "level": level })),
                budget.wait(CALL_TIMEOUT),
            )
            .await;
        match set {
            Ok(m) if m.kind == MessageKind::Result => {}
            Ok(_) => {
                return ProbeResult::untestable(format!(
                    "logging/setLevel {level:?} was refused, so no level applies"
                ));
            }
            Err(e) => {
                let mut r = ProbeResult::pass();
                check_alive(s, &mut r);
                if r.verdict == Verdict::Pass {
                    r.untestable = Some(format!("logging/setLevel {level:?} got no answer: {e}"));
                }
                return r;
            }
        }
        // Messages queued before the level took effect do not count.
        let _ = collect(s, Instant::now(), |m| {
            is_notification(m, "notifications/message")
        })
        .await;
        let mut logs = Vec::new();
        for c in chosen.iter().take(MAX_PROVOKE_CALLS) {
            if budget.spent() {
                break;
            }
            note_called(s, &tools, &c.name);
            let Ok(id) = send_call(s, c, None).await else {
                break;
            };
            let deadline = budget.deadline(CALL_TIMEOUT);
            let _ = wait_call(
                s,
                &id,
                deadline,
                |m| is_notification(m, "notifications/message"),
                &mut logs,
            )
            .await;
        }
        logs.extend(
            collect(s, budget.deadline(GRACE), |m| {
                is_notification(m, "notifications/message")
            })
            .await,
        );
        let mut r = ProbeResult::pass();
        if level != "debug" {
            // Leave the shared session as verbose as a fresh one of the fixture.
            let _ = s
                .request(
                    "logging/setLevel",
                    Some(json!({ "level": "debug" })),
                    Duration::from_secs(2),
                )
                .await;
        }
        check_alive(s, &mut r);
        if logs.is_empty() {
            if r.verdict == Verdict::Pass {
                r.untestable = Some(format!(
                    "no log message arrived while {} tool call(s) ran at level {level}",
                    chosen.len().min(MAX_PROVOKE_CALLS)
                ));
            }
            return r;
        }
        for m in &logs {
            let got = m.value.pointer("/params/level").and_then(Value::as_str);
            match check.as_str() {
                "threshold" => {
                    let below = got
                        .and_then(|g| LEVELS.iter().position(|l| *l == g))
                        .is_some_and(|p| p < rank);
                    if below {
                        r.add(
                            Verdict::Fail,
                            format!(
                                "a {} message arrived after the level was set to {level}",
                                got.unwrap_or("?")
                            ),
                            &format!("only messages at level {level} or more severe"),
                            crate::wire::excerpt(&m.value.to_string()),
                        );
                    }
                }
                _ => {
                    let violations = s
                        .schema()
                        .validate("LoggingMessageNotification", &m.value)
                        .unwrap_or_default();
                    if let Some(v) = violations.first() {
                        r.add(
                            Verdict::Fail,
                            format!(
                                "a log message is not a valid LoggingMessageNotification: {} at {}",
                                v.message, v.instance_path
                            ),
                            "params with level (one of the eight), data, and an optional string logger",
                            crate::wire::excerpt(&m.value.to_string()),
                        );
                    }
                }
            }
        }
        r
    })
}

// ---------------------------------------------------------------------------------------------
// Progress

/// Calls a tool with a string token, an integer token and none, and judges one progress rule.
pub fn progress_provoke<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let budget = Budget::new();
        let rule = arg_str(args, "rule", "token");
        let oracle = match rule {
            "token" => progress::TOKEN_KNOWN,
            "increasing" => progress::INCREASING,
            "after-response" => progress::AFTER_RESPONSE,
            "no-token" => progress::UNSOLICITED,
            other => {
                return ProbeResult::untestable(format!("unknown progress rule {other:?}"));
            }
        };
        let tools = match list_tools(s, &budget).await {
            Ok(t) => t,
            Err(why) => return ProbeResult::untestable(format!("no tool to call: {why}")),
        };
        let Some(c) = callables(s, &tools, Some(Hint::Slow), true)
            .into_iter()
            .next()
        else {
            return ProbeResult::untestable(
                "the server lists no tool that the side-effect guard lets the harness call",
            );
        };
        note_called(s, &tools, &c.name);
        let n = s.next_request_id();
        let serial = n.as_str().and_then(|t| t.rsplit('-').next()).unwrap_or("0");
        let string_token = json!(format!("mcpspec-progress-{serial}"));
        let int_token = json!(7_000_000 + serial.parse::<i64>().unwrap_or(0));
        let mut tracker = progress::Tracker::default();
        let mut hits: Vec<Hit> = Vec::new();
        let mut seen_progress = 0usize;
        let mut r = ProbeResult::pass();
        for token in [Some(string_token), Some(int_token), None] {
            if budget.spent() {
                break;
            }
            let meta = token.as_ref().map(|t| json!({ "progressToken": t }));
            let id = s.next_request_id();
            let mut params = json!({ "name": c.name, "arguments": c.args });
            if let Some(m) = meta {
                params["_meta"] = m;
            }
            let message =
                json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params });
            tracker.on_outgoing(&message);
            if let Err(e) = s.send(&message, true).await {
                r.add(
                    Verdict::Fail,
                    format!("the call could not be sent: {e}"),
                    "a server that reads its input",
                    e.to_string(),
                );
                break;
            }
            let mut notes = Vec::new();
            let reply = wait_call(
                s,
                &id,
                budget.deadline(CALL_TIMEOUT),
                |m| is_notification(m, "notifications/progress"),
                &mut notes,
            )
            .await;
            for m in &notes {
                seen_progress += 1;
                hits.extend(tracker.check(&classify(m.value.to_string().as_bytes())));
            }
            match reply {
                Ok(_) => tracker.on_response(&id_key(&id)),
                Err(WaitEnd::Gone(_)) => break,
                Err(WaitEnd::TimedOut) => {
                    r.untestable = Some(format!(
                        "tool {:?} did not answer within {} s",
                        c.name,
                        CALL_TIMEOUT.as_secs()
                    ));
                    break;
                }
            }
        }
        let late = collect(s, budget.deadline(GRACE), |m| {
            is_notification(m, "notifications/progress")
        })
        .await;
        for m in &late {
            seen_progress += 1;
            hits.extend(tracker.check(&classify(m.value.to_string().as_bytes())));
        }
        check_alive(s, &mut r);
        for h in hits.iter().filter(|h| h.oracle == oracle) {
            r.add(
                Verdict::Fail,
                h.message.clone(),
                &h.expected,
                h.actual.clone(),
            );
        }
        if r.verdict == Verdict::Pass && r.untestable.is_none() && seen_progress == 0 {
            r.untestable = Some(format!(
                "tool {:?} sent no progress notifications (reporting progress is optional)",
                c.name
            ));
        }
        if r.verdict != Verdict::Pass {
            r.untestable = None;
        }
        r
    })
}

/// Sends requests with and without a progress token; the token must not make one fail.
pub fn progress_token_accepted<'a>(s: &'a mut Session, _args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let budget = Budget::new();
        let mut plan: Vec<(&str, Option<Value>)> = vec![("ping", None)];
        if s.server_has("tools") {
            plan.push(("tools/list", None));
        }
        if s.server_has("prompts") {
            plan.push(("prompts/list", None));
        }
        if s.server_has("resources")
            && let Ok(m) = s
                .request("resources/list", None, budget.wait(CALL_TIMEOUT))
                .await
            && let Some(uri) = m
                .value
                .pointer("/result/resources/0/uri")
                .and_then(Value::as_str)
        {
            plan.push(("resources/read", Some(json!({ "uri": uri }))));
        }
        if s.server_has("completions")
            && let Some(params) = completion_params(s, &budget).await
        {
            plan.push(("completion/complete", Some(params)));
        }
        let mut r = ProbeResult::pass();
        for (i, (method, params)) in plan.iter().enumerate() {
            if budget.spent() {
                break;
            }
            let wait = budget.wait(CALL_TIMEOUT);
            let plain = s.request(method, params.clone(), wait).await;
            if !matches!(&plain, Ok(m) if m.kind == MessageKind::Result) {
                // Without a token it fails already: nothing to compare.
                continue;
            }
            let serial = s.next_request_id();
            let token = if i % 2 == 0 {
                json!(format!("mcpspec-token-{}", serial.as_str().unwrap_or("")))
            } else {
                json!(8_000_000 + i as i64)
            };
            let mut with = params.clone().unwrap_or(json!({}));
            with["_meta"] = json!({ "progressToken": token });
            let wait = budget.wait(CALL_TIMEOUT);
            match s.request(method, Some(with), wait).await {
                Ok(m) if m.kind == MessageKind::Result => {}
                Ok(m) => r.add(
                    Verdict::Fail,
                    format!("{method} with _meta.progressToken {token} was refused, though it succeeds without one"),
                    "the same success as without a progress token",
                    crate::wire::excerpt(&m.value.to_string()),
                ),
                Err(e) => r.add(
                    Verdict::Fail,
                    format!("{method} with _meta.progressToken {token} got no answer: {e}"),
                    "the same success as without a progress token",
                    e.to_string(),
                ),
            }
        }
        // Progress the server may send for these tokens is judged by the progress oracles.
        let _ = collect(s, budget.deadline(Duration::from_millis(200)), |m| {
            is_notification(m, "notifications/progress")
        })
        .await;
        check_alive(s, &mut r);
        r
    })
}

/// A valid `completion/complete` params object from the server's first prompt argument or
/// resource template variable.
async fn completion_params(s: &mut Session, budget: &Budget) -> Option<Value> {
    if s.server_has("prompts")
        && let Ok(m) = s
            .request("prompts/list", None, budget.wait(CALL_TIMEOUT))
            .await
        && let Some(prompts) = m.value.pointer("/result/prompts").and_then(Value::as_array)
    {
        for p in prompts {
            let name = p.get("name").and_then(Value::as_str);
            let arg = p.pointer("/arguments/0/name").and_then(Value::as_str);
            if let (Some(name), Some(arg)) = (name, arg) {
                return Some(json!({
                    "ref": { "type": "ref/prompt", "name": name },
                    "argument": { "name": arg, "value": "" },
                }));
            }
        }
    }
    if s.server_has("resources")
        && let Ok(m) = s
            .request("resources/templates/list", None, budget.wait(CALL_TIMEOUT))
            .await
        && let Some(templates) = m
            .value
            .pointer("/result/resourceTemplates")
            .and_then(Value::as_array)
    {
        static VAR: OnceLock<Regex> = OnceLock::new();
        let var = VAR.get_or_init(|| {
            Regex::new(r"\{[+#./;?&]?([A-Za-z0-9_]+)").expect("static regex compiles")
        });
        for t in templates {
            let Some(uri) = t.get("uriTemplate").and_then(Value::as_str) else {
                continue;
            };
            if let Some(name) = var.captures(uri).and_then(|c| c.get(1)) {
                return Some(json!({
                    "ref": { "type": "ref/resource", "uri": uri },
                    "argument": { "name": name.as_str(), "value": "" },
                }));
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Cancellation

/// Calls a tool, cancels it after 100 ms, and judges a late response or only survival.
pub fn cancel_in_flight<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let budget = Budget::new();
        let judge_response = arg_str(args, "judge", "response") == "response";
        let tools = match list_tools(s, &budget).await {
            Ok(t) => t,
            Err(why) => return ProbeResult::untestable(format!("no tool to call: {why}")),
        };
        let Some(c) = callables(s, &tools, Some(Hint::Slow), false)
            .into_iter()
            .next()
        else {
            return ProbeResult::untestable(
                "the server lists no tool that the side-effect guard lets the harness call",
            );
        };
        note_called(s, &tools, &c.name);
        let mut r = ProbeResult::pass();
        let id = match send_call(s, &c, None).await {
            Ok(id) => id,
            Err(e) => {
                r.add(
                    Verdict::Fail,
                    format!("the call could not be sent: {e}"),
                    "a server that reads its input",
                    e,
                );
                return r;
            }
        };
        let is_answer = |m: &Incoming| {
            matches!(m.kind, MessageKind::Result | MessageKind::Error) && m.id() == Some(&id)
        };
        let early = s.watch(is_answer, Instant::now() + CANCEL_AFTER).await;
        let cancel = json!({
            "jsonrpc": "2.0",
            "method": "notifications/cancelled",
            "params": { "requestId": id, "reason": "mcpspec: cancellation check" },
        });
        if let Err(e) = s.send(&cancel, true).await {
            r.add(
                Verdict::Fail,
                format!("the cancellation could not be sent: {e}"),
                "a server that reads its input",
                e.to_string(),
            );
            return r;
        }
        let cancelled_at = Instant::now();
        if early.is_some() {
            ping_survives(s, &mut r, "a cancellation of a finished call").await;
            check_alive(s, &mut r);
            if r.verdict == Verdict::Pass {
                r.untestable = Some(format!(
                    "tool {:?} answered within {} ms, before a cancellation could reach it",
                    c.name,
                    CANCEL_AFTER.as_millis()
                ));
            }
            return r;
        }
        let late = s.watch(is_answer, budget.deadline(CANCEL_WATCH)).await;
        if judge_response && let Some(m) = late {
            let gap = m.t_ms.saturating_sub(ms_at(s, cancelled_at));
            let actual = crate::wire::excerpt(&m.value.to_string());
            if gap <= CANCEL_RACE_MS {
                r.add(
                    Verdict::Informational,
                    format!("the call was answered {gap} ms after its cancellation; the answer may have crossed it"),
                    "no response to a cancelled request",
                    actual,
                );
            } else {
                r.add(
                    Verdict::Fail,
                    format!("the call was answered {gap} ms after its cancellation"),
                    "no response to a cancelled request",
                    actual,
                );
            }
        }
        ping_survives(s, &mut r, "a cancellation").await;
        check_alive(s, &mut r);
        r
    })
}

/// The session time (ms) of an instant in the past.
fn ms_at(s: &Session, at: Instant) -> u64 {
    let ago = Instant::now().saturating_duration_since(at).as_millis() as u64;
    s.log.now_ms().saturating_sub(ago)
}

// ---------------------------------------------------------------------------------------------
// Server-to-client requests

/// Provokes one kind of server request and judges it (see the registry entry).
pub fn server_request<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let budget = Budget::new();
        let method = arg_str(args, "method", "").to_string();
        let check = arg_str(args, "check", "valid").to_string();
        let Some(hint) = Hint::for_method(&method) else {
            return ProbeResult::untestable(format!("unknown server request method {method:?}"));
        };
        let capability = method.split('/').next().unwrap_or("").to_string();
        let declared = s.client_declares(&capability);
        match check.as_str() {
            "absent" if declared => {
                return ProbeResult::untestable(format!(
                    "the client declared `{capability}`, so {method} is allowed"
                ));
            }
            "valid" | "validates-content" if !declared => {
                return ProbeResult::untestable(format!(
                    "the client did not declare `{capability}`; the case must declare it"
                ));
            }
            _ => {}
        }
        // Requests that came on their own, right after initialization.
        let is_method =
            |m: &Incoming| m.kind == MessageKind::Request && m.method() == Some(&method);
        let mut requests = collect(s, Instant::now(), is_method).await;
        let tools = list_tools(s, &budget).await.unwrap_or_default();
        let related: Vec<Callable> = callables(s, &tools, Some(hint), false)
            .into_iter()
            .filter(|c| c.score > 0)
            .collect();
        let mut r = ProbeResult::pass();
        let mut calls_made = 0;
        let replies: Vec<Option<Reply>> = match (check.as_str(), method.as_str()) {
            ("validates-content", _) => vec![Some(Reply::BreakSchema)],
            ("valid", "sampling/createMessage") => {
                vec![Some(Reply::Sample(true)), Some(Reply::Sample(false))]
            }
            ("valid", "elicitation/create") => vec![
                Some(Reply::Elicit(ElicitationReply::Accept)),
                Some(Reply::Elicit(ElicitationReply::Decline)),
                Some(Reply::Elicit(ElicitationReply::Cancel)),
            ],
            _ => vec![None],
        };
        let mut provoking: Option<Callable> = None;
        let mut broke_content: Option<bool> = None;
        'tools: for c in related.iter().take(MAX_PROVOKE_CALLS) {
            for reply in &replies {
                if budget.spent() {
                    break 'tools;
                }
                if provoking.is_some() && provoking.as_ref().map(|p| &p.name) != Some(&c.name) {
                    break 'tools;
                }
                set_reply(s, *reply);
                note_called(s, &tools, &c.name);
                calls_made += 1;
                let id = match send_call(s, c, None).await {
                    Ok(id) => id,
                    Err(e) => {
                        r.add(
                            Verdict::Fail,
                            format!("the call could not be sent: {e}"),
                            "a server that reads its input",
                            e,
                        );
                        break 'tools;
                    }
                };
                let mut during = Vec::new();
                let reply_msg = wait_call(
                    s,
                    &id,
                    budget.deadline(CALL_TIMEOUT),
                    is_method,
                    &mut during,
                )
                .await;
                let provoked = !during.is_empty();
                if provoked {
                    provoking = Some(c.clone());
                }
                match &reply_msg {
                    Ok(m) if check == "validates-content" && provoked => {
                        let props = during[0]
                            .value
                            .pointer("/params/requestedSchema/properties")
                            .and_then(Value::as_object)
                            .is_some_and(|p| !p.is_empty());
                        if !props {
                            broke_content = Some(false);
                        } else {
                            broke_content = Some(true);
                            let rejected = m.kind == MessageKind::Error
                                || m.value.pointer("/result/isError") == Some(&Value::Bool(true))
                                || during.len() > 1;
                            if !rejected {
                                r.add(
                                    Verdict::Fail,
                                    format!("tool {:?} used elicitation content that breaks the requested schema as if it were valid", c.name),
                                    "an error, an isError result, or a new elicitation after content of the wrong types",
                                    crate::wire::excerpt(&m.value.to_string()),
                                );
                            }
                        }
                    }
                    Ok(_) => {}
                    Err(WaitEnd::TimedOut) if provoked => r.add(
                        Verdict::Fail,
                        format!("tool {:?} did not finish within {} s after the harness answered its {method}", c.name, CALL_TIMEOUT.as_secs()),
                        "the originating call ends with a result or an error",
                        "no response".into(),
                    ),
                    Err(WaitEnd::TimedOut) => {}
                    Err(WaitEnd::Gone(_)) => {
                        requests.extend(during);
                        break 'tools;
                    }
                }
                requests.extend(during);
                if !provoked {
                    continue 'tools;
                }
            }
            if provoking.is_some() {
                break;
            }
        }
        set_reply(s, None);
        // A server may also send the request on its own shortly after initialization.
        let linger = if requests.is_empty() { 1000 } else { 300 };
        requests
            .extend(collect(s, budget.deadline(Duration::from_millis(linger)), is_method).await);
        check_alive(s, &mut r);
        match check.as_str() {
            "absent" => {
                for m in &requests {
                    r.add(
                        Verdict::Fail,
                        format!("the server sent {method} although the client did not declare `{capability}`"),
                        &format!("no {method} unless the client declared `{capability}`"),
                        crate::wire::excerpt(&m.value.to_string()),
                    );
                }
                if requests.is_empty() && calls_made == 0 && r.verdict == Verdict::Pass {
                    r.untestable = Some(format!(
                        "no tool the harness may call looks related to {method}, and none came unprompted"
                    ));
                }
            }
            "validates-content" => {
                if r.verdict == Verdict::Pass {
                    match broke_content {
                        Some(true) => {}
                        Some(false) => {
                            r.untestable = Some(format!(
                                "the {method} request asked for no properties, so no content can break its schema"
                            ))
                        }
                        None => {
                            r.untestable =
                                Some(format!("no tool the harness may call sent {method}"))
                        }
                    }
                }
            }
            _ => {
                for m in &requests {
                    judge_request(s, &method, m, &mut r);
                }
                // The same request provoked several times breaks the same rules each time.
                let mut seen = std::collections::HashSet::new();
                r.findings.retain(|f| seen.insert(f.message.clone()));
                if requests.is_empty() && r.verdict == Verdict::Pass {
                    r.untestable = Some(if related.is_empty() {
                        format!(
                            "no tool the harness may call looks related to {method}, and none came unprompted"
                        )
                    } else {
                        format!(
                            "the server sent no {method} while {calls_made} related tool call(s) ran"
                        )
                    });
                }
            }
        }
        r
    })
}

/// How the harness answers the provoked request.
#[derive(Debug, Clone, Copy)]
enum Reply {
    /// Sampling: a text result (`true`) or a declining error (`false`).
    Sample(bool),
    /// Elicitation with this action.
    Elicit(ElicitationReply),
    /// Elicitation accepted with content that breaks the schema.
    BreakSchema,
}

fn set_reply(s: &mut Session, reply: Option<Reply>) {
    s.sampling_override = None;
    s.elicitation_override = None;
    match reply {
        Some(Reply::Sample(true)) => s.sampling_override = Some(SamplingReply::default()),
        Some(Reply::Sample(false)) => s.sampling_override = Some(SamplingReply::Decline),
        Some(Reply::Elicit(e)) => s.elicitation_override = Some(ElicitationOverride::Reply(e)),
        Some(Reply::BreakSchema) => s.elicitation_override = Some(ElicitationOverride::BreakSchema),
        None => {}
    }
}

/// Validates one server request against its method's definition, plus what the schema leaves
/// open: flat elicitation schemas, and no roots/list params but `_meta`.
fn judge_request(s: &Session, method: &str, m: &Incoming, r: &mut ProbeResult) {
    let shown = crate::wire::excerpt(&m.value.to_string());
    if let Some(info) =
        mcpspec_schema::method(s.schema().revision(), method, Direction::ServerToClient)
    {
        let violations = s
            .schema()
            .validate(info.definition, &m.value)
            .unwrap_or_default();
        if let Some(v) = violations.first() {
            r.add(
                Verdict::Fail,
                format!(
                    "a {method} request is not a valid {}: {} at {}",
                    info.definition, v.message, v.instance_path
                ),
                &format!("a valid {}", info.definition),
                shown.clone(),
            );
        }
    }
    match method {
        "roots/list" => {
            if let Some(Value::Object(params)) = m.value.get("params") {
                let extra: Vec<&String> = params.keys().filter(|k| *k != "_meta").collect();
                if !extra.is_empty() {
                    r.add(
                        Verdict::NonStrict,
                        format!("roots/list carried params other than _meta: {extra:?}"),
                        "roots/list with no params, or only _meta",
                        shown,
                    );
                }
            }
        }
        "elicitation/create" => {
            if let Some(Value::Object(props)) =
                m.value.pointer("/params/requestedSchema/properties")
            {
                for (name, prop) in props {
                    let nested = matches!(schema_type(prop), Some("object" | "array"))
                        || ["$ref", "oneOf", "anyOf", "allOf", "items", "properties"]
                            .iter()
                            .any(|k| prop.get(k).is_some());
                    if nested {
                        r.add(
                            Verdict::Fail,
                            format!("elicitation property {name:?} is not a primitive schema"),
                            "a flat requestedSchema: string, number, integer, boolean or enum properties only",
                            crate::wire::excerpt(&prop.to_string()),
                        );
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_from_schemas() {
        let schema = json!({
            "type": "object",
            "properties": {
                "text": {"type": "string"},
                "duration": {"type": "number", "default": 10},
                "ms": {"type": "integer", "minimum": 5, "maximum": 100},
                "steps": {"type": "integer", "default": 5}
            },
            "required": ["text"]
        });
        let plain = sample_arguments(&schema, false).expect("generated");
        assert!(plain["text"].is_string());
        assert!(plain.get("duration").is_none());
        let quick = sample_arguments(&schema, true).expect("generated");
        assert_eq!(quick["duration"], json!(1.0));
        assert_eq!(quick["ms"], json!(5));
        assert!(quick.get("steps").is_none());
        assert_eq!(
            sample_arguments(&json!({"type": "object"}), false),
            Some(json!({}))
        );
    }

    #[test]
    fn hints_prefer_names() {
        let slow = json!({"name": "trigger-long-running-operation"});
        let echo = json!({"name": "echo", "description": "waits for nothing"});
        assert_eq!(Hint::Slow.score(&slow), 2);
        assert_eq!(Hint::Slow.score(&echo), 1);
        assert_eq!(Hint::Roots.score(&json!({"name": "get-roots-list"})), 2);
        assert_eq!(Hint::Sampling.score(&json!({"name": "sample"})), 2);
        assert_eq!(Hint::Elicitation.score(&json!({"name": "echo"})), 0);
    }

    #[test]
    fn durations_are_recognised() {
        for yes in ["duration", "ms", "delay_ms", "seconds", "durationSeconds"] {
            assert!(duration_like(yes), "{yes}");
        }
        for no in ["steps", "text", "count"] {
            assert!(!duration_like(no), "{no}");
        }
    }
}
