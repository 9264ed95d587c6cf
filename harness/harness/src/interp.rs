//! The step interpreter: runs one case's steps on a session and returns the worst verdict with
//! its findings. Binds and `${name}` substitution live here too.
//!
//! Not session management (the runner picks and starts sessions) and not grading (`grade.rs`).

use std::collections::BTreeMap;
use std::time::Duration;

use mcpspec_codec::MessageKind;
use mcpspec_report::Finding;
use serde_json::Value;
use tokio::time::Instant;

use crate::case::model::{
    Alternative, Case, Expect, HttpStep, MessageKind as Kind, Predicate, Step, Verdict,
};
use crate::session::{Incoming, SendError, Session, WaitEnd};

/// What running a case's steps came to, before grading.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepsOutcome {
    /// The worst verdict of any step.
    pub verdict: Option<Verdict>,
    /// Findings, in step order.
    pub findings: Vec<Finding>,
    /// Set when the case found nothing to exercise.
    pub untestable: Option<String>,
    /// Set when mcpspec itself failed.
    pub harness_error: Option<String>,
    /// Set when the server died or stopped reading while the case needed it: a fail whatever
    /// the case's level.
    pub crashed: bool,
}

impl StepsOutcome {
    fn judge(&mut self, verdict: Verdict) {
        self.verdict = Some(self.verdict.map_or(verdict, |v| v.max(verdict)));
    }

    fn find(
        &mut self,
        verdict: Verdict,
        step: usize,
        message: String,
        expected: String,
        actual: String,
        pointer: Option<String>,
    ) {
        self.judge(verdict);
        self.findings.push(Finding {
            message,
            expected,
            actual,
            step: Some(step),
            json_pointer: pointer,
            observed_in: None,
        });
    }
}

/// Runs every step of `case` on `session`. `timeout` is the default wait of an `expect`.
pub async fn run_steps(session: &mut Session, case: &Case, timeout: Duration) -> StepsOutcome {
    let mut out = StepsOutcome::default();
    let mut binds: BTreeMap<String, Value> = BTreeMap::new();
    for (i, step) in case.steps.iter().enumerate() {
        let keep_going = match step {
            Step::Send(s) => {
                let message = substitute(&s.message, &binds);
                let sent = session.send(&message, !s.deliberately_invalid).await;
                on_send(&mut out, i, sent)
            }
            Step::SendRaw(r) => {
                let bytes = match (&r.text, &r.hex) {
                    (Some(t), _) => t.clone().into_bytes(),
                    (None, Some(h)) => match decode_hex(h) {
                        Some(b) => b,
                        None => {
                            out.harness_error = Some(format!("step {i}: send_raw.hex is not hex"));
                            return out;
                        }
                    },
                    (None, None) => Vec::new(),
                };
                let sent = session
                    .send_raw(
                        &bytes,
                        r.chunk_bytes,
                        r.chunk_delay_ms.map(Duration::from_millis),
                    )
                    .await;
                on_send(&mut out, i, sent)
            }
            Step::Expect(e) => expect(session, e, i, timeout, &mut binds, &mut out).await,
            Step::CloseInput(_) => {
                session.close_input().await;
                true
            }
            Step::Http(h) => http(session, h, i, &mut binds, &mut out).await,
            Step::Probe(p) => match crate::probes::find(&p.name) {
                Some(probe) => {
                    let result = (probe.run)(session, &p.args).await;
                    for f in result.findings {
                        out.findings.push(Finding { step: Some(i), ..f });
                    }
                    out.judge(result.verdict);
                    if session.gone().is_some() && result.verdict != Verdict::Pass {
                        out.crashed = true;
                    }
                    if let Some(why) = result.untestable {
                        out.untestable = Some(why);
                    }
                    true
                }
                None => {
                    out.harness_error = Some(format!("step {i}: unknown probe {:?}", p.name));
                    false
                }
            },
        };
        if !keep_going || out.harness_error.is_some() || out.untestable.is_some() {
            break;
        }
    }
    if out.verdict.is_none() {
        out.verdict = Some(Verdict::Pass);
    }
    out
}

fn on_send(out: &mut StepsOutcome, step: usize, sent: Result<(), SendError>) -> bool {
    match sent {
        Ok(()) => true,
        Err(SendError::HarnessOrigin(why)) => {
            out.harness_error = Some(format!("step {step}: {why}"));
            false
        }
        Err(SendError::Transport(e)) => {
            out.crashed = true;
            out.find(
                Verdict::Fail,
                step,
                format!("the server stopped reading its input: {e}"),
                "a server that keeps reading its input".into(),
                e.to_string(),
                None,
            );
            false
        }
    }
}

async fn expect(
    session: &mut Session,
    e: &Expect,
    i: usize,
    timeout: Duration,
    binds: &mut BTreeMap<String, Value>,
    out: &mut StepsOutcome,
) -> bool {
    let within = e.within_ms.map(Duration::from_millis).unwrap_or(timeout);
    if let Some(ms) = e.exit_within_ms {
        let deadline = Instant::now() + Duration::from_millis(ms);
        match session.wait_exit(deadline).await {
            Some(_) => out.judge(Verdict::Pass),
            None => out.find(
                e.on_timeout.unwrap_or(Verdict::Fail),
                i,
                format!("the server did not exit within {ms} ms"),
                format!("the process exits within {ms} ms"),
                "still running".into(),
                None,
            ),
        }
        return true;
    }
    if let Some(ms) = e.no_message_within_ms {
        let deadline = Instant::now() + Duration::from_millis(ms);
        let kind = e.of_kind.unwrap_or(Kind::Response);
        let except = e.except_methods.clone();
        let unwanted = move |m: &Incoming| {
            let kind_ok = match kind {
                Kind::Any => true,
                Kind::Response => matches!(m.kind, MessageKind::Result | MessageKind::Error),
                Kind::Request => m.kind == MessageKind::Request,
                Kind::Notification => m.kind == MessageKind::Notification,
            };
            kind_ok
                && !m
                    .method()
                    .is_some_and(|meth| except.iter().any(|x| x == meth))
        };
        match session.watch(unwanted, deadline).await {
            Some(msg) => {
                let (verdict, because) = otherwise(e, &msg.value);
                if verdict == Verdict::Pass {
                    out.judge(Verdict::Pass);
                    return true;
                }
                out.find(
                    verdict,
                    i,
                    because.unwrap_or_else(|| "an unexpected message arrived".into()),
                    format!("no {} within {ms} ms", kind_name(kind)),
                    crate::wire::excerpt(&msg.value.to_string()),
                    None,
                );
            }
            None => {
                if let Some(how) = session.gone() {
                    out.crashed = true;
                    out.find(
                        Verdict::Fail,
                        i,
                        format!("{how} while the harness waited"),
                        "a server that keeps running".into(),
                        how.to_string(),
                        None,
                    );
                    return false;
                }
                out.judge(Verdict::Pass);
            }
        }
        return true;
    }
    let deadline = Instant::now() + within;
    let (waited, what) = if let Some(id) = &e.response_to {
        let id = substitute(id, binds);
        let what = if e.or_null_id {
            format!("a response with id {id} (or an error with a null id)")
        } else {
            format!("a response with id {id}")
        };
        (
            session.wait_response(&id, e.or_null_id, deadline).await,
            what,
        )
    } else if let Some(method) = &e.notification {
        (
            session.wait_notification(method, deadline).await,
            format!("a {method} notification"),
        )
    } else {
        out.harness_error = Some(format!("step {i}: expect has no mode"));
        return false;
    };
    let msg = match waited {
        Ok(msg) => msg,
        Err(WaitEnd::TimedOut) => {
            out.find(
                e.on_timeout.unwrap_or(Verdict::Fail),
                i,
                format!("{what} did not arrive within {} ms", within.as_millis()),
                what,
                "nothing".into(),
                None,
            );
            return true;
        }
        Err(WaitEnd::Gone(how)) => {
            out.crashed = true;
            out.find(
                Verdict::Fail,
                i,
                format!("{how} before sending {what}"),
                what,
                how,
                None,
            );
            return false;
        }
    };
    let failed = e
        .matches
        .iter()
        .find(|(pointer, pred)| !holds(pred, msg.value.pointer(pointer), session));
    match failed {
        None => out.judge(Verdict::Pass),
        Some((pointer, pred)) => {
            let (verdict, because) = otherwise(e, &msg.value);
            let actual = match msg.value.pointer(pointer) {
                Some(v) => crate::wire::excerpt(&v.to_string()),
                None => "absent".into(),
            };
            let message = because.unwrap_or_else(|| format!("{pointer} {}", describe(pred)));
            if verdict == Verdict::Pass {
                out.judge(Verdict::Pass);
            } else {
                out.find(
                    verdict,
                    i,
                    message,
                    format!("{pointer} {}", describe(pred)),
                    actual,
                    Some(pointer.clone()),
                );
            }
        }
    }
    for (name, pointer) in &e.bind {
        match msg.value.pointer(pointer) {
            Some(v) => {
                binds.insert(name.clone(), v.clone());
            }
            None => {
                out.untestable = Some(format!(
                    "nothing to exercise: {pointer} is absent in the server's answer"
                ));
                return false;
            }
        }
    }
    true
}

/// The request an `http` step sends, with `${name}` binds substituted in its path, headers,
/// body and the id its answer is matched by. The fuzzer composes its steps with this too, so
/// a live request and its replay are the same.
pub(crate) fn raw_request(
    h: &HttpStep,
    binds: &BTreeMap<String, Value>,
) -> crate::target::http::RawRequest {
    let text = |s: &str| match substitute(&Value::String(s.to_string()), binds) {
        Value::String(t) => t,
        other => other.to_string(),
    };
    let body = match (&h.body, &h.body_text) {
        (Some(b), _) => {
            let mut bytes = mcpspec_codec::encode(&substitute(b, binds));
            bytes.pop();
            Some(bytes)
        }
        (None, Some(t)) => Some(text(t).into_bytes()),
        (None, None) => None,
    };
    crate::target::http::RawRequest {
        method: h.method.clone(),
        path: h.path.as_deref().map(text),
        headers: h
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), v.as_deref().map(text)))
            .collect(),
        response_id: h
            .body
            .as_ref()
            .and_then(|b| b.get("id"))
            .filter(|_| h.body.as_ref().is_some_and(|b| b.get("method").is_some()))
            .map(|id| substitute(id, binds)),
        body,
        read: Duration::from_millis(h.read_ms.unwrap_or(2000)),
        close_within: Duration::from_millis(h.close_within_ms.unwrap_or(1000)),
        stop_after_events: h.stop_after_events,
    }
}

/// Runs an `http` step: compose, send, then `require`, `match` (or `otherwise`) and `bind` on
/// the answer object.
async fn http(
    session: &mut Session,
    h: &HttpStep,
    i: usize,
    binds: &mut BTreeMap<String, Value>,
    out: &mut StepsOutcome,
) -> bool {
    let req = raw_request(h, binds);
    let answer = match session.http_exchange(&req).await {
        Ok(a) => a,
        Err(why) => {
            out.harness_error = Some(format!("step {i}: {why}"));
            return false;
        }
    };
    let no_answer = answer
        .get("error")
        .and_then(Value::as_str)
        .map(str::to_string);
    for (pointer, pred) in &h.require {
        if !holds_static(&substitute_predicate(pred, binds), answer.pointer(pointer)) {
            let why = h.require_because.clone().unwrap_or_default();
            out.untestable = Some(format!(
                "{why} ({pointer} was {})",
                shown(answer.pointer(pointer))
            ));
            return false;
        }
    }
    let failed = h.matches.iter().find(|(pointer, pred)| {
        !holds(
            &substitute_predicate(pred, binds),
            answer.pointer(pointer),
            session,
        )
    });
    if let Some((pointer, pred)) = failed {
        let (verdict, because) = grade_alternatives(&h.otherwise, &answer, binds);
        let expected = format!("{pointer} {}", describe(pred));
        let message = match (&no_answer, because) {
            (_, Some(b)) => b,
            (Some(e), None) => format!("the server gave no HTTP answer: {e}"),
            (None, None) => format!("{} {}: {expected}", h.method, status_text(&answer)),
        };
        if verdict == Verdict::Pass {
            out.judge(Verdict::Pass);
        } else {
            out.find(
                verdict,
                i,
                message,
                expected,
                shown(answer.pointer(pointer)),
                Some(pointer.clone()),
            );
        }
    } else {
        out.judge(Verdict::Pass);
    }
    for (name, pointer) in &h.bind {
        match answer.pointer(pointer) {
            Some(v) => {
                binds.insert(name.clone(), v.clone());
            }
            None => {
                out.untestable = Some(format!(
                    "nothing to exercise: {pointer} is absent in the HTTP answer ({})",
                    status_text(&answer)
                ));
                return false;
            }
        }
    }
    true
}

fn status_text(answer: &Value) -> String {
    match (answer.get("status"), answer.get("error")) {
        (Some(s), _) => format!("answered {s}"),
        (None, Some(e)) => format!("no answer: {}", e.as_str().unwrap_or("")),
        (None, None) => "no answer".into(),
    }
}

fn shown(value: Option<&Value>) -> String {
    match value {
        Some(v) => crate::wire::excerpt(&v.to_string()),
        None => "absent".into(),
    }
}

/// The first alternative whose `if` holds on `value` (binds substituted), else `fail`.
fn grade_alternatives(
    alts: &[Alternative],
    value: &Value,
    binds: &BTreeMap<String, Value>,
) -> (Verdict, Option<String>) {
    for alt in alts {
        if alt.when.iter().all(|(pointer, pred)| {
            holds_static(&substitute_predicate(pred, binds), value.pointer(pointer))
        }) {
            return (alt.then, alt.because.clone());
        }
    }
    (Verdict::Fail, None)
}

/// A predicate with `${name}` replaced in its JSON operands and its regex.
fn substitute_predicate(pred: &Predicate, binds: &BTreeMap<String, Value>) -> Predicate {
    if binds.is_empty() {
        return pred.clone();
    }
    let list = |l: &Option<Vec<Value>>| {
        l.as_ref()
            .map(|items| items.iter().map(|v| substitute(v, binds)).collect())
    };
    Predicate {
        equals: pred.equals.as_ref().map(|v| substitute(v, binds)),
        one_of: list(&pred.one_of),
        not_in: list(&pred.not_in),
        regex: pred
            .regex
            .as_ref()
            .map(|r| match substitute(&Value::String(r.clone()), binds) {
                Value::String(t) => t,
                other => other.to_string(),
            }),
        ..pred.clone()
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Response => "response",
        Kind::Request => "server request",
        Kind::Notification => "notification",
        Kind::Any => "message",
    }
}

/// The verdict for a message that failed `match`: the first `otherwise` alternative whose `if`
/// holds, else `fail`.
fn otherwise(e: &Expect, value: &Value) -> (Verdict, Option<String>) {
    for alt in &e.otherwise {
        if alt
            .when
            .iter()
            .all(|(pointer, pred)| holds_static(pred, value.pointer(pointer)))
        {
            return (alt.then, alt.because.clone());
        }
    }
    (Verdict::Fail, None)
}

fn holds(pred: &Predicate, value: Option<&Value>, session: &Session) -> bool {
    if let Some(def) = &pred.schema {
        return value.is_some_and(|v| session.schema().is_valid(def, v).unwrap_or(false));
    }
    holds_static(pred, value)
}

/// Evaluates a predicate on a value (`None`: the pointer did not resolve). Schema predicates
/// are checked against the embedded schema of the revision.
pub fn holds_static(pred: &Predicate, value: Option<&Value>) -> bool {
    if let Some(want) = &pred.equals {
        return value == Some(want);
    }
    if let Some(present) = pred.present {
        return value.is_some() == present;
    }
    if let Some(t) = &pred.json_type {
        return value.is_some_and(|v| json_type_is(v, t));
    }
    if let Some(set) = &pred.one_of {
        return value.is_some_and(|v| set.contains(v));
    }
    if let Some(set) = &pred.not_in {
        return value.is_none_or(|v| !set.contains(v));
    }
    if let Some(re) = &pred.regex {
        return match (value.and_then(Value::as_str), regex::Regex::new(re)) {
            (Some(s), Ok(re)) => re.is_match(s),
            _ => false,
        };
    }
    if let Some(def) = &pred.schema {
        let schema = mcpspec_schema::Schema::for_revision(crate::config::REVISION);
        return match (value, schema) {
            (Some(v), Some(s)) => s.is_valid(def, v).unwrap_or(false),
            _ => false,
        };
    }
    true
}

fn json_type_is(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

/// A predicate in words, for findings.
pub fn describe(pred: &Predicate) -> String {
    if let Some(v) = &pred.equals {
        return format!("equals {v}");
    }
    if let Some(p) = pred.present {
        return if p {
            "is present".into()
        } else {
            "is absent".into()
        };
    }
    if let Some(t) = &pred.json_type {
        return format!("is of type {t}");
    }
    if let Some(set) = &pred.one_of {
        return format!("is one of {}", Value::Array(set.clone()));
    }
    if let Some(set) = &pred.not_in {
        return format!("is none of {}", Value::Array(set.clone()));
    }
    if let Some(re) = &pred.regex {
        return format!("matches /{re}/");
    }
    if let Some(def) = &pred.schema {
        return format!("is a valid {def}");
    }
    "holds".into()
}

/// Replaces `${name}` in string values with bound values: a string that is exactly `${name}`
/// takes the bound value itself (any JSON type), otherwise the bound value's text is spliced in.
pub fn substitute(value: &Value, binds: &BTreeMap<String, Value>) -> Value {
    if binds.is_empty() {
        return value.clone();
    }
    match value {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
                && let Some(v) = binds.get(name)
            {
                return v.clone();
            }
            let mut out = s.clone();
            for (name, v) in binds {
                let text = match v {
                    Value::String(t) => t.clone(),
                    other => other.to_string(),
                };
                out = out.replace(&format!("${{{name}}}"), &text);
            }
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, binds)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, binds)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Decodes hex digits (whitespace ignored).
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equals_is_type_exact() {
        let p = Predicate {
            equals: Some(json!(1)),
            ..Default::default()
        };
        assert!(holds_static(&p, Some(&json!(1))));
        assert!(!holds_static(&p, Some(&json!("1"))));
        assert!(!holds_static(&p, Some(&json!(1.0))));
        assert!(!holds_static(&p, None));
    }

    #[test]
    fn substitution() {
        let mut b = BTreeMap::new();
        b.insert("tool".to_string(), json!("echo"));
        b.insert("n".to_string(), json!(3));
        let v = substitute(
            &json!({"name": "${tool}", "x": "${n}", "s": "a-${tool}"}),
            &b,
        );
        assert_eq!(v, json!({"name": "echo", "x": 3, "s": "a-echo"}));
    }

    #[test]
    fn hex() {
        assert_eq!(decode_hex("ff 0a"), Some(vec![0xff, 0x0a]));
        assert_eq!(decode_hex("f"), None);
        assert_eq!(decode_hex("zz"), None);
    }
}
