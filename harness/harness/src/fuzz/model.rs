//! The fuzzer's model of one live session: the lifecycle phase, what the listings revealed
//! (tools, prompts, resources, templates and the last cursor of each list) and the requests
//! still waiting for an answer, and over Streamable HTTP what is known of the session id and
//! whether a DELETE ended the session. Actions resolve their indexes against it when played.
//!
//! Not a judge of the server: the model only learns from answers (the oracles and `play/`
//! judge them), and it never holds the negotiated version or capabilities twice (the session
//! keeps those).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::action::ListKind;
use crate::config::ToolGuard;

/// Where the session is in its lifecycle, as far as the client's messages and the server's
/// answers tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// No `initialize` answered with a result yet.
    #[default]
    Fresh,
    /// `initialize` got a result; `notifications/initialized` not sent yet.
    Initialized,
    /// `notifications/initialized` sent after a successful `initialize`.
    Ready,
}

/// A request sent without waiting for its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// Its id.
    pub id: Value,
    /// Its method.
    pub method: String,
    /// Whether the fuzzer cancelled it (an answer is then allowed but not required).
    pub cancelled: bool,
}

/// What the fuzzer knows about the session.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// The lifecycle phase.
    pub phase: Phase,
    /// Tool objects from `tools/list`, by first appearance, one per name.
    pub tools: Vec<Value>,
    /// Prompt objects from `prompts/list`, one per name.
    pub prompts: Vec<Value>,
    /// Resource URIs from `resources/list`.
    pub resources: Vec<String>,
    /// URI templates from `resources/templates/list`.
    pub templates: Vec<String>,
    /// The last `nextCursor` of each list (absent once a page came without one).
    pub cursors: BTreeMap<ListKind, String>,
    /// Requests sent without waiting.
    pub outstanding: Vec<Pending>,
    /// The lists requested from their first page at least once.
    pub listed: BTreeSet<ListKind>,
    /// The Streamable HTTP session (untouched over stdio).
    pub http: HttpState,
    next_id: u64,
}

/// What the fuzzer knows of a Streamable HTTP session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpState {
    /// The session id the server issued, once a request the fuzzer composed carried it.
    pub session_id: Option<String>,
    /// The id of the session a DELETE ended: every later request carrying it is expected to
    /// get 404.
    pub ended: Option<String>,
}

impl Model {
    /// A fresh id of the fuzzer's own (`fz-<n>`), unique in the session.
    pub fn next_id(&mut self) -> Value {
        self.next_id += 1;
        Value::String(format!("fz-{}", self.next_id))
    }

    /// The tools the side-effect guard lets the fuzzer call, in listing order.
    pub fn callable_tools(&self, guard: &ToolGuard) -> Vec<&Value> {
        self.tools
            .iter()
            .filter(|t| guard.decide(t).is_ok())
            .collect()
    }

    /// Whether requests carrying the session's id must be served: `initialize` got a result
    /// and no DELETE ended the session since.
    pub fn live(&self) -> bool {
        self.phase != Phase::Fresh && self.http.ended.is_none()
    }

    /// Outstanding requests not cancelled yet.
    pub fn live_requests(&self) -> Vec<&Pending> {
        self.outstanding.iter().filter(|p| !p.cancelled).collect()
    }

    /// Completion targets: `(reference, argument name)` for every prompt argument, then for
    /// every variable of every template.
    pub fn completion_targets(&self) -> Vec<(Value, String)> {
        let mut out = Vec::new();
        for p in &self.prompts {
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                continue;
            };
            for arg in prompt_arguments(p) {
                out.push((
                    serde_json::json!({ "type": "ref/prompt", "name": name }),
                    arg.0,
                ));
            }
        }
        for t in &self.templates {
            for var in template_variables(t) {
                out.push((serde_json::json!({ "type": "ref/resource", "uri": t }), var));
            }
        }
        out
    }

    /// Learns from a successful result of `kind`'s list method.
    pub fn learn_list(&mut self, kind: ListKind, result: &Value) {
        match result.get("nextCursor").and_then(Value::as_str) {
            Some(c) => {
                self.cursors.insert(kind, c.to_string());
            }
            None => {
                self.cursors.remove(&kind);
            }
        }
        let Some(items) = result.get(kind.items()).and_then(Value::as_array) else {
            return;
        };
        for item in items {
            match kind {
                ListKind::Tools => add_named(&mut self.tools, item),
                ListKind::Prompts => add_named(&mut self.prompts, item),
                ListKind::Resources => {
                    add_text(&mut self.resources, item.get("uri").and_then(Value::as_str))
                }
                ListKind::Templates => add_text(
                    &mut self.templates,
                    item.get("uriTemplate").and_then(Value::as_str),
                ),
            }
        }
    }
}

/// A prompt's declared arguments as `(name, required)`.
pub fn prompt_arguments(prompt: &Value) -> Vec<(String, bool)> {
    prompt
        .get("arguments")
        .and_then(Value::as_array)
        .map(|args| {
            args.iter()
                .filter_map(|a| {
                    let name = a.get("name")?.as_str()?.to_string();
                    let required = a.get("required") == Some(&Value::Bool(true));
                    Some((name, required))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The variable names of an RFC 6570 template (`{id}`, `{+path}`, `{?a,b}` give `id`, `path`,
/// `a`, `b`), without modifiers.
pub fn template_variables(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let body = &rest[start + 1..start + len];
        let body = body.trim_start_matches(['+', '#', '.', '/', ';', '?', '&']);
        for var in body.split(',') {
            let var = var.trim_end_matches('*');
            let var = var.split(':').next().unwrap_or(var);
            if !var.is_empty() && !out.iter().any(|v| v == var) {
                out.push(var.to_string());
            }
        }
        rest = &rest[start + len + 1..];
    }
    out
}

/// The template with every expression replaced by `value`.
pub fn fill_template(template: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(value);
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

fn add_named(list: &mut Vec<Value>, item: &Value) {
    let Some(name) = item.get("name").and_then(Value::as_str) else {
        return;
    };
    if !list
        .iter()
        .any(|t| t.get("name").and_then(Value::as_str) == Some(name))
    {
        list.push(item.clone());
    }
}

fn add_text(list: &mut Vec<String>, text: Option<&str>) {
    if let Some(t) = text
        && !list.iter().any(|x| x == t)
    {
        list.push(t.to_string());
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn learns_items_and_cursors() {
        let mut m = Model::default();
        m.learn_list(
            ListKind::Tools,
            &json!({"tools": [{"name": "a"}, {"name": "b"}, {"name": "a"}], "nextCursor": "c2"}),
        );
        assert_eq!(m.tools.len(), 2);
        assert_eq!(
            m.cursors.get(&ListKind::Tools).map(String::as_str),
            Some("c2")
        );
        m.learn_list(ListKind::Tools, &json!({"tools": [{"name": "c"}]}));
        assert_eq!(m.tools.len(), 3);
        assert!(!m.cursors.contains_key(&ListKind::Tools));
        m.learn_list(
            ListKind::Templates,
            &json!({"resourceTemplates": [{"uriTemplate": "x://{a}/{+b*}{?c,d:3}"}]}),
        );
        assert_eq!(template_variables(&m.templates[0]), ["a", "b", "c", "d"]);
        assert_eq!(fill_template("x://{a}/y{b}", "Q"), "x://Q/yQ");
        m.learn_list(
            ListKind::Prompts,
            &json!({"prompts": [{"name": "p", "arguments": [{"name": "n", "required": true}]}]}),
        );
        assert_eq!(m.completion_targets().len(), 5);
        assert_eq!(m.next_id(), json!("fz-1"));
    }

    #[test]
    fn guard_limits_callable_tools() {
        let mut m = Model::default();
        m.learn_list(
            ListKind::Tools,
            &json!({"tools": [{"name": "rm"}, {"name": "get", "annotations": {"readOnlyHint": true}}]}),
        );
        let guard = ToolGuard::default();
        let callable = m.callable_tools(&guard);
        assert_eq!(callable.len(), 1);
        assert_eq!(callable[0]["name"], "get");
    }
}
