//! The content-block checks of `tools-call-each`: block shape, base64 payloads, MIME types and
//! their magic numbers, annotations and `lastModified`, embedded resources (text and blob, the
//! resources capability) and resource links. Not the calling of the tools (`call.rs`), and not
//! the value predicates these checks use (`values.rs`).

use std::collections::HashSet;

use serde_json::{Value, json};

use super::call::results;
use super::each::Called;
use super::values::{decode_head, is_iso8601, is_mime_type, magic_matches};
use super::{Checked, Findings, Opts, ProbeResult, excerpt, violations};
use crate::case::model::Verdict;
use crate::session::{RequestError, Session, WaitEnd};

/// Every content block of every result: (tool name, index, block).
fn blocks(called: &[Called]) -> Vec<(&str, usize, &Value)> {
    let mut out = Vec::new();
    for (c, r) in results(called) {
        if let Some(items) = r.get("content").and_then(Value::as_array) {
            for (i, b) in items.iter().enumerate() {
                out.push((c.name.as_str(), i, b));
            }
        }
    }
    out
}

/// The blocks of one `type`: (tool name, index, block).
fn blocks_of<'c>(called: &'c [Called], kind: &str) -> Vec<(&'c str, usize, &'c Value)> {
    blocks(called)
        .into_iter()
        .filter(|(_, _, b)| block_type(b) == kind)
        .collect()
}

pub(super) fn block_type(b: &Value) -> &str {
    b.get("type").and_then(Value::as_str).unwrap_or("")
}

pub(super) fn content_blocks(s: &Session, called: &[Called]) -> Checked {
    let all = blocks(called);
    let mut f = Findings::new();
    let seen = all.len();
    for (name, i, b) in all {
        if let Some(v) = violations(s, "ContentBlock", b)?.first() {
            f.add(
                Verdict::Fail,
                format!(
                    "content block {i} of tool `{name}` (type {:?}) is not a valid content block: {v}",
                    block_type(b)
                ),
                "one of text, image, audio, resource_link or resource, with its required fields",
                excerpt(b),
            );
        }
    }
    Ok(f.finish_seen(seen, "no result carried a content block"))
}

pub(super) fn content_base64(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (name, i, b) in blocks(called) {
        let payload = match block_type(b) {
            "image" | "audio" => b.get("data").map(|d| ("data", d)),
            "resource" => b.pointer("/resource/blob").map(|d| ("resource.blob", d)),
            _ => None,
        };
        let Some((field, data)) = payload else {
            continue;
        };
        seen += 1;
        let ok = data.as_str().is_some_and(mcpspec_schema::is_strict_base64);
        if !ok {
            f.add(
                Verdict::Fail,
                format!(
                    "content block {i} of tool `{name}` ({}): `{field}` is not valid base64",
                    block_type(b)
                ),
                "standard base64 (RFC 4648 alphabet, with padding)",
                excerpt(data),
            );
        }
    }
    f.finish_seen(seen, "no result carried image or audio data or a blob")
}

pub(super) fn content_mime(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (name, i, b) in blocks(called) {
        let kind = block_type(b);
        if kind != "image" && kind != "audio" {
            continue;
        }
        seen += 1;
        let Some(mime) = b.get("mimeType").and_then(Value::as_str) else {
            f.add(
                Verdict::Fail,
                format!("{kind} block {i} of tool `{name}` has no string mimeType"),
                "a mimeType such as image/png",
                excerpt(b.get("mimeType").unwrap_or(&Value::Null)),
            );
            continue;
        };
        if !is_mime_type(mime) {
            f.add(
                Verdict::Fail,
                format!(
                    "{kind} block {i} of tool `{name}` has a mimeType that is not type/subtype"
                ),
                "a MIME type of the form type/subtype (RFC 6838)",
                mime.to_string(),
            );
            continue;
        }
        let head = b.get("data").and_then(Value::as_str).map(decode_head);
        if let Some(Some(bytes)) = head
            && let Some(false) = magic_matches(mime, &bytes)
        {
            f.add(
                Verdict::NonStrict,
                format!("{kind} block {i} of tool `{name}`: the data does not start like {mime}"),
                &format!("data whose leading bytes fit {mime}"),
                format!("{:02x?}", &bytes[..bytes.len().min(8)]),
            );
        }
    }
    f.finish_seen(seen, "no result carried an image or audio block")
}

pub(super) fn content_annotations(s: &Session, called: &[Called]) -> Checked {
    let mut f = Findings::new();
    let mut seen = 0;
    for (name, i, b) in blocks(called) {
        let Some(a) = b.get("annotations") else {
            continue;
        };
        seen += 1;
        for v in violations(s, "Annotations", a)?.iter().take(3) {
            f.add(
                Verdict::Fail,
                format!("annotations of content block {i} of tool `{name}` are invalid: {v}"),
                "audience only \"user\"/\"assistant\", priority a number from 0 to 1",
                excerpt(a),
            );
        }
    }
    Ok(f.finish_seen(seen, "no content block carried annotations"))
}

pub(super) fn content_last_modified(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (name, i, b) in blocks(called) {
        let Some(Value::String(t)) = b.pointer("/annotations/lastModified") else {
            continue;
        };
        seen += 1;
        if !is_iso8601(t) {
            f.add(
                Verdict::NonStrict,
                format!("annotations.lastModified of content block {i} of tool `{name}` is not an ISO 8601 timestamp"),
                "an ISO 8601 timestamp such as 2025-01-01T00:00:00Z",
                t.clone(),
            );
        }
    }
    f.finish_seen(seen, "no content block carried annotations.lastModified")
}

pub(super) fn content_text_and_blob(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (name, i, b) in blocks_of(called, "resource") {
        let Some(res) = b.get("resource") else {
            continue;
        };
        seen += 1;
        if res.get("text").is_some() && res.get("blob").is_some() {
            f.add(
                Verdict::NonStrict,
                format!(
                    "the embedded resource in block {i} of tool `{name}` carries both text and blob"
                ),
                "either text or blob",
                excerpt(res),
            );
        }
    }
    f.finish_seen(seen, "no result carried an embedded resource")
}

/// CONTENT-006: the `uri` of every resource link and embedded resource parses as an RFC 3986
/// URI with a scheme.
pub(super) fn content_uris(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (name, i, b) in blocks(called) {
        let uri = match block_type(b) {
            "resource_link" => b.get("uri"),
            "resource" => b.pointer("/resource/uri"),
            _ => continue,
        };
        let Some(uri) = uri.and_then(Value::as_str) else {
            continue;
        };
        seen += 1;
        if let Err(why) = crate::probes::lists::rfc3986::check(uri) {
            f.add(
                Verdict::Fail,
                format!(
                    "the uri of block {i} of tool `{name}` ({}) is not an RFC 3986 URI: {why}",
                    block_type(b)
                ),
                "an RFC 3986 URI with a scheme",
                excerpt(&Value::String(uri.to_string())),
            );
        }
    }
    f.finish_seen(
        seen,
        "no result carried a resource link or an embedded resource",
    )
}

pub(super) fn embedded_capability(s: &Session, called: &[Called]) -> ProbeResult {
    if s.server_has("resources") {
        return ProbeResult::pass();
    }
    let embedded: Vec<String> = blocks_of(called, "resource")
        .into_iter()
        .map(|(name, i, _)| format!("{name}#{i}"))
        .collect();
    if embedded.is_empty() {
        return ProbeResult::untestable(
            "the server declares no resources capability and no result carried an embedded resource",
        );
    }
    let mut f = Findings::new();
    f.add(
        Verdict::NonStrict,
        format!(
            "tools returned embedded resources although the server does not declare the resources capability ({})",
            embedded.join(", ")
        ),
        "the resources capability declared by a server whose tools embed resources",
        "capabilities without `resources`".into(),
    );
    f.finish()
}

pub(super) async fn resource_links(s: &mut Session, o: &Opts, called: &[Called]) -> ProbeResult {
    let links: Vec<(String, usize, Value)> = blocks_of(called, "resource_link")
        .into_iter()
        .map(|(n, i, b)| (n.to_string(), i, b.clone()))
        .collect();
    if links.is_empty() {
        return ProbeResult::untestable("no result carried a resource_link block");
    }
    let mut f = Findings::new();
    let readable = s.server_has("resources");
    let mut tried = HashSet::new();
    for (name, i, link) in links {
        if let Ok(violations) = s.schema().validate("ResourceLink", &link)
            && let Some(v) = violations.first()
        {
            f.add(
                Verdict::Informational,
                format!(
                    "resource_link block {i} of tool `{name}` is not a valid ResourceLink: {v}"
                ),
                "type, uri (a URI) and name",
                excerpt(&link),
            );
            continue;
        }
        let Some(uri) = link.get("uri").and_then(Value::as_str) else {
            continue;
        };
        if !readable || !tried.insert(uri.to_string()) {
            continue;
        }
        let Some(wait) = o.wait() else { break };
        match s
            .request("resources/read", Some(json!({ "uri": uri })), wait)
            .await
        {
            Ok(reply) if reply.value.get("result").is_some() => {}
            Ok(reply) => f.add(
                Verdict::Informational,
                format!("the resource_link {uri} of tool `{name}` could not be read (links need not be readable)"),
                "a readable resource (not required)",
                excerpt(reply.value.get("error").unwrap_or(&Value::Null)),
            ),
            Err(RequestError::Wait(WaitEnd::Gone(how))) => {
                return ProbeResult::fail(
                    format!("{how} while the harness read a linked resource"),
                    "a server that keeps running",
                    how,
                );
            }
            Err(e) => f.add(
                Verdict::Informational,
                format!("reading the resource_link {uri} of tool `{name}` got no answer: {e}"),
                "an answer to resources/read",
                e.to_string(),
            ),
        }
    }
    f.finish()
}

#[cfg(test)]
mod tests {
    use super::super::call::called;
    use super::super::request::Answer;
    use super::*;

    const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    #[test]
    fn content_checks() {
        let tool = json!({"name": "m", "inputSchema": {"type": "object"}});
        let good = called(
            "m",
            tool.clone(),
            Answer::Result(json!({"content": [
                {"type": "text", "text": "hi", "annotations": {"lastModified": "2025-01-01T00:00:00Z"}},
                {"type": "image", "data": PNG, "mimeType": "image/png"},
                {"type": "resource", "resource": {"uri": "x://a", "blob": "aGk="}}
            ]})),
        );
        let one = std::slice::from_ref(&good);
        assert_eq!(content_base64(one).verdict, Verdict::Pass);
        assert_eq!(content_mime(one).verdict, Verdict::Pass);
        assert_eq!(content_last_modified(one).verdict, Verdict::Pass);
        assert_eq!(content_text_and_blob(one).verdict, Verdict::Pass);

        let bad = called(
            "m",
            tool,
            Answer::Result(json!({"content": [
                {"type": "text", "text": "hi", "annotations": {"lastModified": "yesterday"}},
                {"type": "image", "data": "%%not-base64%%", "mimeType": "png"},
                {"type": "audio", "data": PNG, "mimeType": "audio/wav"},
                {"type": "resource", "resource": {"uri": "x://a", "text": "t", "blob": "aGk"}}
            ]})),
        );
        let one = std::slice::from_ref(&bad);
        let b64 = content_base64(one);
        assert_eq!(b64.verdict, Verdict::Fail);
        assert_eq!(b64.findings.len(), 2, "{:?}", b64.findings);
        assert_eq!(content_mime(one).verdict, Verdict::Fail);
        assert_eq!(content_last_modified(one).verdict, Verdict::NonStrict);
        assert_eq!(content_text_and_blob(one).verdict, Verdict::NonStrict);
    }

    #[test]
    fn mismatched_magic_is_non_strict() {
        let tool = json!({"name": "m", "inputSchema": {"type": "object"}});
        let c = called(
            "m",
            tool,
            Answer::Result(json!({"content": [
                {"type": "image", "data": PNG, "mimeType": "image/jpeg"}
            ]})),
        );
        assert_eq!(content_mime(&[c]).verdict, Verdict::NonStrict);
    }
}
