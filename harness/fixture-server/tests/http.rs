//! End-to-end tests of the fixture server's Streamable HTTP mode (`--http`): sessions, the POST,
//! GET and DELETE rules, event streams, routing of messages the server sends on its own, HTTP
//! hygiene and process lifetime. They are not tests of the MCP features, which the stdio tests
//! cover on the same server core.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use common::http::{
    ACCEPT_BOTH, EventStream, HttpFixture, build, initialize_request, initialize_request_for, raw,
    request,
};
use common::{DEADLINE, run_cli};
use serde_json::{Value, json};

const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
const PING: &str = r#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#;

/// A server with a ready session (initialize and initialized done).
fn ready(bugs: &[&str], capabilities: Value) -> (HttpFixture, common::http::Client) {
    let fx = HttpFixture::spawn(bugs);
    let mut client = fx.client();
    client.initialize(capabilities);
    client.initialized();
    (fx, client)
}

fn post_raw(fx: &HttpFixture, headers: &[(&str, &str)], body: &str) -> common::http::Response {
    request(&fx.addr, "POST", headers, Some(body.as_bytes()))
}

#[test]
fn initialize_answers_json_with_a_session_id() {
    let fx = HttpFixture::spawn(&[]);
    assert!(fx.url.starts_with("http://127.0.0.1:"), "{}", fx.url);
    let mut client = fx.client();
    let response = client.initialize(json!({}));
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.header("connection"), Some("close"));
    let id = response.header("mcp-session-id").expect("a session id");
    assert!(
        !id.is_empty() && id.bytes().all(|b| (0x21..=0x7e).contains(&b)),
        "{id:?}"
    );
    let body = response.json();
    assert_eq!(body["id"], json!(1));
    assert_eq!(body["result"]["protocolVersion"], json!("2025-06-18"));
    // Every initialize makes its own session.
    let other = fx.client().initialize(json!({}));
    assert_ne!(other.header("mcp-session-id"), Some(id));
}

#[test]
fn a_failed_initialize_keeps_no_session() {
    let fx = HttpFixture::spawn(&[]);
    let bad = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}});
    let response = fx.client().post(&bad);
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.header("mcp-session-id"), None);
    assert_eq!(response.json()["error"]["code"], json!(-32602));
}

#[test]
fn notifications_are_accepted_and_requests_get_one_event_streams() {
    let (_fx, client) = ready(&[], json!({}));
    let mut stream = client.post_stream(&serde_json::from_str(PING).expect("JSON"));
    assert_eq!(stream.status, 200);
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    assert_eq!(stream.header("cache-control"), Some("no-cache"));
    assert_eq!(stream.header("connection"), Some("close"));
    assert_eq!(stream.header("content-length"), None);
    let events = stream.rest();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0].json(),
        json!({"jsonrpc":"2.0","id":7,"result":{}})
    );
    assert!(events[0].number() >= 1);
    // A client response nobody waits for is accepted too.
    let stray = client.post(&json!({"jsonrpc":"2.0","id":"srv-99","result":{}}));
    assert_eq!(stray.status, 202);
    // Without the protocol version header.
    let headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Accept", ACCEPT_BOTH),
        (
            "Mcp-Session-Id",
            client.session.as_deref().expect("session"),
        ),
    ];
    let response = request(&client.addr, "POST", &headers, Some(PING.as_bytes()));
    assert_eq!(response.status, 200);
    assert_eq!(response.events()[0].json()["result"], json!({}));
}

#[test]
fn session_header_rules() {
    let (fx, client) = ready(&[], json!({}));
    let ping: Value = serde_json::from_str(PING).expect("JSON");
    let missing = fx.client().post(&ping);
    assert_eq!(missing.status, 400);
    assert_eq!(missing.header("content-type"), Some("application/json"));
    assert_eq!(missing.error_code(), -32600);
    let mut stranger = fx.client();
    stranger.session = Some("0123456789abcdef0123456789abcdef".into());
    assert_eq!(stranger.post(&ping).status, 404);
    assert_eq!(
        stranger.post(&json!({"jsonrpc":"2.0","method":"x"})).status,
        404
    );
    let notification_without_session = fx
        .client()
        .post(&serde_json::from_str(INITIALIZED).expect("JSON"));
    assert_eq!(notification_without_session.status, 400);
    let headers = [
        ("Content-Type", "application/json"),
        ("Accept", ACCEPT_BOTH),
        (
            "Mcp-Session-Id",
            client.session.as_deref().expect("session"),
        ),
        ("MCP-Protocol-Version", "1999-01-01"),
    ];
    let response = post_raw(&fx, &headers, PING);
    assert_eq!(response.status, 400);
    assert_eq!(response.error_code(), -32600);
    let old = [
        ("Content-Type", "application/json"),
        ("Accept", ACCEPT_BOTH),
        (
            "Mcp-Session-Id",
            client.session.as_deref().expect("session"),
        ),
        ("MCP-Protocol-Version", "2025-03-26"),
    ];
    assert_eq!(post_raw(&fx, &old, PING).status, 200);
}

#[test]
fn a_2024_11_05_session_is_served_with_its_version_header() {
    let fx = HttpFixture::spawn(&[]);
    let body = initialize_request_for(1, "2024-11-05", json!({})).to_string();
    let plain = [
        ("Content-Type", "application/json"),
        ("Accept", ACCEPT_BOTH),
    ];
    let init = post_raw(&fx, &plain, &body);
    assert_eq!(init.status, 200, "{init:?}");
    assert_eq!(
        init.json()["result"]["protocolVersion"],
        json!("2024-11-05")
    );
    let session = init.header("mcp-session-id").expect("a session id");
    let post = |version| {
        [
            ("Content-Type", "application/json"),
            ("Accept", ACCEPT_BOTH),
            ("Mcp-Session-Id", session),
            ("MCP-Protocol-Version", version),
        ]
    };
    let initialized = post_raw(&fx, &post("2024-11-05"), INITIALIZED);
    assert_eq!(initialized.status, 202, "{initialized:?}");
    let ping = post_raw(&fx, &post("2024-11-05"), PING);
    assert_eq!(ping.status, 200, "{ping:?}");
    assert_eq!(ping.events()[0].json()["result"], json!({}));
    let get = |version| {
        [
            ("Accept", "text/event-stream"),
            ("Mcp-Session-Id", session),
            ("MCP-Protocol-Version", version),
        ]
    };
    let stream = EventStream::open(&fx.addr, "GET", &get("2024-11-05"), None);
    assert_eq!(stream.status, 200, "{:?}", stream.headers);
    drop(stream);
    // A version the server does not support is still refused in the same session.
    let refused = post_raw(&fx, &post("1999-01-01"), PING);
    assert_eq!(refused.status, 400, "{refused:?}");
    assert_eq!(refused.error_code(), -32600);
    let refused_get = request(&fx.addr, "GET", &get("1999-01-01"), None);
    assert_eq!(refused_get.status, 400, "{refused_get:?}");
}

#[test]
fn accept_and_content_type_are_checked() {
    let (fx, client) = ready(&[], json!({}));
    let session = client.session.as_deref().expect("session");
    let json_only = [
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
        ("Mcp-Session-Id", session),
    ];
    let response = post_raw(&fx, &json_only, PING);
    assert_eq!(response.status, 406);
    let wildcard = [
        ("Content-Type", "application/json"),
        ("Accept", "*/*"),
        ("Mcp-Session-Id", session),
    ];
    assert_eq!(post_raw(&fx, &wildcard, PING).status, 200);
    let text = [
        ("Content-Type", "text/plain"),
        ("Accept", ACCEPT_BOTH),
        ("Mcp-Session-Id", session),
    ];
    assert_eq!(post_raw(&fx, &text, PING).status, 415);
    let none = [("Accept", ACCEPT_BOTH), ("Mcp-Session-Id", session)];
    assert_eq!(post_raw(&fx, &none, PING).status, 415);
}

#[test]
fn bodies_that_are_not_one_json_message_are_refused() {
    let (fx, client) = ready(&[], json!({}));
    let session = client.session.as_deref().expect("session");
    let headers = [
        ("Content-Type", "application/json"),
        ("Accept", ACCEPT_BOTH),
        ("Mcp-Session-Id", session),
    ];
    for body in ["{not json", "", "\u{feff}{}"] {
        let response = post_raw(&fx, &headers, body);
        assert_eq!(response.status, 400, "{body:?}");
        assert_eq!(response.error_code(), -32700, "{body:?}");
    }
    let batch = format!("[{PING},{PING}]");
    let response = post_raw(&fx, &headers, &batch);
    assert_eq!(response.status, 400);
    assert_eq!(response.error_code(), -32600);
    // The session is unharmed.
    assert_eq!(client.call(json!(8), "ping", None).0["result"], json!({}));
}

#[test]
fn delete_ends_the_session() {
    let (fx, client) = ready(&[], json!({}));
    let session = client.session.clone().expect("session");
    let mut get = client.get_stream();
    assert_eq!(get.status, 200);
    let headers = [("Mcp-Session-Id", session.as_str())];
    let deleted = request(&fx.addr, "DELETE", &headers, None);
    assert_eq!(deleted.status, 200);
    assert!(deleted.body.is_empty());
    // Its GET stream ends (after the queued "ready" message).
    let rest = get.rest();
    assert!(rest.len() <= 1, "{rest:?}");
    let ping = client.post(&serde_json::from_str(PING).expect("JSON"));
    assert_eq!(ping.status, 404);
    assert_eq!(request(&fx.addr, "DELETE", &headers, None).status, 404);
    assert_eq!(request(&fx.addr, "DELETE", &[], None).status, 400);
}

#[test]
fn slow_calls_stream_progress_and_leave_other_requests_free() {
    let (_fx, client) = ready(&[], json!({}));
    let params = json!({
        "name": "slow",
        "arguments": { "ms": 600, "steps": 3 },
        "_meta": { "progressToken": "p1" }
    });
    let (response, before) = client.call(json!("slow-1"), "tools/call", Some(params));
    assert_eq!(response["result"]["content"][0]["text"], json!("done"));
    let progress: Vec<Value> = before
        .iter()
        .map(|e| e.json())
        .filter(|m| m["method"] == json!("notifications/progress"))
        .collect();
    assert_eq!(progress.len(), 3, "{before:?}");
    assert!(
        progress
            .iter()
            .all(|m| m["params"]["progressToken"] == json!("p1"))
    );
    // Event ids grow along the stream.
    let ids: Vec<u64> = before.iter().map(|e| e.number()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    // A long call does not hold up a ping on the same session.
    let long = json!({
        "jsonrpc": "2.0", "id": "slow-2", "method": "tools/call",
        "params": { "name": "slow", "arguments": { "ms": 4000, "steps": 2 } }
    });
    let mut slow = client.post_stream(&long);
    assert_eq!(slow.status, 200);
    let pong = client.post(&json!({"jsonrpc":"2.0","id":"quick","method":"ping"}));
    let pong = pong.events().pop().expect("the ping's answer");
    assert_eq!(pong.json()["result"], json!({}));
    let pong_id = pong.number();
    let mut answer = None;
    while let Some(event) = slow.next_event() {
        if event.json()["id"] == json!("slow-2") {
            answer = Some(event);
        }
    }
    let answer = answer.expect("the slow call's answer");
    assert!(
        pong_id < answer.number(),
        "the ping waited for the slow call"
    );
}

#[test]
fn messages_outside_requests_wait_for_the_get_stream() {
    let fx = HttpFixture::spawn(&[]);
    let mut client = fx.client();
    client.initialize(json!({ "roots": { "listChanged": true } }));
    // No GET stream yet: the "ready" log and the roots request are queued.
    client.initialized();
    let mut get = client.get_stream();
    assert_eq!(get.status, 200);
    assert_eq!(get.header("content-type"), Some("text/event-stream"));
    let ready = get.next_event().expect("ready").json();
    assert_eq!(ready["params"]["data"], json!("ready"));
    let ask = get.next_event().expect("roots/list").json();
    assert_eq!(ask["method"], json!("roots/list"));
    // A second GET stream is refused while this one is open.
    let second = request(
        &fx.addr,
        "GET",
        &[
            ("Accept", "text/event-stream"),
            (
                "Mcp-Session-Id",
                client.session.as_deref().expect("session"),
            ),
        ],
        None,
    );
    assert_eq!(second.status, 409);
    let answer = json!({"jsonrpc":"2.0","id":ask["id"],"result":{"roots":[]}});
    assert_eq!(client.post(&answer).status, 202);
    // The root change notification makes the server ask again, on the open GET stream.
    let changed = json!({"jsonrpc":"2.0","method":"notifications/roots/list_changed"});
    assert_eq!(client.post(&changed).status, 202);
    let again = get.next_event().expect("a second roots/list").json();
    assert_eq!(again["method"], json!("roots/list"));
    assert_ne!(again["id"], ask["id"]);
}

#[test]
fn the_get_stream_gets_what_the_core_sends_on_its_own() {
    let fx = HttpFixture::spawn(&[]);
    let mut client = fx.client();
    client.initialize(json!({ "roots": { "listChanged": true } }));
    let mut get = client.get_stream();
    assert_eq!(get.status, 200);
    client.initialized();
    let ready = get.next_event().expect("ready").json();
    assert_eq!(ready["params"]["data"], json!("ready"));
    let ask = get.next_event().expect("roots/list").json();
    assert_eq!(ask["method"], json!("roots/list"));
    let answer = json!({"jsonrpc":"2.0","id":ask["id"],"result":{"roots":[]}});
    assert_eq!(client.post(&answer).status, 202);
    // Once the stream is closed, a new one may be opened.
    drop(get);
    let deadline = Instant::now() + DEADLINE;
    loop {
        let next = client.get_stream();
        if next.status == 200 {
            break;
        }
        assert_eq!(next.status, 409);
        assert!(
            Instant::now() < deadline,
            "the closed GET stream was never released"
        );
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn get_stream_rules() {
    let (fx, client) = ready(&[], json!({}));
    let session = client.session.as_deref().expect("session");
    let json_only = [("Accept", "application/json"), ("Mcp-Session-Id", session)];
    assert_eq!(request(&fx.addr, "GET", &json_only, None).status, 406);
    let no_session = [("Accept", "text/event-stream")];
    assert_eq!(request(&fx.addr, "GET", &no_session, None).status, 400);
    let unknown = [("Accept", "text/event-stream"), ("Mcp-Session-Id", "nope")];
    assert_eq!(request(&fx.addr, "GET", &unknown, None).status, 404);
}

#[test]
fn server_requests_during_a_call_use_the_call_stream() {
    let (_fx, client) = ready(&[], json!({ "sampling": {} }));
    let call = json!({
        "jsonrpc": "2.0", "id": "s", "method": "tools/call",
        "params": { "name": "sample", "arguments": { "prompt": "Say hi" } }
    });
    let mut stream = client.post_stream(&call);
    let ask = loop {
        let msg = stream.next_event().expect("a sampling request").json();
        if msg["method"] == json!("sampling/createMessage") {
            break msg;
        }
    };
    assert_eq!(
        ask["params"]["messages"][0]["content"]["text"],
        json!("Say hi")
    );
    // Other requests are served while the tool waits.
    assert_eq!(client.call(json!("p"), "ping", None).0["result"], json!({}));
    let answer = json!({
        "jsonrpc": "2.0", "id": ask["id"],
        "result": { "role": "assistant", "content": { "type": "text", "text": "Hi!" }, "model": "m" }
    });
    assert_eq!(client.post(&answer).status, 202);
    let (response, _) = stream.until_response(&json!("s"));
    assert_eq!(
        response["result"],
        json!({"content":[{"type":"text","text":"Hi!"}]})
    );
    assert!(stream.rest().is_empty());
}

#[test]
fn knobs_apply_per_session() {
    // A mangled id still ends the stream of the request it answers.
    let (_fx, client) = ready(&["stringify-ids"], json!({}));
    let response = client.post(&serde_json::from_str(PING).expect("JSON"));
    let events = response.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].json()["id"], json!("7"));

    // Pretty-printed responses arrive as multi-line events.
    let (_fx, client) = ready(&["pretty-print-responses"], json!({}));
    let response = client.post(&serde_json::from_str(PING).expect("JSON"));
    let events = response.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].data.contains('\n'), "{:?}", events[0].data);
    assert_eq!(events[0].json()["id"], json!(7));
}

#[test]
fn a_crash_knob_ends_only_its_session() {
    let fx = HttpFixture::spawn(&["crash-on-invalid-request"]);
    let mut doomed = fx.client();
    doomed.initialize(json!({}));
    doomed.initialized();
    let mut survivor = fx.client();
    survivor.initialize(json!({}));
    let mut get = doomed.get_stream();
    let invalid = doomed.post(&json!({"jsonrpc":"2.0","id":5}));
    assert_eq!(invalid.status, 200);
    assert!(invalid.events().is_empty(), "{:?}", invalid.events());
    // Its GET stream closes (after the queued "ready" message) and the session is gone.
    assert!(get.rest().len() <= 1);
    assert_eq!(
        doomed
            .post(&serde_json::from_str(PING).expect("JSON"))
            .status,
        404
    );
    assert_eq!(survivor.call(json!(1), "ping", None).0["result"], json!({}));
}

#[test]
fn paths_methods_and_origins() {
    let (fx, client) = ready(&[], json!({}));
    let other = raw(
        &fx.addr,
        format!("GET /other HTTP/1.1\r\nHost: {}\r\n\r\n", fx.addr).as_bytes(),
    );
    assert_eq!(other.status, 404);
    let put = request(&fx.addr, "PUT", &[], Some(b"{}"));
    assert_eq!(put.status, 405);
    assert_eq!(put.header("allow"), Some("GET, POST, DELETE"));
    assert_eq!(request(&fx.addr, "OPTIONS", &[], None).status, 405);
    let session = client.session.as_deref().expect("session");
    let evil = [
        ("Content-Type", "application/json"),
        ("Accept", ACCEPT_BOTH),
        ("Mcp-Session-Id", session),
        ("Origin", "http://evil.example"),
    ];
    assert_eq!(post_raw(&fx, &evil, PING).status, 403);
    let local = [
        ("Content-Type", "application/json"),
        ("Accept", ACCEPT_BOTH),
        ("Mcp-Session-Id", session),
        ("Origin", "http://localhost:5173"),
    ];
    assert_eq!(post_raw(&fx, &local, PING).status, 200);
}

#[test]
fn malformed_oversized_and_chunked_requests() {
    let (fx, client) = ready(&[], json!({}));
    let session = client.session.as_deref().expect("session");
    assert_eq!(raw(&fx.addr, b"NONSENSE\r\n\r\n").status, 400);
    assert_eq!(
        raw(&fx.addr, b"GET /mcp HTTP/1.1\r\nbroken header\r\n\r\n").status,
        400
    );
    let mut huge = b"GET /mcp HTTP/1.1\r\nX-Big: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 70 * 1024));
    huge.extend_from_slice(b"\r\n\r\n");
    assert_eq!(raw(&fx.addr, &huge).status, 431);
    let too_big = format!(
        "POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: {ACCEPT_BOTH}\r\n\
         Mcp-Session-Id: {session}\r\nContent-Length: {}\r\n\r\n",
        5 * 1024 * 1024
    );
    assert_eq!(raw(&fx.addr, too_big.as_bytes()).status, 413);
    let no_length = format!(
        "POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: {ACCEPT_BOTH}\r\n\
         Mcp-Session-Id: {session}\r\n\r\n"
    );
    assert_eq!(raw(&fx.addr, no_length.as_bytes()).status, 411);
    let chunked = format!(
        "POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: {ACCEPT_BOTH}\r\n\
         Mcp-Session-Id: {session}\r\nTransfer-Encoding: chunked\r\n\r\n\
         10\r\n{{\"jsonrpc\":\"2.0\"\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        r#","id":9,"method":"ping"}"#.len(),
        r#","id":9,"method":"ping"}"#
    );
    let response = raw(&fx.addr, chunked.as_bytes());
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.events()[0].json()["id"], json!(9));
    // A body announced with Content-Length is read as announced even in small pieces.
    let body = initialize_request(3, json!({})).to_string();
    let bytes = build(
        "POST",
        &fx.addr,
        &[
            ("Content-Type", "application/json"),
            ("Accept", ACCEPT_BOTH),
        ],
        Some(body.as_bytes()),
    );
    let mut stream = TcpStream::connect(&fx.addr).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    for piece in bytes.chunks(50) {
        stream.write_all(piece).expect("write");
        thread::sleep(Duration::from_millis(5));
    }
    let mut all = Vec::new();
    std::io::Read::read_to_end(&mut stream, &mut all).expect("read");
    assert!(
        all.starts_with(b"HTTP/1.1 200 OK\r\n"),
        "{:?}",
        String::from_utf8_lossy(&all)
    );
}

#[test]
fn a_client_that_stops_sending_times_out() {
    let fx = HttpFixture::spawn(&[]);
    let partial =
        b"POST /mcp HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
    let start = Instant::now();
    let response = common::http::raw_with_timeout(&fx.addr, partial, Duration::from_secs(30));
    assert_eq!(response.status, 408);
    assert!(start.elapsed() < Duration::from_secs(30));
    // The server keeps serving.
    assert_eq!(fx.client().initialize(json!({})).status, 200);
}

#[test]
fn only_loopback_addresses_are_served() {
    for addr in ["0.0.0.0:0", "192.0.2.1:8080", "example.com:80"] {
        let (status, stdout, stderr) = run_cli(&["--http", addr]);
        assert_eq!(status.code(), Some(2), "{addr}");
        assert!(stdout.is_empty(), "{stdout:?}");
        assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    }
}

#[test]
fn the_process_exits_when_stdin_closes() {
    let mut fx = HttpFixture::spawn(&[]);
    let mut client = fx.client();
    client.initialize(json!({}));
    // An open stream does not keep the process alive.
    let _get = client.get_stream();
    fx.close_stdin();
    let status = fx.wait_exit(DEADLINE).expect("exit after stdin closed");
    assert_eq!(status.code(), Some(0));
    // With no stdin at all it announces itself and exits at once.
    let (status, stdout, _) = run_cli(&["--http", "127.0.0.1:0"]);
    assert_eq!(status.code(), Some(0));
    assert!(
        stdout.starts_with("listening on http://127.0.0.1:"),
        "{stdout:?}"
    );
    assert!(stdout.ends_with("/mcp\n"), "{stdout:?}");
}

#[test]
fn help_mentions_http() {
    let (status, stdout, _) = run_cli(&["--help"]);
    assert!(status.success());
    assert!(stdout.contains("--http ADDR"), "{stdout}");
}
