//! Values the fuzzer puts where a server expects data: tool and prompt arguments, completion
//! values, URI parts. Each [`Payload`] is a small, shrinkable description of one value (an edge
//! case of Unicode, a very long string, a number at a limit, a nested structure) that turns
//! into JSON or text only when an action is played.
//!
//! Not the choice of where a payload goes (that is `action.rs` and `play/`), and not raw,
//! unparseable input (that is [`super::action::Hostile`]).

use serde_json::{Map, Value, json};

/// Strings that have broken parsers, templating and path handling in real servers.
pub const TRICKY_TEXTS: &[&str] = &[
    "{{name}}",
    "{{7*7}}",
    "${jndi:ldap://127.0.0.1/x}",
    "%s%s%s%n",
    "../../../../etc/passwd",
    "'; DROP TABLE items; --",
    "<script>alert(1)</script>",
    "line one\r\nline two",
    "{\"jsonrpc\":\"2.0\"",
    "__proto__",
    "\\",
];

/// The most nesting a [`Payload::Nested`] value gets (deeper input goes out as raw text, see
/// [`super::action::Hostile::DeepNesting`], so the harness never recurses that deep itself).
pub const MAX_VALUE_DEPTH: u8 = 64;

/// The longest [`Payload::Long`] string, as a power of two of KiB (2^10 KiB = 1 MiB).
pub const MAX_LONG_EXPONENT: u8 = 10;

/// A Unicode edge case: valid Unicode that is easy to mishandle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unicode {
    /// U+0000 inside a string.
    Nul,
    /// U+202E RIGHT-TO-LEFT OVERRIDE.
    RightToLeft,
    /// A base letter with a combining accent (two code points, one glyph).
    Combining,
    /// A family emoji joined with U+200D (astral code points and a joiner).
    Emoji,
    /// U+FEFF, the byte-order mark, inside a string.
    ByteOrderMark,
    /// U+FFFF, a noncharacter.
    Noncharacter,
    /// U+10FFFF, the last code point.
    LastCodePoint,
    /// U+2028 LINE SEPARATOR, which some JSON encoders leave raw.
    LineSeparator,
    /// Cyrillic, CJK and an astral symbol together.
    Mixed,
}

impl Unicode {
    /// Every edge case, for strategies.
    pub const ALL: [Unicode; 9] = [
        Unicode::Nul,
        Unicode::RightToLeft,
        Unicode::Combining,
        Unicode::Emoji,
        Unicode::ByteOrderMark,
        Unicode::Noncharacter,
        Unicode::LastCodePoint,
        Unicode::LineSeparator,
        Unicode::Mixed,
    ];

    /// The text of the edge case.
    pub fn text(self) -> &'static str {
        match self {
            Unicode::Nul => "a\u{0}b",
            Unicode::RightToLeft => "\u{202E}txt.exe",
            Unicode::Combining => "e\u{301}e\u{301}",
            Unicode::Emoji => "\u{1F469}\u{200D}\u{1F469}\u{200D}\u{1F467}",
            Unicode::ByteOrderMark => "\u{FEFF}bom",
            Unicode::Noncharacter => "x\u{FFFF}y",
            Unicode::LastCodePoint => "\u{10FFFF}",
            Unicode::LineSeparator => "a\u{2028}b\u{2029}c",
            Unicode::Mixed => "ключ🔑漢字",
        }
    }
}

/// A number at a limit of common number types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberEdge {
    /// `-0.0`.
    NegativeZero,
    /// The largest finite double.
    MaxDouble,
    /// The smallest positive subnormal double.
    Subnormal,
    /// 2^53 + 1, the first integer a double cannot hold.
    BeyondSafe,
    /// The smallest 64-bit signed integer.
    MinI64,
    /// The largest 64-bit unsigned integer.
    MaxU64,
    /// `-1`.
    MinusOne,
    /// `0.1`, a fraction where an integer may be expected.
    Fraction,
}

impl NumberEdge {
    /// Every edge, for strategies.
    pub const ALL: [NumberEdge; 8] = [
        NumberEdge::NegativeZero,
        NumberEdge::MaxDouble,
        NumberEdge::Subnormal,
        NumberEdge::BeyondSafe,
        NumberEdge::MinI64,
        NumberEdge::MaxU64,
        NumberEdge::MinusOne,
        NumberEdge::Fraction,
    ];

    /// The number as JSON.
    pub fn value(self) -> Value {
        match self {
            NumberEdge::NegativeZero => json!(-0.0),
            NumberEdge::MaxDouble => json!(f64::MAX),
            NumberEdge::Subnormal => json!(5e-324),
            NumberEdge::BeyondSafe => json!(9_007_199_254_740_993_u64),
            NumberEdge::MinI64 => json!(i64::MIN),
            NumberEdge::MaxU64 => json!(u64::MAX),
            NumberEdge::MinusOne => json!(-1),
            NumberEdge::Fraction => json!(0.1),
        }
    }
}

/// One value to put where the server expects data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// The empty string.
    Empty,
    /// A short printable string.
    Plain(String),
    /// A Unicode edge case.
    Unicode(Unicode),
    /// One of [`TRICKY_TEXTS`] (index taken modulo its length).
    Tricky(usize),
    /// A string of 2^n KiB (n capped at [`MAX_LONG_EXPONENT`]).
    Long(u8),
    /// A number at a limit.
    Number(NumberEdge),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
    /// Arrays nested this deep (capped at [`MAX_VALUE_DEPTH`]).
    Nested(u8),
    /// An object with this many keys.
    ManyKeys(u16),
}

impl Payload {
    /// The payload as JSON.
    pub fn value(&self) -> Value {
        match self {
            Payload::Number(n) => n.value(),
            Payload::Bool(b) => Value::Bool(*b),
            Payload::Null => Value::Null,
            Payload::Nested(depth) => {
                let mut v = json!([]);
                for _ in 0..(*depth).min(MAX_VALUE_DEPTH) {
                    v = Value::Array(vec![v]);
                }
                v
            }
            Payload::ManyKeys(n) => {
                let map: Map<String, Value> =
                    (0..*n).map(|i| (format!("k{i}"), json!(i))).collect();
                Value::Object(map)
            }
            _ => Value::String(self.text()),
        }
    }

    /// The payload as text, for places that only take strings (prompt arguments, URIs):
    /// strings as they are, anything else as its compact JSON.
    pub fn text(&self) -> String {
        match self {
            Payload::Empty => String::new(),
            Payload::Plain(s) => s.clone(),
            Payload::Unicode(u) => u.text().to_string(),
            Payload::Tricky(i) => TRICKY_TEXTS[i % TRICKY_TEXTS.len()].to_string(),
            Payload::Long(n) => "a".repeat(1024usize << (*n).min(MAX_LONG_EXPONENT)),
            _ => self.value().to_string(),
        }
    }

    /// A short description for action lists (never the whole value).
    pub fn describe(&self) -> String {
        match self {
            Payload::Empty => "an empty string".into(),
            Payload::Plain(s) => format!("{s:?}"),
            Payload::Unicode(u) => format!("Unicode edge {u:?}"),
            Payload::Tricky(_) => format!("{:?}", self.text()),
            Payload::Long(n) => format!("a {} KiB string", 1u64 << (*n).min(MAX_LONG_EXPONENT)),
            Payload::Number(n) => format!("the number {}", n.value()),
            Payload::Bool(b) => format!("{b}"),
            Payload::Null => "null".into(),
            Payload::Nested(d) => format!("arrays nested {} deep", (*d).min(MAX_VALUE_DEPTH)),
            Payload::ManyKeys(n) => format!("an object with {n} keys"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_texts() {
        assert_eq!(Payload::Empty.value(), json!(""));
        assert_eq!(Payload::Long(0).text().len(), 1024);
        assert_eq!(Payload::Long(200).text().len(), 1024 << MAX_LONG_EXPONENT);
        assert_eq!(Payload::Nested(2).value(), json!([[[]]]));
        assert_eq!(Payload::Nested(255).value().to_string().len(), 2 * 65);
        assert_eq!(Payload::Tricky(0).text(), "{{name}}");
        assert_eq!(Payload::Tricky(TRICKY_TEXTS.len()).text(), "{{name}}");
        assert_eq!(Payload::Number(NumberEdge::MinusOne).text(), "-1");
        assert_eq!(
            Payload::ManyKeys(3).value(),
            json!({"k0": 0, "k1": 1, "k2": 2})
        );
        for u in Unicode::ALL {
            assert!(!u.text().is_empty());
        }
    }
}
