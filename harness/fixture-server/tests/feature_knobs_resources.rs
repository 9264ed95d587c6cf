//! End-to-end tests that each resources knob (listing, reading, templates, subscriptions and
//! update notifications, URIs, capability), switched on alone, shows its misbehaviour on the
//! wire. The clean behaviour is tested in `features.rs`; the other feature areas' knobs are in
//! the other `feature_knobs_*.rs` files.

mod common;

use std::time::Duration;

use common::knobs::{pages, ready};
use common::{DEADLINE, Fixture};
use serde_json::json;

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
