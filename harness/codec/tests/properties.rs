//! Property tests: chunking never changes framing, classification never panics, and clean messages
//! survive encode -> classify unchanged. Hand-picked cases live in the other test files.

use mcpspec_codec::fuzzing::{classify_roundtrip, framing_chunked};
use mcpspec_codec::{Frame, LineFramer, classify, encode};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Bytes biased towards line structure: many "\n", "\r" and a few JSON-ish characters.
fn line_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            4 => Just(b'\n'),
            3 => Just(b'\r'),
            6 => prop::sample::select(b"{}[]\":,0a".to_vec()),
            4 => any::<u8>(),
        ],
        0..600,
    )
}

/// Any JSON value of modest size, including floats and awkward strings.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// An envelope-like object: each well-known member is present or not, and holds a plausible or a
/// random value.
fn envelope() -> impl Strategy<Value = Value> {
    let member = |plausible: Value| {
        prop_oneof![
            3 => Just(None),
            4 => Just(Some(plausible)),
            2 => json_value().prop_map(Some),
        ]
    };
    (
        member(json!("2.0")),
        member(json!(7)),
        prop_oneof![
            Just(None),
            Just(Some(json!("ping"))),
            Just(Some(json!("notifications/message"))),
            json_value().prop_map(Some),
        ],
        member(json!({})),
        member(json!({})),
        member(json!({"code": -32601, "message": "m"})),
    )
        .prop_map(|(jsonrpc, id, method, params, result, error)| {
            let mut object = Map::new();
            for (key, value) in [
                ("jsonrpc", jsonrpc),
                ("id", id),
                ("method", method),
                ("params", params),
                ("result", result),
                ("error", error),
            ] {
                if let Some(value) = value {
                    object.insert(key.to_owned(), value);
                }
            }
            Value::Object(object)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_chunking_yields_the_same_frames(
        data in line_bytes(),
        cuts in prop::collection::vec(any::<usize>(), 0..40),
    ) {
        framing_chunked(&data, &cuts);
    }

    #[test]
    fn byte_at_a_time_yields_the_same_frames(data in line_bytes(), limit in 0usize..40) {
        let mut whole = LineFramer::new(limit);
        let mut expected = whole.push(&data);
        expected.extend(whole.finish());
        let mut single = LineFramer::new(limit);
        let mut got = Vec::new();
        for byte in &data {
            got.extend(single.push(std::slice::from_ref(byte)));
            prop_assert!(single.buffered_len() <= (limit + 1).max(64));
        }
        got.extend(single.finish());
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn lines_never_exceed_the_limit(data in line_bytes(), limit in 0usize..40) {
        let mut framer = LineFramer::new(limit);
        let mut frames = framer.push(&data);
        frames.extend(framer.finish());
        for frame in frames {
            match frame {
                Frame::Line { bytes, .. } => {
                    prop_assert!(bytes.len() <= limit);
                    prop_assert!(!bytes.contains(&b'\n'));
                }
                Frame::Oversize { head, limit: l } => {
                    prop_assert_eq!(l, limit);
                    prop_assert_eq!(head.len(), (limit + 1).min(256));
                }
                Frame::Unterminated { bytes } => {
                    prop_assert!(!bytes.is_empty());
                    prop_assert!(bytes.len() <= limit + 1);
                }
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..300)) {
        classify_roundtrip(&data);
    }

    #[test]
    fn envelopes_roundtrip(value in envelope()) {
        let bytes = encode(&value);
        classify_roundtrip(&bytes[..bytes.len() - 1]);
        let got = classify(&bytes[..bytes.len() - 1]);
        prop_assert_eq!(got.value.as_ref(), Some(&value));
    }

    #[test]
    fn any_json_roundtrips(value in json_value()) {
        let bytes = encode(&value);
        classify_roundtrip(&bytes[..bytes.len() - 1]);
    }

    #[test]
    fn clean_requests_stay_clean(
        id in prop_oneof![
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            ".{0,40}".prop_map(Value::String),
        ],
        method in "[a-z]{1,10}(/[a-zA-Z_]{1,10})?",
        params in prop::option::of(prop::collection::btree_map("[a-z]{1,5}", json_value(), 0..4)),
    ) {
        let mut object = Map::new();
        object.insert("jsonrpc".into(), json!("2.0"));
        object.insert("id".into(), id.clone());
        object.insert("method".into(), json!(method));
        if let Some(params) = params {
            object.insert("params".into(), Value::Object(params.into_iter().collect()));
        }
        let bytes = encode(&Value::Object(object));
        let got = classify(&bytes[..bytes.len() - 1]);
        prop_assert!(got.is_clean(), "{:?}", got.violations);
        prop_assert_eq!(got.id(), Some(&id));
        classify_roundtrip(&bytes[..bytes.len() - 1]);
    }
}

#[test]
fn float_text_forms_roundtrip() {
    for text in [
        r#"{"jsonrpc":"2.0","id":1,"result":{"x":0.1}}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":{"x":1.7976931348623157e308}}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":{"x":5e-324}}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":{"x":2.2250738585072011e-308}}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":{"x":0.30000000000000004441}}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":{"x":-0}}"#,
        // Seeds once found by the properties above while float parsing was not exact.
        r#"{"jsonrpc":"2.0","id":1,"result":{"x":-2.1780617291750113e226}}"#,
        r#"{"jsonrpc":"2.0","id":0,"method":"a","params":{"a":{"":{"":1.2434747237818814e60}}}}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":{"x":123456789012345678901234567890}}"#,
    ] {
        assert!(classify(text.as_bytes()).is_clean(), "{text}");
        classify_roundtrip(text.as_bytes());
    }
}
