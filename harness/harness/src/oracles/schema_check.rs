//! The schema oracle: results against their request method's result definition, and server
//! requests and notifications against their method's definition. Not envelope shape
//! (`envelope.rs`): a message the codec could not classify never reaches here, and one it read
//! from a shallow copy is skipped.

use mcpspec_codec::{Classified, EnvelopeViolation, MessageKind};
use mcpspec_schema::{Direction, MethodKind};

use super::{Hit, View, id_key};

/// Most schema violations listed per message.
const MAX_VIOLATIONS: usize = 5;

/// Schema checks for one classified server message.
pub fn check(view: &View<'_>, msg: &Classified) -> Vec<Hit> {
    let Some(value) = &msg.value else {
        return Vec::new();
    };
    // A message read from a shallow copy (too deep, or numbers beyond double range) is not
    // what the server sent: the envelope oracle reports it, the schema is not applied.
    if msg
        .violations
        .iter()
        .any(|v| matches!(v, EnvelopeViolation::BeyondLimits { .. }))
    {
        return Vec::new();
    }
    let revision = view.schema.revision();
    let (definition, instance, prefix, what) = match msg.kind {
        Some(MessageKind::Result) => {
            let Some(id) = msg.id() else {
                return Vec::new();
            };
            let Some(method) = view.sent_requests.get(&id_key(id)) else {
                return Vec::new();
            };
            let Some(info) = mcpspec_schema::method(revision, method, Direction::ClientToServer)
            else {
                return Vec::new();
            };
            let Some(result) = info.result else {
                return Vec::new();
            };
            let Some(instance) = value.get("result") else {
                return Vec::new();
            };
            (result, instance, "/result", format!("result of {method}"))
        }
        Some(MessageKind::Request) | Some(MessageKind::Notification) => {
            let Some(method) = msg.method() else {
                return Vec::new();
            };
            let Some(info) = mcpspec_schema::method(revision, method, Direction::ServerToClient)
            else {
                return Vec::new();
            };
            let expected_kind = if msg.kind == Some(MessageKind::Request) {
                MethodKind::Request
            } else {
                MethodKind::Notification
            };
            if info.kind != expected_kind {
                return Vec::new();
            }
            (info.definition, value, "", format!("{method} message"))
        }
        _ => return Vec::new(),
    };
    let violations = match view.schema.validate(definition, instance) {
        Ok(v) => v,
        Err(_) => return Vec::new(),
    };
    violations
        .iter()
        .take(MAX_VIOLATIONS)
        .map(|v| {
            let pointer = format!("{prefix}{}", v.instance_path);
            Hit::fail(
                "oracle.schema-valid",
                format!(
                    "{what} is not a valid {definition}: {} at {pointer}",
                    v.message
                ),
                &format!("a value valid against {definition}"),
                crate::wire::excerpt(&instance_at(value, &pointer)),
            )
            .at(&pointer)
        })
        .collect()
}

fn instance_at(value: &serde_json::Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .map(|v| v.to_string())
        .unwrap_or_else(|| "(absent)".into())
}
