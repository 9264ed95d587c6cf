//! End-to-end tests of the HTTP knobs about how single requests are answered: status and body of
//! accepted and refused notifications, content types, the initialize body, GET, header checks,
//! event streams, and the legacy-only mode. Each test shows the clean server and the knob side
//! by side on the wire. Session-table knobs are in `http_session_knobs.rs`, `--require-bearer` in
//! `http_auth.rs`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::DEADLINE;
use common::http::{
    ACCEPT_BOTH, Client, EventStream, HttpFixture, build, initialize_request,
    initialize_request_for, request,
};
use serde_json::{Value, json};

/// A server with a ready session (initialize and initialized done).
fn ready(bugs: &[&str], capabilities: Value) -> (HttpFixture, Client) {
    let fx = HttpFixture::spawn(bugs);
    let mut client = fx.client();
    client.initialize(capabilities);
    client.initialized();
    (fx, client)
}

fn ping() -> Value {
    json!({"jsonrpc":"2.0","id":7,"method":"ping"})
}

/// POSTs `body` for the session of `client` with `headers` instead of the clean ones.
fn post_with_headers(client: &Client, headers: &[(&str, &str)]) -> common::http::Response {
    let session = client.session.as_deref().expect("session");
    let mut all = vec![
        ("Content-Type", "application/json"),
        ("Accept", ACCEPT_BOTH),
        ("Mcp-Session-Id", session),
    ];
    all.extend_from_slice(headers);
    let body = ping().to_string();
    request(&client.addr, "POST", &all, Some(body.as_bytes()))
}

#[test]
fn accepted_notifications_get_202_or_200_with_an_object() {
    let initialized = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
    let stray = json!({"jsonrpc":"2.0","id":"srv-99","result":{}});
    let (_fx, client) = ready(&[], json!({}));
    for msg in [&initialized, &stray] {
        let clean = client.post(msg);
        assert_eq!(clean.status, 202, "{clean:?}");
        assert!(clean.body.is_empty());
        assert_eq!(clean.header("content-type"), None);
    }

    let fx = HttpFixture::spawn(&["http-notification-200"]);
    let mut client = fx.client();
    client.initialize(json!({}));
    for msg in [&initialized, &stray] {
        let bent = client.post(msg);
        assert_eq!(bent.status, 200, "{bent:?}");
        assert_eq!(bent.header("content-type"), Some("application/json"));
        assert_eq!(bent.json(), json!({}));
    }
    // Requests are still answered on a stream.
    assert_eq!(client.call(json!(2), "ping", None).0["result"], json!({}));
}

#[test]
fn refused_notifications_get_400_with_a_null_id_or_200_with_id_0() {
    let bad = json!({"jsonrpc":"2.0","method":7});
    let (_fx, client) = ready(&[], json!({}));
    let clean = client.post(&bad);
    assert_eq!(clean.status, 400, "{clean:?}");
    assert_eq!(clean.header("content-type"), Some("application/json"));
    assert_eq!(clean.error_code(), -32600);
    // Other messages the server refuses without a usable id, and a non-object.
    for other in [
        json!({"jsonrpc":"2.0","id":null,"method":"ping"}),
        json!({"jsonrpc":"2.0","id":1.5,"method":"ping"}),
        json!(5),
    ] {
        let refused = client.post(&other);
        assert_eq!(refused.status, 400, "{other}: {refused:?}");
        assert_eq!(refused.error_code(), -32600, "{other}");
    }
    // The session is unharmed.
    assert_eq!(client.call(json!(3), "ping", None).0["result"], json!({}));

    let (_fx, client) = ready(&["http-rejected-notification-200"], json!({}));
    let bent = client.post(&bad);
    assert_eq!(bent.status, 200, "{bent:?}");
    assert_eq!(bent.header("content-type"), Some("application/json"));
    let body = bent.json();
    assert_eq!(body["id"], json!(0), "{body}");
    assert_eq!(body["error"]["code"], json!(-32600), "{body}");
    // Accepted notifications are not affected.
    let ok = client.post(&json!({"jsonrpc":"2.0","method":"notifications/roots/list_changed"}));
    assert_eq!(ok.status, 202);
}

#[test]
fn answers_to_requests_are_labelled_text_plain_under_the_knob() {
    for (bugs, json_type, stream_type) in [
        (&[][..], "application/json", "text/event-stream"),
        (
            &["http-content-type-text-plain"][..],
            "text/plain",
            "text/plain",
        ),
    ] {
        let fx = HttpFixture::spawn(bugs);
        let mut client = fx.client();
        let init = client.initialize(json!({}));
        assert_eq!(init.header("content-type"), Some(json_type), "{bugs:?}");
        assert_eq!(init.json()["id"], json!(1));
        client.initialized();
        let answer = client.post(&ping());
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("content-type"), Some(stream_type), "{bugs:?}");
        let events = answer.events();
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].json()["id"], json!(7));
    }
}

#[test]
fn the_initialize_answer_is_an_array_under_the_knob() {
    let fx = HttpFixture::spawn(&[]);
    let body = fx.client().initialize(json!({})).json();
    assert!(body.is_object(), "{body}");
    assert_eq!(body["result"]["protocolVersion"], json!("2025-06-18"));

    let fx = HttpFixture::spawn(&["http-json-array"]);
    let mut client = fx.client();
    let body = client.initialize(json!({})).json();
    let items = body
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {body}"));
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], json!(1));
    assert_eq!(items[0]["result"]["protocolVersion"], json!("2025-06-18"));
    // Later answers are not wrapped.
    client.initialized();
    assert_eq!(client.call(json!(2), "ping", None).0["result"], json!({}));
}

#[test]
fn get_answers_an_object_instead_of_a_stream_under_the_knob() {
    let (_fx, client) = ready(&[], json!({}));
    let get = client.get_stream();
    assert_eq!(get.status, 200);
    assert_eq!(get.header("content-type"), Some("text/event-stream"));
    drop(get);

    let (fx, client) = ready(&["http-get-json"], json!({}));
    let session = client.session.as_deref().expect("session");
    let headers = [("Accept", "text/event-stream"), ("Mcp-Session-Id", session)];
    let bent = request(&fx.addr, "GET", &headers, None);
    assert_eq!(bent.status, 200, "{bent:?}");
    assert_eq!(bent.header("content-type"), Some("application/json"));
    assert_eq!(bent.json(), json!({}));
    // Without a valid session the clean refusals stay.
    let unknown = [("Accept", "text/event-stream"), ("Mcp-Session-Id", "nope")];
    assert_eq!(request(&fx.addr, "GET", &unknown, None).status, 404);
}

#[test]
fn unsupported_protocol_version_headers_are_accepted_under_the_knob() {
    let bad_versions = ["1999-01-01", "banana", ""];
    let (_fx, client) = ready(&[], json!({}));
    for version in bad_versions {
        let clean = post_with_headers(&client, &[("MCP-Protocol-Version", version)]);
        assert_eq!(clean.status, 400, "{version:?}");
        assert_eq!(clean.error_code(), -32600);
    }
    let (_fx, client) = ready(&["http-version-header-ignored"], json!({}));
    for version in bad_versions {
        let bent = post_with_headers(&client, &[("MCP-Protocol-Version", version)]);
        assert_eq!(bent.status, 200, "{version:?}: {bent:?}");
        assert_eq!(bent.events()[0].json()["result"], json!({}));
    }
}

#[test]
fn the_version_negotiated_under_echo_any_is_accepted_in_the_header() {
    let fx = HttpFixture::spawn(&["echo-any-protocol-version"]);
    let body = initialize_request_for(1, "1999-01-01", json!({})).to_string();
    let headers = [
        ("Content-Type", "application/json"),
        ("Accept", ACCEPT_BOTH),
    ];
    let init = request(&fx.addr, "POST", &headers, Some(body.as_bytes()));
    assert_eq!(init.status, 200, "{init:?}");
    assert_eq!(
        init.json()["result"]["protocolVersion"],
        json!("1999-01-01")
    );
    let mut client = fx.client();
    client.session = init.header("mcp-session-id").map(str::to_owned);
    // The header may name the version this session negotiated, or one the server supports.
    for version in ["1999-01-01", "2024-11-05"] {
        let served = post_with_headers(&client, &[("MCP-Protocol-Version", version)]);
        assert_eq!(served.status, 200, "{version}: {served:?}");
        assert_eq!(served.events()[0].json()["result"], json!({}));
    }
    let other = post_with_headers(&client, &[("MCP-Protocol-Version", "2000-02-02")]);
    assert_eq!(other.status, 400, "{other:?}");
    assert_eq!(other.error_code(), -32600);
    // Another session, negotiated on a supported version, does not accept that value.
    let (_fx, clean) = ready(&["echo-any-protocol-version"], json!({}));
    let refused = post_with_headers(&clean, &[("MCP-Protocol-Version", "1999-01-01")]);
    assert_eq!(refused.status, 400, "{refused:?}");
}

#[test]
fn a_missing_protocol_version_header_is_refused_under_the_knob() {
    let (fx, client) = ready(&[], json!({}));
    assert_eq!(post_with_headers(&client, &[]).status, 200);
    let session = client.session.as_deref().expect("session");
    let get = [("Accept", "text/event-stream"), ("Mcp-Session-Id", session)];
    let clean_get = EventStream::open(&fx.addr, "GET", &get, None);
    assert_eq!(clean_get.status, 200);
    drop(clean_get);

    let fx = HttpFixture::spawn(&["http-version-header-required"]);
    // initialize needs no header.
    let body = initialize_request(1, json!({})).to_string();
    let headers = [
        ("Content-Type", "application/json"),
        ("Accept", ACCEPT_BOTH),
    ];
    let init = request(&fx.addr, "POST", &headers, Some(body.as_bytes()));
    assert_eq!(init.status, 200, "{init:?}");
    let mut client = fx.client();
    client.session = init.header("mcp-session-id").map(str::to_owned);
    // The clean client sends the header and is served.
    client.initialized();
    let bent = post_with_headers(&client, &[]);
    assert_eq!(bent.status, 400, "{bent:?}");
    assert_eq!(bent.error_code(), -32600);
    let session = client.session.as_deref().expect("session");
    let get = [("Accept", "text/event-stream"), ("Mcp-Session-Id", session)];
    assert_eq!(request(&fx.addr, "GET", &get, None).status, 400);
    assert_eq!(client.call(json!(4), "ping", None).0["result"], json!({}));
}

#[test]
fn a_foreign_origin_is_served_under_the_knob() {
    let evil = [("Origin", "http://evil.example")];
    let (_fx, client) = ready(&[], json!({}));
    let clean = post_with_headers(&client, &evil);
    assert_eq!(clean.status, 403);
    assert_eq!(clean.error_code(), -32600);
    let (_fx, client) = ready(&["http-no-origin-check"], json!({}));
    let bent = post_with_headers(&client, &evil);
    assert_eq!(bent.status, 200, "{bent:?}");
    assert_eq!(bent.events()[0].json()["result"], json!({}));
}

/// Seconds between the response event of a ping's stream and the end of that stream.
fn stream_tail(client: &Client) -> Duration {
    let mut stream = client.post_stream(&ping());
    assert_eq!(stream.status, 200);
    stream.until_response(&json!(7));
    let answered = Instant::now();
    assert!(stream.rest().is_empty());
    answered.elapsed()
}

#[test]
fn the_post_stream_stays_open_for_5_s_under_the_knob() {
    let (_fx, client) = ready(&[], json!({}));
    let tail = stream_tail(&client);
    assert!(
        tail < Duration::from_secs(1),
        "clean stream open for {tail:?}"
    );
    let (_fx, client) = ready(&["http-sse-stays-open"], json!({}));
    let tail = stream_tail(&client);
    assert!(
        tail >= Duration::from_millis(4500) && tail < Duration::from_secs(8),
        "stream open for {tail:?}"
    );
}

/// The messages the GET stream gets between `initialized` and a second roots/list, with a
/// ping answered on its own stream in between.
fn get_stream_around_a_ping(bugs: &[&str]) -> Vec<Value> {
    let fx = HttpFixture::spawn(bugs);
    let mut client = fx.client();
    client.initialize(json!({ "roots": { "listChanged": true } }));
    let mut get = client.get_stream();
    assert_eq!(get.status, 200);
    client.initialized();
    let mut seen = Vec::new();
    let ask = loop {
        let msg = get.next_event().expect("roots/list").json();
        seen.push(msg.clone());
        if msg["method"] == json!("roots/list") {
            break msg;
        }
    };
    let answer = json!({"jsonrpc":"2.0","id":ask["id"],"result":{"roots":[]}});
    assert_eq!(client.post(&answer).status, 202);
    assert_eq!(client.call(json!(7), "ping", None).0["result"], json!({}));
    let changed = json!({"jsonrpc":"2.0","method":"notifications/roots/list_changed"});
    assert_eq!(client.post(&changed).status, 202);
    loop {
        let msg = get.next_event().expect("a second roots/list").json();
        seen.push(msg.clone());
        if msg["method"] == json!("roots/list") && msg["id"] != ask["id"] {
            return seen;
        }
    }
}

#[test]
fn responses_are_copied_to_the_get_stream_under_the_knob() {
    let is_pong = |m: &Value| m["id"] == json!(7) && m.get("result").is_some();
    let clean = get_stream_around_a_ping(&[]);
    assert!(!clean.iter().any(is_pong), "{clean:?}");
    let bent = get_stream_around_a_ping(&["http-response-on-get"]);
    assert_eq!(bent.iter().filter(|m| is_pong(m)).count(), 1, "{bent:?}");
}

/// The event ids of two pings answered one after the other, and of the first GET event.
fn event_ids(bugs: &[&str]) -> (u64, u64, u64) {
    let (_fx, client) = ready(bugs, json!({}));
    let first = client.post(&ping()).events()[0].number();
    let second = client.post(&ping()).events()[0].number();
    // The queued "ready" message opens the GET stream.
    let mut get = client.get_stream();
    let on_get = get.next_event().expect("the ready message").number();
    (first, second, on_get)
}

#[test]
fn event_ids_restart_on_every_stream_under_the_knob() {
    let (first, second, on_get) = event_ids(&[]);
    assert!(first < second && on_get > 0, "{first} {second} {on_get}");
    assert_ne!(on_get, first);
    assert_ne!(on_get, second);
    assert_eq!(event_ids(&["http-duplicate-event-ids"]), (1, 1, 1));
}

#[test]
fn legacy_only_refuses_post_and_opens_an_endpoint_stream() {
    let fx = HttpFixture::spawn(&[]);
    assert_eq!(fx.client().initialize(json!({})).status, 200);

    let fx = HttpFixture::spawn(&["http-legacy-only"]);
    let init = fx.client().post(&initialize_request(1, json!({})));
    assert_eq!(init.status, 405, "{init:?}");
    assert_eq!(init.header("allow"), Some("GET"));
    assert_eq!(request(&fx.addr, "DELETE", &[], None).status, 405);
    let json_only = [("Accept", "application/json")];
    assert_eq!(request(&fx.addr, "GET", &json_only, None).status, 406);

    let mut stream = TcpStream::connect(&fx.addr).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let get = build("GET", &fx.addr, &[("Accept", "text/event-stream")], None);
    stream.write_all(&get).expect("send");
    let mut reader = BufReader::new(stream);
    let mut line = || {
        let mut line = String::new();
        reader.read_line(&mut line).expect("read a line");
        line
    };
    assert_eq!(line(), "HTTP/1.1 200 OK\r\n");
    let mut content_type = None;
    loop {
        let header = line();
        if header == "\r\n" {
            break;
        }
        if let Some(value) = header.strip_prefix("Content-Type: ") {
            content_type = Some(value.trim().to_owned());
        }
    }
    assert_eq!(content_type.as_deref(), Some("text/event-stream"));
    assert_eq!(line(), "event: endpoint\n");
    let data = line();
    let session = data
        .strip_prefix("data: /mcp?sessionId=")
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("endpoint data {data:?}"));
    assert!(!session.is_empty(), "{data:?}");
    assert_eq!(line(), "\n");
    // Then comments keep it open.
    let start = Instant::now();
    let comment = line();
    assert!(comment.starts_with(':'), "{comment:?}");
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[test]
fn the_legacy_stream_closes_after_10_s() {
    let fx = HttpFixture::spawn(&["http-legacy-only"]);
    let get = build("GET", &fx.addr, &[("Accept", "text/event-stream")], None);
    let start = Instant::now();
    let answer = common::http::raw_with_timeout(&fx.addr, &get, Duration::from_secs(20));
    let open = start.elapsed();
    assert_eq!(answer.status, 200);
    assert!(
        open >= Duration::from_secs(9) && open < Duration::from_secs(14),
        "open for {open:?}"
    );
    let text = String::from_utf8_lossy(&answer.body);
    assert!(text.starts_with("event: endpoint\n"), "{text:?}");
    assert!(text.matches("\n:").count() >= 5, "{text:?}");
}
