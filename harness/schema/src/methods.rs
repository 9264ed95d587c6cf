//! The table of MCP methods per revision: direction, kind, schema definitions and gating capability.
//!
//! This is static data only. It does not decide whether a peer may send a method at a given
//! moment of a session (lifecycle state), and it does not validate anything by itself.

/// Which peer sends the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sent by the client, received by the server.
    ClientToServer,
    /// Sent by the server, received by the client.
    ServerToClient,
}

/// Whether the method expects a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodKind {
    /// Carries an id and expects a result or an error.
    Request,
    /// Carries no id and gets no reply.
    Notification,
}

/// Facts about one method in one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodInfo {
    /// The `method` string on the wire.
    pub method: &'static str,
    /// Which peer sends it.
    pub direction: Direction,
    /// Request or notification.
    pub kind: MethodKind,
    /// Definition of the whole message minus the envelope, e.g. "PingRequest", "InitializeRequest", "CancelledNotification".
    pub definition: &'static str,
    /// Definition of the result for requests, e.g. "InitializeResult", "EmptyResult" for ping; None for notifications.
    pub result: Option<&'static str>,
    /// Capability that gates the method, None for base methods.
    ///
    /// For requests it is a capability the receiver must have declared (`Some("sampling")` for
    /// `sampling/createMessage`, `Some("tools")` for `tools/list`). For `notifications/message`
    /// and `notifications/resources/updated` it is the sending server's own capability
    /// (`logging`, `resources`). Some methods need a sub-flag as well (`resources/subscribe`
    /// and `notifications/resources/updated` need `resources.subscribe`); only the top-level
    /// key is named here.
    pub capability: Option<&'static str>,
}

const fn request(
    method: &'static str,
    direction: Direction,
    definition: &'static str,
    result: &'static str,
    capability: Option<&'static str>,
) -> MethodInfo {
    MethodInfo {
        method,
        direction,
        kind: MethodKind::Request,
        definition,
        result: Some(result),
        capability,
    }
}

const fn notification(
    method: &'static str,
    direction: Direction,
    definition: &'static str,
    capability: Option<&'static str>,
) -> MethodInfo {
    MethodInfo {
        method,
        direction,
        kind: MethodKind::Notification,
        definition,
        result: None,
        capability,
    }
}

use Direction::{ClientToServer as C2S, ServerToClient as S2C};

/// Revision 2025-06-18: client requests, client notifications, server requests, server notifications.
static METHODS_2025_06_18: &[MethodInfo] = &[
    // client -> server requests
    request(
        "initialize",
        C2S,
        "InitializeRequest",
        "InitializeResult",
        None,
    ),
    request("ping", C2S, "PingRequest", "EmptyResult", None),
    request(
        "resources/list",
        C2S,
        "ListResourcesRequest",
        "ListResourcesResult",
        Some("resources"),
    ),
    request(
        "resources/templates/list",
        C2S,
        "ListResourceTemplatesRequest",
        "ListResourceTemplatesResult",
        Some("resources"),
    ),
    request(
        "resources/read",
        C2S,
        "ReadResourceRequest",
        "ReadResourceResult",
        Some("resources"),
    ),
    request(
        "resources/subscribe",
        C2S,
        "SubscribeRequest",
        "EmptyResult",
        Some("resources"),
    ),
    request(
        "resources/unsubscribe",
        C2S,
        "UnsubscribeRequest",
        "EmptyResult",
        Some("resources"),
    ),
    request(
        "prompts/list",
        C2S,
        "ListPromptsRequest",
        "ListPromptsResult",
        Some("prompts"),
    ),
    request(
        "prompts/get",
        C2S,
        "GetPromptRequest",
        "GetPromptResult",
        Some("prompts"),
    ),
    request(
        "tools/list",
        C2S,
        "ListToolsRequest",
        "ListToolsResult",
        Some("tools"),
    ),
    request(
        "tools/call",
        C2S,
        "CallToolRequest",
        "CallToolResult",
        Some("tools"),
    ),
    request(
        "logging/setLevel",
        C2S,
        "SetLevelRequest",
        "EmptyResult",
        Some("logging"),
    ),
    request(
        "completion/complete",
        C2S,
        "CompleteRequest",
        "CompleteResult",
        Some("completions"),
    ),
    // client -> server notifications
    notification(
        "notifications/initialized",
        C2S,
        "InitializedNotification",
        None,
    ),
    notification(
        "notifications/cancelled",
        C2S,
        "CancelledNotification",
        None,
    ),
    notification("notifications/progress", C2S, "ProgressNotification", None),
    notification(
        "notifications/roots/list_changed",
        C2S,
        "RootsListChangedNotification",
        None,
    ),
    // server -> client requests
    request("ping", S2C, "PingRequest", "EmptyResult", None),
    request(
        "sampling/createMessage",
        S2C,
        "CreateMessageRequest",
        "CreateMessageResult",
        Some("sampling"),
    ),
    request(
        "roots/list",
        S2C,
        "ListRootsRequest",
        "ListRootsResult",
        Some("roots"),
    ),
    request(
        "elicitation/create",
        S2C,
        "ElicitRequest",
        "ElicitResult",
        Some("elicitation"),
    ),
    // server -> client notifications
    notification(
        "notifications/cancelled",
        S2C,
        "CancelledNotification",
        None,
    ),
    notification("notifications/progress", S2C, "ProgressNotification", None),
    notification(
        "notifications/message",
        S2C,
        "LoggingMessageNotification",
        Some("logging"),
    ),
    notification(
        "notifications/resources/updated",
        S2C,
        "ResourceUpdatedNotification",
        Some("resources"),
    ),
    notification(
        "notifications/resources/list_changed",
        S2C,
        "ResourceListChangedNotification",
        None,
    ),
    notification(
        "notifications/tools/list_changed",
        S2C,
        "ToolListChangedNotification",
        None,
    ),
    notification(
        "notifications/prompts/list_changed",
        S2C,
        "PromptListChangedNotification",
        None,
    ),
];

/// Every method of the revision (both directions), in a fixed order.
///
/// Methods valid in both directions (`ping`, `notifications/cancelled`,
/// `notifications/progress`) appear once per direction. Unknown revisions give an empty slice.
pub fn methods(revision: &str) -> &'static [MethodInfo] {
    match revision {
        "2025-06-18" => METHODS_2025_06_18,
        _ => &[],
    }
}

/// The method of this name sent in this direction, if the revision has it.
pub fn method(revision: &str, name: &str, direction: Direction) -> Option<&'static MethodInfo> {
    methods(revision)
        .iter()
        .find(|info| info.method == name && info.direction == direction)
}
