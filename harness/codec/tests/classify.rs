//! Integration tests for `classify`: every envelope violation provoked on purpose, the id edge cases
//! of BASE-003, and clean messages of each kind. Framing is tested elsewhere.

use mcpspec_codec::{EnvelopeViolation as V, MessageKind, classify};
use serde_json::{Value, json};

/// Classifies `text` and asserts the exact kind and violation list.
fn expect(text: &str, kind: Option<MessageKind>, violations: &[V]) {
    let got = classify(text.as_bytes());
    assert_eq!(got.kind, kind, "kind of {text}");
    assert_eq!(got.violations, violations, "violations of {text}");
    assert_eq!(got.is_clean(), violations.is_empty());
}

/// Asserts that `text` produces exactly one violation, and checks its metadata.
fn single(text: &[u8], requirement: &str, pointer: &str, description_part: &str) -> V {
    let got = classify(text);
    assert_eq!(
        got.violations.len(),
        1,
        "{}: {:?}",
        String::from_utf8_lossy(text),
        got.violations
    );
    let violation = got.violations[0].clone();
    assert_eq!(violation.requirement(), requirement, "{violation:?}");
    assert_eq!(violation.pointer(), pointer, "{violation:?}");
    let described = violation.describe();
    assert!(
        described.contains(description_part),
        "{described:?} lacks {description_part:?}"
    );
    assert!(!described.contains('\n'));
    violation
}

// ---- clean messages -------------------------------------------------------------------------

#[test]
fn clean_request() {
    expect(
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#,
        Some(MessageKind::Request),
        &[],
    );
}

#[test]
fn clean_request_without_params() {
    expect(
        r#"{"jsonrpc":"2.0","id":"a","method":"ping"}"#,
        Some(MessageKind::Request),
        &[],
    );
}

#[test]
fn clean_notification() {
    expect(
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        Some(MessageKind::Notification),
        &[],
    );
}

#[test]
fn clean_result() {
    expect(
        r#"{"jsonrpc":"2.0","id":1,"result":{}}"#,
        Some(MessageKind::Result),
        &[],
    );
}

#[test]
fn clean_error_with_data() {
    expect(
        r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"nope","data":[1]}}"#,
        Some(MessageKind::Error),
        &[],
    );
}

#[test]
fn error_response_may_have_null_id() {
    expect(
        r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"#,
        Some(MessageKind::Error),
        &[],
    );
}

#[test]
fn surrounding_whitespace_is_fine() {
    expect(
        " \t{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}} \r",
        Some(MessageKind::Result),
        &[],
    );
}

#[test]
fn unfamiliar_error_codes_are_accepted() {
    for code in [
        "-32002",
        "-32000",
        "-32099",
        "42",
        "0",
        "-1",
        "9223372036854775807",
    ] {
        expect(
            &format!(r#"{{"jsonrpc":"2.0","id":1,"error":{{"code":{code},"message":"m"}}}}"#),
            Some(MessageKind::Error),
            &[],
        );
    }
}

#[test]
fn extra_members_are_tolerated() {
    expect(
        r#"{"jsonrpc":"2.0","id":1,"result":{},"extra":true}"#,
        Some(MessageKind::Result),
        &[],
    );
}

// ---- ids (BASE-003) -------------------------------------------------------------------------

const GOOD_IDS: &[&str] = &[
    "0",
    "-1",
    "9007199254740991",
    "18446744073709551615",
    "-9223372036854775808",
    r#""1""#,
    r#""""#,
    r#""ключ🔑 idé""#,
];

#[test]
fn good_ids_accepted_on_requests_and_responses() {
    for id in GOOD_IDS {
        let request = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#);
        let result = format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{}}}}"#);
        expect(&request, Some(MessageKind::Request), &[]);
        expect(&result, Some(MessageKind::Result), &[]);
        let parsed: Value = serde_json::from_str(id).unwrap_or(Value::Null);
        assert_eq!(classify(request.as_bytes()).id(), Some(&parsed));
    }
}

#[test]
fn one_kib_string_id_accepted_and_kept_exact() {
    let id = "x".repeat(1024);
    let text = format!(r#"{{"jsonrpc":"2.0","id":"{id}","result":{{}}}}"#);
    let got = classify(text.as_bytes());
    assert!(got.is_clean());
    assert_eq!(got.id(), Some(&Value::String(id)));
}

#[test]
fn string_and_integer_ids_stay_distinct() {
    let a = classify(br#"{"jsonrpc":"2.0","id":"1","result":{}}"#);
    let b = classify(br#"{"jsonrpc":"2.0","id":1,"result":{}}"#);
    assert_ne!(a.id(), b.id());
}

#[test]
fn float_ids_rejected() {
    for id in ["1.5", "1.0", "1e3", "-0.0", "100000000000000000000"] {
        let text = format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{}}}}"#);
        let v = single(text.as_bytes(), "BASE-003", "/id", "string or an integer");
        assert!(
            matches!(&v, V::IdWrongType { found } if found.is_f64()),
            "{id}: {v:?}"
        );
        let text = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#);
        let v = single(text.as_bytes(), "BASE-003", "/id", "string or an integer");
        assert!(matches!(v, V::IdWrongType { .. }));
    }
}

#[test]
fn id_of_other_types_rejected() {
    for (id, found) in [
        ("true", json!(true)),
        ("{}", json!({})),
        ("[]", json!([])),
        ("[1]", json!([1])),
    ] {
        let text = format!(r#"{{"jsonrpc":"2.0","id":{id},"error":{{"code":1,"message":"m"}}}}"#);
        let v = single(text.as_bytes(), "BASE-003", "/id", &found.to_string());
        assert_eq!(v, V::IdWrongType { found });
    }
}

// ---- each violation variant ----------------------------------------------------------------

#[test]
fn not_utf8() {
    let got = classify(b"{\"jsonrpc\":\"2.0\",\"x\":\"caf\xe9\"}");
    assert_eq!(got.value, None);
    assert_eq!(got.kind, None);
    assert_eq!(got.violations, vec![V::NotUtf8 { valid_up_to: 25 }]);
    single(b"ab\xff", "BASE-018", "", "offset 2");
}

#[test]
fn not_json() {
    let v = single(
        br#"{"jsonrpc":"2.0","id":1,"method":"ping""#,
        "BASE-001",
        "",
        "line 1 column",
    );
    assert!(matches!(v, V::NotJson { .. }));
    for text in ["", "   ", "{", "{}x", "nul", "{'a':1}", "\u{feff}{}"] {
        let got = classify(text.as_bytes());
        assert_eq!(got.value, None, "{text:?}");
        assert!(
            matches!(got.violations.as_slice(), [V::NotJson { .. }]),
            "{text:?}: {:?}",
            got.violations
        );
    }
}

#[test]
fn deep_nesting_is_beyond_limits_and_does_not_panic() {
    // Valid JSON 100 000 levels deep: a batch read from a shallow copy, flagged first.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let got = classify(deep.as_bytes());
    assert!(
        matches!(
            got.violations.as_slice(),
            [
                V::BeyondLimits {
                    depth: true,
                    number: false
                },
                V::Batch { len: 1 }
            ]
        ),
        "{:?}",
        got.violations
    );
    // A response with a deep result still answers its request.
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":7,"result":{{"v":{}1{}}}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let got = classify(deep.as_bytes());
    assert_eq!(got.kind, Some(MessageKind::Result));
    assert_eq!(got.id(), Some(&serde_json::json!(7)));
    assert_eq!(got.violations.len(), 1, "{:?}", got.violations);
    assert_eq!(got.violations[0].requirement(), "BASE-001");
    // Deep but not JSON (`{"a":` with no innermost value) stays a parse error.
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":1,"result":{}{}}}"#,
        "{\"a\":".repeat(1000),
        "}".repeat(1000)
    );
    let got = classify(deep.as_bytes());
    assert!(matches!(got.violations.as_slice(), [V::NotJson { .. }]));
}

#[test]
fn numbers_beyond_double_range_are_read_as_their_literal() {
    let huge = "9".repeat(400);
    let text = format!(r#"{{"jsonrpc":"2.0","id":{huge},"result":{{"n":1e400}}}}"#);
    let got = classify(text.as_bytes());
    assert_eq!(got.kind, Some(MessageKind::Result));
    assert_eq!(got.id(), Some(&serde_json::json!(huge)));
    assert!(
        matches!(
            got.violations.first(),
            Some(V::BeyondLimits {
                depth: false,
                number: true
            })
        ),
        "{:?}",
        got.violations
    );
    assert!(got.violations[0].describe().contains("IEEE 754"));
    // Not JSON with a huge number in it stays a parse error.
    let got = classify(b"{\"id\":1e400,");
    assert!(matches!(got.violations.as_slice(), [V::NotJson { .. }]));
}

#[test]
fn batch() {
    let v = single(
        br#"[{"jsonrpc":"2.0","id":1,"result":{}},{"jsonrpc":"2.0","id":2,"result":{}}]"#,
        "BASE-002",
        "",
        "array of 2",
    );
    assert_eq!(v, V::Batch { len: 2 });
    let got = classify(b"[]");
    assert_eq!(got.violations, vec![V::Batch { len: 0 }]);
    assert_eq!(got.kind, None);
    assert_eq!(got.value, Some(json!([])));
}

#[test]
fn not_an_object() {
    for (text, found) in [
        ("null", "null"),
        ("true", "boolean"),
        ("12", "number"),
        ("\"hi\"", "string"),
    ] {
        let v = single(text.as_bytes(), "BASE-001", "", found);
        assert_eq!(v, V::NotAnObject { found });
        assert_eq!(classify(text.as_bytes()).kind, None);
    }
}

#[test]
fn jsonrpc_missing() {
    let v = single(
        br#"{"id":1,"result":{}}"#,
        "BASE-001",
        "/jsonrpc",
        "got no such member",
    );
    assert_eq!(v, V::JsonrpcMissing);
}

#[test]
fn jsonrpc_not_two_point_zero() {
    let v = single(
        br#"{"jsonrpc":"1.0","id":1,"result":{}}"#,
        "BASE-001",
        "/jsonrpc",
        "",
    );
    assert_eq!(
        v.describe(),
        r#""jsonrpc" must be the string "2.0", got "1.0""#
    );
    assert_eq!(
        v,
        V::JsonrpcNotTwoPointZero {
            found: json!("1.0")
        }
    );
    for version in ["2", "2.0", "null", r#""2.00""#, r#"" 2.0""#] {
        let text = format!(r#"{{"jsonrpc":{version},"id":1,"method":"ping"}}"#);
        let got = classify(text.as_bytes());
        assert_eq!(got.kind, Some(MessageKind::Request));
        assert!(
            matches!(
                got.violations.as_slice(),
                [V::JsonrpcNotTwoPointZero { .. }]
            ),
            "{version}"
        );
    }
}

#[test]
fn id_null_on_request() {
    let v = single(
        br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
        "BASE-008",
        "/id",
        "got null",
    );
    assert_eq!(v, V::IdNullOnRequest);
    assert_eq!(
        classify(br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#).kind,
        Some(MessageKind::Request)
    );
}

#[test]
fn id_null_on_result_is_wrong_type() {
    let v = single(
        br#"{"jsonrpc":"2.0","id":null,"result":{}}"#,
        "BASE-003",
        "/id",
        "got null",
    );
    assert_eq!(v, V::IdWrongType { found: Value::Null });
}

#[test]
fn id_missing_on_response() {
    let v = single(
        br#"{"jsonrpc":"2.0","result":{}}"#,
        "BASE-003",
        "/id",
        "no \"id\"",
    );
    assert_eq!(v, V::IdMissingOnResponse);
    let got = classify(br#"{"jsonrpc":"2.0","error":{"code":1,"message":"m"}}"#);
    assert_eq!(got.kind, Some(MessageKind::Error));
    assert_eq!(got.violations, vec![V::IdMissingOnResponse]);
}

#[test]
fn method_not_string() {
    let v = single(
        br#"{"jsonrpc":"2.0","id":1,"method":42}"#,
        "BASE-001",
        "/method",
        "got 42",
    );
    assert_eq!(v, V::MethodNotString { found: json!(42) });
    let got = classify(br#"{"jsonrpc":"2.0","method":null}"#);
    assert_eq!(got.kind, Some(MessageKind::Notification));
    assert_eq!(got.method(), None);
    assert_eq!(
        got.violations,
        vec![V::MethodNotString { found: Value::Null }]
    );
}

#[test]
fn params_not_structured() {
    for (params, found) in [
        ("42", json!(42)),
        ("\"x\"", json!("x")),
        ("null", Value::Null),
        ("true", json!(true)),
    ] {
        let text = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{params}}}"#);
        let v = single(text.as_bytes(), "BASE-016", "/params", "must be an object");
        assert_eq!(v, V::ParamsNotStructured { found });
    }
}

#[test]
fn params_not_object() {
    let v = single(
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[]}"#,
        "BASE-016",
        "/params",
        "array",
    );
    assert_eq!(v, V::ParamsNotObject);
    let got = classify(br#"{"jsonrpc":"2.0","method":"notifications/x","params":[1,2]}"#);
    assert_eq!(got.kind, Some(MessageKind::Notification));
    assert_eq!(got.violations, vec![V::ParamsNotObject]);
}

#[test]
fn result_and_error() {
    let v = single(
        br#"{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":-32601,"message":"m"}}"#,
        "BASE-004",
        "",
        "got both",
    );
    assert_eq!(v, V::ResultAndError);
    assert_eq!(
        classify(br#"{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}}"#).kind,
        Some(MessageKind::Error)
    );
}

#[test]
fn result_not_object() {
    for (result, found) in [
        ("null", Value::Null),
        ("[]", json!([])),
        ("1", json!(1)),
        ("\"ok\"", json!("ok")),
    ] {
        let text = format!(r#"{{"jsonrpc":"2.0","id":1,"result":{result}}}"#);
        let v = single(text.as_bytes(), "BASE-005", "/result", "must be an object");
        assert_eq!(v, V::ResultNotObject { found });
        assert_eq!(classify(text.as_bytes()).kind, Some(MessageKind::Result));
    }
}

#[test]
fn error_not_object() {
    for (error, found) in [
        ("null", Value::Null),
        ("\"boom\"", json!("boom")),
        ("[]", json!([])),
    ] {
        let text = format!(r#"{{"jsonrpc":"2.0","id":1,"error":{error}}}"#);
        let v = single(text.as_bytes(), "BASE-006", "/error", "must be an object");
        assert_eq!(v, V::ErrorNotObject { found });
        assert_eq!(classify(text.as_bytes()).kind, Some(MessageKind::Error));
    }
}

#[test]
fn error_code_not_integer() {
    for (code, found) in [
        (r#""code":"-32601","#, json!("-32601")),
        (r#""code":-32601.5,"#, json!(-32601.5)),
        (r#""code":-32601.0,"#, json!(-32601.0)),
        (r#""code":null,"#, Value::Null),
        ("", Value::Null),
    ] {
        let text = format!(r#"{{"jsonrpc":"2.0","id":1,"error":{{{code}"message":"m"}}}}"#);
        let v = single(
            text.as_bytes(),
            "BASE-006",
            "/error/code",
            "must be an integer",
        );
        assert_eq!(v, V::ErrorCodeNotInteger { found });
    }
}

#[test]
fn error_message_not_string() {
    for (message, found) in [
        (r#","message":7"#, json!(7)),
        (r#","message":{"a":1}"#, json!({"a": 1})),
        ("", Value::Null),
    ] {
        let text = format!(r#"{{"jsonrpc":"2.0","id":1,"error":{{"code":-1{message}}}}}"#);
        let v = single(
            text.as_bytes(),
            "BASE-006",
            "/error/message",
            "must be a string",
        );
        assert_eq!(v, V::ErrorMessageNotString { found });
    }
}

#[test]
fn notification_with_id() {
    for id in ["99", "null", "\"x\"", "1.5"] {
        let text = format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"notifications/message","params":{{"level":"info","data":"ready"}}}}"#
        );
        let v = single(text.as_bytes(), "BASE-010", "/id", "notifications/");
        assert_eq!(v, V::NotificationWithId);
        assert_eq!(classify(text.as_bytes()).kind, Some(MessageKind::Request));
    }
}

#[test]
fn no_shape() {
    for text in ["{}", r#"{"jsonrpc":"2.0","id":1}"#, r#"{"jsonrpc":"2.0"}"#] {
        let got = classify(text.as_bytes());
        assert_eq!(got.kind, None, "{text}");
        assert_eq!(got.violations.last(), Some(&V::NoShape), "{text}");
        assert_eq!(V::NoShape.requirement(), "BASE-001");
        assert_eq!(V::NoShape.pointer(), "");
    }
    single(br#"{"jsonrpc":"2.0","id":1}"#, "BASE-001", "", "got none");
    expect("{}", None, &[V::JsonrpcMissing, V::NoShape]);
}

// ---- several violations at once --------------------------------------------------------------

#[test]
fn all_violations_reported_in_stable_order() {
    expect(
        r#"{"jsonrpc":"1.0","id":1.5,"result":[],"error":{"code":"x"}}"#,
        Some(MessageKind::Error),
        &[
            V::JsonrpcNotTwoPointZero {
                found: json!("1.0"),
            },
            V::IdWrongType { found: json!(1.5) },
            V::ResultAndError,
            V::ResultNotObject { found: json!([]) },
            V::ErrorCodeNotInteger { found: json!("x") },
            V::ErrorMessageNotString { found: Value::Null },
        ],
    );
    expect(
        r#"{"id":null,"method":["m"],"params":5}"#,
        Some(MessageKind::Request),
        &[
            V::JsonrpcMissing,
            V::IdNullOnRequest,
            V::MethodNotString {
                found: json!(["m"]),
            },
            V::ParamsNotStructured { found: json!(5) },
        ],
    );
    expect(
        r#"{"result":null}"#,
        Some(MessageKind::Result),
        &[
            V::JsonrpcMissing,
            V::IdMissingOnResponse,
            V::ResultNotObject { found: Value::Null },
        ],
    );
}

#[test]
fn value_is_kept_for_invalid_messages() {
    let got = classify(br#"{"jsonrpc":"2.0","id":null,"result":{}}"#);
    assert_eq!(
        got.value,
        Some(json!({"jsonrpc": "2.0", "id": null, "result": {}}))
    );
    assert_eq!(got.id(), Some(&Value::Null));
}

#[test]
fn long_offending_values_are_shortened_in_descriptions() {
    let big = "z".repeat(10_000);
    let text = format!(r#"{{"jsonrpc":"{big}","id":1,"result":{{}}}}"#);
    let got = classify(text.as_bytes());
    let described = got.violations[0].describe();
    assert!(described.len() < 200, "{}", described.len());
    assert!(described.ends_with("..."));
}

#[test]
fn every_variant_maps_to_a_catalogue_requirement() {
    let all = [
        (V::NotUtf8 { valid_up_to: 0 }, "BASE-018", ""),
        (
            V::NotJson {
                message: "m".into(),
            },
            "BASE-001",
            "",
        ),
        (V::Batch { len: 1 }, "BASE-002", ""),
        (V::NotAnObject { found: "null" }, "BASE-001", ""),
        (V::JsonrpcMissing, "BASE-001", "/jsonrpc"),
        (
            V::JsonrpcNotTwoPointZero { found: json!(2) },
            "BASE-001",
            "/jsonrpc",
        ),
        (V::IdWrongType { found: json!(true) }, "BASE-003", "/id"),
        (V::IdNullOnRequest, "BASE-008", "/id"),
        (V::IdMissingOnResponse, "BASE-003", "/id"),
        (
            V::MethodNotString { found: json!(1) },
            "BASE-001",
            "/method",
        ),
        (
            V::ParamsNotStructured { found: json!(1) },
            "BASE-016",
            "/params",
        ),
        (V::ParamsNotObject, "BASE-016", "/params"),
        (V::ResultAndError, "BASE-004", ""),
        (
            V::ResultNotObject { found: json!(1) },
            "BASE-005",
            "/result",
        ),
        (V::ErrorNotObject { found: json!(1) }, "BASE-006", "/error"),
        (
            V::ErrorCodeNotInteger { found: json!(1.5) },
            "BASE-006",
            "/error/code",
        ),
        (
            V::ErrorMessageNotString { found: json!(1) },
            "BASE-006",
            "/error/message",
        ),
        (V::NotificationWithId, "BASE-010", "/id"),
        (V::NoShape, "BASE-001", ""),
    ];
    for (violation, requirement, pointer) in all {
        assert_eq!(violation.requirement(), requirement, "{violation:?}");
        assert_eq!(violation.pointer(), pointer, "{violation:?}");
        let text = violation.describe();
        assert!(!text.is_empty() && !text.contains('\n'), "{text:?}");
        assert!(text.contains("got"), "{text:?}");
    }
}
