//! The `tools-call-each` probe: every tool the guard allows is called once per session with
//! generated valid arguments (`each.rs`), and one property of the answers is checked (result
//! shape, structured content and its text fallback, failures reported as results). Not the checks of the content blocks inside
//! the results (`content.rs`), and no deliberately invalid call (`invalid.rs`, `hostile.rs`).

use serde_json::Value;

use super::content;
use super::each::{Called, call_each};
use super::request::Answer;
use super::{
    CALL_CHECKS, Checked, Findings, Fut, Opts, ProbeResult, error_text, excerpt, is_error_result,
    settle, values::json_eq, violations,
};
use crate::case::model::Verdict;
use crate::r#gen;
use crate::session::Session;

/// Calls every tool the guard allows (each decision is recorded for the report) with arguments
/// generated from its inputSchema, and checks one property of the answers, chosen by
/// `args.check`: `result-shape` (CallToolResult, TOOLS-006), `structured-content-present` and
/// `structured-content-valid` (tools with an outputSchema, TOOLS-007), `text-fallback` (a text
/// block holding the structuredContent JSON, TOOLS-008), `errors-as-results` (failures as isError
/// results, TOOLS-011), `content-blocks` (ContentBlock, CONTENT-001), `content-base64` (image and
/// audio data and blobs, CONTENT-002/003), `content-mime-type` (type/subtype, CONTENT-002),
/// `content-annotations` (CONTENT-004), `content-last-modified` (ISO 8601, CONTENT-004),
/// `content-text-and-blob` (CONTENT-007), `embedded-resource-capability` (TOOLS-016) and
/// `resource-links` (TOOLS-017). Tools without a usable answer are left out of the verdict.
pub fn tools_call_each<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let o = Opts::new(args);
        if let Some(stop) = o.unknown_check("tools-call-each", CALL_CHECKS) {
            return stop;
        }
        let structured_only = o.check.starts_with("structured-content");
        let want = |t: &Value| !structured_only || t.get("outputSchema").is_some();
        let called = match call_each(s, &o, want, "no tool declares an outputSchema").await {
            Ok(c) => c,
            Err(r) => return r,
        };
        match o.check.as_str() {
            "result-shape" => settle(result_shape(s, &called)),
            "structured-content-present" => structured_present(&called),
            "structured-content-valid" => structured_valid(&called),
            "text-fallback" => text_fallback(&called),
            "errors-as-results" => errors_as_results(&called),
            "content-blocks" => settle(content::content_blocks(s, &called)),
            "content-base64" => content::content_base64(&called),
            "content-mime-type" => content::content_mime(&called),
            "content-annotations" => settle(content::content_annotations(s, &called)),
            "content-last-modified" => content::content_last_modified(&called),
            "content-text-and-blob" => content::content_text_and_blob(&called),
            "embedded-resource-capability" => content::embedded_capability(s, &called),
            "content-uris" => content::content_uris(&called),
            _ => content::resource_links(s, &o, &called).await,
        }
    })
}

/// The results (not errors) among the calls, with the tool each came from.
pub(super) fn results(called: &[Called]) -> impl Iterator<Item = (&Called, &Value)> {
    called.iter().filter_map(|c| match &c.answer {
        Answer::Result(r) => Some((c, r)),
        _ => None,
    })
}

fn result_shape(s: &Session, called: &[Called]) -> Checked {
    let mut f = Findings::new();
    let mut seen = 0;
    for (c, r) in results(called) {
        seen += 1;
        for v in violations(s, "CallToolResult", r)?.iter().take(3) {
            f.add(
                Verdict::Fail,
                format!(
                    "the result of tool `{}` is not a valid CallToolResult: {v}",
                    c.name
                ),
                "a result with a `content` array of content blocks",
                excerpt(r),
            );
        }
    }
    Ok(f.finish_seen(
        seen,
        "every call was answered with an error, none with a result",
    ))
}

/// Results of tools that declare an outputSchema and did not report an error.
fn structured_candidates(called: &[Called]) -> Vec<(&Called, &Value)> {
    results(called)
        .filter(|(c, r)| c.tool.get("outputSchema").is_some() && !is_error_result(r))
        .collect()
}

fn structured_present(called: &[Called]) -> ProbeResult {
    let candidates = structured_candidates(called);
    let mut f = Findings::new();
    let seen = candidates.len();
    for (c, r) in candidates {
        match r.get("structuredContent") {
            Some(Value::Object(_)) => {}
            Some(other) => f.add(
                Verdict::Fail,
                format!(
                    "tool `{}` declares an outputSchema but its structuredContent is not an object",
                    c.name
                ),
                "structuredContent: a JSON object",
                excerpt(other),
            ),
            None => f.add(
                Verdict::Fail,
                format!(
                    "tool `{}` declares an outputSchema but its result has no structuredContent",
                    c.name
                ),
                "a structuredContent object conforming to the outputSchema",
                excerpt(r),
            ),
        }
    }
    f.finish_seen(
        seen,
        "no tool with an outputSchema returned a result without isError",
    )
}

fn structured_valid(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (c, r) in structured_candidates(called) {
        let Some(content) = r.get("structuredContent").filter(|v| v.is_object()) else {
            continue;
        };
        let Some(schema) = c.tool.get("outputSchema") else {
            continue;
        };
        // A schema that does not compile is judged by the output-schema case, not here.
        let Ok(compiled) = r#gen::compile(schema, false) else {
            continue;
        };
        seen += 1;
        for e in compiled.validator.iter_errors(content).take(3) {
            let at = e.instance_path().to_string();
            f.add(
                Verdict::Fail,
                format!(
                    "the structuredContent of tool `{}` does not conform to its outputSchema: {e} at {}",
                    c.name,
                    if at.is_empty() { "(root)" } else { at.as_str() }
                ),
                "structuredContent valid against the tool's outputSchema",
                excerpt(content),
            );
        }
    }
    f.finish_seen(
        seen,
        "no result of a tool with a compilable outputSchema carried structuredContent",
    )
}

fn text_fallback(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for (c, r) in results(called) {
        let Some(structured) = r.get("structuredContent").filter(|v| v.is_object()) else {
            continue;
        };
        seen += 1;
        let found = r
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|b| content::block_type(b) == "text")
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .filter_map(|t| serde_json::from_str::<Value>(t).ok())
            .any(|parsed| json_eq(&parsed, structured));
        if !found {
            f.add(
                Verdict::NonStrict,
                format!(
                    "the result of tool `{}` has structuredContent but no text block holding it as JSON",
                    c.name
                ),
                "a text content block whose text parses to the same JSON as structuredContent",
                excerpt(r.get("content").unwrap_or(&Value::Null)),
            );
        }
    }
    f.finish_seen(seen, "no result carried structuredContent")
}

fn errors_as_results(called: &[Called]) -> ProbeResult {
    let mut f = Findings::new();
    let mut failures = 0;
    for c in called {
        match &c.answer {
            Answer::Result(r) if is_error_result(r) => failures += 1,
            Answer::Error(e) => {
                failures += 1;
                let invalid_params = e.get("code").and_then(Value::as_i64) == Some(-32602);
                let (verdict, message) = if invalid_params {
                    (
                        Verdict::Informational,
                        format!(
                            "tool `{}` called with schema-valid arguments answered -32602 (invalid params); the arguments may break a rule the schema does not state",
                            c.name
                        ),
                    )
                } else {
                    (
                        Verdict::NonStrict,
                        format!(
                            "tool `{}` failed with a JSON-RPC error instead of a result with isError: true",
                            c.name
                        ),
                    )
                };
                f.add(
                    verdict,
                    message,
                    "a failure inside the tool reported as a CallToolResult with isError: true",
                    error_text(e),
                );
            }
            _ => {}
        }
    }
    f.finish_seen(
        failures,
        "no tool call failed, so how failures are reported could not be seen",
    )
}

/// A call as the checks see it, for tests.
#[cfg(test)]
pub(super) fn called(name: &str, tool: Value, answer: Answer) -> Called {
    Called {
        name: name.into(),
        tool,
        answer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sum_tool() -> Value {
        json!({"name": "add", "inputSchema": {"type": "object"},
               "outputSchema": {"type": "object", "properties": {"sum": {"type": "number"}}, "required": ["sum"]}})
    }

    #[test]
    fn structured_content_checks() {
        let good = called(
            "add",
            sum_tool(),
            Answer::Result(
                json!({"content": [{"type": "text", "text": "{ \"sum\": 3.0 }"}], "structuredContent": {"sum": 3}}),
            ),
        );
        assert_eq!(
            structured_present(std::slice::from_ref(&good)).verdict,
            Verdict::Pass
        );
        assert_eq!(
            structured_valid(std::slice::from_ref(&good)).verdict,
            Verdict::Pass
        );
        assert_eq!(
            text_fallback(std::slice::from_ref(&good)).verdict,
            Verdict::Pass
        );

        let missing = called("add", sum_tool(), Answer::Result(json!({"content": []})));
        assert_eq!(
            structured_present(std::slice::from_ref(&missing)).verdict,
            Verdict::Fail
        );
        // An isError result is not held to the output schema.
        let failed = called(
            "add",
            sum_tool(),
            Answer::Result(json!({"content": [], "isError": true})),
        );
        assert!(
            structured_present(std::slice::from_ref(&failed))
                .untestable
                .is_some()
        );

        let wrong = called(
            "add",
            sum_tool(),
            Answer::Result(
                json!({"content": [{"type": "text", "text": "{}"}], "structuredContent": {"sum": "three"}}),
            ),
        );
        assert_eq!(
            structured_valid(std::slice::from_ref(&wrong)).verdict,
            Verdict::Fail
        );
        assert_eq!(
            text_fallback(std::slice::from_ref(&wrong)).verdict,
            Verdict::NonStrict
        );
    }

    #[test]
    fn failures_as_results() {
        let tool = json!({"name": "t", "inputSchema": {"type": "object"}});
        let as_result = called(
            "t",
            tool.clone(),
            Answer::Result(json!({"content": [], "isError": true})),
        );
        assert_eq!(
            errors_as_results(std::slice::from_ref(&as_result)).verdict,
            Verdict::Pass
        );
        let internal = called(
            "t",
            tool.clone(),
            Answer::Error(json!({"code": -32603, "message": "boom"})),
        );
        assert_eq!(
            errors_as_results(&[as_result, internal]).verdict,
            Verdict::NonStrict
        );
        let invalid = called(
            "t",
            tool.clone(),
            Answer::Error(json!({"code": -32602, "message": "bad"})),
        );
        assert_eq!(
            errors_as_results(&[invalid]).verdict,
            Verdict::Informational
        );
        let ok = called("t", tool, Answer::Result(json!({"content": []})));
        assert!(errors_as_results(&[ok]).untestable.is_some());
    }
}
