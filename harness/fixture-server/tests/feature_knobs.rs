//! End-to-end tests that each feature knob (tools, content, resources, prompts, logging,
//! completion, pagination, progress, cancellation, messages between server and client),
//! switched on alone, shows its misbehaviour on the wire. The clean behaviour is tested in
//! `features.rs`.

mod common;

use std::time::Duration;

use common::{DEADLINE, Fixture};
use serde_json::{Value, json};

fn ready(knob: &str) -> Fixture {
    let mut fx = Fixture::spawn(&[knob]);
    fx.handshake();
    fx
}

fn ready_with(knob: &str, capabilities: Value) -> Fixture {
    let mut fx = Fixture::spawn(&[knob]);
    fx.handshake_with(capabilities);
    fx
}

fn text_of(result: &Value) -> &str {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text in {result}"))
}

fn tool_named<'a>(tools: &'a [Value], name: &str) -> &'a Value {
    tools
        .iter()
        .find(|t| t["name"] == json!(name))
        .unwrap_or_else(|| panic!("no tool {name}"))
}

fn is_progress(msg: &Value) -> bool {
    msg["method"] == json!("notifications/progress")
}

/// The pages of list `method`, each as its full result, following at most `limit` cursors.
fn pages(fx: &mut Fixture, method: &str, limit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<Value> = None;
    for n in 0..limit {
        let params = cursor.take().map(|c| json!({ "cursor": c }));
        let page = fx.call_result(json!(format!("page-{n}")), method, params);
        cursor = page.get("nextCursor").cloned();
        out.push(page);
        if cursor.is_none() {
            break;
        }
    }
    out
}

// ---- tools ---------------------------------------------------------------------------------

#[test]
fn tools_duplicate_names() {
    let mut fx = ready("tools-duplicate-names");
    let all = pages(&mut fx, "tools/list", 20);
    let last = all.last().expect("pages");
    assert!(
        last["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .any(|t| t["name"] == json!("echo"))
    );
    let echoes = all
        .iter()
        .flat_map(|p| p["tools"].as_array().cloned().unwrap_or_default())
        .filter(|t| t["name"] == json!("echo"))
        .count();
    assert_eq!(echoes, 2);
}

#[test]
fn tools_bad_output_schema() {
    let mut fx = ready("tools-bad-output-schema");
    let tools = fx.list_all("tools/list", "tools");
    assert_eq!(
        tool_named(&tools, "add")["outputSchema"],
        json!({"type":"array"})
    );
}

#[test]
fn tools_missing_structured_content() {
    let mut fx = ready("tools-missing-structured-content");
    let result = fx.tool(json!(1), "add", json!({"a":1,"b":2}));
    assert!(result.get("structuredContent").is_none(), "{result}");
    assert_eq!(text_of(&result), "{\"sum\":3}");
}

#[test]
fn tools_structured_content_mismatch() {
    let mut fx = ready("tools-structured-content-mismatch");
    let result = fx.tool(json!(1), "add", json!({"a":1,"b":2}));
    assert_eq!(result["structuredContent"], json!({"sum":"three"}));
}

#[test]
fn tools_no_text_fallback() {
    let mut fx = ready("tools-no-text-fallback");
    let result = fx.tool(json!(1), "add", json!({"a":1,"b":2}));
    assert_eq!(result["content"], json!([]));
    assert_eq!(result["structuredContent"], json!({"sum":3}));
}

#[test]
fn tools_unknown_tool_result() {
    let mut fx = ready("tools-unknown-tool-result");
    let (response, _) = fx.call(json!(1), "tools/call", Some(json!({"name":"no-such-tool"})));
    assert!(response.get("error").is_none(), "{response}");
    assert_eq!(response["result"]["isError"], json!(true));
    assert_eq!(response["result"]["content"][0]["type"], json!("text"));
}

#[test]
fn tools_invalid_args_succeed() {
    let mut fx = ready("tools-invalid-args-succeed");
    for arguments in [json!({}), json!({"a":"1","b":2}), json!([1, 2])] {
        let result = fx.tool(json!(1), "add", arguments.clone());
        assert!(result.get("isError").is_none(), "{arguments}: {result}");
        assert_eq!(result["structuredContent"], json!({"sum":0}));
    }
    let echo = fx.tool(json!(2), "echo", json!({"text": 5}));
    assert!(echo.get("isError").is_none(), "{echo}");
}

#[test]
fn tools_crash_on_invalid_args() {
    let mut fx = ready("tools-crash-on-invalid-args");
    assert_eq!(
        text_of(&fx.tool(json!(1), "echo", json!({"text":"ok"}))),
        "ok"
    );
    fx.send(r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":5}}}"#);
    fx.assert_crashed();
}

#[test]
fn tools_call_missing_content() {
    let mut fx = ready("tools-call-missing-content");
    let echo = fx.tool(json!(1), "echo", json!({"text":"x"}));
    assert!(echo.get("content").is_none(), "{echo}");
    let slow = fx.tool(json!(2), "slow", json!({"ms":0}));
    assert!(slow.get("content").is_none(), "{slow}");
}

#[test]
fn tools_require_arguments() {
    let mut fx = ready("tools-require-arguments");
    let code = fx.call_error(
        json!(1),
        "tools/call",
        Some(json!({"name":"mixed_content"})),
    );
    assert_eq!(code, -32602);
    let result = fx.tool(json!(2), "mixed_content", json!({}));
    assert!(result["content"].is_array());
}

#[test]
fn tools_bad_annotations() {
    let mut fx = ready("tools-bad-annotations");
    let tools = fx.list_all("tools/list", "tools");
    assert_eq!(
        tool_named(&tools, "echo")["annotations"]["readOnlyHint"],
        json!("yes")
    );
}

#[test]
fn tools_fail_as_error() {
    let mut fx = ready("tools-fail-as-error");
    assert_eq!(
        fx.call_error(json!(1), "tools/call", Some(json!({"name":"fail"}))),
        -32603
    );
}

#[test]
fn no_tools_capability() {
    let mut fx = Fixture::spawn(&["no-tools-capability"]);
    let response = fx.handshake();
    let caps = &response["result"]["capabilities"];
    assert!(caps.get("tools").is_none(), "{caps}");
    assert!(caps.get("prompts").is_some());
    assert_eq!(fx.list_all("tools/list", "tools").len(), 9);
    let echo = fx.tool(json!(1), "echo", json!({"text":"still served"}));
    assert_eq!(text_of(&echo), "still served");
}

#[test]
fn tools_empty_name() {
    let mut fx = ready("tools-empty-name");
    let tools = fx.list_all("tools/list", "tools");
    assert_eq!(tools.len(), 10);
    let last = tools.last().expect("tools");
    assert_eq!(last["name"], json!(""));
    assert_eq!(last["inputSchema"], json!({"type":"object"}));
    assert_eq!(last["annotations"]["readOnlyHint"], json!(true));
    assert!(last["description"].is_string());
    let code = fx.call_error(
        json!(1),
        "tools/call",
        Some(json!({"name":"","arguments":{}})),
    );
    assert_eq!(code, -32602);
}

#[test]
fn wrong_params_accepted() {
    let mut fx = ready("wrong-params-accepted");
    let tool = fx.call_result(json!(1), "tools/call", Some(json!({"arguments":{}})));
    assert_eq!(
        tool,
        json!({"content":[{"type":"text","text":"no tool name given"}]})
    );
    let read = fx.call_result(json!(2), "resources/read", Some(json!({})));
    assert_eq!(read, json!({"contents":[]}));
    let prompt = fx.call_result(json!(3), "prompts/get", Some(json!({"name":5})));
    assert_eq!(prompt, json!({"messages":[]}));
    // Requests with the params in place are unaffected.
    let code = fx.call_error(json!(4), "tools/call", Some(json!({"name":"no-such-tool"})));
    assert_eq!(code, -32602);
    let code = fx.call_error(json!(5), "resources/read", Some(json!({"uri":"no scheme"})));
    assert_eq!(code, -32602);
}

// ---- content -------------------------------------------------------------------------------

fn mixed(knob: &str) -> Vec<Value> {
    let mut fx = ready(knob);
    let result = fx.tool(json!(1), "mixed_content", json!({}));
    result["content"].as_array().cloned().expect("content")
}

#[test]
fn content_bad_base64() {
    assert_eq!(
        mixed("content-bad-base64")[1]["data"],
        json!("%%not-base64%%")
    );
}

#[test]
fn content_bad_mime() {
    assert_eq!(mixed("content-bad-mime")[1]["mimeType"], json!("png"));
}

#[test]
fn content_unknown_type() {
    let blocks = mixed("content-unknown-type");
    assert!(
        blocks.contains(&json!({"type":"video","data":"AAAA"})),
        "{blocks:?}"
    );
}

#[test]
fn content_bad_annotations() {
    let blocks = mixed("content-bad-annotations");
    assert_eq!(
        blocks[0]["annotations"],
        json!({"audience":["robot"],"priority":2})
    );
}

#[test]
fn content_bad_last_modified() {
    let blocks = mixed("content-bad-last-modified");
    assert_eq!(blocks[0]["annotations"]["lastModified"], json!("yesterday"));
}

#[test]
fn content_text_and_blob() {
    let blocks = mixed("content-text-and-blob");
    let embedded = &blocks[4]["resource"];
    assert!(
        embedded["text"].is_string() && embedded["blob"].is_string(),
        "{embedded}"
    );
}

#[test]
fn content_bad_link_uri() {
    let blocks = mixed("content-bad-link-uri");
    assert_eq!(blocks[3]["type"], json!("resource_link"));
    assert_eq!(blocks[3]["uri"], json!("not a uri"));
    assert_eq!(blocks[4]["resource"]["uri"], json!("fixture://greeting"));
}

// ---- resources -----------------------------------------------------------------------------

#[test]
fn no_resources_capability() {
    let mut fx = Fixture::spawn(&["no-resources-capability"]);
    let response = fx.handshake();
    let caps = &response["result"]["capabilities"];
    assert!(caps.get("resources").is_none(), "{caps}");
    assert!(caps.get("tools").is_some());
    assert_eq!(fx.list_all("resources/list", "resources").len(), 3);
    let blocks = fx.tool(json!(1), "mixed_content", json!({}));
    assert_eq!(blocks["content"][4]["type"], json!("resource"));
}

#[test]
fn resources_missing_name() {
    let mut fx = ready("resources-missing-name");
    let list = fx.list_all("resources/list", "resources");
    assert!(list.iter().any(|r| r.get("name").is_none()), "{list:?}");
}

#[test]
fn resources_duplicate_uri() {
    let mut fx = ready("resources-duplicate-uri");
    let all = pages(&mut fx, "resources/list", 10);
    let pages_with_greeting = all
        .iter()
        .filter(|p| {
            p["resources"]
                .as_array()
                .is_some_and(|rs| rs.iter().any(|r| r["uri"] == json!("fixture://greeting")))
        })
        .count();
    assert_eq!(pages_with_greeting, 2, "{all:?}");
}

#[test]
fn resources_read_missing_uri() {
    let mut fx = ready("resources-read-missing-uri");
    let read = fx.call_result(
        json!(1),
        "resources/read",
        Some(json!({"uri":"fixture://greeting"})),
    );
    assert!(read["contents"][0].get("uri").is_none(), "{read}");
    assert_eq!(read["contents"][0]["text"], json!("hello"));
}

#[test]
fn resources_unknown_uri_wrong_code() {
    let mut fx = ready("resources-unknown-uri-wrong-code");
    let code = fx.call_error(
        json!(1),
        "resources/read",
        Some(json!({"uri":"fixture://nope"})),
    );
    assert_eq!(code, -32603);
}

#[test]
fn resources_unknown_uri_empty() {
    let mut fx = ready("resources-unknown-uri-empty");
    let read = fx.call_result(
        json!(1),
        "resources/read",
        Some(json!({"uri":"fixture://nope"})),
    );
    assert_eq!(read, json!({"contents": []}));
}

#[test]
fn resources_bad_template() {
    let mut fx = ready("resources-bad-template");
    let templates = fx.list_all("resources/templates/list", "resourceTemplates");
    assert_eq!(templates[0]["uriTemplate"], json!("fixture://items/{id"));
}

#[test]
fn resources_subscribe_fails() {
    let mut fx = Fixture::spawn(&["resources-subscribe-fails"]);
    let response = fx.handshake();
    assert_eq!(
        response["result"]["capabilities"]["resources"]["subscribe"],
        json!(true)
    );
    let code = fx.call_error(
        json!(1),
        "resources/subscribe",
        Some(json!({"uri":"fixture://clock"})),
    );
    assert_eq!(code, -32601);
}

#[test]
fn resources_updated_unsubscribed() {
    let mut fx = ready("resources-updated-unsubscribed");
    let update = json!({"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"fixture://greeting"}});
    assert_eq!(fx.json(), update);
    // Again after each resources/list answer, while the greeting is not subscribed.
    fx.call_result(json!(1), "resources/list", None);
    assert_eq!(fx.json(), update);
    let uri = json!({"uri":"fixture://greeting"});
    fx.call_result(json!(2), "resources/subscribe", Some(uri));
    fx.call_result(json!(3), "resources/list", None);
    fx.assert_next_is_ping_reply();
}

#[test]
fn resources_updates_after_unsubscribe() {
    let mut fx = ready("resources-updates-after-unsubscribe");
    let uri = json!({"uri":"fixture://clock"});
    fx.call_result(json!(1), "resources/subscribe", Some(uri.clone()));
    fx.call_result(json!(2), "resources/unsubscribe", Some(uri));
    let late = fx.drain(Duration::from_millis(1000));
    assert!(
        late.iter()
            .any(|m| m["method"] == json!("notifications/resources/updated")),
        "{late:?}"
    );
}

#[test]
fn resources_bad_uri() {
    let mut fx = ready("resources-bad-uri");
    let list = fx.list_all("resources/list", "resources");
    assert!(
        list.iter().any(|r| r["uri"] == json!("not a uri")),
        "{list:?}"
    );
}

#[test]
fn resources_traversal() {
    let mut fx = ready("resources-traversal");
    let read = fx.call_result(
        json!(1),
        "resources/read",
        Some(json!({"uri":"fixture://items/../../etc/passwd"})),
    );
    assert_eq!(
        read["contents"][0]["text"],
        json!("root:x:0:0:root:/root:/bin/sh")
    );
}

#[test]
fn resources_crash_on_bad_uri() {
    let mut fx = ready("resources-crash-on-bad-uri");
    fx.call_result(
        json!(1),
        "resources/read",
        Some(json!({"uri":"fixture://greeting"})),
    );
    fx.send(r#"{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"no scheme"}}"#);
    fx.assert_crashed();
}

#[test]
fn resources_wrong_size() {
    let mut fx = ready("resources-wrong-size");
    let list = fx.list_all("resources/list", "resources");
    assert_eq!(list[0]["uri"], json!("fixture://greeting"));
    assert_eq!(list[0]["size"], json!(500));
}

#[test]
fn resources_updated_bad_uri() {
    let mut fx = ready("resources-updated-bad-uri");
    fx.call_result(
        json!(1),
        "resources/subscribe",
        Some(json!({"uri":"fixture://clock"})),
    );
    let update = fx
        .next_matching(DEADLINE, |m| {
            m["method"] == json!("notifications/resources/updated")
        })
        .expect("an update");
    assert_eq!(update["params"], json!({"uri":"clock updated"}));
}

// ---- prompts -------------------------------------------------------------------------------

#[test]
fn prompts_duplicate_names() {
    let mut fx = ready("prompts-duplicate-names");
    let list = fx.list_all("prompts/list", "prompts");
    assert_eq!(
        list.iter().filter(|p| p["name"] == json!("greet")).count(),
        2
    );
}

#[test]
fn prompts_bad_role() {
    let mut fx = ready("prompts-bad-role");
    let got = fx.call_result(
        json!(1),
        "prompts/get",
        Some(json!({"name":"greet","arguments":{"name":"Ada"}})),
    );
    assert_eq!(got["messages"][0]["role"], json!("system"));
}

#[test]
fn prompts_unknown_name_result() {
    let mut fx = ready("prompts-unknown-name-result");
    let got = fx.call_result(
        json!(1),
        "prompts/get",
        Some(json!({"name":"no-such-prompt"})),
    );
    assert_eq!(got["messages"].as_array().map(Vec::len), Some(1));
}

#[test]
fn prompts_missing_arg_accepted() {
    let mut fx = ready("prompts-missing-arg-accepted");
    let got = fx.call_result(json!(1), "prompts/get", Some(json!({"name":"greet"})));
    assert_eq!(got["messages"][0]["role"], json!("user"));
}

#[test]
fn prompts_non_string_arg_accepted() {
    let mut fx = ready("prompts-non-string-arg-accepted");
    let got = fx.call_result(
        json!(1),
        "prompts/get",
        Some(json!({"name":"greet","arguments":{"name":7}})),
    );
    let text = got["messages"][0]["content"]["text"]
        .as_str()
        .expect("text");
    assert!(text.contains('7'), "{text}");
}

#[test]
fn prompts_crash_on_injection() {
    let mut fx = ready("prompts-crash-on-injection");
    fx.call_result(
        json!(1),
        "prompts/get",
        Some(json!({"name":"greet","arguments":{"name":"Ada"}})),
    );
    fx.send(r#"{"jsonrpc":"2.0","id":2,"method":"prompts/get","params":{"name":"greet","arguments":{"name":"{{7*7}}"}}}"#);
    fx.assert_crashed();
}

#[test]
fn no_prompts_capability() {
    let mut fx = Fixture::spawn(&["no-prompts-capability"]);
    let response = fx.handshake();
    let caps = &response["result"]["capabilities"];
    assert!(caps.get("prompts").is_none(), "{caps}");
    assert!(caps.get("tools").is_some());
    assert_eq!(fx.list_all("prompts/list", "prompts").len(), 4);
    let got = fx.call_result(
        json!(1),
        "prompts/get",
        Some(json!({"name":"greet","arguments":{"name":"Ada"}})),
    );
    assert_eq!(got["messages"][0]["role"], json!("user"));
}

#[test]
fn prompts_bad_embedded_resource() {
    let mut fx = ready("prompts-bad-embedded-resource");
    let got = fx.call_result(
        json!(1),
        "prompts/get",
        Some(json!({"name":"embedded_resource"})),
    );
    let content = &got["messages"][0]["content"];
    assert_eq!(content["type"], json!("resource"));
    assert_eq!(
        content["resource"],
        json!({"uri":"fixture://greeting","mimeType":"text/plain"})
    );
}

// ---- logging -------------------------------------------------------------------------------

#[test]
fn logging_setlevel_fails() {
    let mut fx = ready("logging-setlevel-fails");
    for level in ["debug", "error"] {
        let code = fx.call_error(
            json!(level),
            "logging/setLevel",
            Some(json!({"level": level})),
        );
        assert_eq!(code, -32602);
    }
}

#[test]
fn logging_invalid_level_accepted() {
    let mut fx = ready("logging-invalid-level-accepted");
    let result = fx.call_result(
        json!(1),
        "logging/setLevel",
        Some(json!({"level":"verbose"})),
    );
    assert_eq!(result, json!({}));
}

#[test]
fn logging_ignores_level() {
    let mut fx = ready("logging-ignores-level");
    fx.call_result(
        json!(1),
        "logging/setLevel",
        Some(json!({"level":"emergency"})),
    );
    let (_, before) = fx.call(json!(2), "tools/call", Some(json!({"name":"fail"})));
    assert!(
        before
            .iter()
            .any(|m| m["params"]["level"] == json!("debug")),
        "{before:?}"
    );
}

#[test]
fn logging_bad_level_value() {
    let mut fx = Fixture::spawn(&["logging-bad-level-value"]);
    fx.initialize_with("2025-06-18", json!({}));
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    let ready = fx.json();
    assert_eq!(ready["params"]["level"], json!("verbose"));
    let (_, before) = fx.call(json!(1), "tools/call", Some(json!({"name":"fail"})));
    assert!(!before.is_empty());
    assert!(
        before
            .iter()
            .all(|m| m["params"]["level"] == json!("verbose"))
    );
}

// ---- completion ----------------------------------------------------------------------------

fn complete(fx: &mut Fixture, params: Value) -> (Value, Vec<Value>) {
    fx.call(json!("c"), "completion/complete", Some(params))
}

fn greet_ref() -> Value {
    json!({"type":"ref/prompt","name":"greet"})
}

#[test]
fn completion_too_many_values() {
    let mut fx = ready("completion-too-many-values");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":""}}),
    );
    assert_eq!(
        r["result"]["completion"]["values"].as_array().map(Vec::len),
        Some(150)
    );
}

#[test]
fn completion_total_too_small() {
    let mut fx = ready("completion-total-too-small");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":""}}),
    );
    let completion = &r["result"]["completion"];
    assert_eq!(completion["total"], json!(0));
    assert!(
        completion["values"]
            .as_array()
            .is_some_and(|v| !v.is_empty())
    );
}

#[test]
fn completion_values_not_strings() {
    let mut fx = ready("completion-values-not-strings");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":""}}),
    );
    let values = r["result"]["completion"]["values"]
        .as_array()
        .cloned()
        .expect("values");
    assert!(
        !values.is_empty() && values.iter().all(Value::is_number),
        "{values:?}"
    );
}

#[test]
fn completion_reject_context() {
    let mut fx = ready("completion-reject-context");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":""},"context":{"arguments":{}}}),
    );
    assert_eq!(r["error"]["code"], json!(-32602));
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":""}}),
    );
    assert!(r["result"].is_object());
}

#[test]
fn completion_unknown_prompt_empty() {
    let mut fx = ready("completion-unknown-prompt-empty");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":{"type":"ref/prompt","name":"no-such-prompt"},"argument":{"name":"x","value":""}}),
    );
    assert_eq!(r["result"], json!({"completion":{"values":[]}}));
}

#[test]
fn completion_missing_argument_accepted() {
    let mut fx = ready("completion-missing-argument-accepted");
    for params in [
        json!({"ref":greet_ref()}),
        json!({"ref":greet_ref(),"argument":{"name":"name"}}),
    ] {
        let (r, _) = complete(&mut fx, params.clone());
        assert_eq!(r["result"]["completion"]["values"], json!([]), "{params}");
    }
}

#[test]
fn completion_template_fails() {
    let mut fx = ready("completion-template-fails");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":{"type":"ref/resource","uri":"fixture://items/{id}"},"argument":{"name":"id","value":""}}),
    );
    assert_eq!(r["error"]["code"], json!(-32603));
}

#[test]
fn no_completions_capability() {
    let mut fx = Fixture::spawn(&["no-completions-capability"]);
    let response = fx.handshake();
    let caps = &response["result"]["capabilities"];
    assert!(caps.get("completions").is_none(), "{caps}");
    assert!(caps.get("prompts").is_some());
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":"b"}}),
    );
    assert_eq!(r["result"]["completion"]["values"], json!(["bob"]));
}

#[test]
fn undeclared_method_wrong_code() {
    let mut fx = Fixture::spawn(&["undeclared-method-wrong-code"]);
    let response = fx.handshake();
    let caps = &response["result"]["capabilities"];
    assert!(caps.get("completions").is_none(), "{caps}");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":"b"}}),
    );
    assert_eq!(r["error"]["code"], json!(-32603), "{r}");
    assert_eq!(
        r["error"]["message"],
        json!("completions are not supported")
    );
    // Declared features are unaffected.
    assert_eq!(fx.list_all("prompts/list", "prompts").len(), 4);
}

#[test]
fn completion_unknown_argument_values() {
    let mut fx = ready("completion-unknown-argument-values");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"colour","value":"zz"}}),
    );
    assert_eq!(
        r["result"]["completion"]["values"],
        json!(["alpha", "beta"])
    );
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":"b"}}),
    );
    assert_eq!(r["result"]["completion"]["values"], json!(["bob"]));
}

// ---- pagination ----------------------------------------------------------------------------

#[test]
fn pagination_repeat_items() {
    let mut fx = ready("pagination-repeat-items");
    let all = pages(&mut fx, "prompts/list", 5);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["prompts"], all[1]["prompts"]);
}

#[test]
fn pagination_endless() {
    let mut fx = ready("pagination-endless");
    let only = fx.call_result(json!(1), "resources/templates/list", None);
    let cursor = only
        .get("nextCursor")
        .cloned()
        .expect("a cursor on the last page");
    let again = fx.call_result(
        json!(2),
        "resources/templates/list",
        Some(json!({ "cursor": cursor })),
    );
    assert_eq!(again["resourceTemplates"], only["resourceTemplates"]);
    assert_eq!(
        pages(&mut fx, "tools/list", 12).len(),
        12,
        "the list never ends"
    );
}

#[test]
fn pagination_invalid_cursor_accepted() {
    let mut fx = ready("pagination-invalid-cursor-accepted");
    let first = fx.call_result(json!(1), "tools/list", None);
    let forged = fx.call_result(
        json!(2),
        "tools/list",
        Some(json!({"cursor":"not-a-cursor"})),
    );
    assert_eq!(first, forged);
}

#[test]
fn pagination_unstable_cursor() {
    let mut fx = ready("pagination-unstable-cursor");
    let first = fx.call_result(json!(1), "tools/list", None);
    let cursor = first["nextCursor"].clone();
    let a = fx.call_result(json!(2), "tools/list", Some(json!({ "cursor": cursor })));
    let b = fx.call_result(json!(3), "tools/list", Some(json!({ "cursor": cursor })));
    assert_ne!(a["tools"], b["tools"]);
}

#[test]
fn pagination_foreign_cursor_accepted() {
    let mut fx = ready("pagination-foreign-cursor-accepted");
    let tools = fx.call_result(json!(1), "tools/list", None);
    let foreign = tools["nextCursor"].clone();
    let taken = fx.call_result(json!(2), "prompts/list", Some(json!({ "cursor": foreign })));
    let first = fx.call_result(json!(3), "prompts/list", None);
    let second = fx.call_result(
        json!(4),
        "prompts/list",
        Some(json!({ "cursor": first["nextCursor"].clone() })),
    );
    assert_eq!(taken, second);
    // Cursors this server never issued are still rejected.
    let code = fx.call_error(
        json!(5),
        "prompts/list",
        Some(json!({"cursor":"not-a-cursor"})),
    );
    assert_eq!(code, -32602);
}

// ---- progress ------------------------------------------------------------------------------

fn slow_progress(knob: &str, meta: Option<Value>) -> (Value, Vec<Value>, Fixture) {
    let mut fx = ready(knob);
    let mut params = json!({"name":"slow","arguments":{"ms":90,"steps":3}});
    if let Some(meta) = meta {
        params["_meta"] = meta;
    }
    let (response, before) = fx.call(json!("p"), "tools/call", Some(params));
    let progress = before.into_iter().filter(is_progress).collect();
    (response, progress, fx)
}

#[test]
fn progress_wrong_token() {
    let (_, progress, _) = slow_progress("progress-wrong-token", Some(json!({"progressToken":5})));
    assert!(
        progress
            .iter()
            .all(|m| m["params"]["progressToken"] == json!("5")),
        "{progress:?}"
    );
    let (_, progress, _) =
        slow_progress("progress-wrong-token", Some(json!({"progressToken":"t"})));
    assert!(
        progress
            .iter()
            .all(|m| m["params"]["progressToken"] == json!("xt")),
        "{progress:?}"
    );
}

#[test]
fn progress_not_increasing() {
    let (_, progress, _) =
        slow_progress("progress-not-increasing", Some(json!({"progressToken":1})));
    let values: Vec<&Value> = progress.iter().map(|m| &m["params"]["progress"]).collect();
    assert_eq!(values, vec![2, 1, 3]);
}

#[test]
fn progress_after_response() {
    let (response, progress, mut fx) =
        slow_progress("progress-after-response", Some(json!({"progressToken":1})));
    assert_eq!(progress.len(), 3);
    assert!(response.get("result").is_some());
    let late = fx.json();
    assert!(is_progress(&late), "{late}");
    assert_eq!(late["params"]["progressToken"], json!(1));
}

#[test]
fn progress_without_token() {
    let (_, progress, _) = slow_progress("progress-without-token", None);
    assert_eq!(progress.len(), 3);
    assert!(
        progress
            .iter()
            .all(|m| m["params"]["progressToken"] == json!("unsolicited"))
    );
}

// ---- cancellation --------------------------------------------------------------------------

/// Starts a 600 ms slow call with id 9 and reads the log messages its dispatch writes, so
/// that the call is surely in flight.
fn start_slow(fx: &mut Fixture) {
    fx.send(r#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"slow","arguments":{"ms":600,"steps":2}}}"#);
    for _ in 0..3 {
        assert_eq!(fx.json()["method"], json!("notifications/message"));
    }
}

const CANCEL_9: &str =
    r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9}}"#;

#[test]
fn cancel_ignored() {
    let mut fx = ready("cancel-ignored");
    start_slow(&mut fx);
    fx.send(CANCEL_9);
    let (response, _) = fx.until_response(&json!(9));
    assert_eq!(text_of(&response["result"]), "done");
}

#[test]
fn cancel_crash() {
    let mut fx = ready("cancel-crash");
    // Cancelling something not in flight is harmless.
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":12345}}"#);
    fx.assert_next_is_ping_reply();
    start_slow(&mut fx);
    fx.send(CANCEL_9);
    fx.assert_crashed();
}

#[test]
fn cancel_reply_error() {
    let mut fx = ready("cancel-reply-error");
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":12345}}"#);
    let reply = fx.json();
    assert_eq!(reply["id"], Value::Null);
    assert!(reply["error"]["code"].is_i64(), "{reply}");
    // An in-flight request is still cancelled silently.
    start_slow(&mut fx);
    fx.send(CANCEL_9);
    let after = fx.drain(Duration::from_millis(900));
    assert!(after.is_empty(), "{after:?}");
}

// ---- requests to the client ----------------------------------------------------------------

fn server_request(fx: &mut Fixture, tool: &str, method: &str) -> Value {
    let params = json!({"name": tool, "arguments": {"prompt":"p"}});
    fx.send_json(&json!({"jsonrpc":"2.0","id":"t","method":"tools/call","params":params}));
    fx.next_matching(DEADLINE, |m| m["method"] == json!(method))
        .unwrap_or_else(|| panic!("no {method} request"))
}

#[test]
fn sampling_bad_params() {
    let mut fx = ready_with("sampling-bad-params", json!({"sampling":{}}));
    let ask = server_request(&mut fx, "sample", "sampling/createMessage");
    assert!(ask["params"].get("maxTokens").is_none(), "{ask}");
    assert!(ask["params"]["messages"].is_array());
}

#[test]
fn elicitation_bad_schema() {
    let mut fx = ready_with("elicitation-bad-schema", json!({"elicitation":{}}));
    let ask = server_request(&mut fx, "elicit", "elicitation/create");
    let props = ask["params"]["requestedSchema"]["properties"]
        .as_object()
        .cloned()
        .expect("props");
    assert!(
        props.values().any(|p| p["type"] == json!("object")),
        "{props:?}"
    );
}

#[test]
fn elicitation_ignores_validation() {
    let mut fx = ready_with("elicitation-ignores-validation", json!({"elicitation":{}}));
    let ask = server_request(&mut fx, "elicit", "elicitation/create");
    fx.send_json(&json!({"jsonrpc":"2.0","id":ask["id"].clone(),"result":{"action":"accept","content":{"age":"old"}}}));
    let (response, _) = fx.until_response(&json!("t"));
    assert!(response["result"].get("isError").is_none(), "{response}");
    assert!(text_of(&response["result"]).starts_with("accept"));
}

#[test]
fn roots_bad_params() {
    let mut fx = ready_with("roots-bad-params", json!({"roots":{}}));
    let ask = server_request(&mut fx, "roots", "roots/list");
    assert_eq!(ask["params"], json!({"cursor":5}));
}

#[test]
fn elicitation_without_capability() {
    let mut fx = ready("elicitation-without-capability");
    let ask = server_request(&mut fx, "elicit", "elicitation/create");
    assert!(ask["id"].is_string());
}

#[test]
fn roots_without_capability() {
    let mut fx = ready("roots-without-capability");
    let ask = server_request(&mut fx, "roots", "roots/list");
    assert!(ask["id"].is_string());
}

#[test]
fn server_cancel_unknown_request() {
    let mut fx = ready("server-cancel-unknown-request");
    assert_eq!(
        fx.json(),
        json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"srv-never","reason":"no longer needed"}})
    );
    fx.assert_next_is_ping_reply();
}

#[test]
fn roots_ignore_list_changed() {
    let mut fx = ready_with(
        "roots-ignore-list-changed",
        json!({"roots":{"listChanged":true}}),
    );
    // The fetch after notifications/initialized still happens.
    let fetch = fx.json();
    assert_eq!(fetch["method"], json!("roots/list"), "{fetch}");
    fx.send_json(&json!({"jsonrpc":"2.0","id":fetch["id"].clone(),"result":{"roots":[]}}));
    fx.assert_next_is_ping_reply();
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}"#);
    fx.assert_next_is_ping_reply();
}
