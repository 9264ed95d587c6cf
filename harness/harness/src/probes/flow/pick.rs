//! Choosing the tools the flow probes call: listing the server's tools, asking the side-effect
//! guard, ranking by what a probe looks for ([`Hint`]), generating arguments from each input
//! schema, and building or sending the `tools/call` request. Not judging anything: what the calls
//! provoke is weighed by the probe that made them.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value, json};

use super::{Budget, CALL_TIMEOUT, ProbeResult};
use crate::session::Session;

/// Most pages of `tools/list` followed.
const MAX_PAGES: usize = 20;

/// Why a probe has nothing to call although the server lists tools.
const NO_CALLABLE: &str =
    "the server lists no tool that the side-effect guard lets the harness call";

/// Which tools a probe looks for first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hint {
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

    pub(super) fn for_method(method: &str) -> Option<Hint> {
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
pub(super) struct Callable {
    pub(super) name: String,
    pub(super) args: Value,
    pub(super) score: u8,
}

/// Every tool the server lists (following cursors), or why there are none.
pub(super) async fn list_tools(s: &mut Session, budget: &Budget) -> Result<Vec<Value>, String> {
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
pub(super) fn callables(
    s: &mut Session,
    tools: &[Value],
    hint: Option<Hint>,
    quick: bool,
) -> Vec<Callable> {
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
pub(super) fn note_called(s: &mut Session, tools: &[Value], name: &str) {
    if let Some(tool) = tools
        .iter()
        .find(|t| t.get("name").and_then(Value::as_str) == Some(name))
        && let Ok(why) = s.tool_guard.decide(tool)
    {
        s.tool_calls.insert(name.to_string(), why);
    }
}

/// The tools the server lists and those of them the harness may call (best `hint` first, see
/// [`callables`]), or the `untestable` result when there is nothing to call.
pub(super) async fn pick_tools(
    s: &mut Session,
    budget: &Budget,
    hint: Hint,
    quick: bool,
) -> Result<(Vec<Value>, Vec<Callable>), ProbeResult> {
    let tools = match list_tools(s, budget).await {
        Ok(t) => t,
        Err(why) => return Err(ProbeResult::untestable(format!("no tool to call: {why}"))),
    };
    let chosen = callables(s, &tools, Some(hint), quick);
    if chosen.is_empty() {
        return Err(ProbeResult::untestable(NO_CALLABLE));
    }
    Ok((tools, chosen))
}

/// Like [`pick_tools`], but only the best callable tool.
pub(super) async fn first_callable(
    s: &mut Session,
    budget: &Budget,
    hint: Hint,
    quick: bool,
) -> Result<(Vec<Value>, Callable), ProbeResult> {
    let (tools, chosen) = pick_tools(s, budget, hint, quick).await?;
    let first = chosen
        .into_iter()
        .next()
        .ok_or_else(|| ProbeResult::untestable(NO_CALLABLE))?;
    Ok((tools, first))
}

/// A `tools/call` request for `c` with a fresh id (and `_meta` when given): the id and the
/// message.
pub(super) fn call_message(s: &mut Session, c: &Callable, meta: Option<Value>) -> (Value, Value) {
    let id = s.next_request_id();
    let mut params = json!({ "name": c.name, "arguments": c.args });
    if let Some(m) = meta {
        params["_meta"] = m;
    }
    let message = json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params });
    (id, message)
}

/// Sends `tools/call` with a fresh id without waiting; returns the id.
pub(super) async fn send_call(s: &mut Session, c: &Callable) -> Result<Value, String> {
    let (id, message) = call_message(s, c, None);
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
pub(super) fn schema_type(schema: &Value) -> Option<&str> {
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
