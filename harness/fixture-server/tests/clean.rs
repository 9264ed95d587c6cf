//! End-to-end tests of the clean fixture server (no bug knobs): the handshake, the envelope rules,
//! every feature method, stdin framing and shutdown. They are not tests of the knobs.

mod common;

use std::thread;
use std::time::Duration;

use common::{Fixture, run_cli};
use serde_json::{Value, json};

#[test]
fn handshake_result_and_ready_message() {
    let mut fx = Fixture::spawn(&[]);
    let response = fx.initialize_with("2025-06-18", json!({}));
    assert_eq!(
        response,
        json!({
            "jsonrpc": "2.0",
            "id": 0,
            "result": {
                "protocolVersion": "2025-06-18",
                "capabilities": {
                    "tools": { "listChanged": false },
                    "resources": { "subscribe": true, "listChanged": false },
                    "prompts": { "listChanged": false },
                    "logging": {},
                    "completions": {}
                },
                "serverInfo": {
                    "name": "mcpspec-fixture-server",
                    "title": "mcpspec fixture",
                    "version": "0.1.0"
                }
            }
        })
    );
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    assert_eq!(
        fx.json(),
        json!({
            "jsonrpc": "2.0",
            "method": "notifications/message",
            "params": { "level": "info", "logger": "fixture", "data": "ready" }
        })
    );
    fx.assert_next_is_ping_reply();
}

#[test]
fn lifecycle_gates_requests() {
    let mut fx = Fixture::spawn(&[]);
    assert_eq!(fx.result(json!(1), "ping", None), json!({}));
    let before = fx.request(json!(2), "tools/list", None);
    assert_eq!(before["error"]["code"], json!(-32600));
    assert_eq!(before["error"]["message"], json!("server not initialized"));
    assert_eq!(fx.error_code(json!(3), "no/such-method", None), -32600);
    let first = fx.initialize_with("2025-06-18", json!({}));
    assert!(first.get("result").is_some(), "{first}");
    let second = fx.initialize_with("2025-06-18", json!({}));
    assert_eq!(second["error"]["code"], json!(-32600));
    assert_eq!(second["error"]["message"], json!("already initialized"));
    // Requests between initialize and notifications/initialized are served.
    assert!(fx.result(json!(4), "tools/list", None)["tools"].is_array());
}

#[test]
fn version_negotiation() {
    let cases = [
        ("2025-06-18", "2025-06-18"),
        ("2025-03-26", "2025-03-26"),
        ("2024-11-05", "2024-11-05"),
        ("1999-01-01", "2025-06-18"),
        ("2099-12-31", "2025-06-18"),
        ("not-a-version", "2025-06-18"),
    ];
    for (requested, answered) in cases {
        let mut fx = Fixture::spawn(&[]);
        let response = fx.initialize_with(requested, json!({}));
        assert_eq!(
            response["result"]["protocolVersion"],
            json!(answered),
            "requested {requested}"
        );
    }
}

#[test]
fn incomplete_initialize_is_invalid_params() {
    let mut fx = Fixture::spawn(&[]);
    let client = json!({ "name": "c", "version": "1" });
    let bad = [
        None,
        Some(json!({})),
        Some(json!({ "capabilities": {}, "clientInfo": client })),
        Some(json!({ "protocolVersion": 20250618, "capabilities": {}, "clientInfo": client })),
        Some(json!({ "protocolVersion": "2025-06-18", "clientInfo": client })),
        Some(json!({ "protocolVersion": "2025-06-18", "capabilities": [], "clientInfo": client })),
        Some(json!({ "protocolVersion": "2025-06-18", "capabilities": {} })),
        Some(
            json!({ "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": { "name": "c" } }),
        ),
        Some(
            json!({ "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": { "name": 1, "version": "1" } }),
        ),
    ];
    for (n, params) in bad.into_iter().enumerate() {
        let code = fx.error_code(json!(n), "initialize", params.clone());
        assert_eq!(code, -32602, "params {params:?}");
    }
    // None of the failures initialized the session.
    let ok = fx.initialize_with("2025-06-18", json!({}));
    assert!(ok.get("result").is_some(), "{ok}");
}

#[test]
fn open_capability_sets_and_extra_fields_are_accepted() {
    let mut fx = Fixture::spawn(&[]);
    let result = fx.result(
        json!("init"),
        "initialize",
        Some(json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {
                "experimental": { "x-probe": {} },
                "x-future": { "a": 1 },
                "roots": { "listChanged": false },
                "sampling": {},
                "elicitation": {}
            },
            "clientInfo": { "name": "c", "title": "Client", "version": "1" },
            "_meta": { "example.com/trace": "x" }
        })),
    );
    assert_eq!(result["protocolVersion"], json!("2025-06-18"));
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    assert_eq!(fx.json()["method"], json!("notifications/message"));
    // No server-initiated requests follow, whatever the client declared.
    fx.assert_next_is_ping_reply();
}

#[test]
fn ids_are_echoed_with_type_and_value() {
    let mut fx = Fixture::spawn(&[]);
    let ids = [
        json!(0),
        json!(-1),
        json!(9007199254740991_i64),
        json!(i64::MIN),
        json!(u64::MAX),
        json!("1"),
        json!(1),
        json!(""),
        json!("ключ🔑"),
        json!("x".repeat(1024)),
        json!("tab\tquote\"back\\slash"),
    ];
    for id in ids {
        let response = fx.request(id.clone(), "ping", None);
        assert_eq!(response, json!({"jsonrpc":"2.0","id":id,"result":{}}));
    }
}

#[test]
fn ping_accepts_meta_only_params() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake();
    let params = json!({ "_meta": { "progressToken": "p" } });
    assert_eq!(fx.result(json!(1), "ping", Some(params)), json!({}));
    assert_eq!(fx.result(json!(2), "ping", Some(json!({}))), json!({}));
}

#[test]
fn envelope_errors() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake();
    let cases: [(&str, i64, Value); 11] = [
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"ping""#,
            -32700,
            Value::Null,
        ),
        ("not json at all", -32700, Value::Null),
        (r#"{"id":5,"method":"ping"}"#, -32600, json!(5)),
        (
            r#"{"jsonrpc":"1.0","id":"v","method":"ping"}"#,
            -32600,
            json!("v"),
        ),
        (r#"{"jsonrpc":"2.0","id":6,"method":7}"#, -32600, json!(6)),
        (
            r#"{"jsonrpc":"2.0","id":7,"method":"ping","params":"x"}"#,
            -32600,
            json!(7),
        ),
        (
            r#"{"jsonrpc":"2.0","id":8,"method":"tools/list","params":[]}"#,
            -32602,
            json!(8),
        ),
        (
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            -32600,
            Value::Null,
        ),
        (
            r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
            -32600,
            Value::Null,
        ),
        (
            r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#,
            -32600,
            Value::Null,
        ),
        ("42", -32600, Value::Null),
    ];
    for (line, code, id) in cases {
        fx.send(line);
        let response = fx.json();
        assert_eq!(response["jsonrpc"], json!("2.0"), "for {line}");
        assert_eq!(response["error"]["code"], json!(code), "for {line}");
        assert_eq!(response["id"], id, "for {line}");
        assert!(response.get("result").is_none(), "for {line}");
        fx.assert_next_is_ping_reply();
    }
}

#[test]
fn invalid_utf8_is_a_parse_error() {
    let mut fx = Fixture::spawn(&[]);
    fx.send_raw(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xffng\"}\n");
    let response = fx.json();
    assert_eq!(response["error"]["code"], json!(-32700));
    assert_eq!(response["id"], Value::Null);
    fx.assert_next_is_ping_reply();
}

#[test]
fn batch_gets_one_invalid_request_error() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake();
    fx.send(
        r#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]"#,
    );
    let response = fx.json();
    assert_eq!(response["error"]["code"], json!(-32600));
    assert_eq!(response["id"], Value::Null);
    fx.assert_next_is_ping_reply();
    fx.send("[]");
    assert_eq!(fx.json()["error"]["code"], json!(-32600));
    fx.assert_next_is_ping_reply();
}

#[test]
fn notifications_and_client_responses_get_no_reply() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake();
    for line in [
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/x-conformance-unknown","params":{"a":1}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":42}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":999999999}}"#,
        r#"{"jsonrpc":"2.0","id":"srv-1","result":{"roots":[]}}"#,
        r#"{"jsonrpc":"2.0","id":"srv-2","error":{"code":-1,"message":"declined"}}"#,
    ] {
        fx.send(line);
    }
    fx.assert_next_is_ping_reply();
}

#[test]
fn unknown_method_is_method_not_found() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake();
    let code = fx.error_code(json!(7), "mcp-conformance/does-not-exist", None);
    assert_eq!(code, -32601);
    // A client-side method is not served by the server.
    assert_eq!(
        fx.error_code(
            json!(8),
            "sampling/createMessage",
            Some(json!({"messages":[],"maxTokens":1}))
        ),
        -32601
    );
}

#[test]
fn tools() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake();
    let tools = fx.list_all("tools/list", "tools");
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(
        names,
        vec![
            "echo",
            "add",
            "slow",
            "mixed_content",
            "fail",
            "sample",
            "elicit",
            "roots",
            "write_note"
        ]
    );
    assert_eq!(
        tools[0]["inputSchema"],
        json!({"type":"object","properties":{"text":{"type":"string","description":"Text to return"}},"required":["text"]})
    );
    assert_eq!(tools[0]["annotations"], json!({"readOnlyHint": true}));
    assert_eq!(tools[1]["inputSchema"]["required"], json!(["a", "b"]));
    assert_eq!(
        tools[1]["outputSchema"],
        json!({"type":"object","properties":{"sum":{"type":"number"}},"required":["sum"]})
    );
    for tool in &tools {
        assert_eq!(tool["inputSchema"]["type"], json!("object"), "{tool}");
        let read_only = tool["name"] != json!("write_note");
        assert_eq!(
            tool["annotations"]["readOnlyHint"],
            json!(read_only),
            "{tool}"
        );
    }
    assert_eq!(tools[8]["annotations"]["destructiveHint"], json!(true));

    let echo = fx.tool(json!(2), "echo", json!({"text":"ключ🔑 {{7*7}}"}));
    assert_eq!(
        echo,
        json!({"content":[{"type":"text","text":"ключ🔑 {{7*7}}"}]})
    );

    let add = fx.call_result(
        json!(3),
        "tools/call",
        Some(json!({"name":"add","arguments":{"a":2,"b":3.5},"_meta":{"progressToken":9001}})),
    );
    assert_eq!(add["structuredContent"], json!({"sum": 5.5}));
    let text = add["content"][0]["text"].as_str().expect("text block");
    let parsed: Value = serde_json::from_str(text).expect("text block holds JSON");
    assert_eq!(parsed, add["structuredContent"]);
    assert!(add.get("isError").is_none());

    let unknown = fx.call_error(json!(4), "tools/call", Some(json!({"name":"no-such-tool"})));
    assert_eq!(unknown, -32602);
    assert_eq!(
        fx.call_error(json!(5), "tools/call", Some(json!({}))),
        -32602
    );
    assert_eq!(fx.call_error(json!(6), "tools/call", None), -32602);

    for arguments in [json!({}), json!({"a":"1","b":2}), json!([1, 2])] {
        let r = fx.tool(json!(7), "add", arguments.clone());
        assert_eq!(r["isError"], json!(true), "{arguments}");
        assert!(r["content"].is_array());
    }
    let cursor = fx.error_code(
        json!(8),
        "tools/list",
        Some(json!({"cursor":"mcp-conformance-invalid-cursor-%%"})),
    );
    assert_eq!(cursor, -32602);
    assert!(fx.result(json!(9), "tools/list", Some(json!({})))["tools"].is_array());
}

#[test]
fn resources() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake();
    let list = fx.list_all("resources/list", "resources");
    assert_eq!(
        list[0],
        json!({"uri":"fixture://greeting","name":"greeting","title":"Greeting","mimeType":"text/plain","size":5})
    );
    let uris: Vec<&Value> = list.iter().map(|r| &r["uri"]).collect();
    assert_eq!(
        uris,
        vec!["fixture://greeting", "fixture://logo", "fixture://clock"]
    );
    let read = fx.result(
        json!(2),
        "resources/read",
        Some(json!({"uri":"fixture://greeting"})),
    );
    assert_eq!(
        read,
        json!({"contents":[{"uri":"fixture://greeting","mimeType":"text/plain","text":"hello"}]})
    );
    let missing = fx.request(
        json!(3),
        "resources/read",
        Some(json!({"uri":"mcpconf://nonexistent/x"})),
    );
    assert_eq!(missing["error"]["code"], json!(-32002));
    assert_eq!(
        missing["error"]["data"]["uri"],
        json!("mcpconf://nonexistent/x")
    );
    assert_eq!(
        fx.error_code(json!(4), "resources/read", Some(json!({"uri":123}))),
        -32602
    );
    assert_eq!(
        fx.error_code(json!(5), "resources/read", Some(json!({}))),
        -32602
    );
    let templates = fx.result(json!(6), "resources/templates/list", None);
    assert_eq!(
        templates["resourceTemplates"][0]["uriTemplate"],
        json!("fixture://items/{id}")
    );
    assert_eq!(
        templates["resourceTemplates"].as_array().map(Vec::len),
        Some(1)
    );
    assert!(templates.get("nextCursor").is_none());
}

#[test]
fn prompts() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake();
    let list = fx.list_all("prompts/list", "prompts");
    let names: Vec<&Value> = list.iter().map(|p| &p["name"]).collect();
    assert_eq!(
        names,
        vec!["greet", "summarize", "code_review", "embedded_resource"]
    );
    assert_eq!(list[0]["arguments"][0]["name"], json!("name"));
    assert_eq!(list[0]["arguments"][0]["required"], json!(true));
    let got = fx.result(
        json!(2),
        "prompts/get",
        Some(json!({"name":"greet","arguments":{"name":"Ada"}})),
    );
    let messages = got["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["role"], json!("user"));
    assert_eq!(messages[0]["content"]["type"], json!("text"));
    assert!(
        messages[0]["content"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Ada"))
    );
    for params in [
        json!({"name":"nope","arguments":{"name":"Ada"}}),
        json!({"name":"greet"}),
        json!({"name":"greet","arguments":{"name":7}}),
        json!({"name":5}),
    ] {
        assert_eq!(
            fx.error_code(json!(3), "prompts/get", Some(params.clone())),
            -32602,
            "{params}"
        );
    }
}

#[test]
fn logging_set_level() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake();
    for level in [
        "debug",
        "info",
        "notice",
        "warning",
        "error",
        "critical",
        "alert",
        "emergency",
    ] {
        let result = fx.result(
            json!(level),
            "logging/setLevel",
            Some(json!({"level": level})),
        );
        assert_eq!(result, json!({}));
    }
    for level in [
        json!("verbose"),
        json!("DEBUG"),
        json!(""),
        json!(3),
        Value::Null,
    ] {
        let code = fx.error_code(json!(1), "logging/setLevel", Some(json!({"level": level})));
        assert_eq!(code, -32602, "{level}");
    }
}

#[test]
fn completion() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake();
    let prompt_ref = json!({"type":"ref/prompt","name":"greet"});
    let all = fx.result(
        json!(1),
        "completion/complete",
        Some(json!({"ref":prompt_ref,"argument":{"name":"name","value":""}})),
    );
    let values = all["completion"]["values"].as_array().expect("values");
    assert!(!values.is_empty() && values.len() <= 100);
    assert_eq!(all["completion"]["total"], json!(values.len()));
    assert_eq!(all["completion"]["hasMore"], json!(false));
    let some = fx.result(
        json!(2),
        "completion/complete",
        Some(json!({"ref":prompt_ref,"argument":{"name":"name","value":"a"},"context":{"arguments":{}}})),
    );
    assert_eq!(
        some,
        json!({"completion":{"values":["alice"],"total":1,"hasMore":false}})
    );
    let item = fx.result(
        json!(3),
        "completion/complete",
        Some(json!({"ref":{"type":"ref/resource","uri":"fixture://items/{id}"},"argument":{"name":"id","value":"4"}})),
    );
    assert_eq!(item["completion"]["values"], json!(["42"]));
    for params in [
        json!({"ref":{"type":"ref/prompt","name":"mcp-conformance-no-such-prompt"},"argument":{"name":"name","value":""}}),
        json!({"ref":prompt_ref}),
        json!({"argument":{"name":"name","value":""}}),
        json!({"ref":prompt_ref,"argument":{"name":"name"}}),
    ] {
        assert_eq!(
            fx.error_code(json!(4), "completion/complete", Some(params.clone())),
            -32602,
            "{params}"
        );
    }
}

#[test]
fn framing_crlf_blank_lines_and_split_writes() {
    let mut fx = Fixture::spawn(&[]);
    fx.send_raw(b"\n  \t \r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n");
    assert_eq!(fx.json(), json!({"jsonrpc":"2.0","id":1,"result":{}}));
    // Two messages in one write.
    fx.send_raw(b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\n{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}\n");
    assert_eq!(fx.json()["id"], json!(2));
    assert_eq!(fx.json()["id"], json!(3));
    // One message a byte at a time.
    for byte in b"{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}\n" {
        fx.send_raw(&[*byte]);
        thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(fx.json(), json!({"jsonrpc":"2.0","id":4,"result":{}}));
}

#[test]
fn stdin_eof_exits_zero_promptly() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake();
    fx.close_stdin();
    let status = fx
        .wait_exit(Duration::from_secs(5))
        .expect("exits after EOF");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn cli_list_help_and_errors() {
    let (status, out, _) = run_cli(&["--list-bugs"]);
    assert!(status.success());
    let names: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names.len(), 157);
    assert!(names.contains(&"latin1-output") && names.contains(&"slow-ping"));
    assert!(
        out.lines().all(|l| l.split_whitespace().count() > 1),
        "each line has a doc"
    );

    let (status, out, _) = run_cli(&["--help"]);
    assert!(status.success());
    assert!(out.contains("--bug NAME"));

    let (status, out, err) = run_cli(&["--bug", "no-such-knob"]);
    assert_eq!(status.code(), Some(2));
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no-such-knob"));

    let (status, _, err) = run_cli(&["--bogus"]);
    assert_eq!(status.code(), Some(2));
    assert_eq!(err.lines().count(), 1, "{err}");
}
