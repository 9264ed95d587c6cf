//! What the fuzzer holds against the answers to [`HttpAbuse`] requests, written once as a case's
//! `http` step (`match` and `otherwise`) and judged live by evaluating that very step
//! (`http_step.rs`), so the verdict of the fuzzer and the verdict of a replay
//! (`mcpspec run --cases DIR`) cannot drift apart. Only spec MUSTs are fatal, each a rule of its own:
//!
//! - HTTP-027: an unsupported `MCP-Protocol-Version` on a live session gets 400;
//! - HTTP-024: after a DELETE that ended the session, its id gets 404;
//! - HTTP-006/007: a POSTed notification or response gets 202 with no body, or an error status;
//! - HTTP-011: a GET with a valid session gets an event stream or 405 (409 for a second stream
//!   is tolerated).
//!
//! Everything else (an empty or missing version header, ids never issued, wrong `Accept` or
//! `Content-Type`, bodies that are not JSON, DELETE answers) is a soft finding at most: SHOULDs
//! and behaviour the spec leaves open. A step that is soft only always ends with a catch-all
//! alternative, so it never fails a replay.
//!
//! Not the vocabulary (`http_abuse.rs`), not the step mechanics (`http_step.rs`) and not the
//! sending (`play/http.rs`).

use mcpspec_report::Level;
use serde_json::{Value, json};

use super::http_abuse::{
    ContentTypePick, GetPick, HttpAbuse, NotJson, SessionPick, Unanswered, VersionPick, unknown_id,
};
use super::http_step::{alt, equals, in_list, no_answer, not_in, one_of, present, soft_if, step};
use crate::case::model::{Alternative, HttpStep, TransportReq, Verdict};
use crate::oracles::OracleDef;

/// HTTP-027, judged on a live session.
pub const VERSION_400: OracleDef = OracleDef {
    id: "fuzz.http-version-header-400",
    title: "POSTs a request whose MCP-Protocol-Version header names no revision",
    expectation: "A request whose MCP-Protocol-Version header is invalid or unsupported MUST get 400 Bad Request.",
    level: Level::Must,
    requirements: &["HTTP-027"],
    page: "basic/transports",
    anchor: "protocol-version-header",
    statement: "A server that receives an invalid or unsupported MCP-Protocol-Version header MUST answer 400 Bad Request.",
    knob: "http-version-header-ignored",
    transport: TransportReq::Http,
};

/// HTTP-024.
pub const ENDED_404: OracleDef = OracleDef {
    id: "fuzz.http-ended-session-404",
    title: "Ends the session with DELETE, then POSTs a ping carrying the ended session's id",
    expectation: "After the session was terminated, requests carrying its id MUST get 404 Not Found.",
    level: Level::Must,
    requirements: &["HTTP-024"],
    page: "basic/transports",
    anchor: "session-management",
    statement: "After a server terminated a session, it MUST answer every request that carries that session id with 404 Not Found.",
    knob: "http-ended-session-served",
    transport: TransportReq::Http,
};

/// HTTP-006 and HTTP-007.
pub const UNANSWERED_202: OracleDef = OracleDef {
    id: "fuzz.http-unanswered-202",
    title: "POSTs a notification or a response, which get no JSON-RPC answer",
    expectation: "A POSTed notification or response MUST get 202 Accepted with no body when accepted, or an HTTP error status when refused.",
    level: Level::Must,
    requirements: &["HTTP-006", "HTTP-007"],
    page: "basic/transports",
    anchor: "sending-messages-to-the-server",
    statement: "For a POSTed JSON-RPC notification or response the server MUST reply 202 Accepted with no body if it accepts it, and an HTTP error status such as 400 if it does not.",
    knob: "http-notification-200",
    transport: TransportReq::Http,
};

/// HTTP-011, judged on a live session.
pub const GET_STREAM: OracleDef = OracleDef {
    id: "fuzz.http-get-stream-or-405",
    title: "GETs the endpoint with Accept: text/event-stream and the session's headers",
    expectation: "A GET of the endpoint MUST get an SSE stream (text/event-stream) or 405 Method Not Allowed.",
    level: Level::Must,
    requirements: &["HTTP-011"],
    page: "basic/transports",
    anchor: "listening-for-messages-from-the-server",
    statement: "The MCP endpoint MUST answer a GET that accepts text/event-stream either by opening an SSE stream or with 405 Method Not Allowed.",
    knob: "http-get-json",
    transport: TransportReq::Http,
};

/// The fatal rules, for tests and documentation.
pub const RULES: [&OracleDef; 4] = [&VERSION_400, &ENDED_404, &UNANSWERED_202, &GET_STREAM];

/// The bind that holds the session id a DELETE carried.
pub const ENDED_BIND: &str = "ended_session";
/// How long a GET stream is read before it is dropped.
pub const GET_READ_MS: u64 = 300;

/// What the session looks like when an abuse request is planned.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// A fresh request id of the fuzzer's own.
    pub id: Value,
    /// `initialize` got a result and the session was not ended: requests carrying its id
    /// must be served.
    pub live: bool,
    /// The server is known to have issued a session id.
    pub has_session_id: bool,
    /// How long an answer is read.
    pub read_ms: u64,
}

/// One `http` step with the rule its `fail` verdict breaks (`None`: it never fails).
#[derive(Debug, Clone)]
pub struct Plan {
    /// The step, as recorded.
    pub step: HttpStep,
    /// The broken rule when the step's verdict is `fail`.
    pub rule: Option<&'static OracleDef>,
}

/// The step for an abuse request.
pub fn plan(abuse: &HttpAbuse, ctx: &Ctx) -> Plan {
    let ping = json!({ "jsonrpc": "2.0", "id": ctx.id, "method": "ping" });
    let mut s = step("POST", Some(ping), ctx.read_ms);
    let no_answer = no_answer(ctx.read_ms);
    let rule = match abuse {
        HttpAbuse::Version(v) => {
            let value = match v {
                VersionPick::Unsupported(x) | VersionPick::Other(x) => Some(x.clone()),
                VersionPick::Empty => Some(String::new()),
                VersionPick::Missing => None,
            };
            s.headers.insert("MCP-Protocol-Version".into(), value);
            match v {
                VersionPick::Unsupported(_) => {
                    s.matches.insert("/status".into(), equals(json!(400)));
                    s.otherwise.push(no_answer);
                    // Outside a live session a 404 or a missing-session 400 is as good.
                    ctx.live.then_some(&VERSION_400)
                }
                VersionPick::Empty => {
                    s.matches.insert("/status".into(), equals(json!(400)));
                    s.otherwise.push(no_answer);
                    s.otherwise.push(soft_if(
                        ctx.live,
                        "accepted an empty MCP-Protocol-Version header (HTTP-027 asks for 400)",
                    ));
                    None
                }
                VersionPick::Missing => {
                    s.matches
                        .insert("/status_class".into(), equals(json!("2xx")));
                    s.otherwise.push(no_answer);
                    s.otherwise.push(soft_if(
                        ctx.live,
                        "refused a request without MCP-Protocol-Version (HTTP-028: assume 2025-03-26)",
                    ));
                    None
                }
                VersionPick::Other(_) => {
                    s.matches
                        .insert("/status_class".into(), one_of(&["2xx", "4xx"]));
                    s.otherwise.push(no_answer);
                    s.otherwise.push(soft_if(
                        true,
                        "answered another revision's MCP-Protocol-Version with a server error",
                    ));
                    None
                }
            }
        }
        HttpAbuse::Session(pick) => {
            let (value, want, because) = match pick {
                SessionPick::Unknown(n) => (
                    Some(unknown_id(*n)),
                    vec![json!(404)],
                    "answered a session id it never issued with a status other than 404 (HTTP-024 asks for 404)",
                ),
                SessionPick::Malformed(m) => (
                    Some(m.value()),
                    vec![json!(400), json!(404)],
                    "answered a malformed session id with a status other than 400 or 404",
                ),
                SessionPick::Missing => (
                    None,
                    vec![json!(400)],
                    "answered a request without Mcp-Session-Id on a session that has one with a status other than 400 (HTTP-023)",
                ),
            };
            s.headers.insert("Mcp-Session-Id".into(), value);
            s.matches.insert("/status".into(), in_list(want));
            s.otherwise.push(no_answer);
            s.otherwise
                .push(soft_if(ctx.live && ctx.has_session_id, because));
            None
        }
        HttpAbuse::Accept(a) => {
            s.headers
                .insert("Accept".into(), a.value().map(str::to_string));
            // None of these lists both application/json and text/event-stream, as the spec
            // requires of a client's Accept (`*/*` included): any answer but a server error is
            // fine.
            tolerant(&mut s, no_answer, false);
            None
        }
        HttpAbuse::ContentType(c) => {
            s.headers
                .insert("Content-Type".into(), c.value().map(str::to_string));
            tolerant(
                &mut s,
                no_answer,
                *c == ContentTypePick::JsonCharset && ctx.live,
            );
            None
        }
        HttpAbuse::Unanswered(u) => {
            s.body = Some(unanswered_body(*u, &ctx.id));
            s.matches.insert("/status".into(), equals(json!(202)));
            s.matches.insert("/body_length".into(), equals(json!(0)));
            s.otherwise.push(no_answer);
            s.otherwise.push(alt(
                &[("/status_class", one_of(&["4xx", "5xx"]))],
                Verdict::Pass,
                None,
            ));
            Some(&UNANSWERED_202)
        }
        HttpAbuse::NotJson(n) => {
            s.body = None;
            s.body_text = Some(not_json_text(*n).to_string());
            s.matches
                .insert("/status_class".into(), equals(json!("4xx")));
            s.otherwise.push(no_answer);
            s.otherwise.push(alt(
                &[("/messages/0/error", present(true))],
                Verdict::Pass,
                None,
            ));
            s.otherwise.push(soft_if(
                true,
                "answered a body that is not JSON with neither a 4xx status nor a JSON-RPC error",
            ));
            None
        }
        HttpAbuse::Get(pick) => {
            s = step("GET", None, GET_READ_MS);
            match pick {
                GetPick::Stream => {
                    s.matches
                        .insert("/media_type".into(), equals(json!("text/event-stream")));
                    s.otherwise.push(no_answer);
                    // 409: a second stream beside the transport's own, refused as SDKs do.
                    s.otherwise.push(alt(
                        &[("/status", in_list(vec![json!(405), json!(409)]))],
                        Verdict::Pass,
                        None,
                    ));
                    if ctx.live {
                        s.otherwise.push(alt(
                            &[("/status_class", not_in(&["2xx"]))],
                            Verdict::Informational,
                            Some("answered a GET on a live session with neither a stream nor 405"),
                        ));
                    } else {
                        s.otherwise.push(soft_if(false, ""));
                    }
                    ctx.live.then_some(&GET_STREAM)
                }
                GetPick::JsonAccept => {
                    s.headers
                        .insert("Accept".into(), Some("application/json".into()));
                    tolerant(&mut s, no_answer, false);
                    None
                }
            }
        }
        HttpAbuse::Delete => {
            s = step("DELETE", None, ctx.read_ms);
            s.matches
                .insert("/status_class".into(), equals(json!("2xx")));
            s.otherwise.push(no_answer);
            s.otherwise
                .push(alt(&[("/status", equals(json!(405)))], Verdict::Pass, None));
            // The id sent, for the probes that follow an ended session (null without one).
            s.bind.insert(ENDED_BIND.into(), "/sent/session_id".into());
            // Without a session id there is no session to end.
            s.otherwise.push(alt(
                &[("/sent/session_id", equals(Value::Null))],
                Verdict::Pass,
                None,
            ));
            s.otherwise.push(soft_if(
                true,
                "answered DELETE of the session with neither 2xx nor 405 (HTTP-025)",
            ));
            None
        }
    };
    if rule.is_none() && s.otherwise.last().is_none_or(|a| !a.when.is_empty()) {
        // A step no rule backs never fails a replay.
        s.otherwise.push(soft_if(false, ""));
    }
    Plan { step: s, rule }
}

/// A ping carrying the id of the session a DELETE ended (bound by the DELETE step as
/// [`ENDED_BIND`], so a replay uses its own session's id): 404 or a failure.
pub fn ended_probe(id: &Value, read_ms: u64) -> Plan {
    let ping = json!({ "jsonrpc": "2.0", "id": id, "method": "ping" });
    let mut s = step("POST", Some(ping), read_ms);
    s.headers
        .insert("Mcp-Session-Id".into(), Some(format!("${{{ENDED_BIND}}}")));
    s.matches.insert("/status".into(), equals(json!(404)));
    s.otherwise.push(no_answer(read_ms));
    Plan {
        step: s,
        rule: Some(&ENDED_404),
    }
}

/// A request the spec leaves open: 2xx and 4xx are fine, a server error is soft; with
/// `want_2xx`, a refusal is soft too.
fn tolerant(s: &mut HttpStep, no_answer: Alternative, want_2xx: bool) {
    let classes: &[&str] = if want_2xx { &["2xx"] } else { &["2xx", "4xx"] };
    s.matches.insert("/status_class".into(), one_of(classes));
    s.otherwise.push(no_answer);
    s.otherwise.push(soft_if(
        true,
        if want_2xx {
            "refused a request a client may send (a media type parameter)"
        } else {
            "answered a client's header mistake with a server error"
        },
    ));
}

fn unanswered_body(u: Unanswered, id: &Value) -> Value {
    let stray = json!(format!("{}-stray", id.as_str().unwrap_or("fz")));
    match u {
        Unanswered::Notification => json!({
            "jsonrpc": "2.0", "method": "notifications/x-mcpspec-fuzz", "params": {}
        }),
        Unanswered::StrayResult => json!({ "jsonrpc": "2.0", "id": stray, "result": {} }),
        Unanswered::StrayError => json!({
            "jsonrpc": "2.0", "id": stray,
            "error": { "code": -32603, "message": "mcpspec fuzz" }
        }),
        Unanswered::InvalidNotification => json!({ "jsonrpc": "2.0", "method": 7 }),
    }
}

fn not_json_text(n: NotJson) -> &'static str {
    match n {
        NotJson::BareWord => "ping",
        NotJson::Truncated => "{\"jsonrpc\":\"2.0\",\"id\":\"fz-cut\",\"method\":\"ping\"",
        NotJson::Empty => "",
        NotJson::Markup => "<jsonrpc><method>ping</method></jsonrpc>",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::http_abuse::{AcceptPick, MalformedId, SessionPick};
    use crate::fuzz::http_step::judge;

    fn every_abuse() -> Vec<HttpAbuse> {
        let mut all = vec![
            HttpAbuse::Version(VersionPick::Unsupported("1999-01-01".into())),
            HttpAbuse::Version(VersionPick::Empty),
            HttpAbuse::Version(VersionPick::Missing),
            HttpAbuse::Version(VersionPick::Other("2024-11-05".into())),
            HttpAbuse::Session(SessionPick::Unknown(1)),
            HttpAbuse::Session(SessionPick::Missing),
            HttpAbuse::Get(GetPick::Stream),
            HttpAbuse::Get(GetPick::JsonAccept),
            HttpAbuse::Delete,
        ];
        all.extend(MalformedId::ALL.map(|m| HttpAbuse::Session(SessionPick::Malformed(m))));
        all.extend(AcceptPick::ALL.map(HttpAbuse::Accept));
        all.extend(ContentTypePick::ALL.map(HttpAbuse::ContentType));
        all.extend(Unanswered::ALL.map(HttpAbuse::Unanswered));
        all.extend(NotJson::ALL.map(HttpAbuse::NotJson));
        all
    }

    fn answers() -> Vec<Value> {
        let mut out = vec![json!({"error": "connection refused", "sent": {"session_id": null}})];
        for status in [200, 202, 204, 400, 404, 405, 406, 409, 415, 500] {
            for media in ["application/json", "text/event-stream"] {
                out.push(json!({
                    "status": status,
                    "status_class": format!("{}xx", status / 100),
                    "media_type": media,
                    "body_length": 0,
                    "messages": [],
                    "sent": {"session_id": "s-1"},
                }));
            }
        }
        out
    }

    fn ctx(live: bool) -> Ctx {
        Ctx {
            id: json!("fz-1"),
            live,
            has_session_id: true,
            read_ms: 100,
        }
    }

    #[test]
    fn only_steps_backed_by_a_must_rule_can_fail() {
        for abuse in every_abuse() {
            for live in [true, false] {
                let p = plan(&abuse, &ctx(live));
                let fails = answers()
                    .iter()
                    .filter(|a| judge(&p.step, a).0 == Verdict::Fail)
                    .count();
                match p.rule {
                    None => assert_eq!(fails, 0, "{abuse:?} live={live}"),
                    Some(rule) => {
                        assert!(fails > 0, "{abuse:?}: {} never fails", rule.id);
                        assert_eq!(rule.level, Level::Must);
                    }
                }
                // No answer in time is never this step's failure (the next ping judges it).
                assert_ne!(judge(&p.step, &answers()[0]).0, Verdict::Fail);
            }
        }
    }

    #[test]
    fn the_fatal_rules_judge_as_the_spec_says() {
        let status = |s: u16, media: &str, body: usize| {
            json!({"status": s, "status_class": format!("{}xx", s / 100), "media_type": media,
                   "body_length": body, "sent": {"session_id": "s-1"}})
        };
        let v =
            |abuse: HttpAbuse, live: bool, a: &Value| judge(&plan(&abuse, &ctx(live)).step, a).0;
        let bad = HttpAbuse::Version(VersionPick::Unsupported("banana".into()));
        assert_eq!(
            v(bad.clone(), true, &status(400, "application/json", 9)),
            Verdict::Pass
        );
        assert_eq!(
            v(bad.clone(), true, &status(200, "text/event-stream", 9)),
            Verdict::Fail
        );
        assert!(plan(&bad, &ctx(false)).rule.is_none());
        let note = HttpAbuse::Unanswered(Unanswered::Notification);
        assert_eq!(v(note.clone(), true, &status(202, "", 0)), Verdict::Pass);
        assert_eq!(
            v(note.clone(), true, &status(400, "application/json", 40)),
            Verdict::Pass
        );
        assert_eq!(
            v(note.clone(), true, &status(202, "application/json", 2)),
            Verdict::Fail
        );
        assert_eq!(
            v(note, true, &status(200, "application/json", 2)),
            Verdict::Fail
        );
        let get = HttpAbuse::Get(GetPick::Stream);
        assert_eq!(
            v(get.clone(), true, &status(200, "text/event-stream", 0)),
            Verdict::Pass
        );
        assert_eq!(
            v(get.clone(), true, &status(405, "application/json", 0)),
            Verdict::Pass
        );
        assert_eq!(
            v(get.clone(), true, &status(200, "application/json", 2)),
            Verdict::Fail
        );
        assert_eq!(
            v(get, true, &status(404, "application/json", 2)),
            Verdict::Informational
        );
        let probe = ended_probe(&json!("fz-2"), 100);
        assert_eq!(
            probe.step.headers["Mcp-Session-Id"].as_deref(),
            Some("${ended_session}")
        );
        assert_eq!(judge(&probe.step, &status(404, "", 0)).0, Verdict::Pass);
        assert_eq!(
            judge(&probe.step, &status(200, "text/event-stream", 9)).0,
            Verdict::Fail
        );
        let delete = plan(&HttpAbuse::Delete, &ctx(true)).step;
        assert_eq!(delete.bind[ENDED_BIND], "/sent/session_id");
    }
}
