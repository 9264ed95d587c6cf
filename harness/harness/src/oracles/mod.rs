//! Oracles: checks that run on every message of every session, in scripted and fuzz modes alike.
//! Each oracle is reported as a pseudo-case under its ID (`oracle.<name>`).
//!
//! Adding an oracle: add one [`OracleDef`] to [`ORACLES`] (its spec reference, level and the
//! fixture knob that must trip it), then emit [`Hit`]s with that ID from the check module that
//! sees the data (`envelope.rs` for JSON-RPC shape and ids, `schema_check.rs` for definitions,
//! `stdio.rs` for framing, `capability.rs` for capability rules, `meta.rs` for `_meta` and error
//! texts). A test checks that every ID emitted is registered and every registered oracle names a
//! knob. Not here: per-case expectations (those are case files) and grading (`grade.rs`).

pub mod cancel;
pub mod capability;
pub mod envelope;
pub mod http;
pub mod meta;
pub mod progress;
pub mod schema_check;
pub mod stdio;
pub mod subscription;

use std::collections::{HashMap, HashSet};

use mcpspec_report::Level;
use mcpspec_schema::Schema;
use serde_json::Value;

use crate::case::model::{TransportReq, Verdict};

/// One registered oracle.
#[derive(Debug, Clone, Copy)]
pub struct OracleDef {
    /// `oracle.<kebab>`.
    pub id: &'static str,
    /// What the harness does, from our side.
    pub title: &'static str,
    /// What the server must do.
    pub expectation: &'static str,
    /// The level of the rule; a hit may carry a milder verdict (for example a SHOULD part).
    pub level: Level,
    /// Catalogue IDs checked.
    pub requirements: &'static [&'static str],
    /// Spec page.
    pub page: &'static str,
    /// Spec anchor.
    pub anchor: &'static str,
    /// mcpspec's statement of the rule, with its keyword.
    pub statement: &'static str,
    /// The fixture bug knob that must trip it.
    pub knob: &'static str,
    /// The transport the oracle applies to (`Any`, or only `Stdio` / `Http` targets).
    pub transport: TransportReq,
}

/// Every oracle, in ID order.
pub const ORACLES: &[OracleDef] = &[
    OracleDef {
        id: "oracle.error-message-short",
        title: "Reads the message of every error the server sends",
        expectation: "An error message SHOULD be a short, single-sentence description.",
        level: Level::Should,
        requirements: &["BASE-007"],
        page: "basic",
        anchor: "responses",
        statement: "The error message SHOULD be a short description of the error, about one sentence.",
        knob: "error-message-multiline",
        transport: TransportReq::Any,
    },
    http::ACCEPTED_202,
    http::EVENT_IDS_UNIQUE,
    http::GET_NO_RESPONSES,
    OracleDef {
        id: "oracle.jsonrpc-envelope",
        title: "Classifies every message the server sends against the JSON-RPC 2.0 envelope rules",
        expectation: "Every message MUST be a single JSON-RPC 2.0 object: jsonrpc \"2.0\", a string or integer id on requests and responses, exactly one of result (an object) and error (integer code, string message), no id on notifications.",
        level: Level::Must,
        requirements: &[
            "BASE-001", "BASE-002", "BASE-003", "BASE-004", "BASE-005", "BASE-006", "BASE-008",
            "BASE-010",
        ],
        page: "basic",
        anchor: "messages",
        statement: "All messages between client and server MUST follow JSON-RPC 2.0; a response MUST carry either a result or an error, never both; notifications MUST NOT carry an id.",
        knob: "wrong-jsonrpc-version",
        transport: TransportReq::Any,
    },
    OracleDef {
        id: "oracle.message-size-limit",
        title: "Caps the size of every message the server sends",
        expectation: "Messages larger than the harness's limit are recorded and not parsed (an observation, not a spec rule).",
        level: Level::May,
        requirements: &["PROBE-016"],
        page: "basic/transports",
        anchor: "stdio",
        statement: "The spec sets no size limit; a server MAY send large messages, which the harness records but does not parse past its limit.",
        knob: "",
        transport: TransportReq::Stdio,
    },
    OracleDef {
        id: "oracle.meta-key-format",
        title: "Checks every _meta key the server sends",
        expectation: "Every _meta key MUST have the shape the spec gives (optional dotted prefix and slash, then a name of letters, digits, hyphens, underscores and dots); reserved MCP prefixes SHOULD NOT be used by servers.",
        level: Level::Must,
        requirements: &["META-001", "META-002"],
        page: "basic",
        anchor: "meta",
        statement: "_meta key names MUST follow the specified prefix and name format.",
        knob: "bad-meta-key",
        transport: TransportReq::Any,
    },
    OracleDef {
        id: "oracle.notification-capability",
        title: "Watches every notification against the capabilities the server declared",
        expectation: "The server MUST send list_changed, resources/updated and log notifications only when it declared the matching capability.",
        level: Level::Must,
        requirements: &["LIFECYCLE-007", "LOGGING-001"],
        page: "basic/lifecycle",
        anchor: "operation",
        statement: "Both parties MUST only use capabilities that were successfully negotiated.",
        knob: "undeclared-log-notification",
        transport: TransportReq::Any,
    },
    OracleDef {
        id: "oracle.one-response-per-request",
        title: "Matches every response to a request the harness sent",
        expectation: "Each request MUST get exactly one response, carrying the request's id unchanged.",
        level: Level::Must,
        requirements: &["BASE-003", "BASE-011"],
        page: "basic",
        anchor: "responses",
        statement: "Responses MUST include the same ID as the request they correspond to; a notification MUST NOT be answered.",
        knob: "duplicate-responses",
        transport: TransportReq::Any,
    },
    OracleDef {
        id: "oracle.progress-after-response",
        title: "Remembers which requests carrying a progress token have been answered",
        expectation: "The server MUST NOT send progress for a token once the request that carried it has been answered.",
        level: Level::Must,
        requirements: &["PROGRESS-003"],
        page: "basic/utilities/progress",
        anchor: "behavior-requirements",
        statement: "Progress notifications MUST only reference requests that are still in progress; after the response, none may follow for that token.",
        knob: "progress-after-response",
        transport: TransportReq::Any,
    },
    OracleDef {
        id: "oracle.progress-increasing",
        title: "Follows the progress values the server reports per token",
        expectation: "For each token, the progress value MUST increase with every notification.",
        level: Level::Must,
        requirements: &["PROGRESS-002"],
        page: "basic/utilities/progress",
        anchor: "progress-flow",
        statement: "The progress value MUST increase with each notification for the same token, even when the total is unknown.",
        knob: "progress-not-increasing",
        transport: TransportReq::Any,
    },
    OracleDef {
        id: "oracle.progress-token-known",
        title: "Compares every progress token the server sends with the tokens of the harness's requests",
        expectation: "A progress notification MUST carry exactly the token (same JSON type and value) of a request still in progress.",
        level: Level::Must,
        requirements: &["PROGRESS-001"],
        page: "basic/utilities/progress",
        anchor: "behavior-requirements",
        statement: "Progress notifications MUST only reference tokens that were provided in an active request.",
        knob: "progress-wrong-token",
        transport: TransportReq::Any,
    },
    OracleDef {
        id: "oracle.progress-unsolicited",
        title: "Watches for progress while no request of the harness carries a progress token",
        expectation: "The server MUST NOT send progress notifications for requests that carried no progress token.",
        level: Level::Must,
        requirements: &["PROGRESS-004"],
        page: "basic/utilities/progress",
        anchor: "behavior-requirements",
        statement: "Progress MUST only be reported for tokens the client provided, so a request without a token gets none.",
        knob: "progress-without-token",
        transport: TransportReq::Any,
    },
    OracleDef {
        id: "oracle.resource-updates-subscribed",
        title: "Remembers the resources the harness subscribed to and unsubscribed from",
        expectation: "The server SHOULD send resources/updated only for URIs the client subscribed to, while the subscription lasts (1 s of grace after unsubscribing).",
        level: Level::Should,
        requirements: &["RESOURCES-009"],
        page: "server/resources",
        anchor: "subscriptions",
        statement: "Update notifications SHOULD be sent only for resources the client subscribed to, and stop once it unsubscribes.",
        knob: "resources-updated-unsubscribed",
        transport: TransportReq::Any,
    },
    OracleDef {
        id: "oracle.schema-valid",
        title: "Validates every result, server request and notification against the 2025-06-18 schema",
        expectation: "Every result MUST be valid against the result type of its request's method, and every server request and notification against its method's definition.",
        level: Level::Must,
        requirements: &["BASE-001", "LIFECYCLE-001", "TOOLS-002", "S2C-002"],
        page: "basic",
        anchor: "messages",
        statement: "Messages MUST conform to the schema of the revision (schema.ts is the source of truth).",
        knob: "initialize-missing-server-info",
        transport: TransportReq::Any,
    },
    cancel::DEF,
    OracleDef {
        id: "oracle.server-request-capability",
        title: "Watches every request the server sends against the capabilities the client declared",
        expectation: "The server MUST NOT send sampling/createMessage, roots/list or elicitation/create to a client that did not declare sampling, roots or elicitation.",
        level: Level::Must,
        requirements: &["LIFECYCLE-006", "S2C-001", "S2C-004"],
        page: "basic/lifecycle",
        anchor: "operation",
        statement: "Both parties MUST only use capabilities that were successfully negotiated.",
        knob: "sampling-without-capability",
        transport: TransportReq::Any,
    },
    OracleDef {
        id: "oracle.server-request-ids",
        title: "Records the id of every request the server sends",
        expectation: "The server MUST NOT reuse one of its own request ids within a session.",
        level: Level::Must,
        requirements: &["BASE-009"],
        page: "basic",
        anchor: "requests",
        statement: "The request ID MUST NOT have been previously used by the requestor within the same session.",
        knob: "reuse-server-request-ids",
        transport: TransportReq::Any,
    },
    OracleDef {
        id: "oracle.stdio-single-line",
        title: "Splits the server's stdout on newlines",
        expectation: "Each message MUST be one line: no embedded newlines; a carriage return before the newline SHOULD NOT be sent.",
        level: Level::Must,
        requirements: &["STDIO-001"],
        page: "basic/transports",
        anchor: "stdio",
        statement: "Messages are delimited by newlines and MUST NOT contain embedded newlines.",
        knob: "pretty-print-responses",
        transport: TransportReq::Stdio,
    },
    OracleDef {
        id: "oracle.stdio-stdout-only-mcp",
        title: "Reads every line the server writes to stdout",
        expectation: "The server MUST NOT write anything to stdout that is not a valid MCP message.",
        level: Level::Must,
        requirements: &["STDIO-002"],
        page: "basic/transports",
        anchor: "stdio",
        statement: "The server MUST NOT write anything to its stdout that is not a valid MCP message.",
        knob: "stdout-log-noise",
        transport: TransportReq::Stdio,
    },
    OracleDef {
        id: "oracle.stdio-utf8",
        title: "Decodes the server's stdout strictly as UTF-8",
        expectation: "Every message MUST be UTF-8 encoded; stderr SHOULD be UTF-8 text.",
        level: Level::Must,
        requirements: &["STDIO-003", "BASE-018", "STDIO-004"],
        page: "basic/transports",
        anchor: "",
        statement: "JSON-RPC messages MUST be UTF-8 encoded.",
        knob: "latin1-output",
        transport: TransportReq::Stdio,
    },
];

/// Looks up a registered oracle.
pub fn find(id: &str) -> Option<&'static OracleDef> {
    ORACLES.iter().find(|o| o.id == id)
}

/// One oracle observation: which rule, how bad, and the Expected/Actual.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The oracle's ID.
    pub oracle: &'static str,
    /// The verdict before grading by the oracle's level.
    pub verdict: Verdict,
    /// One line saying what happened.
    pub message: String,
    /// What the rule asks for.
    pub expected: String,
    /// What was seen.
    pub actual: String,
    /// JSON pointer into the message, if any.
    pub pointer: Option<String>,
}

impl Hit {
    /// A hit with the oracle's full verdict.
    pub fn fail(oracle: &'static str, message: String, expected: &str, actual: String) -> Self {
        Hit {
            oracle,
            verdict: Verdict::Fail,
            message,
            expected: expected.to_string(),
            actual,
            pointer: None,
        }
    }

    /// Sets the JSON pointer.
    pub fn at(mut self, pointer: &str) -> Self {
        self.pointer = Some(pointer.to_string());
        self
    }

    /// Softens the verdict.
    pub fn with_verdict(mut self, verdict: Verdict) -> Self {
        self.verdict = verdict;
        self
    }
}

/// What the oracles may know of the session when a message arrives.
#[derive(Debug)]
pub struct View<'a> {
    /// Requests the harness sent: canonical id text to method.
    pub sent_requests: &'a HashMap<String, String>,
    /// Canonical ids already answered.
    pub answered: &'a HashSet<String>,
    /// Ids the harness deliberately sent again while the first request with that id was still
    /// unanswered (PROBE-008): more than one response to them is expected.
    pub reused_ids: &'a HashSet<String>,
    /// Whether the harness sent a batch (array) in this session.
    pub sent_batch: bool,
    /// The capabilities the client declared in its last initialize.
    pub client_caps: &'a Value,
    /// The capabilities the server declared, once known.
    pub server_caps: Option<&'a Value>,
    /// Ids of requests the server sent so far (canonical text).
    pub server_request_ids: &'a HashSet<String>,
    /// The schema of the revision.
    pub schema: &'static Schema,
}

/// The canonical text of an id, for keying maps: the compact JSON (so `1` and `"1"` differ).
pub fn id_key(id: &Value) -> String {
    id.to_string()
}

/// Whether a capability path (`tools`, `resources.subscribe`, `tools.listChanged`) is declared in
/// a capabilities object: objects count as present, booleans must be `true`.
pub fn has_capability(caps: &Value, path: &str) -> bool {
    let mut cur = caps;
    for seg in path.split('.') {
        match cur.get(seg) {
            Some(v) => cur = v,
            None => return false,
        }
    }
    match cur {
        Value::Bool(b) => *b,
        Value::Null => false,
        _ => true,
    }
}
