//! The server-cancellation oracle (CANCEL-004): a `notifications/cancelled` from the server must
//! name a request the server itself issued in this session. Not the cancellations the harness
//! sends (those are cases and probes) and not schema shape.

use mcpspec_codec::{Classified, MessageKind};
use mcpspec_report::Level;

use crate::case::model::TransportReq;

use super::{Hit, OracleDef, View, id_key};

/// ID of the oracle.
pub const KNOWN_REQUEST: &str = "oracle.server-cancel-known-request";

/// The oracle's entry in [`super::ORACLES`].
pub const DEF: OracleDef = OracleDef {
    id: KNOWN_REQUEST,
    title: "Checks every cancellation the server sends against the requests it issued",
    expectation: "A notifications/cancelled from the server MUST name a request the server itself issued in this session.",
    level: Level::Must,
    requirements: &["CANCEL-004"],
    page: "basic/utilities/cancellation",
    anchor: "behavior-requirements",
    statement: "A cancellation MUST only reference a request that was previously issued in the same direction and is believed to be in progress.",
    knob: "server-cancel-unknown-request",
    transport: TransportReq::Any,
};

/// Checks one classified server message.
///
/// The harness answers every server request at once, so a cancellation that names a request the
/// server issued but the harness already answered is a legal race and passes. A `requestId` the
/// server never used for a request of its own (one of the harness's ids, or an invented one)
/// fails.
pub fn check(view: &View<'_>, msg: &Classified) -> Vec<Hit> {
    if msg.kind != Some(MessageKind::Notification)
        || msg.method() != Some("notifications/cancelled")
    {
        return Vec::new();
    }
    let Some(value) = &msg.value else {
        return Vec::new();
    };
    let Some(id) = value.pointer("/params/requestId") else {
        return Vec::new();
    };
    let key = id_key(id);
    if view.server_request_ids.contains(&key) {
        return Vec::new();
    }
    let whose = if view.sent_requests.contains_key(&key) {
        "a request the harness sent, not one the server issued"
    } else {
        "no request the server issued in this session"
    };
    vec![
        Hit::fail(
            KNOWN_REQUEST,
            format!("the server cancelled request {key}, {whose}"),
            "cancellations only for requests the server itself issued in this session",
            crate::wire::excerpt(&value.to_string()),
        )
        .at("/params/requestId"),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use mcpspec_codec::classify;
    use serde_json::json;

    use super::*;

    fn view_check(server_ids: &[&str], sent: &[&str], msg: &str) -> Vec<Hit> {
        let server_request_ids: HashSet<String> =
            server_ids.iter().map(|s| s.to_string()).collect();
        let sent_requests: HashMap<String, String> = sent
            .iter()
            .map(|s| (s.to_string(), "ping".to_string()))
            .collect();
        let answered = HashSet::new();
        let caps = json!({});
        let view = View {
            sent_requests: &sent_requests,
            answered: &answered,
            reused_ids: &answered,
            sent_batch: false,
            client_caps: &caps,
            server_caps: None,
            server_request_ids: &server_request_ids,
            schema: mcpspec_schema::Schema::for_revision(crate::config::REVISION)
                .expect("schema loads"),
        };
        check(&view, &classify(msg.as_bytes()))
    }

    #[test]
    fn own_request_passes_and_others_fail() {
        let ok = r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"srv-1"}}"#;
        assert!(view_check(&["\"srv-1\""], &[], ok).is_empty());
        let theirs = r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"mcpspec-3"}}"#;
        let hits = view_check(&["\"srv-1\""], &["\"mcpspec-3\""], theirs);
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.contains("the harness sent"));
        // Same digits, other type: not the server's request.
        let typed =
            r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#;
        assert_eq!(view_check(&["\"1\""], &[], typed).len(), 1);
        let request = r#"{"jsonrpc":"2.0","id":"x","method":"notifications/cancelled","params":{"requestId":1}}"#;
        assert!(view_check(&[], &[], request).is_empty());
    }
}
