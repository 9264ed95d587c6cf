//! Run configuration: what the CLI (or a test) hands the engine. Plain data, no parsing of flags.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::target::Target;

/// The protocol revision mcpspec asks for and grades against.
pub const REVISION: &str = "2025-06-18";

/// Everything one run needs.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The server under test.
    pub target: Target,
    /// Default wait for a response or notification, in milliseconds.
    pub timeout_ms: u64,
    /// ID globs to run (empty: all).
    pub include: Vec<String>,
    /// ID globs to skip.
    pub skip: Vec<String>,
    /// A directory of case files that replaces the embedded cases.
    pub cases_dir: Option<PathBuf>,
    /// How the harness behaves as a client.
    pub client: ClientConfig,
    /// The largest message the harness reads; longer lines are reported, not parsed.
    pub max_message_bytes: usize,
    /// How long a server gets to exit after its stdin closes at the end of a session.
    pub shutdown_grace_ms: u64,
    /// How many cases run at once: the number of lanes, each with a shared session of its own
    /// and at most one fresh or raw session at a time.
    pub jobs: usize,
    /// Which of the server's tools the harness may call.
    pub tools: ToolGuard,
    /// The least time a newly started server gets to answer its first `initialize`.
    pub startup_ms: u64,
}

/// The side-effect guard: calling a server's tools can do real things, so by default only tools
/// annotated `readOnlyHint: true` or allowed by name are called. Listing, reading and
/// invalid-input probes are not guarded.
#[derive(Debug, Clone, Default)]
pub struct ToolGuard {
    /// Tool-name globs the user allows (`--allow-tool`).
    pub allow: Vec<String>,
    /// Call every tool (`--call-all-tools`).
    pub call_all: bool,
}

impl ToolGuard {
    /// Whether the harness may call `tool` (a `Tool` object from `tools/list`), and why.
    pub fn decide(&self, tool: &Value) -> Result<String, String> {
        let name = tool.get("name").and_then(Value::as_str).unwrap_or("");
        if self.call_all {
            return Ok("called: --call-all-tools".into());
        }
        for pattern in &self.allow {
            let hit = globset::Glob::new(pattern)
                .map(|g| g.compile_matcher().is_match(name))
                .unwrap_or(pattern == name);
            if hit {
                return Ok(format!("called: allowed by --allow-tool {pattern}"));
            }
        }
        if tool.pointer("/annotations/readOnlyHint") == Some(&Value::Bool(true)) {
            return Ok("called: annotated readOnlyHint".into());
        }
        Err("not called: not annotated readOnlyHint: true (allow it with --allow-tool or --call-all-tools)".into())
    }
}

impl RunConfig {
    /// A configuration with defaults for everything but the target.
    pub fn new(target: Target) -> Self {
        RunConfig {
            target,
            timeout_ms: 5000,
            include: Vec::new(),
            skip: Vec::new(),
            cases_dir: None,
            client: ClientConfig::default(),
            max_message_bytes: mcpspec_codec::DEFAULT_MAX_MESSAGE_BYTES,
            shutdown_grace_ms: 2000,
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            tools: ToolGuard::default(),
            startup_ms: 10_000,
        }
    }
}

/// How the harness answers `elicitation/create`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ElicitationReply {
    /// Accept, with content generated from the requested schema.
    #[default]
    Accept,
    /// Decline.
    Decline,
    /// Cancel.
    Cancel,
}

/// How the harness answers `sampling/createMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SamplingReply {
    /// A text result with this text.
    Text(String),
    /// A JSON-RPC error (the user declined).
    Decline,
}

impl Default for SamplingReply {
    fn default() -> Self {
        SamplingReply::Text("mcpspec sampling reply".into())
    }
}

/// The client side of the harness: what it declares and how it answers server requests.
#[derive(Debug, Clone, Default)]
pub struct ClientConfig {
    /// Declare the `roots` capability and answer `roots/list` with `roots`.
    pub roots: bool,
    /// Declare `sampling` and answer with `sampling_reply`.
    pub sampling: bool,
    /// Declare `elicitation` and answer with `elicitation_reply`.
    pub elicitation: bool,
    /// The roots offered (file:// URIs).
    pub root_uris: Vec<String>,
    /// The sampling answer.
    pub sampling_reply: SamplingReply,
    /// The elicitation answer.
    pub elicitation_reply: ElicitationReply,
}

impl ClientConfig {
    /// The `capabilities` object sent in `initialize`.
    pub fn capabilities(&self) -> Value {
        let mut caps = serde_json::Map::new();
        if self.roots {
            caps.insert("roots".into(), json!({ "listChanged": false }));
        }
        if self.sampling {
            caps.insert("sampling".into(), json!({}));
        }
        if self.elicitation {
            caps.insert("elicitation".into(), json!({}));
        }
        Value::Object(caps)
    }

    /// Whether the client declared capability `name` (`roots`, `sampling`, `elicitation`).
    pub fn declares(&self, name: &str) -> bool {
        match name {
            "roots" => self.roots,
            "sampling" => self.sampling,
            "elicitation" => self.elicitation,
            _ => false,
        }
    }
}
