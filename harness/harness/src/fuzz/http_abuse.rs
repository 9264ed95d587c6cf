//! The fuzzer's vocabulary for the Streamable HTTP transport itself: requests a careful client
//! never sends, with a wrong or missing `MCP-Protocol-Version`, an `Mcp-Session-Id` the server
//! never issued (or none), a wrong `Accept` or `Content-Type`, a body that is not JSON, a POSTed
//! notification or response, a GET of the SSE stream and a DELETE of the session. Each is one
//! [`HttpAbuse`], generated only for HTTP targets and played as a case's `http` step.
//!
//! Not the judgement of the answers (`http_rules.rs`) and not the playing (`play/http.rs`).

use proptest::prelude::*;
use proptest::sample::select;

/// One request that abuses the transport's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpAbuse {
    /// A ping POSTed with this `MCP-Protocol-Version` header.
    Version(VersionPick),
    /// A ping POSTed with this `Mcp-Session-Id` header.
    Session(SessionPick),
    /// A ping POSTed with this `Accept` header.
    Accept(AcceptPick),
    /// A ping POSTed with this `Content-Type` header.
    ContentType(ContentTypePick),
    /// A POST of a message that gets no JSON-RPC answer.
    Unanswered(Unanswered),
    /// A POST whose body is not one JSON value.
    NotJson(NotJson),
    /// A GET of the endpoint: the server's SSE stream.
    Get(GetPick),
    /// A DELETE of the session, then a ping carrying the ended session's id.
    Delete,
}

/// Which `MCP-Protocol-Version` a request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionPick {
    /// A value no revision has ever had.
    Unsupported(String),
    /// An empty value.
    Empty,
    /// No header at all.
    Missing,
    /// Another published revision than the one negotiated.
    Other(String),
}

/// Which `Mcp-Session-Id` a request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionPick {
    /// A well-formed id the server never issued (built from the number).
    Unknown(u64),
    /// An id no server issues.
    Malformed(MalformedId),
    /// No header at all, after initialization.
    Missing,
}

/// Session ids no server issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MalformedId {
    /// A space inside (not visible ASCII).
    Space,
    /// Letters outside ASCII.
    NonAscii,
    /// 4 KiB of letters.
    Long,
    /// An empty value.
    Empty,
}

impl MalformedId {
    /// Every kind.
    pub const ALL: [MalformedId; 4] = [
        MalformedId::Space,
        MalformedId::NonAscii,
        MalformedId::Long,
        MalformedId::Empty,
    ];

    /// The header value.
    pub fn value(self) -> String {
        match self {
            MalformedId::Space => "mcpspec fuzz".into(),
            MalformedId::NonAscii => "s\u{e9}ance-\u{fc}".into(),
            MalformedId::Long => "x".repeat(4096),
            MalformedId::Empty => String::new(),
        }
    }
}

/// Which `Accept` header a POST carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptPick {
    /// Only `application/json`.
    JsonOnly,
    /// Only `text/event-stream`.
    SseOnly,
    /// No header.
    Missing,
    /// `*/*`.
    Wildcard,
}

impl AcceptPick {
    /// Every kind.
    pub const ALL: [AcceptPick; 4] = [
        AcceptPick::JsonOnly,
        AcceptPick::SseOnly,
        AcceptPick::Missing,
        AcceptPick::Wildcard,
    ];

    /// The header value (`None`: removed).
    pub fn value(self) -> Option<&'static str> {
        match self {
            AcceptPick::JsonOnly => Some("application/json"),
            AcceptPick::SseOnly => Some("text/event-stream"),
            AcceptPick::Missing => None,
            AcceptPick::Wildcard => Some("*/*"),
        }
    }
}

/// Which `Content-Type` a POST carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentTypePick {
    /// `text/plain`.
    TextPlain,
    /// No header.
    Missing,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `application/json; charset=utf-8` (a parameter a server should tolerate).
    JsonCharset,
}

impl ContentTypePick {
    /// Every kind.
    pub const ALL: [ContentTypePick; 4] = [
        ContentTypePick::TextPlain,
        ContentTypePick::Missing,
        ContentTypePick::Form,
        ContentTypePick::JsonCharset,
    ];

    /// The header value (`None`: removed).
    pub fn value(self) -> Option<&'static str> {
        match self {
            ContentTypePick::TextPlain => Some("text/plain"),
            ContentTypePick::Missing => None,
            ContentTypePick::Form => Some("application/x-www-form-urlencoded"),
            ContentTypePick::JsonCharset => Some("application/json; charset=utf-8"),
        }
    }
}

/// Messages that get no JSON-RPC answer over HTTP, only a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unanswered {
    /// A notification no server knows.
    Notification,
    /// A result for a request the server never sent.
    StrayResult,
    /// An error for a request the server never sent.
    StrayError,
    /// A notification whose method is a number (the server may refuse it).
    InvalidNotification,
}

impl Unanswered {
    /// Every kind.
    pub const ALL: [Unanswered; 4] = [
        Unanswered::Notification,
        Unanswered::StrayResult,
        Unanswered::StrayError,
        Unanswered::InvalidNotification,
    ];
}

/// Bodies that are not one JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotJson {
    /// A bare word.
    BareWord,
    /// A request cut off before its closing brace.
    Truncated,
    /// No body at all.
    Empty,
    /// Markup.
    Markup,
}

impl NotJson {
    /// Every kind.
    pub const ALL: [NotJson; 4] = [
        NotJson::BareWord,
        NotJson::Truncated,
        NotJson::Empty,
        NotJson::Markup,
    ];
}

/// How the GET is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetPick {
    /// As a client opens the stream: `Accept: text/event-stream` and the session's headers.
    Stream,
    /// With `Accept: application/json` (the spec leaves the answer open).
    JsonAccept,
}

impl HttpAbuse {
    /// One line saying what the action does.
    pub fn describe(&self) -> String {
        match self {
            HttpAbuse::Version(v) => match v {
                VersionPick::Unsupported(s) => {
                    format!("POST ping with MCP-Protocol-Version {s:?}")
                }
                VersionPick::Empty => "POST ping with an empty MCP-Protocol-Version".into(),
                VersionPick::Missing => "POST ping without MCP-Protocol-Version".into(),
                VersionPick::Other(s) => {
                    format!("POST ping with MCP-Protocol-Version {s:?} (another revision)")
                }
            },
            HttpAbuse::Session(s) => match s {
                SessionPick::Unknown(n) => {
                    format!(
                        "POST ping with the never-issued Mcp-Session-Id {}",
                        unknown_id(*n)
                    )
                }
                SessionPick::Malformed(m) => {
                    format!("POST ping with a malformed Mcp-Session-Id ({m:?})")
                }
                SessionPick::Missing => "POST ping without Mcp-Session-Id".into(),
            },
            HttpAbuse::Accept(a) => match a.value() {
                Some(v) => format!("POST ping with Accept {v:?}"),
                None => "POST ping without Accept".into(),
            },
            HttpAbuse::ContentType(c) => match c.value() {
                Some(v) => format!("POST ping with Content-Type {v:?}"),
                None => "POST ping without Content-Type".into(),
            },
            HttpAbuse::Unanswered(u) => format!("POST of a message without answer ({u:?})"),
            HttpAbuse::NotJson(n) => format!("POST of a body that is not JSON ({n:?})"),
            HttpAbuse::Get(GetPick::Stream) => "GET of the SSE stream".into(),
            HttpAbuse::Get(GetPick::JsonAccept) => "GET with Accept \"application/json\"".into(),
            HttpAbuse::Delete => "DELETE of the session, then POST ping with its id".into(),
        }
    }

    /// The catalogue requirement the action exercises.
    pub fn requirement(&self) -> &'static str {
        match self {
            HttpAbuse::Version(VersionPick::Unsupported(_) | VersionPick::Empty) => "HTTP-027",
            HttpAbuse::Version(VersionPick::Missing) => "HTTP-028",
            HttpAbuse::Version(VersionPick::Other(_)) => "PROBE-006",
            HttpAbuse::Session(SessionPick::Missing) => "HTTP-023",
            HttpAbuse::Session(_) => "HTTP-024",
            HttpAbuse::Accept(_) => "PROBE-004",
            HttpAbuse::ContentType(_) => "PROBE-005",
            HttpAbuse::Unanswered(Unanswered::InvalidNotification) => "HTTP-007",
            HttpAbuse::Unanswered(_) => "HTTP-006",
            HttpAbuse::NotJson(_) => "BASE-013",
            HttpAbuse::Get(_) => "HTTP-011",
            HttpAbuse::Delete => "HTTP-024",
        }
    }
}

/// A well-formed session id (visible ASCII, 32 hex digits after a prefix) no server issued.
pub fn unknown_id(n: u64) -> String {
    format!(
        "mcpspec-unknown-{n:016x}{:016x}",
        n.rotate_left(29) ^ 0x5bd1_e995
    )
}

/// HTTP abuse actions; plain, recoverable ones first (they shrink towards those).
pub fn http_abuse() -> impl Strategy<Value = HttpAbuse> {
    prop_oneof![
        2 => select(Unanswered::ALL.to_vec()).prop_map(HttpAbuse::Unanswered),
        3 => version_pick().prop_map(HttpAbuse::Version),
        3 => session_pick().prop_map(HttpAbuse::Session),
        1 => select(AcceptPick::ALL.to_vec()).prop_map(HttpAbuse::Accept),
        1 => select(ContentTypePick::ALL.to_vec()).prop_map(HttpAbuse::ContentType),
        1 => select(NotJson::ALL.to_vec()).prop_map(HttpAbuse::NotJson),
        1 => select(vec![GetPick::Stream, GetPick::JsonAccept]).prop_map(HttpAbuse::Get),
        2 => Just(HttpAbuse::Delete),
    ]
}

fn version_pick() -> impl Strategy<Value = VersionPick> {
    prop_oneof![
        3 => prop_oneof![
            Just("1999-01-01".to_string()),
            Just("banana".to_string()),
            Just("2025-13-45".to_string()),
            "x-[a-z]{1,8}",
        ]
        .prop_map(VersionPick::Unsupported),
        1 => Just(VersionPick::Empty),
        1 => Just(VersionPick::Missing),
        1 => select(vec!["2025-03-26".to_string(), "2024-11-05".to_string()])
            .prop_map(VersionPick::Other),
    ]
}

fn session_pick() -> impl Strategy<Value = SessionPick> {
    prop_oneof![
        2 => any::<u64>().prop_map(SessionPick::Unknown),
        1 => select(MalformedId::ALL.to_vec()).prop_map(SessionPick::Malformed),
        2 => Just(SessionPick::Missing),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_ids_are_visible_ascii_and_distinct() {
        let a = unknown_id(1);
        assert!(a.bytes().all(|b| (0x21..=0x7e).contains(&b)), "{a}");
        assert_ne!(a, unknown_id(2));
        assert_eq!(a, unknown_id(1));
    }

    #[test]
    fn descriptions_are_one_line_with_a_requirement() {
        let all = [
            HttpAbuse::Version(VersionPick::Unsupported("x".into())),
            HttpAbuse::Session(SessionPick::Malformed(MalformedId::Long)),
            HttpAbuse::Accept(AcceptPick::Missing),
            HttpAbuse::ContentType(ContentTypePick::JsonCharset),
            HttpAbuse::Unanswered(Unanswered::StrayError),
            HttpAbuse::NotJson(NotJson::Empty),
            HttpAbuse::Get(GetPick::Stream),
            HttpAbuse::Delete,
        ];
        for a in &all {
            let d = a.describe();
            assert!(!d.contains('\n') && d.len() < 120, "{d}");
            assert!(a.requirement().contains('-'));
        }
    }
}
