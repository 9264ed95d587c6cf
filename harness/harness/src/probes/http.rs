//! Probes for Streamable HTTP targets that need more than one `http` step can say: sampling
//! session ids across many sessions, reading the Protected Resource Metadata a 401 challenge
//! points to, and offering the token in the URL query.
//!
//! Not the transport (`target/http/`) and not the single-request checks, which are plain case
//! files with `http` steps.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde_json::{Value, json};

use super::{ProbeDef, ProbeResult};
use crate::case::model::Verdict;
use crate::session::Session;
use crate::target::http::RawRequest;

type Fut<'a> = Pin<Box<dyn Future<Output = ProbeResult> + Send + 'a>>;

/// The probes of this area.
pub const PROBES: &[ProbeDef] = &[
    ProbeDef {
        name: "session-ids",
        doc: "opens 20 sessions with their own initialize POSTs (each ended with DELETE) and judges the session ids: repeats or a counter/timestamp pattern fail, a varying part under 16 characters is non-strict",
        run: session_ids,
    },
    ProbeDef {
        name: "resource-metadata",
        doc: "finds the Protected Resource Metadata (the 401 challenge's resource_metadata, else the RFC 9728 well-known URL), fetches it without a token and judges `check: authorization-servers` (a JSON object with a non-empty list of URLs) or `check: resource` (equal to the endpoint URL)",
        run: resource_metadata,
    },
    ProbeDef {
        name: "query-token",
        doc: "POSTs initialize with the run's bearer token as an access_token query parameter and no Authorization header; a 2xx fails",
        run: query_token,
    },
];

/// Sessions opened by `session-ids`.
const SAMPLES: usize = 20;
/// How long one request of these probes may take.
const READ: Duration = Duration::from_secs(5);

fn initialize(id: &str) -> Vec<u8> {
    let body = json!({
        "jsonrpc": "2.0",
        "id": id,
        "method": "initialize",
        "params": {
            "protocolVersion": crate::config::REVISION,
            "capabilities": {},
            "clientInfo": {"name": "mcpspec", "version": env!("CARGO_PKG_VERSION")},
        },
    });
    body.to_string().into_bytes()
}

fn request(method: &str, body: Option<Vec<u8>>, headers: &[(&str, Option<&str>)]) -> RawRequest {
    RawRequest {
        method: method.into(),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.map(str::to_string)))
            .collect(),
        body,
        read: READ,
        close_within: Duration::from_millis(200),
        ..RawRequest::default()
    }
}

fn status(answer: &Value) -> Option<u64> {
    answer.get("status").and_then(Value::as_u64)
}

fn header<'a>(answer: &'a Value, name: &str) -> Option<&'a str> {
    answer
        .pointer(&format!("/headers/{name}"))
        .and_then(Value::as_str)
}

fn session_ids<'a>(session: &'a mut Session, _args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let mut ids = Vec::new();
        for n in 0..SAMPLES {
            let id = session.next_request_id();
            let id = id.as_str().unwrap_or("mcpspec-sid").to_string();
            let fresh = [("mcp-session-id", None), ("mcp-protocol-version", None)];
            let answer = match session
                .http_exchange(&request("POST", Some(initialize(&id)), &fresh))
                .await
            {
                Ok(a) => a,
                Err(why) => return ProbeResult::untestable(why),
            };
            let Some(sid) = header(&answer, "mcp-session-id").map(str::to_string) else {
                return ProbeResult::untestable(format!(
                    "initialize {} carried no session id (status {})",
                    n + 1,
                    status(&answer).map_or("none".into(), |s| s.to_string())
                ));
            };
            // The adopted session is the one just opened: end it before the next.
            let _ = session.http_exchange(&request("DELETE", None, &[])).await;
            ids.push(sid);
        }
        judge_ids(&ids)
    })
}

/// The verdict on a sample of session ids.
pub fn judge_ids(ids: &[String]) -> ProbeResult {
    let mut r = ProbeResult::pass();
    let mut sorted = ids.to_vec();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != ids.len() {
        r.add(
            Verdict::Fail,
            format!(
                "{} of {} session ids repeat an earlier one",
                ids.len() - sorted.len(),
                ids.len()
            ),
            "every session gets a new id",
            sample(ids),
        );
        return r;
    }
    let varying = varying_parts(ids);
    let numbers: Option<Vec<i128>> = varying.iter().map(|v| number(v)).collect();
    if let Some(numbers) = numbers
        && numbers.len() > 1
        && numbers
            .windows(2)
            .all(|w| (w[1] - w[0]).abs() < 1_000_000_000)
    {
        r.add(
            Verdict::Fail,
            "the session ids follow a counter or a clock: the next one can be guessed".into(),
            "ids from a secure random source",
            sample(ids),
        );
        return r;
    }
    let shortest = varying.iter().map(|v| v.chars().count()).min().unwrap_or(0);
    if shortest < 16 {
        r.add(
            Verdict::NonStrict,
            format!(
                "the part of the session ids that varies is only {shortest} characters long: too short for 128 random bits"
            ),
            "at least 16 varying characters (128 bits of randomness)",
            sample(ids),
        );
    }
    r
}

/// Each id without the prefix and suffix that all ids share.
fn varying_parts(ids: &[String]) -> Vec<String> {
    let chars: Vec<Vec<char>> = ids.iter().map(|s| s.chars().collect()).collect();
    let min = chars.iter().map(Vec::len).min().unwrap_or(0);
    let prefix = (0..min)
        .take_while(|&i| chars.iter().all(|c| c[i] == chars[0][i]))
        .count();
    let suffix = (0..min - prefix)
        .take_while(|&i| {
            chars
                .iter()
                .all(|c| c[c.len() - 1 - i] == chars[0][chars[0].len() - 1 - i])
        })
        .count();
    chars
        .iter()
        .map(|c| c[prefix..c.len() - suffix].iter().collect())
        .collect()
}

/// A decimal or hexadecimal counter value (at most 30 digits), if the text is one.
fn number(text: &str) -> Option<i128> {
    if text.is_empty() || text.len() > 30 {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    if text.len() <= 16 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return i128::from_str_radix(text, 16).ok();
    }
    None
}

fn sample(ids: &[String]) -> String {
    let shown: Vec<&str> = ids.iter().take(4).map(String::as_str).collect();
    format!("{} ...", shown.join(", "))
}

fn resource_metadata<'a>(session: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let check = args.get("check").and_then(Value::as_str).unwrap_or("");
        let Some(endpoint) = session.http_endpoint() else {
            return ProbeResult::untestable("needs a Streamable HTTP target");
        };
        let id = session.next_request_id();
        let id = id.as_str().unwrap_or("mcpspec-prm").to_string();
        let challenge = match session
            .http_exchange(&request(
                "POST",
                Some(initialize(&id)),
                &[("authorization", None)],
            ))
            .await
        {
            Ok(a) => a,
            Err(why) => return ProbeResult::untestable(why),
        };
        let location = header(&challenge, "www-authenticate")
            .and_then(resource_metadata_param)
            .unwrap_or_else(|| well_known(&endpoint));
        let mut get = request("GET", None, &[("authorization", None)]);
        get.headers.extend(
            ["accept", "mcp-session-id", "mcp-protocol-version"]
                .iter()
                .map(|n| (n.to_string(), None)),
        );
        get.headers
            .push(("accept".into(), Some("application/json".into())));
        get.path = Some(location.clone());
        let doc = match session.http_exchange(&get).await {
            Ok(a) => a,
            Err(why) => return ProbeResult::untestable(why),
        };
        if let Some(e) = doc.get("error").and_then(Value::as_str) {
            return ProbeResult::fail(
                format!("the metadata at {location} could not be fetched: {e}"),
                "200 with a JSON object",
                e.to_string(),
            );
        }
        let body = doc.get("body").filter(|b| b.is_object());
        let Some(body) = body.filter(|_| status(&doc) == Some(200)) else {
            return ProbeResult::fail(
                format!("GET {location} without a token did not return the metadata"),
                "200 with a JSON object",
                format!(
                    "status {}, body {}",
                    status(&doc).unwrap_or(0),
                    crate::wire::excerpt(
                        doc.get("body_text").and_then(Value::as_str).unwrap_or("")
                    )
                ),
            );
        };
        match check {
            "authorization-servers" => judge_authorization_servers(body),
            "resource" => judge_resource(body, &endpoint),
            other => ProbeResult::untestable(format!("unknown check {other:?}")),
        }
    })
}

/// The `resource_metadata` parameter of a Bearer challenge.
fn resource_metadata_param(challenge: &str) -> Option<String> {
    let lower = challenge.to_ascii_lowercase();
    let at = lower.find("resource_metadata=")? + "resource_metadata=".len();
    let rest = &challenge[at..];
    let value = match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next()?,
        None => rest.split([',', ' ']).next()?,
    };
    (!value.is_empty()).then(|| value.to_string())
}

/// RFC 9728's well-known location: the path is inserted after the origin.
fn well_known(endpoint: &reqwest::Url) -> String {
    let path = endpoint.path().trim_end_matches('/');
    format!("/.well-known/oauth-protected-resource{path}")
}

fn judge_authorization_servers(body: &Value) -> ProbeResult {
    let list = body.get("authorization_servers").and_then(Value::as_array);
    let Some(list) = list.filter(|l| !l.is_empty()) else {
        return ProbeResult::fail(
            "the metadata names no authorization server".into(),
            "authorization_servers: a non-empty array of issuer URLs",
            crate::wire::excerpt(&body.to_string()),
        );
    };
    let bad: Vec<String> = list
        .iter()
        .filter(|v| {
            v.as_str()
                .and_then(|s| reqwest::Url::parse(s).ok())
                .is_none_or(|u| !matches!(u.scheme(), "http" | "https"))
        })
        .map(Value::to_string)
        .collect();
    if bad.is_empty() {
        return ProbeResult::pass();
    }
    ProbeResult::fail(
        "authorization_servers holds entries that are not absolute URLs".into(),
        "absolute http(s) issuer URLs",
        bad.join(", "),
    )
}

fn judge_resource(body: &Value, endpoint: &reqwest::Url) -> ProbeResult {
    let Some(resource) = body.get("resource").and_then(Value::as_str) else {
        return ProbeResult::fail(
            "the metadata has no resource".into(),
            "resource: the MCP endpoint URL",
            crate::wire::excerpt(&body.to_string()),
        );
    };
    let Ok(url) = reqwest::Url::parse(resource) else {
        return ProbeResult::fail(
            "the metadata's resource is not a URL".into(),
            endpoint.as_str(),
            resource.to_string(),
        );
    };
    if url.fragment().is_some() {
        return ProbeResult::fail(
            "the metadata's resource has a fragment".into(),
            endpoint.as_str(),
            resource.to_string(),
        );
    }
    // `Url` already lower-cases scheme and host.
    let strip = |u: &reqwest::Url| u.as_str().trim_end_matches('/').to_string();
    if url == *endpoint {
        return ProbeResult::pass();
    }
    let mut r = ProbeResult::pass();
    if strip(&url) == strip(endpoint) {
        r.add(
            Verdict::NonStrict,
            "the metadata's resource differs from the endpoint URL only in a trailing slash".into(),
            endpoint.as_str(),
            resource.to_string(),
        );
    } else {
        r.add(
            Verdict::Fail,
            "the metadata's resource is not the MCP endpoint the client used".into(),
            endpoint.as_str(),
            resource.to_string(),
        );
    }
    r
}

fn query_token<'a>(session: &'a mut Session, _args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let Some(endpoint) = session.http_endpoint() else {
            return ProbeResult::untestable("needs a Streamable HTTP target");
        };
        let token = session.http_user_header("authorization").and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
                .map(str::to_string)
        });
        let Some(token) = token else {
            return ProbeResult::untestable("the run presents no bearer token");
        };
        let mut url = endpoint.clone();
        url.query_pairs_mut().append_pair("access_token", &token);
        let id = session.next_request_id();
        let id = id.as_str().unwrap_or("mcpspec-query").to_string();
        let mut req = request("POST", Some(initialize(&id)), &[("authorization", None)]);
        req.path = Some(url.to_string());
        let answer = match session.http_exchange(&req).await {
            Ok(a) => a,
            Err(why) => return ProbeResult::untestable(why),
        };
        match status(&answer) {
            Some(s) if (200..300).contains(&s) => ProbeResult::fail(
                "served a request whose only token was in the URL query".into(),
                "401 (tokens are taken from the Authorization header only)",
                format!("status {s}"),
            ),
            _ => ProbeResult::pass(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{judge_ids, resource_metadata_param, well_known};
    use crate::case::model::Verdict;

    fn ids(f: impl Fn(usize) -> String) -> Vec<String> {
        (0..20).map(f).collect()
    }

    #[test]
    fn session_id_samples() {
        let uuids = ids(|i| {
            format!(
                "{:08x}-9c1e-4b7a-8f{:02x}-{:012x}",
                i * 2_654_435_761usize % 0xffff_ffff,
                i * 37 % 251,
                (i + 3) * 0x9e37_79b9_7f4a
            )
        });
        assert_eq!(judge_ids(&uuids).verdict, Verdict::Pass);
        assert_eq!(
            judge_ids(&ids(|i| format!("session-{}", i + 1))).verdict,
            Verdict::Fail
        );
        assert_eq!(
            judge_ids(&ids(|i| format!(
                "s{:x}",
                0x18f0_0000_0000u64 + i as u64 * 3
            )))
            .verdict,
            Verdict::Fail
        );
        assert_eq!(judge_ids(&ids(|_| "same".into())).verdict, Verdict::Fail);
        assert_eq!(
            judge_ids(&ids(
                |i| format!("k{}x", ["ab", "zq", "pp", "rt"][i % 4]) + &i.to_string()
            ))
            .verdict,
            Verdict::NonStrict
        );
    }

    #[test]
    fn challenge_parameters() {
        assert_eq!(
            resource_metadata_param(
                r#"Bearer error="invalid_token", resource_metadata="http://h/.well-known/x""#
            )
            .as_deref(),
            Some("http://h/.well-known/x")
        );
        assert_eq!(resource_metadata_param("Bearer realm=x"), None);
        let u = reqwest::Url::parse("http://127.0.0.1:3000/mcp").unwrap();
        assert_eq!(well_known(&u), "/.well-known/oauth-protected-resource/mcp");
    }
}
