//! `_meta` key format (META-001/002) and error-message style (BASE-007): checks on the content of
//! any message. Not envelope shape.

use std::sync::OnceLock;

use mcpspec_codec::{Classified, MessageKind};
use regex::Regex;
use serde_json::Value;

use super::Hit;
use crate::case::model::Verdict;

const LABEL: &str = "[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?";

fn valid_key() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let pattern = format!(
            "^(?:{LABEL}(?:\\.{LABEL})*/)?(?:[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)?$"
        );
        Regex::new(&pattern).expect("static regex compiles")
    })
}

fn reserved_prefix() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let pattern = format!("^(?:{LABEL}\\.)*(?:modelcontextprotocol|mcp)\\.{LABEL}/");
        Regex::new(&pattern).expect("static regex compiles")
    })
}

/// Longest error message that still reads as "one sentence".
const SHORT_MESSAGE: usize = 200;

/// Content checks for one classified server message.
pub fn check(msg: &Classified) -> Vec<Hit> {
    let mut hits = Vec::new();
    if let Some(value) = &msg.value {
        let mut path = String::new();
        walk_meta(value, &mut path, &mut hits, 0);
        if msg.kind == Some(MessageKind::Error)
            && let Some(text) = value.pointer("/error/message").and_then(Value::as_str)
            && (text.contains('\n') || text.chars().count() > SHORT_MESSAGE)
        {
            hits.push(
                Hit::fail(
                    "oracle.error-message-short",
                    "an error message is not a short single sentence".into(),
                    "a one-line message of about one sentence (≤ 200 characters)",
                    format!(
                        "{} characters, {} line(s): {}",
                        text.chars().count(),
                        text.lines().count(),
                        crate::wire::excerpt(text)
                    ),
                )
                .at("/error/message")
                .with_verdict(Verdict::NonStrict),
            );
        }
    }
    hits
}

fn walk_meta(value: &Value, path: &mut String, hits: &mut Vec<Hit>, depth: usize) {
    if depth > 64 || hits.len() > 20 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let len = path.len();
                path.push('/');
                path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                if k == "_meta"
                    && let Value::Object(meta) = v
                {
                    for key in meta.keys() {
                        check_key(key, path, hits);
                    }
                }
                walk_meta(v, path, hits, depth + 1);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                walk_meta(v, path, hits, depth + 1);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

fn check_key(key: &str, path: &str, hits: &mut Vec<Hit>) {
    if !valid_key().is_match(key) {
        hits.push(
            Hit::fail(
                "oracle.meta-key-format",
                format!("_meta key {key:?} does not have the required shape"),
                "[prefix/]name, the prefix dot-separated labels, the name alphanumeric at both ends",
                format!("{key:?}"),
            )
            .at(path),
        );
    } else if reserved_prefix().is_match(key) {
        hits.push(
            Hit::fail(
                "oracle.meta-key-format",
                format!("_meta key {key:?} uses a prefix reserved for MCP"),
                "no server-defined keys under the reserved mcp / modelcontextprotocol prefixes",
                format!("{key:?}"),
            )
            .at(path)
            .with_verdict(Verdict::NonStrict),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_shapes() {
        for ok in [
            "progressToken",
            "example.com/trace",
            "a",
            "",
            "x-y_z.1",
            "io.github/x",
        ] {
            assert!(valid_key().is_match(ok), "{ok}");
        }
        for bad in ["bad key!", "-a", "a-", "1abc.com/x", "a..b/x", "/x"] {
            assert!(!valid_key().is_match(bad), "{bad}");
        }
        assert!(reserved_prefix().is_match("mcp.dev/x"));
        assert!(reserved_prefix().is_match("tools.mcp.com/x"));
        assert!(reserved_prefix().is_match("api.modelcontextprotocol.org/x"));
        assert!(!reserved_prefix().is_match("example.com/x"));
    }
}
