//! End-to-end tests of `--require-bearer TOKEN`: the 401 and 400 challenges, the protected
//! resource metadata, tokens in the query, sessions that do not stand in for the token, and the
//! `auth-…` knobs that bend each of these. They are not tests of the MCP features behind the
//! check.

mod common;

use common::http::{ACCEPT_BOTH, Client, HttpFixture, Response, build_for, raw, request};
use common::run_cli;
use serde_json::{Value, json};

const TOKEN: &str = "s3cret-token";
const METADATA: &str = "/.well-known/oauth-protected-resource/mcp";

fn spawn(bugs: &[&str]) -> HttpFixture {
    HttpFixture::spawn_with(&["--require-bearer", TOKEN], bugs)
}

/// A client that sends the right token, with a ready session.
fn authorized(fx: &HttpFixture) -> Client {
    let mut client = fx.client();
    client.authorization = Some(format!("Bearer {TOKEN}"));
    client.initialize(json!({}));
    client.initialized();
    client
}

fn ping() -> Value {
    json!({"jsonrpc":"2.0","id":7,"method":"ping"})
}

/// POSTs a ping for no session to `target` with `extra` headers.
fn post_to(fx: &HttpFixture, target: &str, extra: &[(&str, &str)]) -> Response {
    let body = common::http::initialize_request(1, json!({})).to_string();
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Accept", ACCEPT_BOTH),
    ];
    headers.extend_from_slice(extra);
    raw(
        &fx.addr,
        &build_for("POST", target, &fx.addr, &headers, Some(body.as_bytes())),
    )
}

fn metadata_url(fx: &HttpFixture) -> String {
    format!("http://{}{METADATA}", fx.addr)
}

fn get_metadata(fx: &HttpFixture) -> Response {
    raw(&fx.addr, &build_for("GET", METADATA, &fx.addr, &[], None))
}

#[test]
fn a_missing_token_gets_401_with_a_challenge() {
    let fx = spawn(&[]);
    let refused = post_to(&fx, "/mcp", &[]);
    assert_eq!(refused.status, 401, "{refused:?}");
    assert_eq!(
        refused.header("www-authenticate"),
        Some(format!("Bearer resource_metadata=\"{}\"", metadata_url(&fx)).as_str())
    );
    assert_eq!(refused.error_code(), -32600);
    // GET and DELETE are checked too.
    let get = request(&fx.addr, "GET", &[("Accept", "text/event-stream")], None);
    assert_eq!(get.status, 401);
    assert_eq!(request(&fx.addr, "DELETE", &[], None).status, 401);
}

#[test]
fn the_protected_resource_metadata_needs_no_token() {
    let fx = spawn(&[]);
    let doc = get_metadata(&fx);
    assert_eq!(doc.status, 200, "{doc:?}");
    assert_eq!(doc.header("content-type"), Some("application/json"));
    assert_eq!(
        doc.json(),
        json!({
            "resource": format!("http://{}/mcp", fx.addr),
            "authorization_servers": [format!("http://{}/", fx.addr)],
            "bearer_methods_supported": ["header"]
        })
    );
    let post = raw(
        &fx.addr,
        &build_for("POST", METADATA, &fx.addr, &[], Some(b"{}")),
    );
    assert_eq!(post.status, 405);
    // Without --require-bearer there is no such document.
    let open = HttpFixture::spawn(&[]);
    assert_eq!(get_metadata(&open).status, 404);
}

#[test]
fn a_wrong_token_gets_401_invalid_token() {
    let fx = spawn(&[]);
    let refused = post_to(&fx, "/mcp", &[("Authorization", "Bearer not-the-token")]);
    assert_eq!(refused.status, 401, "{refused:?}");
    let expected = format!(
        "Bearer error=\"invalid_token\", resource_metadata=\"{}\"",
        metadata_url(&fx)
    );
    assert_eq!(refused.header("www-authenticate"), Some(expected.as_str()));
}

#[test]
fn malformed_authorization_gets_400_invalid_request() {
    let fx = spawn(&[]);
    let expected = format!(
        "Bearer error=\"invalid_request\", resource_metadata=\"{}\"",
        metadata_url(&fx)
    );
    for value in ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a b"] {
        let refused = post_to(&fx, "/mcp", &[("Authorization", value)]);
        assert_eq!(refused.status, 400, "{value:?}: {refused:?}");
        assert_eq!(
            refused.header("www-authenticate"),
            Some(expected.as_str()),
            "{value:?}"
        );
    }
}

#[test]
fn a_token_in_the_query_is_refused() {
    let fx = spawn(&[]);
    let refused = post_to(&fx, &format!("/mcp?access_token={TOKEN}"), &[]);
    assert_eq!(refused.status, 401, "{refused:?}");
    let challenge = refused.header("www-authenticate").expect("a challenge");
    assert!(!challenge.contains("error="), "{challenge}");
}

#[test]
fn the_right_token_serves_and_the_session_never_replaces_it() {
    let fx = spawn(&[]);
    let client = authorized(&fx);
    assert_eq!(client.call(json!(1), "ping", None).0["result"], json!({}));
    // Lower-case scheme is fine.
    let mut lower = client.clone();
    lower.authorization = Some(format!("bearer {TOKEN}"));
    assert_eq!(lower.post(&ping()).status, 200);
    let mut bare = client.clone();
    bare.authorization = None;
    let refused = bare.post(&ping());
    assert_eq!(refused.status, 401, "{refused:?}");
    assert!(refused.header("www-authenticate").is_some());
    let session = client.session.as_deref().expect("session");
    let get = [("Accept", "text/event-stream"), ("Mcp-Session-Id", session)];
    assert_eq!(request(&fx.addr, "GET", &get, None).status, 401);
    assert_eq!(
        request(&fx.addr, "DELETE", &[("Mcp-Session-Id", session)], None).status,
        401
    );
    // The session is still there for the right token.
    assert_eq!(client.call(json!(2), "ping", None).0["result"], json!({}));
}

#[test]
fn knob_no_challenge() {
    let fx = spawn(&["auth-no-challenge"]);
    for extra in [&[][..], &[("Authorization", "Bearer wrong")][..]] {
        let refused = post_to(&fx, "/mcp", extra);
        assert_eq!(refused.status, 401);
        assert_eq!(refused.header("www-authenticate"), None, "{extra:?}");
    }
    assert_eq!(
        authorized(&fx).call(json!(1), "ping", None).0["result"],
        json!({})
    );
}

#[test]
fn knobs_on_the_metadata_document() {
    let fx = spawn(&["auth-prm-no-authorization-servers"]);
    let doc = get_metadata(&fx).json();
    assert!(doc.get("authorization_servers").is_none(), "{doc}");
    assert_eq!(doc["resource"], json!(format!("http://{}/mcp", fx.addr)));

    let fx = spawn(&["auth-prm-wrong-resource"]);
    let doc = get_metadata(&fx).json();
    assert_eq!(doc["resource"], json!(format!("http://{}/other", fx.addr)));
    assert_eq!(
        doc["authorization_servers"],
        json!([format!("http://{}/", fx.addr)])
    );
}

#[test]
fn knob_invalid_token_accepted() {
    let fx = spawn(&["auth-invalid-token-accepted"]);
    let mut client = fx.client();
    client.authorization = Some("Bearer anything-at-all".into());
    client.initialize(json!({}));
    client.initialized();
    assert_eq!(client.call(json!(1), "ping", None).0["result"], json!({}));
    // No token and malformed ones are still refused.
    assert_eq!(post_to(&fx, "/mcp", &[]).status, 401);
    assert_eq!(
        post_to(&fx, "/mcp", &[("Authorization", "Basic x")]).status,
        400
    );
}

#[test]
fn knob_session_trusted() {
    let fx = spawn(&["auth-session-trusted"]);
    let client = authorized(&fx);
    let mut bare = client.clone();
    bare.authorization = None;
    let served = bare.post(&ping());
    assert_eq!(served.status, 200, "{served:?}");
    assert_eq!(served.events()[0].json()["result"], json!({}));
    // An unknown session or none at all still needs the token.
    bare.session = Some("0123456789abcdef0123456789abcdef".into());
    assert_eq!(bare.post(&ping()).status, 401);
    assert_eq!(post_to(&fx, "/mcp", &[]).status, 401);
}

#[test]
fn knob_query_token_accepted() {
    let fx = spawn(&["auth-query-token-accepted"]);
    let served = post_to(&fx, &format!("/mcp?access_token={TOKEN}"), &[]);
    assert_eq!(served.status, 200, "{served:?}");
    assert!(served.header("mcp-session-id").is_some());
    assert_eq!(post_to(&fx, "/mcp?access_token=wrong", &[]).status, 401);
    assert_eq!(post_to(&fx, "/mcp", &[]).status, 401);
}

#[test]
fn knob_malformed_header_500() {
    let fx = spawn(&["auth-malformed-header-500"]);
    for value in ["Bearer", "Basic dXNlcjpwYXNz"] {
        let failed = post_to(&fx, "/mcp", &[("Authorization", value)]);
        assert_eq!(failed.status, 500, "{value:?}: {failed:?}");
        assert_eq!(failed.header("www-authenticate"), None);
    }
    // Missing and wrong tokens keep their 401.
    assert_eq!(post_to(&fx, "/mcp", &[]).status, 401);
    let wrong = post_to(&fx, "/mcp", &[("Authorization", "Bearer wrong")]);
    assert_eq!(wrong.status, 401);
}

#[test]
fn the_option_is_documented_and_needs_http() {
    let (status, stdout, _) = run_cli(&["--help"]);
    assert!(status.success());
    assert!(stdout.contains("--require-bearer TOKEN"), "{stdout}");
    let (status, _, stderr) = run_cli(&["--require-bearer", TOKEN]);
    assert_eq!(status.code(), Some(2));
    assert!(stderr.contains("--http"), "{stderr}");
}
