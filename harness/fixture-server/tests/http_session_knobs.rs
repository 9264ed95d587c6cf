//! End-to-end tests of the HTTP knobs about sessions: the shape of session ids, requests
//! without or with unknown, ended or changing ids, DELETE, and a server that serves one session
//! only. Each test shows the clean server and the knob side by side on the wire. Knobs about
//! single answers are in `http_knobs.rs`.

mod common;

use common::http::{Client, HttpFixture, request};
use serde_json::{Value, json};

/// A server with a ready session (initialize and initialized done).
fn ready(bugs: &[&str]) -> (HttpFixture, Client) {
    let fx = HttpFixture::spawn(bugs);
    let mut client = fx.client();
    client.initialize(json!({}));
    client.initialized();
    (fx, client)
}

fn ping(id: u64) -> Value {
    json!({"jsonrpc":"2.0","id":id,"method":"ping"})
}

fn delete(fx: &HttpFixture, session: &str) -> common::http::Response {
    request(&fx.addr, "DELETE", &[("Mcp-Session-Id", session)], None)
}

fn served(client: &Client, id: u64) -> bool {
    let response = client.post(&ping(id));
    response.status == 200 && response.events()[0].json()["result"] == json!({})
}

#[test]
fn session_ids_are_random_hex_or_under_knobs_spaced_or_numbered() {
    let is_hex_32 = |id: &str| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    let (fx, client) = ready(&[]);
    let first = client.session.clone().expect("session");
    assert!(is_hex_32(&first), "{first:?}");
    let second = fx.client().initialize(json!({}));
    assert_ne!(second.header("mcp-session-id"), Some(first.as_str()));

    let (_fx, client) = ready(&["http-session-id-space"]);
    let id = client.session.clone().expect("session");
    let (a, b) = id
        .split_once(' ')
        .unwrap_or_else(|| panic!("no space in {id:?}"));
    assert!(!a.is_empty() && !b.is_empty(), "{id:?}");
    // The id with its space still names the session.
    assert!(served(&client, 1));

    let fx = HttpFixture::spawn(&["http-sequential-session-ids"]);
    let ids: Vec<String> = (0..3)
        .map(|_| {
            let mut client = fx.client();
            client.initialize(json!({}));
            client.session.expect("session")
        })
        .collect();
    assert_eq!(ids, ["session-1", "session-2", "session-3"]);
}

#[test]
fn a_post_without_a_session_id_goes_to_the_newest_session_under_the_knob() {
    let (fx, _client) = ready(&[]);
    let clean = fx.client().post(&ping(1));
    assert_eq!(clean.status, 400);
    assert_eq!(clean.error_code(), -32600);

    let fx = HttpFixture::spawn(&["http-missing-session-served"]);
    // No live session: still refused.
    assert_eq!(fx.client().post(&ping(1)).status, 400);
    let capabilities = json!({ "roots": { "listChanged": true } });
    let mut older = fx.client();
    older.initialize(capabilities.clone());
    older.initialized();
    let mut newer = fx.client();
    newer.initialize(capabilities);
    newer.initialized();
    let anonymous = fx.client();
    assert!(served(&anonymous, 2));
    // A roots change without a session id makes the newest session ask for roots on its GET
    // stream (after the ready message and the first roots/list queued at initialized).
    let mut get = newer.get_stream();
    let ask = loop {
        let msg = get.next_event().expect("a message").json();
        if msg["method"] == json!("roots/list") {
            break msg;
        }
    };
    let answer = json!({"jsonrpc":"2.0","id":ask["id"],"result":{"roots":[]}});
    assert_eq!(newer.post(&answer).status, 202);
    let changed = json!({"jsonrpc":"2.0","method":"notifications/roots/list_changed"});
    assert_eq!(anonymous.post(&changed).status, 202);
    let again = get.next_event().expect("a second roots/list").json();
    assert_eq!(again["method"], json!("roots/list"), "{again}");
    // The older session is live and served with its id.
    assert!(served(&older, 3));
}

#[test]
fn delete_ends_the_session_unless_a_knob_says_otherwise() {
    let (fx, client) = ready(&[]);
    let session = client.session.clone().expect("session");
    assert_eq!(delete(&fx, &session).status, 200);
    assert_eq!(client.post(&ping(1)).status, 404);

    let (fx, client) = ready(&["http-ended-session-served"]);
    let session = client.session.clone().expect("session");
    let deleted = delete(&fx, &session);
    assert_eq!(deleted.status, 200);
    assert!(deleted.body.is_empty());
    assert!(served(&client, 1));
    assert_eq!(delete(&fx, &session).status, 200);
    assert!(served(&client, 2));

    let (fx, client) = ready(&["http-delete-500"]);
    let session = client.session.clone().expect("session");
    let failed = delete(&fx, &session);
    assert_eq!(failed.status, 500, "{failed:?}");
    assert!(served(&client, 1));
    // Unknown sessions keep their clean refusal.
    assert_eq!(delete(&fx, "nope").status, 404);
}

#[test]
fn never_issued_session_ids_get_400_under_the_knob() {
    let stranger = "0123456789abcdef0123456789abcdef";
    let (fx, client) = ready(&[]);
    let mut unknown = fx.client();
    unknown.session = Some(stranger.into());
    assert_eq!(unknown.post(&ping(1)).status, 404);
    let ended = client.session.clone().expect("session");
    assert_eq!(delete(&fx, &ended).status, 200);
    assert_eq!(client.post(&ping(2)).status, 404);

    let (fx, client) = ready(&["http-unknown-session-400"]);
    let mut unknown = fx.client();
    unknown.session = Some(stranger.into());
    let refused = unknown.post(&ping(1));
    assert_eq!(refused.status, 400);
    assert_eq!(refused.error_code(), -32600);
    let get = [
        ("Accept", "text/event-stream"),
        ("Mcp-Session-Id", stranger),
    ];
    assert_eq!(request(&fx.addr, "GET", &get, None).status, 400);
    assert_eq!(delete(&fx, stranger).status, 400);
    // An id that was issued and has ended still gets 404.
    let ended = client.session.clone().expect("session");
    assert_eq!(delete(&fx, &ended).status, 200);
    assert_eq!(client.post(&ping(2)).status, 404);
}

#[test]
fn no_session_is_created_after_one_ended_under_the_knob() {
    let (fx, client) = ready(&["http-no-session-after-end"]);
    // Before any session ended, new sessions are created as usual.
    assert_eq!(fx.client().initialize(json!({})).status, 200);
    assert!(served(&client, 1));
    let session = client.session.clone().expect("session");
    assert_eq!(delete(&fx, &session).status, 200);
    let after = fx
        .client()
        .post(&common::http::initialize_request(1, json!({})));
    assert_eq!(after.status, 400, "{after:?}");
    assert_eq!(after.error_code(), -32600);
    assert_eq!(after.header("mcp-session-id"), None);

    // The clean server opens new sessions after one ended.
    let (fx, client) = ready(&[]);
    let session = client.session.clone().expect("session");
    assert_eq!(delete(&fx, &session).status, 200);
    assert_eq!(fx.client().initialize(json!({})).status, 200);
}

#[test]
fn responses_carry_a_new_session_id_under_the_knob() {
    let (_fx, client) = ready(&[]);
    let stream = client.post_stream(&ping(1));
    assert_eq!(stream.header("mcp-session-id"), None);
    let accepted = client.post(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
    assert_eq!(accepted.header("mcp-session-id"), None);

    let fx = HttpFixture::spawn(&["http-session-id-changes"]);
    let mut client = fx.client();
    client.initialize(json!({}));
    let original = client.session.clone().expect("session");
    let accepted = client.post(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
    assert_eq!(accepted.status, 202);
    let mut seen = vec![original.clone()];
    seen.push(
        accepted
            .header("mcp-session-id")
            .expect("a new id")
            .to_owned(),
    );
    for id in 1..3 {
        let answer = client.post(&ping(id));
        assert_eq!(answer.status, 200);
        assert_eq!(answer.events()[0].json()["result"], json!({}));
        seen.push(
            answer
                .header("mcp-session-id")
                .expect("a new id")
                .to_owned(),
        );
    }
    let mut distinct = seen.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), seen.len(), "{seen:?}");
    // The original id keeps working.
    assert_eq!(client.session.as_deref(), Some(original.as_str()));
    assert!(served(&client, 9));
}
