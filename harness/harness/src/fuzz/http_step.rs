//! The `http` steps of the fuzzer as data: building them (status, media type and body
//! predicates, `otherwise` alternatives), composing the request a step sends exactly as
//! `interp.rs` does, and grading an answer object exactly as `interp.rs` grades the step. The
//! fuzzer judges live through [`judge`], so a recorded step replays with the verdict it had.
//!
//! Not which requests are sent or what they must get (`http_rules.rs`), and not the sending
//! (`play/http.rs`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::case::model::{Alternative, HttpStep, Predicate, Verdict};
use crate::interp::holds_static;
use crate::target::http::RawRequest;

/// How long a POST's SSE answer may stay open after its response (not judged here).
const CLOSE_WITHIN_MS: u64 = 200;

/// The verdict of a step on an answer object, as `interp.rs` grades an `http` step: `match`
/// holds, else the first alternative whose `if` holds, else `fail`. Also the failing pointer.
pub fn judge(step: &HttpStep, answer: &Value) -> (Verdict, Option<String>, Option<String>) {
    let failed = step
        .matches
        .iter()
        .find(|(pointer, pred)| !holds_static(pred, answer.pointer(pointer)));
    let Some((pointer, _)) = failed else {
        return (Verdict::Pass, None, None);
    };
    for a in &step.otherwise {
        if a.when
            .iter()
            .all(|(p, pred)| holds_static(pred, answer.pointer(p)))
        {
            return (a.then, a.because.clone(), Some(pointer.clone()));
        }
    }
    (Verdict::Fail, None, Some(pointer.clone()))
}

/// The request a step sends, composed as a replayed case composes it.
pub fn raw_request(step: &HttpStep, binds: &BTreeMap<String, Value>) -> RawRequest {
    crate::interp::raw_request(step, binds)
}

pub(super) fn step(method: &str, body: Option<Value>, read_ms: u64) -> HttpStep {
    HttpStep {
        method: method.into(),
        path: None,
        headers: BTreeMap::new(),
        close_within_ms: body
            .as_ref()
            .and_then(|b| b.get("id"))
            .map(|_| CLOSE_WITHIN_MS),
        body,
        body_text: None,
        read_ms: Some(read_ms),
        stop_after_events: None,
        require: BTreeMap::new(),
        require_because: None,
        matches: BTreeMap::new(),
        otherwise: Vec::new(),
        bind: BTreeMap::new(),
    }
}

/// No HTTP answer in time: recorded, judged elsewhere (the following ping must be answered).
pub(super) fn no_answer(read_ms: u64) -> Alternative {
    alt(
        &[("/error", present(true))],
        Verdict::Informational,
        Some(&format!("no HTTP answer within {read_ms} ms")),
    )
}

/// A catch-all: soft (`informational`) when `soft`, else a pass.
pub(super) fn soft_if(soft: bool, because: &str) -> Alternative {
    if soft {
        alt(&[], Verdict::Informational, Some(because))
    } else {
        alt(&[], Verdict::Pass, None)
    }
}

pub(super) fn alt(when: &[(&str, Predicate)], then: Verdict, because: Option<&str>) -> Alternative {
    Alternative {
        when: when
            .iter()
            .map(|(p, pred)| (p.to_string(), pred.clone()))
            .collect(),
        then,
        because: because.map(str::to_string),
    }
}

pub(super) fn equals(v: Value) -> Predicate {
    Predicate {
        equals: Some(v),
        ..Predicate::default()
    }
}

pub(super) fn present(p: bool) -> Predicate {
    Predicate {
        present: Some(p),
        ..Predicate::default()
    }
}

pub(super) fn in_list(values: Vec<Value>) -> Predicate {
    Predicate {
        one_of: Some(values),
        ..Predicate::default()
    }
}

pub(super) fn one_of(texts: &[&str]) -> Predicate {
    in_list(texts.iter().map(|t| json!(t)).collect())
}

pub(super) fn not_in(texts: &[&str]) -> Predicate {
    Predicate {
        not_in: Some(texts.iter().map(|t| json!(t)).collect()),
        ..Predicate::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn probe() -> HttpStep {
        let mut s = step(
            "POST",
            Some(json!({"jsonrpc": "2.0", "id": "fz-9", "method": "ping"})),
            100,
        );
        s.headers
            .insert("Mcp-Session-Id".into(), Some("${ended_session}".into()));
        s.matches.insert("/status".into(), equals(json!(404)));
        s.otherwise.push(no_answer(100));
        s
    }

    #[test]
    fn steps_are_graded_as_the_interpreter_grades_them() {
        let s = probe();
        assert_eq!(judge(&s, &json!({"status": 404})).0, Verdict::Pass);
        let (v, _, pointer) = judge(&s, &json!({"status": 200}));
        assert_eq!((v, pointer.as_deref()), (Verdict::Fail, Some("/status")));
        let (v, because, _) = judge(&s, &json!({"error": "refused"}));
        assert_eq!(v, Verdict::Informational);
        assert!(because.is_some_and(|b| b.contains("100 ms")));
        let mut open = s.clone();
        open.otherwise.push(soft_if(false, ""));
        assert_eq!(judge(&open, &json!({"status": 200})).0, Verdict::Pass);
        let listed = alt(&[("/status", one_of(&["a"]))], Verdict::Pass, None);
        assert!(listed.when["/status"].one_of.is_some());
        assert!(not_in(&["2xx"]).not_in.is_some() && present(true).present == Some(true));
        assert!(in_list(vec![json!(1)]).one_of.is_some());
    }

    #[test]
    fn requests_are_composed_as_the_interpreter_does() {
        let binds = BTreeMap::from([("ended_session".to_string(), json!("abc"))]);
        let s = probe();
        let req = raw_request(&s, &binds);
        assert_eq!(req.method, "POST");
        assert_eq!(req.response_id, Some(json!("fz-9")));
        assert!(
            req.headers
                .contains(&("Mcp-Session-Id".into(), Some("abc".into())))
        );
        assert_eq!(req.read, Duration::from_millis(100));
        assert_eq!(req.close_within, Duration::from_millis(CLOSE_WITHIN_MS));
        let recorded: Value = serde_json::to_value(&s).expect("serializes");
        assert_eq!(recorded["match"]["/status"]["equals"], 404);
        let back: HttpStep = serde_json::from_value(recorded).expect("round-trips");
        assert_eq!(back, s);
        let get = raw_request(&step("GET", None, 300), &BTreeMap::new());
        assert!(get.body.is_none() && get.response_id.is_none());
        let stray = step(
            "POST",
            Some(json!({"jsonrpc": "2.0", "id": "x", "result": {}})),
            5,
        );
        let req = raw_request(&stray, &BTreeMap::new());
        assert!(req.response_id.is_none(), "a response is not awaited");
        assert!(stray.close_within_ms.is_some());
    }
}
