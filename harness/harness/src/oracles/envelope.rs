//! Envelope oracles: JSON-RPC shape (from the codec's classifier), response-to-request matching,
//! and the uniqueness of the server's own request ids. Not schema validation (`schema_check.rs`).

use mcpspec_codec::{Classified, EnvelopeViolation, MessageKind};
use serde_json::Value;

use super::{Hit, View, id_key};
use crate::case::model::Verdict;

/// The envelope checks for one classified server message (a JSON object or array).
pub fn check(view: &View<'_>, msg: &Classified) -> Vec<Hit> {
    let mut hits = Vec::new();
    let id = msg.id();
    for v in &msg.violations {
        if excused(view, msg, v) {
            continue;
        }
        let actual = match &msg.value {
            Some(value) => crate::wire::excerpt(&value.to_string()),
            None => String::from("(not JSON)"),
        };
        let hit = Hit::fail(
            "oracle.jsonrpc-envelope",
            format!("{} [{}]", v.describe(), v.requirement()),
            "a JSON-RPC 2.0 message that follows the envelope rules",
            actual,
        )
        .at(v.pointer());
        // Valid JSON that many parsers cannot read is an interoperability problem the spec
        // does not forbid (RFC 8259 lets parsers limit depth and number range): non-strict.
        hits.push(match v {
            EnvelopeViolation::BeyondLimits { .. } => hit.with_verdict(Verdict::NonStrict),
            _ => hit,
        });
    }
    match msg.kind {
        Some(MessageKind::Result) | Some(MessageKind::Error) => {
            if let Some(id) = id {
                hits.extend(check_response(view, msg, id));
            }
        }
        Some(MessageKind::Request) => {
            if let Some(id) = id {
                let key = id_key(id);
                if view.server_request_ids.contains(&key) {
                    hits.push(
                        Hit::fail(
                            "oracle.server-request-ids",
                            format!("the server reused its request id {key} within the session"),
                            "a request id not used before by the server in this session",
                            format!("{} with id {key}", msg.method().unwrap_or("a request")),
                        )
                        .at("/id"),
                    );
                }
            }
        }
        _ => {}
    }
    hits
}

fn check_response(view: &View<'_>, msg: &Classified, id: &Value) -> Vec<Hit> {
    if id.is_null() {
        // An error with a null id answers a message whose id could not be read; the envelope
        // check already flags a *result* with a null id.
        return Vec::new();
    }
    let key = id_key(id);
    if view.answered.contains(&key) && !view.reused_ids.contains(&key) {
        return vec![
            Hit::fail(
                "oracle.one-response-per-request",
                format!("a second response to request id {key}"),
                "exactly one response per request",
                format!("another response with id {key}"),
            )
            .at("/id"),
        ];
    }
    if !view.sent_requests.contains_key(&key) {
        let near = view
            .sent_requests
            .keys()
            .filter(|k| !view.answered.contains(*k))
            .find(|k| loosely_equal(k, &key));
        let message = match near {
            Some(k) => format!(
                "response id {key} does not match the request id {k} it seems to answer (type or value changed)"
            ),
            None => format!("a response with id {key}, which the harness never used"),
        };
        let kind = if msg.kind == Some(MessageKind::Error) {
            "error"
        } else {
            "result"
        };
        return vec![
            Hit::fail(
                "oracle.one-response-per-request",
                message,
                "the id of a request the harness sent, unchanged in type and value",
                format!("{kind} with id {key}"),
            )
            .at("/id"),
        ];
    }
    Vec::new()
}

/// Whether two canonical ids differ only in JSON type or by truncation/mangling of a string,
/// to give a better message for a mangled echo.
fn loosely_equal(a: &str, b: &str) -> bool {
    let strip = |s: &str| s.trim_matches('"').to_string();
    let (a, b) = (strip(a), strip(b));
    a == b || (!a.is_empty() && !b.is_empty() && (a.starts_with(&b) || b.starts_with(&a)))
}

/// Violations that are not the server's fault in context.
fn excused(view: &View<'_>, msg: &Classified, v: &EnvelopeViolation) -> bool {
    match v {
        // Reported by the stdio/framing oracles instead.
        EnvelopeViolation::NotUtf8 { .. }
        | EnvelopeViolation::NotJson { .. }
        | EnvelopeViolation::NotAnObject { .. } => true,
        // An answer to a batch the harness itself sent is judged by the batch case.
        EnvelopeViolation::Batch { .. } => view.sent_batch,
        // Echoing an invalid id the harness sent on purpose is what JSON-RPC asks.
        EnvelopeViolation::IdWrongType { found } => {
            view.sent_requests.contains_key(&super::id_key(found))
        }
        // Parse errors and invalid requests may be answered without an id.
        EnvelopeViolation::IdMissingOnResponse => msg.kind == Some(MessageKind::Error),
        _ => false,
    }
}
