//! The `resources-hostile-uris` probe: path-traversal URIs must never return `/etc/passwd`, and
//! malformed URIs must get an answer without stopping the server (RESOURCES-015). Not here:
//! reading listed resources (`resources.rs`).

use std::collections::HashSet;

use serde_json::{Value, json};

use super::base64::base64_decode;
use super::context::{Answer, Ctx, Fut, arg_str, bad_args, short};
use super::walk::{RESOURCES, TEMPLATES};
use crate::case::model::Verdict;
use crate::session::Session;

/// Path traversal payloads for `resources/read`.
fn traversal_uris(sample: Option<&str>) -> Vec<String> {
    let mut uris = vec![
        "file:///../../../../../../../../etc/passwd".to_string(),
        "file:///%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd".to_string(),
        "file://localhost/../../../../../../../../etc/passwd".to_string(),
        "../../../../../../../../etc/passwd".to_string(),
    ];
    if let Some(sample) = sample {
        uris.push(format!(
            "{}/../../../../../../../../../../etc/passwd",
            sample.trim_end_matches('/')
        ));
        if let Some((scheme, _)) = sample.split_once(':')
            && scheme != "file"
        {
            uris.push(format!("{scheme}:///../../../../../../../../etc/passwd"));
            uris.push(format!("{scheme}://../../../../../../../../etc/passwd"));
        }
    }
    let mut seen = HashSet::new();
    uris.retain(|u| seen.insert(u.clone()));
    uris
}

/// Whether a read result holds text shaped like a Unix password file.
fn leaks_passwd(result: &Value) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"(?m)^root:[^:\n]*:0:0:").expect("static regex compiles")
    });
    let items = result.get("contents").and_then(Value::as_array);
    items.into_iter().flatten().any(|item| {
        if let Some(text) = item.get("text").and_then(Value::as_str) {
            return re.is_match(text);
        }
        item.get("blob")
            .and_then(Value::as_str)
            .and_then(base64_decode)
            .is_some_and(|bytes| re.is_match(&String::from_utf8_lossy(&bytes)))
    })
}

/// Hostile URIs for `resources/read` (RESOURCES-015): args `{check}`. `traversal`: path
/// traversal URIs (also built on a listed URI's scheme) must never return the contents of
/// `/etc/passwd`. `survives`: malformed URIs (no scheme, NUL, 100 KB, a number, a raw template)
/// may get any answer, but the server must answer each and keep serving.
pub(super) fn resources_hostile_uris<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let check = arg_str(args, "check");
        if !["traversal", "survives"].contains(&check) {
            return bad_args("resources-hostile-uris", args);
        }
        let mut ctx = Ctx::new(s, args);
        let payloads: Vec<Value> = if check == "traversal" {
            let sample = match ctx.call(RESOURCES.method, None).await {
                Some(Answer::Result(r)) => r
                    .pointer("/resources/0/uri")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                _ => None,
            };
            traversal_uris(sample.as_deref())
                .into_iter()
                .map(Value::String)
                .collect()
        } else {
            let template = match ctx.call(TEMPLATES.method, None).await {
                Some(Answer::Result(r)) => r
                    .pointer("/resourceTemplates/0/uriTemplate")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                _ => None,
            };
            vec![
                json!("no-scheme"),
                json!("file:///%00"),
                json!("mcpconf://nul/a\u{0}b"),
                json!(format!("mcpconf://long/{}", "a".repeat(100 * 1024))),
                json!(123),
                json!(null),
                json!({ "uri": "mcpconf://nested" }),
                json!(template.unwrap_or_else(|| "mcpconf://items/{id}".into())),
                json!(""),
                json!("http://[::1"),
                json!("mcpconf://%zz/\u{1b}[31m"),
            ]
        };
        let mut tested = false;
        for uri in payloads {
            let Some(answer) = ctx.call_raw("resources/read", json!({ "uri": uri })).await else {
                break;
            };
            tested = true;
            if check == "traversal"
                && let Answer::Result(result) = &answer
                && leaks_passwd(result)
            {
                ctx.find(
                    Verdict::Fail,
                    format!(
                        "SECURITY: resources/read of {} returned what looks like /etc/passwd",
                        short(&uri)
                    ),
                    "an error for a URI that escapes the server's resources",
                    short(result),
                );
            }
        }
        ctx.still_alive().await;
        ctx.done(tested, "resources/read gave no answer")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_detection() {
        let leak =
            json!({ "contents": [{ "uri": "x:y", "text": "root:x:0:0:root:/root:/bin/sh\n" }] });
        assert!(leaks_passwd(&leak));
        let blob = json!({ "contents": [{ "uri": "x:y", "blob": "cm9vdDp4OjA6MDo=" }] });
        assert!(leaks_passwd(&blob));
        let fine = json!({ "contents": [{ "uri": "x:y", "text": "hello root:0:0" }] });
        assert!(!leaks_passwd(&fine));
        assert!(!leaks_passwd(&json!({})));
    }

    #[test]
    fn traversal_payloads_use_the_listed_scheme() {
        let uris = traversal_uris(Some("demo://resource/x"));
        assert!(uris.iter().any(|u| u.starts_with("demo:///..")));
        assert!(uris.iter().any(|u| u.starts_with("demo://resource/x/..")));
        assert!(uris.iter().all(|u| u.contains("..") || u.contains("%2e")));
        let plain = traversal_uris(Some("file:///srv/a"));
        assert_eq!(plain.len(), 5);
    }
}
