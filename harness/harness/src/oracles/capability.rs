//! Capability oracles: server requests need the client's declaration, server notifications need
//! the server's own. Not version negotiation (a case) and not schema shape.

use mcpspec_codec::{Classified, MessageKind};

use super::{Hit, View, has_capability};

/// Server request methods and the client capability each needs.
const CLIENT_CAPABILITY_FOR: &[(&str, &str)] = &[
    ("sampling/createMessage", "sampling"),
    ("roots/list", "roots"),
    ("elicitation/create", "elicitation"),
];

/// Server notifications and the server capability each needs.
const SERVER_CAPABILITY_FOR: &[(&str, &str)] = &[
    ("notifications/message", "logging"),
    ("notifications/tools/list_changed", "tools.listChanged"),
    ("notifications/prompts/list_changed", "prompts.listChanged"),
    (
        "notifications/resources/list_changed",
        "resources.listChanged",
    ),
    ("notifications/resources/updated", "resources.subscribe"),
];

/// Capability checks for one classified server message.
pub fn check(view: &View<'_>, msg: &Classified) -> Vec<Hit> {
    let Some(method) = msg.method() else {
        return Vec::new();
    };
    match msg.kind {
        Some(MessageKind::Request) => CLIENT_CAPABILITY_FOR
            .iter()
            .filter(|(m, cap)| *m == method && !has_capability(view.client_caps, cap))
            .map(|(m, cap)| {
                Hit::fail(
                    "oracle.server-request-capability",
                    format!("the server sent {m} although the client did not declare `{cap}`"),
                    &format!("no {m} request unless the client declared `{cap}`"),
                    format!("{m} request; client capabilities {}", view.client_caps),
                )
                .at("/method")
            })
            .collect(),
        Some(MessageKind::Notification) => {
            let Some(server_caps) = view.server_caps else {
                return Vec::new();
            };
            SERVER_CAPABILITY_FOR
                .iter()
                .filter(|(m, cap)| *m == method && !has_capability(server_caps, cap))
                .map(|(m, cap)| {
                    Hit::fail(
                        "oracle.notification-capability",
                        format!("the server sent {m} without declaring `{cap}`"),
                        &format!("{m} only from a server that declared `{cap}`"),
                        format!("{m}; server capabilities {server_caps}"),
                    )
                    .at("/method")
                })
                .collect()
        }
        _ => Vec::new(),
    }
}
