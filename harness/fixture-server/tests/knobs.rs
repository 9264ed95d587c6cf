//! End-to-end tests that each bug knob, switched on alone, produces its misbehaviour on the wire.
//! Each test also checks the part of the session the knob must leave alone where that matters.
//! The clean behaviour itself is tested in `clean.rs`.

mod common;

use std::time::{Duration, Instant};

use common::{DEADLINE, Fixture};
use serde_json::{Value, json};

const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

fn initialized(bugs: &[&str]) -> Fixture {
    let mut fx = Fixture::spawn(bugs);
    fx.handshake();
    fx
}

// ---- wire shape of responses ----------------------------------------------------------------

#[test]
fn wrong_jsonrpc_version() {
    let mut fx = Fixture::spawn(&["wrong-jsonrpc-version"]);
    let response = fx.initialize_with("2025-06-18", json!({}));
    assert_eq!(response["jsonrpc"], json!("1.0"));
    fx.send(INITIALIZED);
    assert_eq!(fx.json()["jsonrpc"], json!("2.0"), "notifications stay 2.0");
    assert_eq!(fx.request(json!(1), "ping", None)["jsonrpc"], json!("1.0"));
}

#[test]
fn stringify_ids() {
    let mut fx = Fixture::spawn(&["stringify-ids"]);
    assert_eq!(fx.request(json!(0), "ping", None)["id"], json!("0"));
    assert_eq!(fx.request(json!(-7), "ping", None)["id"], json!("-7"));
    assert_eq!(fx.request(json!("s"), "ping", None)["id"], json!("s"));
}

#[test]
fn coerce_string_ids() {
    let mut fx = Fixture::spawn(&["coerce-string-ids"]);
    assert_eq!(fx.request(json!("1"), "ping", None)["id"], json!(1));
    assert_eq!(fx.request(json!("-42"), "ping", None)["id"], json!(-42));
    assert_eq!(fx.request(json!(""), "ping", None)["id"], Value::Null);
    assert_eq!(fx.request(json!("1a"), "ping", None)["id"], json!("1a"));
    assert_eq!(fx.request(json!(5), "ping", None)["id"], json!(5));
}

#[test]
fn ascii_only_ids() {
    let mut fx = Fixture::spawn(&["ascii-only-ids"]);
    assert_eq!(
        fx.request(json!("ключ🔑-1"), "ping", None)["id"],
        json!("?????-1")
    );
    assert_eq!(
        fx.request(json!("plain"), "ping", None)["id"],
        json!("plain")
    );
}

#[test]
fn truncate_long_ids() {
    let mut fx = Fixture::spawn(&["truncate-long-ids"]);
    let long = "x".repeat(1024);
    assert_eq!(
        fx.request(json!(long), "ping", None)["id"],
        json!("x".repeat(255))
    );
    let exact = "y".repeat(255);
    assert_eq!(fx.request(json!(exact), "ping", None)["id"], json!(exact));
}

#[test]
fn result_and_error() {
    let mut fx = initialized(&["result-and-error"]);
    let response = fx.request(json!(1), "no/such-method", None);
    assert_eq!(response["error"]["code"], json!(-32601));
    assert_eq!(response["result"], json!({}));
}

#[test]
fn empty_result_as_null() {
    let mut fx = Fixture::spawn(&["empty-result-as-null"]);
    let response = fx.request(json!(1), "ping", None);
    assert_eq!(response.get("result"), Some(&Value::Null), "{response}");
    // Non-empty results are untouched.
    let init = fx.initialize_with("2025-06-18", json!({}));
    assert!(init["result"].is_object());
}

#[test]
fn error_code_as_string() {
    let mut fx = initialized(&["error-code-as-string"]);
    let response = fx.request(json!(1), "no/such-method", None);
    assert_eq!(response["error"]["code"], json!("-32601"));
}

#[test]
fn error_message_multiline() {
    let mut fx = initialized(&["error-message-multiline"]);
    let response = fx.request(json!(1), "no/such-method", None);
    let message = response["error"]["message"]
        .as_str()
        .expect("string message");
    assert!(message.len() >= 300, "{} chars", message.len());
    assert!(message.contains('\n'));
    assert_eq!(response["error"]["code"], json!(-32601));
}

#[test]
fn duplicate_responses() {
    let mut fx = Fixture::spawn(&["duplicate-responses"]);
    fx.send(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
    let first = fx.line();
    let second = fx.line();
    assert_eq!(first, b"{\"id\":1,\"jsonrpc\":\"2.0\",\"result\":{}}\n");
    assert_eq!(first, second);
}

#[test]
fn pretty_print_responses() {
    let mut fx = Fixture::spawn(&["pretty-print-responses"]);
    fx.send(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
    let mut lines = Vec::new();
    loop {
        let line = String::from_utf8(fx.line()).expect("UTF-8");
        let done = line == "}\n";
        lines.push(line);
        if done {
            break;
        }
        assert!(lines.len() < 20, "no closing brace: {lines:?}");
    }
    assert!(lines.len() > 1, "response fits on one line: {lines:?}");
    assert_eq!(lines[0], "{\n");
    let joined: String = lines.concat();
    let parsed: Value = serde_json::from_str(&joined).expect("pretty JSON parses");
    assert_eq!(parsed, json!({"jsonrpc":"2.0","id":1,"result":{}}));
}

#[test]
fn crlf_line_endings() {
    let mut fx = Fixture::spawn(&["crlf-line-endings"]);
    fx.send(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
    assert_eq!(
        fx.line(),
        b"{\"id\":1,\"jsonrpc\":\"2.0\",\"result\":{}}\r\n"
    );
}

#[test]
fn latin1_output() {
    let mut fx = Fixture::spawn(&["latin1-output"]);
    fx.send_json(&json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": { "name": "c", "version": "1" }
        }
    }));
    let line = fx.line();
    assert!(std::str::from_utf8(&line).is_err(), "line is valid UTF-8");
    let needle = b"\"mcpspec fixtur\xE9\"";
    assert!(line.windows(needle.len()).any(|w| w == needle));
    // Other messages stay UTF-8.
    fx.send(r#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#);
    assert_eq!(fx.json()["id"], json!(2));
}

#[test]
fn stdout_log_noise() {
    let mut fx = Fixture::spawn(&["stdout-log-noise"]);
    assert_eq!(fx.line(), b"fixture server ready\n");
    fx.assert_next_is_ping_reply();
}

// ---- envelope and error handling -----------------------------------------------------------

#[test]
fn respond_to_notifications() {
    let mut fx = Fixture::spawn(&["respond-to-notifications"]);
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/x-unknown","params":{"a":1}}"#);
    assert_eq!(fx.json(), json!({"jsonrpc":"2.0","id":null,"result":{}}));
}

#[test]
fn unknown_method_wrong_code() {
    let mut fx = initialized(&["unknown-method-wrong-code"]);
    assert_eq!(fx.error_code(json!(1), "no/such-method", None), -32603);
    // Known methods are unaffected.
    assert!(fx.result(json!(2), "tools/list", None)["tools"].is_array());
}

#[test]
fn crash_on_parse_error() {
    let mut fx = Fixture::spawn(&["crash-on-parse-error"]);
    fx.assert_next_is_ping_reply();
    fx.send(r#"{"jsonrpc":"2.0","id":1,"method":"ping""#);
    fx.assert_crashed();
}

#[test]
fn parse_error_silent() {
    let mut fx = Fixture::spawn(&["parse-error-silent"]);
    fx.send(r#"{"jsonrpc":"2.0","id":1,"method":"ping""#);
    fx.assert_next_is_ping_reply();
}

#[test]
fn lenient_envelope() {
    let mut fx = Fixture::spawn(&["lenient-envelope"]);
    fx.send(r#"{"id":1,"method":"ping"}"#);
    assert_eq!(fx.json(), json!({"jsonrpc":"2.0","id":1,"result":{}}));
    fx.send(r#"{"jsonrpc":"1.0","id":2,"method":"ping"}"#);
    assert_eq!(fx.json(), json!({"jsonrpc":"2.0","id":2,"result":{}}));
}

#[test]
fn crash_on_invalid_request() {
    for line in [
        r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":5}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[]}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":7}"#,
        r#"{"id":1,"method":"ping"}"#,
    ] {
        let mut fx = Fixture::spawn(&["crash-on-invalid-request"]);
        fx.send(line);
        fx.assert_crashed();
    }
}

#[test]
fn null_id_executed() {
    let mut fx = Fixture::spawn(&["null-id-executed"]);
    fx.send(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#);
    assert_eq!(fx.json(), json!({"jsonrpc":"2.0","id":null,"result":{}}));
}

#[test]
fn accept_positional_params() {
    let mut fx = initialized(&["accept-positional-params"]);
    fx.send(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[]}"#);
    let response = fx.json();
    assert_eq!(response["id"], json!(1));
    assert!(response["result"]["tools"].is_array(), "{response}");
}

#[test]
fn crash_on_batch() {
    let mut fx = Fixture::spawn(&["crash-on-batch"]);
    fx.send(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#);
    fx.assert_crashed();
}

#[test]
fn crash_on_blank_line() {
    let mut fx = Fixture::spawn(&["crash-on-blank-line"]);
    fx.assert_next_is_ping_reply();
    fx.send(" \t");
    fx.assert_crashed();
}

#[test]
fn parse_each_read() {
    let mut fx = Fixture::spawn(&["parse-each-read"]);
    // A lone message in one write is still understood.
    fx.assert_next_is_ping_reply();
    // Two messages in one write are read as one unparseable message.
    fx.send_raw(
        b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\n{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}\n",
    );
    let response = fx.json();
    assert_eq!(response["error"]["code"], json!(-32700));
    assert_eq!(response["id"], Value::Null);
    fx.assert_next_is_ping_reply();
    // A message split over two writes gives two parse errors.
    fx.send_raw(b"{\"jsonrpc\":\"2.0\",");
    assert_eq!(fx.json()["error"]["code"], json!(-32700));
    fx.send_raw(b"\"id\":4,\"method\":\"ping\"}\n");
    assert_eq!(fx.json()["error"]["code"], json!(-32700));
}

#[test]
fn crash_on_reused_id() {
    let mut fx = initialized(&["crash-on-reused-id"]);
    // Reusing the id of a request that has been answered is fine.
    fx.tool(json!("x"), "echo", json!({"text":"a"}));
    assert_eq!(fx.result(json!("x"), "ping", None), json!({}));
    fx.send(r#"{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"slow","arguments":{"ms":600,"steps":2}}}"#);
    for _ in 0..3 {
        assert_eq!(fx.json()["method"], json!("notifications/message"));
    }
    fx.send(r#"{"jsonrpc":"2.0","id":"x","method":"ping"}"#);
    fx.assert_crashed();
}

#[test]
fn reply_to_stray_response() {
    let mut fx = Fixture::spawn(&["reply-to-stray-response"]);
    fx.handshake_with(json!({"roots": {"listChanged": true}}));
    // Answers to the server's own requests are taken quietly, even twice.
    let fetch = fx.json();
    assert_eq!(fetch["method"], json!("roots/list"), "{fetch}");
    let answer = json!({"jsonrpc":"2.0","id":fetch["id"].clone(),"result":{"roots":[]}});
    fx.send_json(&answer);
    fx.send_json(&answer);
    fx.assert_next_is_ping_reply();
    fx.send(r#"{"jsonrpc":"2.0","id":"nobody-asked","result":{}}"#);
    assert_eq!(
        fx.json(),
        json!({"jsonrpc":"2.0","id":"nobody-asked","error":{"code":-32600,"message":"unexpected response"}})
    );
    fx.send(r#"{"jsonrpc":"2.0","id":7,"error":{"code":-1,"message":"no"}}"#);
    let reply = fx.json();
    assert_eq!(reply["id"], json!(7));
    assert_eq!(reply["error"]["code"], json!(-32600));
}

// ---- initialize ----------------------------------------------------------------------------

#[test]
fn reject_unknown_meta() {
    let mut fx = Fixture::spawn(&["reject-unknown-meta"]);
    let meta = json!({ "_meta": { "example.com/trace": "x" } });
    assert_eq!(fx.error_code(json!(1), "ping", Some(meta)), -32602);
    let token = json!({ "_meta": { "progressToken": "p" } });
    assert_eq!(fx.result(json!(2), "ping", Some(token)), json!({}));
}

#[test]
fn ping_rejects_params() {
    let mut fx = Fixture::spawn(&["ping-rejects-params"]);
    let meta = json!({ "_meta": { "progressToken": "p" } });
    assert_eq!(fx.error_code(json!(1), "ping", Some(meta)), -32602);
    assert_eq!(fx.result(json!(2), "ping", None), json!({}));
}

#[test]
fn bad_meta_key() {
    let mut fx = Fixture::spawn(&["bad-meta-key"]);
    let response = fx.initialize_with("2025-06-18", json!({}));
    assert_eq!(response["result"]["_meta"], json!({"bad key!": 1}));
}

#[test]
fn initialize_missing_server_info() {
    let mut fx = Fixture::spawn(&["initialize-missing-server-info"]);
    let response = fx.initialize_with("2025-06-18", json!({}));
    assert!(response["result"].is_object());
    assert!(response["result"].get("serverInfo").is_none(), "{response}");
}

#[test]
fn echo_wrong_protocol_version() {
    let mut fx = Fixture::spawn(&["echo-wrong-protocol-version"]);
    let response = fx.initialize_with("2025-06-18", json!({}));
    assert_eq!(response["result"]["protocolVersion"], json!("2025-03-26"));
    let mut fx = Fixture::spawn(&["echo-wrong-protocol-version"]);
    let response = fx.initialize_with("2024-11-05", json!({}));
    assert_eq!(response["result"]["protocolVersion"], json!("2024-11-05"));
}

#[test]
fn echo_any_protocol_version() {
    for version in ["1999-01-01", "not-a-version"] {
        let mut fx = Fixture::spawn(&["echo-any-protocol-version"]);
        let response = fx.initialize_with(version, json!({}));
        assert_eq!(response["result"]["protocolVersion"], json!(version));
    }
}

#[test]
fn offer_oldest_version() {
    let mut fx = Fixture::spawn(&["offer-oldest-version"]);
    let response = fx.initialize_with("1999-01-01", json!({}));
    assert_eq!(response["result"]["protocolVersion"], json!("2024-11-05"));
    let mut fx = Fixture::spawn(&["offer-oldest-version"]);
    let response = fx.initialize_with("2025-06-18", json!({}));
    assert_eq!(response["result"]["protocolVersion"], json!("2025-06-18"));
}

#[test]
fn reject_unknown_capabilities() {
    let mut fx = Fixture::spawn(&["reject-unknown-capabilities"]);
    let response = fx.initialize_with("2025-06-18", json!({"x-future": {"a": 1}}));
    assert_eq!(response["error"]["code"], json!(-32602));
    let response = fx.initialize_with("2025-06-18", json!({"roots": {}, "sampling": {}}));
    assert!(response["result"].is_object(), "{response}");
}

#[test]
fn accept_incomplete_initialize() {
    let mut fx = Fixture::spawn(&["accept-incomplete-initialize"]);
    let result = fx.result(json!(1), "initialize", Some(json!({})));
    assert_eq!(result["protocolVersion"], json!("2025-06-18"));
}

#[test]
fn ping_requires_initialize() {
    let mut fx = Fixture::spawn(&["ping-requires-initialize"]);
    assert_eq!(fx.error_code(json!(1), "ping", None), -32600);
    fx.handshake();
    assert_eq!(fx.result(json!(2), "ping", None), json!({}));
}

#[test]
fn crash_before_initialize() {
    let mut fx = Fixture::spawn(&["crash-before-initialize"]);
    assert_eq!(fx.result(json!(1), "ping", None), json!({}));
    fx.send(r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#);
    fx.assert_crashed();
}

#[test]
fn crash_on_second_initialize() {
    let mut fx = Fixture::spawn(&["crash-on-second-initialize"]);
    fx.handshake();
    fx.send_json(&json!({
        "jsonrpc": "2.0",
        "id": 9,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": { "name": "c", "version": "1" }
        }
    }));
    fx.assert_crashed();
}

// ---- server-initiated messages -------------------------------------------------------------

#[test]
fn request_before_initialized() {
    let mut fx = Fixture::spawn(&["request-before-initialized"]);
    let response = fx.initialize_with("2025-06-18", json!({"roots": {"listChanged": true}}));
    assert!(response["result"].is_object());
    let request = fx.json();
    assert_eq!(
        request,
        json!({"jsonrpc":"2.0","id":"srv-1","method":"roots/list"})
    );
    fx.send(r#"{"jsonrpc":"2.0","id":"srv-1","result":{"roots":[]}}"#);
    fx.assert_next_is_ping_reply();

    // Without the roots capability nothing is sent.
    let mut fx = Fixture::spawn(&["request-before-initialized"]);
    fx.initialize_with("2025-06-18", json!({}));
    fx.assert_next_is_ping_reply();
}

#[test]
fn sampling_without_capability() {
    let mut fx = Fixture::spawn(&["sampling-without-capability"]);
    fx.handshake();
    let request = fx.json();
    assert_eq!(request["id"], json!("srv-s1"));
    assert_eq!(request["method"], json!("sampling/createMessage"));
    assert!(request["params"]["messages"].is_array());
    assert!(request["params"]["maxTokens"].is_i64());
    fx.send(r#"{"jsonrpc":"2.0","id":"srv-s1","result":{"role":"assistant","content":{"type":"text","text":"hi"},"model":"m"}}"#);
    fx.assert_next_is_ping_reply();
}

#[test]
fn reuse_server_request_ids() {
    let mut fx = Fixture::spawn(&["reuse-server-request-ids"]);
    fx.handshake();
    let expected = json!({"jsonrpc":"2.0","id":"srv-dup","method":"ping"});
    assert_eq!(fx.json(), expected);
    assert_eq!(fx.json(), expected);
    fx.send(r#"{"jsonrpc":"2.0","id":"srv-dup","result":{}}"#);
    fx.send(r#"{"jsonrpc":"2.0","id":"srv-dup","result":{}}"#);
    fx.assert_next_is_ping_reply();
}

#[test]
fn undeclared_log_notification() {
    let mut fx = Fixture::spawn(&["undeclared-log-notification"]);
    let response = fx.initialize_with("2025-06-18", json!({}));
    let caps = &response["result"]["capabilities"];
    assert!(caps.get("logging").is_none(), "{caps}");
    assert!(caps.get("tools").is_some());
    fx.send(INITIALIZED);
    let ready = fx.json();
    assert_eq!(ready["method"], json!("notifications/message"));
    assert_eq!(ready["params"]["data"], json!("ready"));
}

#[test]
fn notification_with_id() {
    let mut fx = Fixture::spawn(&["notification-with-id"]);
    fx.initialize_with("2025-06-18", json!({}));
    fx.send(INITIALIZED);
    let ready = fx.json();
    assert_eq!(ready["method"], json!("notifications/message"));
    assert_eq!(ready["id"], json!(99));
}

// ---- features and timing -------------------------------------------------------------------

#[test]
fn tools_list_invalid_schema() {
    let mut fx = initialized(&["tools-list-invalid-schema"]);
    let list = fx.result(json!(1), "tools/list", None);
    let tools = list["tools"].as_array().expect("tools");
    assert!(
        tools
            .iter()
            .any(|t| t["inputSchema"] == json!({"type":"string"})),
        "{list}"
    );
}

#[test]
fn ping_result_not_empty() {
    let mut fx = Fixture::spawn(&["ping-result-not-empty"]);
    assert_eq!(fx.result(json!(1), "ping", None), json!({"pong": true}));
}

#[test]
fn slow_ping() {
    let mut fx = Fixture::spawn(&["slow-ping"]);
    let start = Instant::now();
    assert_eq!(fx.result(json!(1), "ping", None), json!({}));
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(2900),
        "answered after {took:?}"
    );
    assert!(took < DEADLINE);
}

#[test]
fn ping_waits_for_calls() {
    let mut fx = initialized(&["ping-waits-for-calls"]);
    // With nothing running, ping is answered at once.
    fx.assert_next_is_ping_reply();
    let start = Instant::now();
    fx.send(r#"{"jsonrpc":"2.0","id":"long","method":"tools/call","params":{"name":"slow","arguments":{"ms":600,"steps":2}}}"#);
    let (ping, before) = fx.call(json!("p"), "ping", None);
    assert_eq!(ping["result"], json!({}));
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(550),
        "answered after {took:?}"
    );
    let slow_answer = before
        .iter()
        .find(|m| m.get("id") == Some(&json!("long")))
        .unwrap_or_else(|| panic!("the slow call did not finish first: {before:?}"));
    assert!(slow_answer["result"].is_object(), "{slow_answer}");
}

#[test]
fn ignore_stdin_close() {
    let mut fx = Fixture::spawn(&["ignore-stdin-close"]);
    fx.assert_next_is_ping_reply();
    fx.close_stdin();
    // A clean server is gone well within this time (see clean.rs).
    assert!(
        fx.wait_exit(Duration::from_millis(1500)).is_none(),
        "server exited"
    );
    assert!(fx.is_running());
}
