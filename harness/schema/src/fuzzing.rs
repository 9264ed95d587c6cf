//! Fuzz body of the `schema_validate` target and the `ArbValue` generator it uses. Functions here
//! panic (through assertions) when validation misbehaves; they are test code, not an API for
//! validating server messages.
//!
//! Two halves:
//!
//! - **Always compiled:** any JSON value is validated against every definition of the 2025-06-18
//!   schema; nothing may panic, and `validate` and `is_valid` must agree. `tests/fuzz_corpus.rs`
//!   replays the committed corpus through it under a plain `cargo test`.
//! - **With the `fuzzing` feature:** agreement with the codec's envelope classifier
//!   (`mcpspec_codec::classify`) on the four JSON-RPC envelope definitions, and a check that the
//!   methods table names definitions that exist. The feature exists so that this crate depends
//!   on the codec only when asked to; the fuzz crate always asks.
//!
//! Fuzz inputs that parse as JSON are used as they are, so corpus seeds can be readable JSON;
//! anything else is decoded into an [`ArbValue`] with `arbitrary`.

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use serde_json::{Map, Number, Value};

use crate::{Schema, SchemaViolation};

/// The revision whose schema the fuzz body exercises.
pub const REVISION: &str = "2025-06-18";

/// Nesting depth beyond which [`ArbValue::to_value`] writes `null`.
const MAX_DEPTH: usize = 24;

/// A JSON value built by `arbitrary`, biased towards the vocabulary of the MCP schema: object
/// keys and strings are often picked from the schema's property names, constants, enums and
/// method names (see [`vocabulary`]).
#[derive(Debug, Clone, Arbitrary)]
pub enum ArbValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A negative or small integer.
    Int(i64),
    /// A large integer.
    UInt(u64),
    /// A float; NaN and infinities become `null`.
    Float(f64),
    /// A string.
    Str(ArbText),
    /// An array.
    Array(Vec<ArbValue>),
    /// An object; a repeated key keeps its last value.
    Object(Vec<(ArbText, ArbValue)>),
}

/// A string for [`ArbValue`]: a word from the schema's vocabulary or free text.
#[derive(Debug, Clone, Arbitrary)]
pub enum ArbText {
    /// The word at this index (modulo the vocabulary's length).
    Known(u16),
    /// Any text.
    Free(String),
}

impl ArbText {
    fn to_string_value(&self) -> String {
        match self {
            Self::Known(index) => {
                let words = vocabulary();
                words[usize::from(*index) % words.len()].clone()
            }
            Self::Free(text) => text.clone(),
        }
    }
}

impl ArbValue {
    /// Converts to a `serde_json::Value`, cutting nesting at a fixed depth.
    pub fn to_value(&self) -> Value {
        self.to_value_at(0)
    }

    fn to_value_at(&self, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Int(n) => Value::from(*n),
            Self::UInt(n) => Value::from(*n),
            Self::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Self::Str(text) => Value::String(text.to_string_value()),
            Self::Array(items) => {
                Value::Array(items.iter().map(|v| v.to_value_at(depth + 1)).collect())
            }
            Self::Object(members) => {
                let mut object = Map::new();
                for (key, value) in members {
                    object.insert(key.to_string_value(), value.to_value_at(depth + 1));
                }
                Value::Object(object)
            }
        }
    }
}

/// Words worth generating: every property name, `const` and string `enum` value of the schema,
/// every method name of the revision, and a few strings that satisfy the schema's formats.
pub fn vocabulary() -> &'static [String] {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words = std::collections::BTreeSet::new();
        for extra in [
            "2.0",
            REVISION,
            "https://example.com/a",
            "file:///tmp/x.txt",
            "fixture://items/{id}",
            "aGVsbG8=",
            "text/plain",
            "",
        ] {
            words.insert(extra.to_owned());
        }
        for info in crate::methods(REVISION) {
            words.insert(info.method.to_owned());
        }
        if let Some(schema) = Schema::for_revision(REVISION) {
            collect_words(schema.raw(), &mut words);
        }
        words.into_iter().collect()
    })
}

/// Gathers property names and string constants from a schema document.
fn collect_words(node: &Value, words: &mut std::collections::BTreeSet<String>) {
    match node {
        Value::Object(members) => {
            for (key, value) in members {
                match (key.as_str(), value) {
                    ("properties", Value::Object(properties)) => {
                        words.extend(properties.keys().cloned());
                    }
                    ("const", Value::String(text)) => {
                        words.insert(text.clone());
                    }
                    ("enum", Value::Array(items)) => {
                        words.extend(items.iter().filter_map(Value::as_str).map(str::to_owned));
                    }
                    _ => {}
                }
                collect_words(value, words);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_words(item, words)),
        _ => {}
    }
}

/// The value a fuzz input stands for: the input itself when it is JSON, otherwise an
/// [`ArbValue`] decoded from the bytes (`None` if even that fails).
pub fn input_value(data: &[u8]) -> Option<Value> {
    if let Ok(value) = serde_json::from_slice::<Value>(data) {
        return Some(value);
    }
    ArbValue::arbitrary_take_rest(Unstructured::new(data))
        .ok()
        .map(|value| value.to_value())
}

/// The embedded schema; its absence is a build defect, not an input problem.
fn schema() -> &'static Schema {
    match Schema::try_for_revision(REVISION) {
        Ok(schema) => schema,
        Err(e) => panic!("embedded schema does not build: {e}"),
    }
}

/// Fuzz body of `schema_validate`: see [`input_value`] and [`check_value`].
pub fn schema_validate(data: &[u8]) {
    if let Some(value) = input_value(data) {
        check_value(&value);
    }
}

/// Validates `value` against every definition and checks the results; with the `fuzzing`
/// feature, also checks agreement with the codec (see the module docs).
pub fn check_value(value: &Value) {
    let schema = schema();
    for definition in schema.definitions() {
        let violations = match schema.validate(definition, value) {
            Ok(violations) => violations,
            Err(e) => panic!("listed definition cannot be used: {e}"),
        };
        let valid = schema.is_valid(definition, value).unwrap_or(false);
        assert_eq!(
            valid,
            violations.is_empty(),
            "is_valid and validate disagree on {definition}: {violations:?}"
        );
        for violation in &violations {
            check_violation(definition, violation);
        }
    }
    #[cfg(feature = "fuzzing")]
    codec_agreement::check(schema, value);
}

/// A violation must point into the value and into the schema, and say something.
fn check_violation(definition: &str, violation: &SchemaViolation) {
    let SchemaViolation {
        instance_path,
        schema_path,
        message,
    } = violation;
    assert!(
        instance_path.is_empty() || instance_path.starts_with('/'),
        "{definition}: instance path {instance_path:?}"
    );
    assert!(
        schema_path.is_empty() || schema_path.starts_with('/'),
        "{definition}: schema path {schema_path:?}"
    );
    assert!(!message.is_empty(), "{definition}: empty message");
    // 400 bytes plus the three-byte ellipsis of a shortened message.
    assert!(
        message.len() <= 403,
        "{definition}: message of {} bytes",
        message.len()
    );
}

/// The codec agreement half; compiled only with the `fuzzing` feature.
#[cfg(feature = "fuzzing")]
mod codec_agreement {
    use mcpspec_codec::{Classified, EnvelopeViolation, MessageKind, classify};
    use serde_json::Value;

    use super::REVISION;
    use crate::{MethodKind, Schema};

    /// Whether the schema accepts `value` as `definition` (which must exist).
    fn accepts(schema: &Schema, definition: &str, value: &Value) -> bool {
        match schema.is_valid(definition, value) {
            Ok(valid) => valid,
            Err(e) => panic!("{e}"),
        }
    }

    /// A number the codec calls a float but draft-07 calls an integer: `1.0`, `1e3`, `-0.0`.
    fn integral_float(value: &Value) -> bool {
        match value {
            Value::Number(n) => {
                !n.is_i64() && !n.is_u64() && n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        }
    }

    /// Codec faults the schema does not see by design: an `id` on a `notifications/` method
    /// (the schema keeps requests and notifications apart only by the `id` member) and integral
    /// floats, which draft-07 counts as integers while the codec, like JSON-RPC peers that
    /// compare ids by type, does not.
    fn tolerated(violation: &EnvelopeViolation) -> bool {
        match violation {
            EnvelopeViolation::NotificationWithId => true,
            EnvelopeViolation::IdWrongType { found }
            | EnvelopeViolation::ErrorCodeNotInteger { found } => integral_float(found),
            _ => false,
        }
    }

    /// `member._meta` is absent: the only part of an envelope the codec does not check but
    /// the schema does.
    fn no_meta(object: &serde_json::Map<String, Value>, member: &str) -> bool {
        object
            .get(member)
            .and_then(Value::as_object)
            .is_none_or(|inner| !inner.contains_key("_meta"))
    }

    /// Checks the codec's verdict on `value` against the schema's (see the module docs).
    pub(super) fn check(schema: &Schema, value: &Value) {
        let Ok(bytes) = serde_json::to_vec(value) else {
            return;
        };
        let codec: Classified = classify(&bytes);
        assert_eq!(
            codec.value.as_ref(),
            Some(value),
            "the codec reads the serialised value differently"
        );

        // The methods table only names definitions that exist.
        if codec.is_clean()
            && let Some(name) = codec.method()
        {
            for info in crate::methods(REVISION).iter().filter(|i| i.method == name) {
                let wanted = match info.kind {
                    MethodKind::Request => MessageKind::Request,
                    MethodKind::Notification => MessageKind::Notification,
                };
                if codec.kind == Some(wanted) {
                    assert!(
                        schema.validate(info.definition, value).is_ok(),
                        "{name}: the methods table names an unknown definition {}",
                        info.definition
                    );
                }
            }
        }

        let Some(object) = value.as_object() else {
            for definition in [
                "JSONRPCRequest",
                "JSONRPCNotification",
                "JSONRPCResponse",
                "JSONRPCError",
            ] {
                assert!(
                    !accepts(schema, definition, value),
                    "{definition} accepts a non-object"
                );
            }
            assert!(codec.kind.is_none() && !codec.is_clean());
            return;
        };
        let has = |member: &str| object.contains_key(member);
        let only_tolerated = codec.violations.iter().all(tolerated);

        let request = accepts(schema, "JSONRPCRequest", value);
        if request {
            assert_eq!(codec.kind, Some(MessageKind::Request), "schema: request");
            assert!(
                only_tolerated,
                "schema: valid request; codec: {:?}",
                codec.violations
            );
        }
        if codec.is_clean() && codec.kind == Some(MessageKind::Request) && no_meta(object, "params")
        {
            assert!(request, "codec: clean request; schema rejects it");
        }

        let notification = accepts(schema, "JSONRPCNotification", value);
        if notification && !has("id") {
            assert_eq!(
                codec.kind,
                Some(MessageKind::Notification),
                "schema: notification"
            );
            assert!(
                codec.is_clean(),
                "schema: valid notification; codec: {:?}",
                codec.violations
            );
        }
        if codec.is_clean()
            && codec.kind == Some(MessageKind::Notification)
            && no_meta(object, "params")
        {
            assert!(notification, "codec: clean notification; schema rejects it");
        }

        let response = accepts(schema, "JSONRPCResponse", value);
        if response && !has("method") && !has("error") {
            assert_eq!(codec.kind, Some(MessageKind::Result), "schema: response");
            assert!(
                only_tolerated,
                "schema: valid response; codec: {:?}",
                codec.violations
            );
        }
        if codec.is_clean() && codec.kind == Some(MessageKind::Result) && no_meta(object, "result")
        {
            assert!(response, "codec: clean result; schema rejects it");
        }

        let error = accepts(schema, "JSONRPCError", value);
        if error && !has("method") && !has("result") {
            assert_eq!(codec.kind, Some(MessageKind::Error), "schema: error");
            assert!(
                only_tolerated,
                "schema: valid error; codec: {:?}",
                codec.violations
            );
        }
        if codec.is_clean()
            && codec.kind == Some(MessageKind::Error)
            && object.get("id").is_some_and(|id| !id.is_null())
        {
            assert!(error, "codec: clean error response; schema rejects it");
        }

        // The union definition is exactly the union of its four members.
        assert_eq!(
            accepts(schema, "JSONRPCMessage", value),
            request || notification || response || error,
            "JSONRPCMessage disagrees with its members"
        );
    }
}
