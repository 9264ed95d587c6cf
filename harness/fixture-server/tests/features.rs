//! End-to-end tests of the clean server's feature set: pagination, every tool (including the
//! slow, cancellable and client-asking ones), content blocks, resources and subscriptions,
//! prompts, completion and logging. The bug knobs of these features are tested in the
//! `feature_knobs_*.rs` files, one per feature area.

mod common;

use std::time::{Duration, Instant};

use common::{DEADLINE, Fixture};
use serde_json::{Value, json};

fn ready() -> Fixture {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake();
    fx
}

fn text_of(result: &Value) -> &str {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text in {result}"))
}

fn is_progress(msg: &Value) -> bool {
    msg["method"] == json!("notifications/progress")
}

/// A minimal strict decoder for padded standard base64, for checking payloads.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 {
        return None;
    }
    for byte in body.bytes() {
        let value = ALPHABET.iter().position(|a| *a == byte)? as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

// ---- pagination ------------------------------------------------------------------------------

#[test]
fn every_list_is_paged_by_two_with_opaque_cursors() {
    let mut fx = ready();
    for (method, member, total) in [
        ("tools/list", "tools", 9),
        ("resources/list", "resources", 3),
        ("resources/templates/list", "resourceTemplates", 1),
        ("prompts/list", "prompts", 4),
    ] {
        let first = fx.call_result(json!(1), method, None);
        assert_eq!(first, fx.call_result(json!(2), method, Some(json!({}))));
        let page = first[member].as_array().expect("items");
        assert_eq!(page.len(), total.min(2), "{method}");
        let all = fx.list_all(method, member);
        assert_eq!(all.len(), total, "{method}");
        if let Some(cursor) = first.get("nextCursor") {
            let text = cursor.as_str().expect("string cursor");
            assert!(!text.contains(method), "cursor is opaque: {text}");
            // The cursor of one list is no good for another.
            let other = if method == "tools/list" {
                "prompts/list"
            } else {
                "tools/list"
            };
            let code = fx.call_error(json!(3), other, Some(json!({ "cursor": cursor })));
            assert_eq!(code, -32602, "{method} cursor on {other}");
        }
    }
    for forged in [
        json!("bm9wZQ=="),
        json!(""),
        json!(5),
        json!("dG9vbHM6MQ=="),
    ] {
        let code = fx.call_error(json!(4), "tools/list", Some(json!({ "cursor": forged })));
        assert_eq!(code, -32602, "{forged}");
    }
}

// ---- tools -------------------------------------------------------------------------------------

#[test]
fn tool_calls_log_at_debug_info_and_error_filtered_by_level() {
    let mut fx = ready();
    let (response, before) = fx.call(
        json!(1),
        "tools/call",
        Some(json!({"name":"echo","arguments":{"text":"x"}})),
    );
    assert!(response.get("result").is_some());
    let levels: Vec<&Value> = before.iter().map(|m| &m["params"]["level"]).collect();
    assert_eq!(levels, vec!["debug", "info", "error"]);
    assert!(
        before
            .iter()
            .all(|m| m["method"] == json!("notifications/message")
                && m["params"]["logger"] == json!("fixture"))
    );
    fx.call_result(
        json!(2),
        "logging/setLevel",
        Some(json!({"level":"notice"})),
    );
    let (_, before) = fx.call(
        json!(3),
        "tools/call",
        Some(json!({"name":"echo","arguments":{"text":"x"}})),
    );
    let levels: Vec<&Value> = before.iter().map(|m| &m["params"]["level"]).collect();
    assert_eq!(levels, vec!["error"]);
    fx.call_result(
        json!(4),
        "logging/setLevel",
        Some(json!({"level":"emergency"})),
    );
    let (_, before) = fx.call(
        json!(5),
        "tools/call",
        Some(json!({"name":"echo","arguments":{"text":"x"}})),
    );
    assert!(before.is_empty(), "{before:?}");
}

#[test]
fn slow_reports_increasing_progress_before_its_answer() {
    let mut fx = ready();
    let (response, before) = fx.call(
        json!("slow-1"),
        "tools/call",
        Some(
            json!({"name":"slow","arguments":{"ms":300,"steps":4},"_meta":{"progressToken":"tok"}}),
        ),
    );
    assert_eq!(text_of(&response["result"]), "done");
    let progress: Vec<&Value> = before.iter().filter(|m| is_progress(m)).collect();
    let values: Vec<&Value> = progress.iter().map(|m| &m["params"]["progress"]).collect();
    assert_eq!(values, vec![1, 2, 3, 4]);
    assert!(
        progress
            .iter()
            .all(|m| m["params"]["progressToken"] == json!("tok")
                && m["params"]["total"] == json!(4))
    );
    // Nothing follows the answer.
    fx.assert_next_is_ping_reply();

    let (_, before) = fx.call(
        json!(2),
        "tools/call",
        Some(json!({"name":"slow","arguments":{"ms":0,"steps":2},"_meta":{"progressToken":7}})),
    );
    let tokens: Vec<&Value> = before
        .iter()
        .filter(|m| is_progress(m))
        .map(|m| &m["params"]["progressToken"])
        .collect();
    assert_eq!(tokens, vec![7, 7]);

    // Without a token there is no progress.
    let (_, before) = fx.call(
        json!(3),
        "tools/call",
        Some(json!({"name":"slow","arguments":{"ms":0}})),
    );
    assert!(!before.iter().any(is_progress), "{before:?}");
}

#[test]
fn slow_runs_while_other_requests_are_answered() {
    let mut fx = ready();
    let start = Instant::now();
    fx.send_json(&json!({
        "jsonrpc": "2.0", "id": "long", "method": "tools/call",
        "params": {"name":"slow","arguments":{"ms":1500,"steps":3}}
    }));
    let (ping, before) = fx.call(json!("quick"), "ping", None);
    assert_eq!(ping["result"], json!({}));
    assert!(
        start.elapsed() < Duration::from_millis(1000),
        "ping waited for slow"
    );
    assert!(
        before.iter().all(|m| m.get("id") != Some(&json!("long"))),
        "slow answered before the ping: {before:?}"
    );
    let (done, _) = fx.until_response(&json!("long"));
    assert_eq!(text_of(&done["result"]), "done");
    assert!(start.elapsed() >= Duration::from_millis(1400));
}

#[test]
fn cancelled_slow_call_sends_nothing_more() {
    let mut fx = ready();
    fx.send_json(&json!({
        "jsonrpc": "2.0", "id": 41, "method": "tools/call",
        "params": {"name":"slow","arguments":{"ms":1200,"steps":3},"_meta":{"progressToken":"c"}}
    }));
    // Wait for the first progress so the call is surely in flight.
    let first = fx
        .next_matching(DEADLINE, is_progress)
        .expect("first progress");
    assert_eq!(first["params"]["progress"], json!(1));
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":41,"reason":"test"}}"#);
    let after = fx.drain(Duration::from_millis(1500));
    assert!(
        after
            .iter()
            .all(|m| m.get("id") != Some(&json!(41)) && !is_progress(m)),
        "{after:?}"
    );
    // A string id "41" is a different request: cancelling it does nothing visible.
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"41"}}"#);
    fx.assert_next_is_ping_reply();
}

#[test]
fn a_request_may_reuse_the_id_of_a_running_call() {
    let mut fx = ready();
    fx.send_json(&json!({
        "jsonrpc": "2.0", "id": "x", "method": "tools/call",
        "params": {"name":"slow","arguments":{"ms":600,"steps":2}}
    }));
    let (ping, _) = fx.call(json!("x"), "ping", None);
    assert_eq!(ping, json!({"jsonrpc":"2.0","id":"x","result":{}}));
    let (done, _) = fx.until_response(&json!("x"));
    assert_eq!(text_of(&done["result"]), "done");
    fx.assert_next_is_ping_reply();
}

#[test]
fn wrong_params_are_invalid_params() {
    let mut fx = ready();
    for (method, params) in [
        ("tools/call", json!({"arguments":{}})),
        ("tools/call", json!({})),
        ("resources/read", json!({})),
        ("prompts/get", json!({"name":5})),
        ("prompts/get", json!({})),
    ] {
        let code = fx.call_error(json!(1), method, Some(params.clone()));
        assert_eq!(code, -32602, "{method} {params}");
    }
    for method in ["tools/call", "resources/read", "prompts/get"] {
        assert_eq!(fx.call_error(json!(2), method, None), -32602, "{method}");
    }
}

#[test]
fn client_responses_to_nothing_are_ignored() {
    let mut fx = ready();
    for line in [
        r#"{"jsonrpc":"2.0","id":"nobody-asked","result":{}}"#,
        r#"{"jsonrpc":"2.0","id":12345,"error":{"code":-1,"message":"no"}}"#,
    ] {
        fx.send(line);
    }
    fx.assert_next_is_ping_reply();
}

#[test]
fn mixed_content_has_one_valid_block_of_each_type() {
    let mut fx = ready();
    let result = fx.tool(json!(1), "mixed_content", json!({}));
    let blocks = result["content"].as_array().expect("content");
    let types: Vec<&Value> = blocks.iter().map(|b| &b["type"]).collect();
    assert_eq!(
        types,
        vec!["text", "image", "audio", "resource_link", "resource"]
    );
    assert_eq!(
        blocks[0]["annotations"],
        json!({"audience":["user"],"priority":0.5,"lastModified":"2025-01-01T00:00:00Z"})
    );
    let png = decode_base64(blocks[1]["data"].as_str().expect("data")).expect("base64");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(blocks[1]["mimeType"], json!("image/png"));
    let wav = decode_base64(blocks[2]["data"].as_str().expect("data")).expect("base64");
    assert!(wav.starts_with(b"RIFF") && wav[8..12] == *b"WAVE");
    assert_eq!(blocks[2]["mimeType"], json!("audio/wav"));
    assert_eq!(blocks[3]["uri"], json!("fixture://greeting"));
    assert_eq!(blocks[3]["name"], json!("greeting"));
    assert_eq!(
        blocks[4]["resource"],
        json!({"uri":"fixture://greeting","mimeType":"text/plain","text":"hello"})
    );
}

#[test]
fn fail_is_a_tool_error_and_write_note_appends() {
    let mut fx = ready();
    let fail = fx.tool(json!(1), "fail", json!({}));
    assert_eq!(fail["isError"], json!(true));
    assert!(!text_of(&fail).is_empty());
    assert_eq!(
        text_of(&fx.tool(json!(2), "write_note", json!({"text":"a"}))),
        "saved note #1"
    );
    assert_eq!(
        text_of(&fx.tool(json!(3), "write_note", json!({"text":"b"}))),
        "saved note #2"
    );
    let bad = fx.tool(json!(4), "write_note", json!({"text": 1}));
    assert_eq!(bad["isError"], json!(true));
}

#[test]
fn sample_asks_the_client_and_returns_its_text() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake_with(json!({"sampling": {}}));
    fx.send_json(&json!({
        "jsonrpc": "2.0", "id": "s", "method": "tools/call",
        "params": {"name":"sample","arguments":{"prompt":"Say hi"}}
    }));
    let ask = fx
        .next_matching(DEADLINE, |m| m["method"] == json!("sampling/createMessage"))
        .expect("a sampling request");
    assert_eq!(ask["id"], json!("srv-1"));
    assert_eq!(ask["params"]["maxTokens"], json!(50));
    assert_eq!(
        ask["params"]["messages"][0]["content"]["text"],
        json!("Say hi")
    );
    // The reader stays free while the tool waits.
    fx.assert_next_is_ping_reply();
    fx.send(r#"{"jsonrpc":"2.0","id":"srv-1","result":{"role":"assistant","content":{"type":"text","text":"Hi!"},"model":"m"}}"#);
    let (answer, _) = fx.until_response(&json!("s"));
    assert_eq!(
        answer["result"],
        json!({"content":[{"type":"text","text":"Hi!"}]})
    );
    // The next request gets a fresh id; a refusal becomes a tool error.
    fx.send_json(&json!({
        "jsonrpc": "2.0", "id": "s2", "method": "tools/call",
        "params": {"name":"sample","arguments":{"prompt":"again"}}
    }));
    let ask = fx
        .next_matching(DEADLINE, |m| m["method"] == json!("sampling/createMessage"))
        .expect("a second sampling request");
    assert_eq!(ask["id"], json!("srv-2"));
    fx.send(r#"{"jsonrpc":"2.0","id":"srv-2","error":{"code":-1,"message":"user declined"}}"#);
    let (answer, _) = fx.until_response(&json!("s2"));
    assert_eq!(answer["result"]["isError"], json!(true));
}

#[test]
fn client_tools_refuse_without_the_capability() {
    let mut fx = ready();
    for (tool, capability) in [
        ("sample", "sampling"),
        ("elicit", "elicitation"),
        ("roots", "roots"),
    ] {
        let result = fx.tool(json!(tool), tool, json!({"prompt":"p"}));
        assert_eq!(result["isError"], json!(true), "{tool}");
        assert!(text_of(&result).contains(capability), "{result}");
    }
    // No request went to the client.
    fx.assert_next_is_ping_reply();
}

fn elicit_round(fx: &mut Fixture, call_id: &str, answer: Value) -> Value {
    fx.send_json(&json!({
        "jsonrpc": "2.0", "id": call_id, "method": "tools/call",
        "params": {"name":"elicit","arguments":{}}
    }));
    let ask = fx
        .next_matching(DEADLINE, |m| m["method"] == json!("elicitation/create"))
        .expect("an elicitation request");
    let mut reply = json!({"jsonrpc":"2.0","id": ask["id"].clone()});
    reply["result"] = answer;
    fx.send_json(&reply);
    fx.until_response(&json!(call_id)).0["result"].clone()
}

#[test]
fn elicit_sends_a_flat_form_and_checks_the_answer() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake_with(json!({"elicitation": {}}));
    fx.send_json(&json!({
        "jsonrpc": "2.0", "id": "e0", "method": "tools/call",
        "params": {"name":"elicit"}
    }));
    let ask = fx
        .next_matching(DEADLINE, |m| m["method"] == json!("elicitation/create"))
        .expect("an elicitation request");
    let schema = &ask["params"]["requestedSchema"];
    assert_eq!(schema["type"], json!("object"));
    let props = schema["properties"].as_object().expect("properties");
    assert_eq!(props.len(), 3);
    assert!(props.values().all(|p| p["type"] != json!("object")));
    assert_eq!(props["age"]["minimum"], json!(0));
    fx.send_json(&json!({"jsonrpc":"2.0","id":ask["id"].clone(),"result":{"action":"cancel"}}));
    assert_eq!(
        text_of(&fx.until_response(&json!("e0")).0["result"]),
        "cancel"
    );

    let ok = elicit_round(
        &mut fx,
        "e1",
        json!({"action":"accept","content":{"name":"Ada","age":36,"subscribe":true}}),
    );
    assert!(text_of(&ok).starts_with("accept"), "{ok}");
    assert!(text_of(&ok).contains("Ada"));
    let bad = elicit_round(
        &mut fx,
        "e2",
        json!({"action":"accept","content":{"name":"Ada","age":"old"}}),
    );
    assert_eq!(bad["isError"], json!(true));
    let missing = elicit_round(
        &mut fx,
        "e3",
        json!({"action":"accept","content":{"age":3}}),
    );
    assert_eq!(missing["isError"], json!(true));
    let declined = elicit_round(&mut fx, "e4", json!({"action":"decline"}));
    assert_eq!(text_of(&declined), "decline");
}

#[test]
fn roots_asks_the_client_for_its_roots() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake_with(json!({"roots": {"listChanged": true}}));
    // The fetch that follows notifications/initialized for a listChanged client.
    let fetch = fx.json();
    assert_eq!(fetch["method"], json!("roots/list"), "{fetch}");
    fx.send_json(&json!({"jsonrpc":"2.0","id":fetch["id"].clone(),"result":{"roots":[]}}));
    fx.send_json(&json!({
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name":"roots","arguments":{}}
    }));
    let ask = fx
        .next_matching(DEADLINE, |m| m["method"] == json!("roots/list"))
        .expect("a roots request");
    assert!(ask.get("params").is_none(), "{ask}");
    let id = ask["id"].clone();
    assert!(id.as_str().is_some_and(|s| s.starts_with("srv-")));
    fx.send_json(&json!({"jsonrpc":"2.0","id":id,"result":{"roots":[{"uri":"file:///work","name":"work"},{"uri":"file:///tmp"}]}}));
    let (answer, _) = fx.until_response(&json!(1));
    assert_eq!(text_of(&answer["result"]), "file:///work\nfile:///tmp");
}

/// Reads the next message, checks it is a `roots/list` without params, and answers it.
fn answer_roots_fetch(fx: &mut Fixture) -> Value {
    let fetch = fx.json();
    assert_eq!(fetch["method"], json!("roots/list"), "{fetch}");
    assert!(fetch.get("params").is_none(), "{fetch}");
    fx.send_json(&json!({"jsonrpc":"2.0","id":fetch["id"].clone(),"result":{"roots":[]}}));
    fetch["id"].clone()
}

const ROOTS_CHANGED: &str = r#"{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}"#;

#[test]
fn roots_are_fetched_after_initialized_and_on_every_change() {
    let mut fx = Fixture::spawn(&[]);
    fx.initialize_with("2025-06-18", json!({"roots": {"listChanged": true}}));
    // Nothing before notifications/initialized.
    fx.assert_next_is_ping_reply();
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    assert_eq!(fx.json()["params"]["data"], json!("ready"));
    assert_eq!(answer_roots_fetch(&mut fx), json!("srv-1"));
    fx.assert_next_is_ping_reply();
    fx.send(ROOTS_CHANGED);
    assert_eq!(answer_roots_fetch(&mut fx), json!("srv-2"));
    fx.send(ROOTS_CHANGED);
    // Unanswered fetches are fine too: nobody waits for them.
    let third = fx.json();
    assert_eq!(third["id"], json!("srv-3"));
    fx.assert_next_is_ping_reply();
}

#[test]
fn roots_are_not_fetched_unless_they_can_change() {
    for capabilities in [
        json!({"roots": {}}),
        json!({"roots": {"listChanged": false}}),
        json!({}),
    ] {
        let mut fx = Fixture::spawn(&[]);
        fx.handshake_with(capabilities.clone());
        fx.send(ROOTS_CHANGED);
        fx.assert_next_is_ping_reply();
    }
}

#[test]
fn cancelling_a_waiting_tool_withdraws_the_servers_request() {
    let mut fx = Fixture::spawn(&[]);
    fx.handshake_with(json!({"roots": {}}));
    fx.send_json(&json!({
        "jsonrpc": "2.0", "id": "w", "method": "tools/call",
        "params": {"name":"roots","arguments":{}}
    }));
    let ask = fx
        .next_matching(DEADLINE, |m| m["method"] == json!("roots/list"))
        .expect("a roots request");
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"w"}}"#);
    let withdrawn = fx
        .next_matching(DEADLINE, |m| {
            m["method"] == json!("notifications/cancelled")
        })
        .expect("the server cancels its own request");
    assert_eq!(withdrawn["params"]["requestId"], ask["id"]);
    // A late answer is ignored and the tool call itself gets no response.
    fx.send_json(&json!({"jsonrpc":"2.0","id":ask["id"].clone(),"result":{"roots":[]}}));
    let after = fx.drain(Duration::from_millis(300));
    assert!(
        after.iter().all(|m| m.get("id") != Some(&json!("w"))),
        "{after:?}"
    );
    fx.assert_next_is_ping_reply();
}

// ---- resources ---------------------------------------------------------------------------------

#[test]
fn logo_is_a_blob_of_the_listed_size() {
    let mut fx = ready();
    let list = fx.list_all("resources/list", "resources");
    let logo = list
        .iter()
        .find(|r| r["uri"] == json!("fixture://logo"))
        .expect("logo");
    let read = fx.call_result(
        json!(1),
        "resources/read",
        Some(json!({"uri":"fixture://logo"})),
    );
    let item = &read["contents"][0];
    assert_eq!(item["mimeType"], json!("image/png"));
    let bytes = decode_base64(item["blob"].as_str().expect("blob")).expect("base64");
    assert_eq!(logo["size"], json!(bytes.len()));
    assert!(item.get("text").is_none());
}

#[test]
fn malformed_uris_are_invalid_params_unknown_ones_not_found() {
    let mut fx = ready();
    let long = format!("fixture://{}", "x".repeat(5000));
    for uri in [
        "no-scheme",
        "fixture://items/../../etc/passwd",
        "fixture://greeting\u{0}",
        "fixture://items/{id}",
        long.as_str(),
    ] {
        for method in ["resources/read", "resources/subscribe"] {
            let code = fx.call_error(json!(1), method, Some(json!({ "uri": uri })));
            assert_eq!(code, -32602, "{method} {uri:?}");
        }
    }
    let (missing, _) = fx.call(
        json!(2),
        "resources/read",
        Some(json!({"uri":"fixture://nope"})),
    );
    assert_eq!(missing["error"]["code"], json!(-32002));
    assert_eq!(missing["error"]["data"], json!({"uri":"fixture://nope"}));
    let code = fx.call_error(
        json!(3),
        "resources/subscribe",
        Some(json!({"uri":"fixture://nope"})),
    );
    assert_eq!(code, -32002);
}

#[test]
fn clock_updates_only_while_subscribed() {
    let mut fx = ready();
    let before = fx.call_result(
        json!(1),
        "resources/read",
        Some(json!({"uri":"fixture://clock"})),
    );
    // No updates before subscribing.
    assert!(fx.drain(Duration::from_millis(700)).is_empty());
    let ok = fx.call_result(
        json!(2),
        "resources/subscribe",
        Some(json!({"uri":"fixture://clock"})),
    );
    assert_eq!(ok, json!({}));
    let updates = fx.drain(Duration::from_millis(1000));
    assert!(updates.len() >= 2, "{updates:?}");
    assert!(updates.iter().all(|m| m
        == &json!({"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"fixture://clock"}})));
    let after = fx.call_result(
        json!(3),
        "resources/read",
        Some(json!({"uri":"fixture://clock"})),
    );
    assert_ne!(before, after, "the clock text changes");
    let (response, _) = fx.call(
        json!(4),
        "resources/unsubscribe",
        Some(json!({"uri":"fixture://clock"})),
    );
    assert_eq!(response["result"], json!({}));
    assert!(fx.drain(Duration::from_millis(900)).is_empty());
    // Other listed URIs can be subscribed to; they never change.
    let ok = fx.call_result(
        json!(5),
        "resources/subscribe",
        Some(json!({"uri":"fixture://greeting"})),
    );
    assert_eq!(ok, json!({}));
    assert!(fx.drain(Duration::from_millis(700)).is_empty());
}

#[test]
fn eof_while_subscribed_exits_zero() {
    let mut fx = ready();
    fx.call_result(
        json!(1),
        "resources/subscribe",
        Some(json!({"uri":"fixture://clock"})),
    );
    fx.close_stdin();
    let status = fx
        .wait_exit(Duration::from_secs(5))
        .expect("exits after EOF");
    assert_eq!(status.code(), Some(0));
}

// ---- prompts and completion ----------------------------------------------------------------------

#[test]
fn prompts_use_arguments_verbatim() {
    let mut fx = ready();
    let review = fx.call_result(
        json!(1),
        "prompts/get",
        Some(json!({"name":"code_review","arguments":{"code":"fn {{x}}() {}","language":"rust"}})),
    );
    let messages = review["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["role"], json!("assistant"));
    let text = messages[0]["content"]["text"].as_str().expect("text");
    assert!(
        text.contains("fn {{x}}() {}") && text.contains("rust"),
        "{text}"
    );
    let summary = fx.call_result(json!(2), "prompts/get", Some(json!({"name":"summarize"})));
    assert_eq!(summary["messages"][0]["role"], json!("user"));
    let code = fx.call_error(
        json!(3),
        "prompts/get",
        Some(json!({"name":"code_review","arguments":{"language":"go"}})),
    );
    assert_eq!(code, -32602);
}

#[test]
fn embedded_resource_prompt_embeds_the_greeting() {
    let mut fx = ready();
    let list = fx.list_all("prompts/list", "prompts");
    let listed = list
        .iter()
        .find(|p| p["name"] == json!("embedded_resource"))
        .expect("listed");
    assert!(listed["title"].is_string() && listed["description"].is_string());
    assert_eq!(listed["arguments"], json!([]));
    let read = fx.call_result(
        json!(1),
        "resources/read",
        Some(json!({"uri":"fixture://greeting"})),
    );
    let got = fx.call_result(
        json!(2),
        "prompts/get",
        Some(json!({"name":"embedded_resource"})),
    );
    assert_eq!(
        got["messages"],
        json!([{"role":"user","content":{"type":"resource","resource":read["contents"][0].clone()}}])
    );
    assert_eq!(
        got["messages"][0]["content"]["resource"],
        json!({"uri":"fixture://greeting","mimeType":"text/plain","text":"hello"})
    );
}

#[test]
fn completion_of_an_argument_the_prompt_lacks_is_empty() {
    let mut fx = ready();
    for (prompt, arg) in [("greet", "colour"), ("embedded_resource", "name")] {
        let got = fx.call_result(
            json!(1),
            "completion/complete",
            Some(json!({"ref":{"type":"ref/prompt","name":prompt},"argument":{"name":arg,"value":""}})),
        );
        assert_eq!(
            got,
            json!({"completion":{"values":[],"total":0,"hasMore":false}}),
            "{prompt}.{arg}"
        );
    }
}

#[test]
fn completion_of_prompt_arguments_and_template_ids() {
    let mut fx = ready();
    let languages = fx.call_result(
        json!(1),
        "completion/complete",
        Some(json!({"ref":{"type":"ref/prompt","name":"code_review"},"argument":{"name":"language","value":""},"context":{"arguments":{"code":"x"}}})),
    );
    let values = languages["completion"]["values"]
        .as_array()
        .expect("values");
    assert!(values.contains(&json!("rust")) && values.contains(&json!("python")));
    assert_eq!(languages["completion"]["total"], json!(values.len()));
    assert_eq!(languages["completion"]["hasMore"], json!(false));
    let ids = fx.call_result(
        json!(2),
        "completion/complete",
        Some(json!({"ref":{"type":"ref/resource","uri":"fixture://items/{id}"},"argument":{"name":"id","value":"4"}})),
    );
    assert_eq!(
        ids["completion"],
        json!({"values":["42"],"total":1,"hasMore":false})
    );
    for params in [
        json!({"ref":{"type":"ref/resource","uri":"fixture://other/{x}"},"argument":{"name":"x","value":""}}),
        json!({"ref":{"type":"ref/prompt","name":"greet"},"argument":{"value":""}}),
    ] {
        assert_eq!(
            fx.call_error(json!(3), "completion/complete", Some(params.clone())),
            -32602,
            "{params}"
        );
    }
}
