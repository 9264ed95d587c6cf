//! The subscription oracle (RESOURCES-009): `notifications/resources/updated` only for a URI the
//! harness subscribed to (or a resource under it) while the subscription lasts, with a grace
//! period after unsubscribing. Not the capability rule (`capability.rs` fails updates from a
//! server that never declared `resources.subscribe`) and not schema shape.

use std::collections::HashMap;

use mcpspec_codec::{Classified, MessageKind};
use serde_json::Value;

use super::Hit;
use crate::case::model::Verdict;

/// ID of the oracle.
pub const SUBSCRIBED_ONLY: &str = "oracle.resource-updates-subscribed";

/// How long after an unsubscribe an update still counts as in flight, in milliseconds.
pub const UNSUBSCRIBE_GRACE_MS: u64 = 1000;

/// The most URIs remembered per session.
const MAX_URIS: usize = 1024;

/// Subscriptions the harness asked for, fed by the session.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    /// URI to `None` while subscribed, or `Some(t_ms)` of the unsubscribe.
    uris: HashMap<String, Option<u64>>,
}

impl Tracker {
    /// Notes an outgoing message: `resources/subscribe` and `resources/unsubscribe` requests with a
    /// string `uri`. A subscription counts from the moment it is sent, since the server may
    /// send an update before its answer reaches the harness.
    pub fn on_outgoing(&mut self, value: &Value, now_ms: u64) {
        let Some(method) = value.get("method").and_then(Value::as_str) else {
            return;
        };
        let Some(uri) = value.pointer("/params/uri").and_then(Value::as_str) else {
            return;
        };
        match method {
            "resources/subscribe" if self.uris.len() < MAX_URIS || self.uris.contains_key(uri) => {
                self.uris.insert(uri.to_string(), None);
            }
            "resources/unsubscribe" => {
                if let Some(state) = self.uris.get_mut(uri) {
                    *state = Some(now_ms);
                }
            }
            _ => {}
        }
    }

    /// Judges one classified server message at session time `now_ms`.
    pub fn check(&self, msg: &Classified, now_ms: u64) -> Vec<Hit> {
        if msg.kind != Some(MessageKind::Notification)
            || msg.method() != Some("notifications/resources/updated")
        {
            return Vec::new();
        }
        let Some(value) = &msg.value else {
            return Vec::new();
        };
        let Some(uri) = value.pointer("/params/uri").and_then(Value::as_str) else {
            return Vec::new();
        };
        let mut ended: Option<u64> = None;
        for (sub, state) in &self.uris {
            if !covers(sub, uri) {
                continue;
            }
            match state {
                None => return Vec::new(),
                Some(at) if now_ms <= at + UNSUBSCRIBE_GRACE_MS => return Vec::new(),
                Some(at) => ended = Some(ended.map_or(*at, |e| e.max(*at))),
            }
        }
        let message = match ended {
            Some(at) => format!(
                "an update for {uri} arrived {} ms after the harness unsubscribed",
                now_ms.saturating_sub(at)
            ),
            None => {
                format!("an update for {uri} arrived though the harness never subscribed to it")
            }
        };
        vec![
            Hit::fail(
                SUBSCRIBED_ONLY,
                message,
                "resource updates only for subscribed URIs while the subscription lasts",
                crate::wire::excerpt(&value.to_string()),
            )
            .at("/params/uri")
            .with_verdict(Verdict::NonStrict),
        ]
    }
}

/// Whether a subscription to `sub` covers an update for `uri`: the same URI, or one below it.
fn covers(sub: &str, uri: &str) -> bool {
    if sub == uri {
        return true;
    }
    let base = sub.trim_end_matches('/');
    uri.strip_prefix(base)
        .is_some_and(|rest| rest.starts_with('/') || rest.starts_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcpspec_codec::classify;
    use serde_json::json;

    fn updated(uri: &str) -> Classified {
        let v = json!({"jsonrpc": "2.0", "method": "notifications/resources/updated",
                       "params": {"uri": uri}});
        classify(v.to_string().as_bytes())
    }

    fn req(method: &str, uri: &str) -> Value {
        json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": {"uri": uri}})
    }

    #[test]
    fn subscribed_updates_pass_others_warn() {
        let mut t = Tracker::default();
        assert_eq!(t.check(&updated("file:///a"), 0).len(), 1);
        t.on_outgoing(&req("resources/subscribe", "file:///a"), 10);
        assert!(t.check(&updated("file:///a"), 20).is_empty());
        assert!(t.check(&updated("file:///a/b.txt"), 20).is_empty());
        assert_eq!(t.check(&updated("file:///ab"), 20).len(), 1);
        t.on_outgoing(&req("resources/unsubscribe", "file:///a"), 100);
        assert!(t.check(&updated("file:///a"), 600).is_empty());
        let late = t.check(&updated("file:///a"), 1500);
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].verdict, Verdict::NonStrict);
        assert!(late[0].message.contains("after the harness unsubscribed"));
    }
}
