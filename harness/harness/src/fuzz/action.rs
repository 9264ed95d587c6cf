//! The fuzzer's vocabulary: an [`Action`] is one thing a client does to a server, from a
//! well-formed `ping` to a line of broken JSON. Actions that refer to what the session has
//! revealed ("call listed tool #k", "read listed resource #k") hold indexes, resolved against
//! the session model when played; when nothing is listed yet the action plays the listing first
//! (`play/resolve.rs`) and is skipped only when even that reveals nothing, so every sequence
//! stays playable after shrinking removed the listing that revealed the item.
//!
//! Not the strategies that generate actions (`strategy.rs`) and not the playing (`play/`).

use super::http_abuse::HttpAbuse;
use super::payload::{Payload, Unicode};

/// One client action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `initialize` asking for this protocol version (any string, supported or not).
    Initialize(String),
    /// `notifications/initialized`.
    Initialized,
    /// `ping`.
    Ping,
    /// A `*/list` request.
    List {
        /// Which list.
        kind: ListKind,
        /// Which cursor to send.
        cursor: Cursor,
    },
    /// `tools/call` for listed tool #`tool` (modulo the tools the side-effect guard allows).
    CallTool {
        /// Index into the callable tools.
        tool: usize,
        /// Which arguments to send.
        args: ToolArgs,
        /// Whether to wait for the answer before the next action (otherwise it stays
        /// outstanding, to be cancelled or collected at the end).
        wait: bool,
    },
    /// `resources/read`.
    ReadResource(UriPick),
    /// `prompts/get` for listed prompt #`prompt`.
    GetPrompt {
        /// Index into the listed prompts.
        prompt: usize,
        /// Which arguments to send.
        args: PromptArgs,
    },
    /// `completion/complete` for completion target #`target` (prompt arguments, then template
    /// variables), when the server declared `completions`.
    Complete {
        /// Index into the known completion targets.
        target: usize,
        /// The partial value.
        value: Payload,
    },
    /// `logging/setLevel`, when the server declared `logging`.
    SetLevel(LevelPick),
    /// `notifications/cancelled` for outstanding request #`request` (or for an id never used
    /// when nothing is outstanding).
    Cancel {
        /// Index into the outstanding requests.
        request: usize,
    },
    /// Input a careful client never sends.
    Hostile(Hostile),
    /// A request that breaks the Streamable HTTP transport's rules (HTTP targets only).
    Http(HttpAbuse),
}

/// The paginated lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ListKind {
    /// `tools/list`.
    Tools,
    /// `prompts/list`.
    Prompts,
    /// `resources/list`.
    Resources,
    /// `resources/templates/list`.
    Templates,
}

impl ListKind {
    /// Every list.
    pub const ALL: [ListKind; 4] = [
        ListKind::Tools,
        ListKind::Prompts,
        ListKind::Resources,
        ListKind::Templates,
    ];

    /// The method name.
    pub fn method(self) -> &'static str {
        match self {
            ListKind::Tools => "tools/list",
            ListKind::Prompts => "prompts/list",
            ListKind::Resources => "resources/list",
            ListKind::Templates => "resources/templates/list",
        }
    }

    /// The member of the result that holds the items.
    pub fn items(self) -> &'static str {
        match self {
            ListKind::Tools => "tools",
            ListKind::Prompts => "prompts",
            ListKind::Resources => "resources",
            ListKind::Templates => "resourceTemplates",
        }
    }
}

/// Which cursor a list request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// No `params` at all (the first page).
    None,
    /// The last `nextCursor` the server gave for this list (the first page when there is none).
    Next,
    /// A cursor the server never issued.
    Garbage(String),
}

/// Which arguments a tool call carries, built from the tool's `inputSchema` when played.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolArgs {
    /// A value the schema accepts.
    Valid,
    /// Invalid variant #k of the schema (a required property missing, a wrong type, ...).
    Invalid(usize),
    /// The valid value with top-level property #`property` replaced by `value`.
    Mutated {
        /// Index into the schema's top-level properties.
        property: usize,
        /// The value put there.
        value: Payload,
    },
    /// No `arguments` member.
    Omitted,
}

/// Which URI a `resources/read` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UriPick {
    /// Listed resource #k (resources are listed first when none is known).
    Listed(usize),
    /// Listed template #k with every variable replaced by the payload's text.
    Template {
        /// Index into the listed templates.
        template: usize,
        /// What goes into the variables.
        value: Payload,
    },
    /// A URI no listing offered, often malformed.
    Garbage(String),
}

/// Which arguments a `prompts/get` carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptArgs {
    /// Every required argument, with a plain value.
    Valid,
    /// Every required argument but the first (the valid call when none is required).
    MissingRequired,
    /// Every declared argument as a number instead of a string (the valid call when none is
    /// declared).
    NonString,
    /// Every declared argument with this payload's text.
    Values(Payload),
}

/// The log levels of the spec, least severe first.
pub const LOG_LEVELS: [&str; 8] = [
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
];

/// Which level `logging/setLevel` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LevelPick {
    /// Level #k of [`LOG_LEVELS`].
    Valid(usize),
    /// A string that is no level.
    Invalid(String),
}

/// Input a careful client never sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hostile {
    /// A line that is not one JSON value.
    Malformed(Malformed),
    /// Valid JSON that is not a valid JSON-RPC request.
    InvalidRequest(InvalidShape),
    /// Request `method` with invalid variant `variant` of its params, from the MCP schema.
    WrongParams {
        /// Index into the methods that have required params.
        method: usize,
        /// Index into that method's invalid variants.
        variant: usize,
    },
    /// A request for a method no server has.
    UnknownMethod(String),
    /// A notification no server knows.
    UnknownNotification(String),
    /// A `ping` that reuses the id of outstanding request #k (or two pings sharing one id).
    ReuseInFlightId(usize),
    /// A JSON array of two pings (batches were removed in 2025-06-18).
    Batch,
    /// A ping whose params nest arrays this deep, sent as raw text.
    DeepNesting(u32),
    /// A very large message.
    Huge(Huge),
    /// A ping with `"id": null`.
    NullId,
    /// A ping whose string id holds a Unicode edge case.
    UnicodeId(Unicode),
}

/// Ways a line fails to be one JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// A request cut off before its closing brace.
    Truncated,
    /// A complete request followed by stray closing braces.
    TrailingGarbage,
    /// A bare word.
    BareWord,
    /// Bytes that are not UTF-8.
    NotUtf8,
    /// An unterminated string.
    UnclosedString,
    /// An empty line (PROBE-015: ignore or answer, but survive).
    Blank,
    /// A request preceded by a UTF-8 byte-order mark.
    ByteOrderMark,
    /// A request whose params hold a lone surrogate escape (`"\ud800"`).
    LoneSurrogate,
}

impl Malformed {
    /// Every kind.
    pub const ALL: [Malformed; 8] = [
        Malformed::Truncated,
        Malformed::TrailingGarbage,
        Malformed::BareWord,
        Malformed::NotUtf8,
        Malformed::UnclosedString,
        Malformed::Blank,
        Malformed::ByteOrderMark,
        Malformed::LoneSurrogate,
    ];
}

/// Ways valid JSON fails to be a JSON-RPC request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidShape {
    /// No `jsonrpc` member.
    JsonrpcMissing,
    /// `"jsonrpc": "1.0"`.
    JsonrpcWrong,
    /// `"method": 42`.
    MethodNotString,
    /// An id but no method.
    MethodMissing,
    /// `"params": 42`.
    ParamsScalar,
    /// `"params": []` (positional params are not MCP).
    ParamsArray,
    /// An object as id.
    IdObject,
    /// A boolean as id.
    IdBool,
    /// `{}`.
    EmptyObject,
    /// A JSON number instead of an object.
    Scalar,
}

impl InvalidShape {
    /// Every shape.
    pub const ALL: [InvalidShape; 10] = [
        InvalidShape::JsonrpcMissing,
        InvalidShape::JsonrpcWrong,
        InvalidShape::MethodNotString,
        InvalidShape::MethodMissing,
        InvalidShape::ParamsScalar,
        InvalidShape::ParamsArray,
        InvalidShape::IdObject,
        InvalidShape::IdBool,
        InvalidShape::EmptyObject,
        InvalidShape::Scalar,
    ];
}

/// Kinds of very large messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Huge {
    /// A ping whose params hold a string of 2^n KiB (n at most 10).
    LongString(u8),
    /// A ping whose params hold numbers no double or 64-bit integer can hold.
    BigNumbers,
    /// A ping whose params hold this many keys.
    ManyKeys(u16),
    /// A request whose method name is 64 KiB long.
    LongMethod,
}

impl Action {
    /// One line saying what the action does, for reports and case titles.
    pub fn describe(&self) -> String {
        match self {
            Action::Initialize(v) => format!("initialize asking for version {v:?}"),
            Action::Initialized => "notifications/initialized".into(),
            Action::Ping => "ping".into(),
            Action::List { kind, cursor } => match cursor {
                Cursor::None => kind.method().to_string(),
                Cursor::Next => format!("{} with the last nextCursor", kind.method()),
                Cursor::Garbage(c) => format!("{} with the unknown cursor {c:?}", kind.method()),
            },
            Action::CallTool { tool, args, wait } => {
                let args = match args {
                    ToolArgs::Valid => "valid arguments".to_string(),
                    ToolArgs::Invalid(k) => format!("invalid argument variant #{k}"),
                    ToolArgs::Mutated { property, value } => {
                        format!("property #{property} set to {}", value.describe())
                    }
                    ToolArgs::Omitted => "no arguments member".to_string(),
                };
                let wait = if *wait { "" } else { ", not waiting" };
                format!("tools/call of callable tool #{tool} with {args}{wait}")
            }
            Action::ReadResource(pick) => match pick {
                UriPick::Listed(k) => format!("resources/read of listed resource #{k}"),
                UriPick::Template { template, value } => format!(
                    "resources/read of template #{template} filled with {}",
                    value.describe()
                ),
                UriPick::Garbage(u) => format!("resources/read of {u:?}"),
            },
            Action::GetPrompt { prompt, args } => {
                let args = match args {
                    PromptArgs::Valid => "its required arguments".to_string(),
                    PromptArgs::MissingRequired => "a required argument missing".to_string(),
                    PromptArgs::NonString => "non-string arguments".to_string(),
                    PromptArgs::Values(p) => format!("every argument set to {}", p.describe()),
                };
                format!("prompts/get of listed prompt #{prompt} with {args}")
            }
            Action::Complete { target, value } => format!(
                "completion/complete of target #{target} with {}",
                value.describe()
            ),
            Action::SetLevel(LevelPick::Valid(k)) => {
                format!("logging/setLevel {:?}", LOG_LEVELS[k % LOG_LEVELS.len()])
            }
            Action::SetLevel(LevelPick::Invalid(s)) => format!("logging/setLevel {s:?}"),
            Action::Cancel { request } => {
                format!("notifications/cancelled for outstanding request #{request}")
            }
            Action::Hostile(h) => match h {
                Hostile::Malformed(m) => format!("a malformed line ({m:?})"),
                Hostile::InvalidRequest(s) => format!("an invalid request ({s:?})"),
                Hostile::WrongParams { method, variant } => {
                    format!("invalid params variant #{variant} for request method #{method}")
                }
                Hostile::UnknownMethod(m) => format!("the unknown method {m:?}"),
                Hostile::UnknownNotification(m) => format!("the unknown notification {m:?}"),
                Hostile::ReuseInFlightId(k) => {
                    format!("a ping reusing the id of outstanding request #{k}")
                }
                Hostile::Batch => "a batch of two pings".into(),
                Hostile::DeepNesting(d) => format!("a ping with params nested {d} deep"),
                Hostile::Huge(Huge::LongString(n)) => format!(
                    "a ping with a {} KiB string",
                    1u64 << (*n).min(super::payload::MAX_LONG_EXPONENT)
                ),
                Hostile::Huge(Huge::BigNumbers) => "a ping with out-of-range numbers".into(),
                Hostile::Huge(Huge::ManyKeys(n)) => format!("a ping with {n} params keys"),
                Hostile::Huge(Huge::LongMethod) => "a request with a 64 KiB method name".into(),
                Hostile::NullId => "a ping with id null".into(),
                Hostile::UnicodeId(u) => format!("a ping whose id holds Unicode edge {u:?}"),
            },
            Action::Http(h) => h.describe(),
        }
    }

    /// The catalogue requirement the action exercises: what a crash or a missing answer after
    /// it breaks.
    pub fn requirement(&self) -> &'static str {
        match self {
            Action::Initialize(_) => "LIFECYCLE-001",
            Action::Initialized => "BASE-011",
            Action::Ping => "PING-001",
            Action::List {
                cursor: Cursor::Garbage(_),
                ..
            } => "PAGINATION-002",
            Action::List { kind, .. } => match kind {
                ListKind::Tools => "TOOLS-002",
                ListKind::Prompts => "PROMPTS-002",
                ListKind::Resources | ListKind::Templates => "RESOURCES-002",
            },
            Action::CallTool {
                args: ToolArgs::Valid,
                ..
            } => "TOOLS-002",
            Action::CallTool { .. } => "BASE-017",
            Action::ReadResource(_) => "RESOURCES-004",
            Action::GetPrompt { .. } => "PROMPTS-003",
            Action::Complete { .. } => "COMPLETION-002",
            Action::SetLevel(LevelPick::Valid(_)) => "LOGGING-002",
            Action::SetLevel(LevelPick::Invalid(_)) => "LOGGING-003",
            Action::Cancel { .. } => "CANCEL-003",
            Action::Hostile(h) => match h {
                Hostile::Malformed(Malformed::Blank | Malformed::ByteOrderMark) => "PROBE-015",
                Hostile::Malformed(_) => "BASE-013",
                Hostile::InvalidRequest(InvalidShape::ParamsArray) => "BASE-016",
                Hostile::InvalidRequest(_) => "BASE-014",
                Hostile::WrongParams { .. } => "BASE-017",
                Hostile::UnknownMethod(_) => "BASE-012",
                Hostile::UnknownNotification(_) => "BASE-011",
                Hostile::ReuseInFlightId(_) => "PROBE-008",
                Hostile::Batch => "PROBE-002",
                Hostile::DeepNesting(_) | Hostile::Huge(_) => "PROBE-016",
                Hostile::NullId => "BASE-015",
                Hostile::UnicodeId(_) => "BASE-003",
            },
            Action::Http(h) => h.requirement(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_one_line() {
        let actions = [
            Action::Initialize("2025-06-18".into()),
            Action::List {
                kind: ListKind::Templates,
                cursor: Cursor::Garbage("x".into()),
            },
            Action::CallTool {
                tool: 3,
                args: ToolArgs::Mutated {
                    property: 1,
                    value: Payload::Long(10),
                },
                wait: false,
            },
            Action::Hostile(Hostile::Malformed(Malformed::NotUtf8)),
            Action::SetLevel(LevelPick::Valid(17)),
        ];
        for a in &actions {
            let d = a.describe();
            assert!(!d.contains('\n') && d.len() < 120, "{d}");
            assert!(!a.requirement().is_empty());
        }
        assert_eq!(actions[4].describe(), "logging/setLevel \"info\"");
    }
}
