//! Progress oracles (PROGRESS-001..004): remembers the progress token of every request the
//! harness sends and whether its response has arrived, and judges every `notifications/progress`
//! the server sends against them. Not the progress probes (those provoke progress on purpose) and
//! not schema shape (`schema_check.rs` validates the notification's fields).

use std::collections::HashMap;

use mcpspec_codec::{Classified, MessageKind};
use serde_json::Value;

use super::{Hit, id_key};

/// ID of the oracle for tokens that match no active token (PROGRESS-001).
pub const TOKEN_KNOWN: &str = "oracle.progress-token-known";
/// ID of the oracle for values that do not increase (PROGRESS-002).
pub const INCREASING: &str = "oracle.progress-increasing";
/// ID of the oracle for progress after the response (PROGRESS-003).
pub const AFTER_RESPONSE: &str = "oracle.progress-after-response";
/// ID of the oracle for progress nobody asked for (PROGRESS-004).
pub const UNSOLICITED: &str = "oracle.progress-unsolicited";

/// The most tokens remembered per session; the oldest finished ones go first past this.
const MAX_TOKENS: usize = 4096;

/// One token the harness handed out.
#[derive(Debug, Clone, PartialEq)]
struct TokenState {
    /// Canonical id of the request that carried it.
    request: String,
    /// Whether that request's response has arrived.
    answered: bool,
    /// The last `progress` value seen for it.
    last: Option<f64>,
    /// Order of issue, for eviction.
    seq: u64,
}

/// What the session knows about progress tokens: fed by the session, read by [`Tracker::check`].
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    /// Canonical token text (compact JSON, so `1` and `"1"` differ) to its state.
    tokens: HashMap<String, TokenState>,
    /// Canonical request id to the token it carried.
    by_request: HashMap<String, String>,
    seq: u64,
}

impl Tracker {
    /// Notes an outgoing message (any shape): a request whose `params._meta.progressToken` is a
    /// string or an integer starts tracking that token; a reused token starts afresh.
    pub fn on_outgoing(&mut self, value: &Value) {
        let Value::Object(map) = value else { return };
        let (Some(id), Some(_)) = (map.get("id"), map.get("method")) else {
            return;
        };
        let Some(token) = value.pointer("/params/_meta/progressToken") else {
            return;
        };
        if !(token.is_string() || token.is_i64() || token.is_u64()) {
            return;
        }
        if self.tokens.len() >= MAX_TOKENS {
            self.evict();
        }
        self.seq += 1;
        let (token_key, request) = (id_key(token), id_key(id));
        self.by_request.insert(request.clone(), token_key.clone());
        let old = self.tokens.insert(
            token_key,
            TokenState {
                request: request.clone(),
                answered: false,
                last: None,
                seq: self.seq,
            },
        );
        // The earlier request that carried the same token no longer owns it.
        if let Some(old) = old
            && old.request != request
        {
            self.by_request.remove(&old.request);
        }
    }

    /// Notes that the response (result or error) for the request with this canonical id arrived.
    pub fn on_response(&mut self, request_key: &str) {
        let Some(token) = self.by_request.get(request_key) else {
            return;
        };
        if let Some(state) = self.tokens.get_mut(token)
            && state.request == request_key
        {
            state.answered = true;
        }
    }

    fn evict(&mut self) {
        let oldest = self
            .tokens
            .iter()
            .filter(|(_, s)| s.answered)
            .min_by_key(|(_, s)| s.seq)
            .or_else(|| self.tokens.iter().min_by_key(|(_, s)| s.seq))
            .map(|(k, _)| k.clone());
        if let Some(k) = oldest
            && let Some(state) = self.tokens.remove(&k)
        {
            self.by_request.remove(&state.request);
        }
    }

    fn any_open(&self) -> bool {
        self.tokens.values().any(|s| !s.answered)
    }

    /// Whether `token` looks like one of ours changed in type or text (`"9001"` for `9001`,
    /// `"x-tok"` for `"tok"`).
    fn resembles_ours(&self, token: &Value) -> bool {
        let text = plain_text(token);
        self.tokens.keys().any(|k| {
            let ours = serde_json::from_str::<Value>(k)
                .map(|v| plain_text(&v))
                .unwrap_or_default();
            !ours.is_empty() && text.contains(&ours)
        })
    }

    /// Judges one classified server message. Only `notifications/progress` with a token is
    /// looked at; a missing or mistyped token is the schema oracle's business.
    pub fn check(&mut self, msg: &Classified) -> Vec<Hit> {
        if msg.kind != Some(MessageKind::Notification)
            || msg.method() != Some("notifications/progress")
        {
            return Vec::new();
        }
        let Some(value) = &msg.value else {
            return Vec::new();
        };
        let Some(token) = value.pointer("/params/progressToken") else {
            return Vec::new();
        };
        let key = id_key(token);
        let progress = value.pointer("/params/progress").and_then(Value::as_f64);
        let shown = crate::wire::excerpt(&value.to_string());
        if let Some(state) = self.tokens.get_mut(&key) {
            if state.answered {
                return vec![
                    Hit::fail(
                        AFTER_RESPONSE,
                        format!(
                            "progress for token {key} arrived after the response to request {}",
                            state.request
                        ),
                        "no progress notification for a token once its request was answered",
                        shown,
                    )
                    .at("/params/progressToken"),
                ];
            }
            let Some(p) = progress else {
                return Vec::new();
            };
            let hit = match state.last {
                Some(last) if p <= last => Some(
                    Hit::fail(
                        INCREASING,
                        format!("progress for token {key} went from {last} to {p}"),
                        "each progress value for a token greater than the one before",
                        shown,
                    )
                    .at("/params/progress"),
                ),
                _ => None,
            };
            state.last = Some(state.last.map_or(p, |last| last.max(p)));
            return hit.into_iter().collect();
        }
        if self.resembles_ours(token) || self.any_open() {
            vec![
                Hit::fail(
                    TOKEN_KNOWN,
                    format!("progress token {key} equals no token of a request in progress"),
                    "the exact progress token (same JSON type and value) of a request still in progress",
                    shown,
                )
                .at("/params/progressToken"),
            ]
        } else {
            vec![
                Hit::fail(
                    UNSOLICITED,
                    format!(
                        "progress with token {key} arrived though no request asked for progress"
                    ),
                    "progress notifications only for requests that carried a progress token",
                    shown,
                )
                .at("/params/progressToken"),
            ]
        }
    }
}

/// The text of a token without JSON quoting (`tok` for `"tok"`, `9001` for `9001`).
fn plain_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcpspec_codec::classify;
    use serde_json::json;

    fn progress(token: Value, p: f64) -> Classified {
        let v = json!({"jsonrpc": "2.0", "method": "notifications/progress",
                       "params": {"progressToken": token, "progress": p}});
        classify(v.to_string().as_bytes())
    }

    fn call(id: &str, token: Value) -> Value {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
               "params": {"name": "x", "_meta": {"progressToken": token}}})
    }

    fn ids(hits: &[Hit]) -> Vec<&str> {
        hits.iter().map(|h| h.oracle).collect()
    }

    #[test]
    fn clean_flow_has_no_hits() {
        let mut t = Tracker::default();
        t.on_outgoing(&call("a", json!("tok")));
        assert!(t.check(&progress(json!("tok"), 1.0)).is_empty());
        assert!(t.check(&progress(json!("tok"), 1.5)).is_empty());
        t.on_response("\"a\"");
        t.on_outgoing(&call("b", json!(9001)));
        assert!(t.check(&progress(json!(9001), 0.0)).is_empty());
    }

    #[test]
    fn each_rule_trips() {
        let mut t = Tracker::default();
        t.on_outgoing(&call("a", json!(9001)));
        assert_eq!(ids(&t.check(&progress(json!("9001"), 1.0))), [TOKEN_KNOWN]);
        assert!(t.check(&progress(json!(9001), 2.0)).is_empty());
        assert_eq!(ids(&t.check(&progress(json!(9001), 2.0))), [INCREASING]);
        assert_eq!(ids(&t.check(&progress(json!(9001), 1.0))), [INCREASING]);
        t.on_response("\"a\"");
        assert_eq!(ids(&t.check(&progress(json!(9001), 5.0))), [AFTER_RESPONSE]);
        assert_eq!(
            ids(&t.check(&progress(json!("unsolicited"), 1.0))),
            [UNSOLICITED]
        );
        assert_eq!(ids(&t.check(&progress(json!("x9001"), 1.0))), [TOKEN_KNOWN]);
    }

    #[test]
    fn reused_token_starts_afresh() {
        let mut t = Tracker::default();
        t.on_outgoing(&call("a", json!("p")));
        assert!(t.check(&progress(json!("p"), 3.0)).is_empty());
        t.on_response("\"a\"");
        t.on_outgoing(&call("b", json!("p")));
        assert!(t.check(&progress(json!("p"), 1.0)).is_empty());
        // The old request's late answer does not close the new one.
        t.on_response("\"a\"");
        assert!(t.check(&progress(json!("p"), 2.0)).is_empty());
    }

    #[test]
    fn other_messages_are_ignored() {
        let mut t = Tracker::default();
        let ping = classify(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
        assert!(t.check(&ping).is_empty());
        let no_token = classify(
            br#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}"#,
        );
        assert!(t.check(&no_token).is_empty());
    }
}
