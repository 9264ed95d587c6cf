//! End-to-end tests that each knob about tools and the content blocks tool results carry
//! (listing, calling, structured content, arguments, capability, block shapes), switched on
//! alone, shows its misbehaviour on the wire. The clean behaviour is tested in `features.rs`;
//! the other feature areas' knobs are in the other `feature_knobs_*.rs` files.

mod common;

use common::Fixture;
use common::knobs::{pages, ready, text_of};
use serde_json::{Value, json};

fn tool_named<'a>(tools: &'a [Value], name: &str) -> &'a Value {
    tools
        .iter()
        .find(|t| t["name"] == json!(name))
        .unwrap_or_else(|| panic!("no tool {name}"))
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
