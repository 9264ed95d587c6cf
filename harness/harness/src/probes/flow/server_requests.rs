//! The `server-request` probe: provokes one kind of server-to-client request (sampling,
//! elicitation or roots) by calling tools that look related, answers it the way the case asks,
//! and judges the requests, the calls that caused them, or their absence. Not the harness's
//! answering of server requests itself (that is the session's job, steered here by overrides).

use std::time::Duration;

use mcpspec_codec::MessageKind;
use mcpspec_schema::Direction;
use serde_json::Value;
use tokio::time::Instant;

use super::pick::{Callable, Hint, callables, list_tools, note_called, schema_type, send_call};
use super::{
    Budget, CALL_TIMEOUT, Fut, MAX_PROVOKE_CALLS, ProbeResult, arg_str, check_alive, collect,
    send_failed, wait_call,
};
use crate::case::model::Verdict;
use crate::config::{ElicitationReply, SamplingReply};
use crate::session::{ElicitationOverride, Incoming, Session, WaitEnd};

/// Provokes one kind of server request and judges it (see the registry entry).
pub fn server_request<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let budget = Budget::new();
        let method = arg_str(args, "method", "").to_string();
        let check = arg_str(args, "check", "valid").to_string();
        let Some(hint) = Hint::for_method(&method) else {
            return ProbeResult::untestable(format!("unknown server request method {method:?}"));
        };
        let capability = method.split('/').next().unwrap_or("").to_string();
        let declared = s.client_declares(&capability);
        match check.as_str() {
            "absent" if declared => {
                return ProbeResult::untestable(format!(
                    "the client declared `{capability}`, so {method} is allowed"
                ));
            }
            "valid" | "validates-content" if !declared => {
                return ProbeResult::untestable(format!(
                    "the client did not declare `{capability}`; the case must declare it"
                ));
            }
            _ => {}
        }
        // Requests that came on their own, right after initialization.
        let is_method =
            |m: &Incoming| m.kind == MessageKind::Request && m.method() == Some(&method);
        let mut requests = collect(s, Instant::now(), is_method).await;
        let tools = list_tools(s, &budget).await.unwrap_or_default();
        let related: Vec<Callable> = callables(s, &tools, Some(hint), false)
            .into_iter()
            .filter(|c| c.score > 0)
            .collect();
        let mut r = ProbeResult::pass();
        let mut calls_made = 0;
        let replies: Vec<Option<Reply>> = match (check.as_str(), method.as_str()) {
            ("validates-content", _) => vec![Some(Reply::BreakSchema)],
            ("valid", "sampling/createMessage") => {
                vec![Some(Reply::Sample(true)), Some(Reply::Sample(false))]
            }
            ("valid", "elicitation/create") => vec![
                Some(Reply::Elicit(ElicitationReply::Accept)),
                Some(Reply::Elicit(ElicitationReply::Decline)),
                Some(Reply::Elicit(ElicitationReply::Cancel)),
            ],
            _ => vec![None],
        };
        let mut provoking: Option<Callable> = None;
        let mut broke_content: Option<bool> = None;
        'tools: for c in related.iter().take(MAX_PROVOKE_CALLS) {
            for reply in &replies {
                if budget.spent() {
                    break 'tools;
                }
                if provoking.is_some() && provoking.as_ref().map(|p| &p.name) != Some(&c.name) {
                    break 'tools;
                }
                set_reply(s, *reply);
                note_called(s, &tools, &c.name);
                calls_made += 1;
                let id = match send_call(s, c).await {
                    Ok(id) => id,
                    Err(e) => {
                        send_failed(&mut r, "the call", e);
                        break 'tools;
                    }
                };
                let mut during = Vec::new();
                let reply_msg = wait_call(
                    s,
                    &id,
                    budget.deadline(CALL_TIMEOUT),
                    is_method,
                    &mut during,
                )
                .await;
                let provoked = !during.is_empty();
                if provoked {
                    provoking = Some(c.clone());
                }
                match &reply_msg {
                    Ok(m) if check == "validates-content" && provoked => {
                        let props = during[0]
                            .value
                            .pointer("/params/requestedSchema/properties")
                            .and_then(Value::as_object)
                            .is_some_and(|p| !p.is_empty());
                        if !props {
                            broke_content = Some(false);
                        } else {
                            broke_content = Some(true);
                            let rejected = m.kind == MessageKind::Error
                                || m.value.pointer("/result/isError") == Some(&Value::Bool(true))
                                || during.len() > 1;
                            if !rejected {
                                r.add(
                                    Verdict::Fail,
                                    format!("tool {:?} used elicitation content that breaks the requested schema as if it were valid", c.name),
                                    "an error, an isError result, or a new elicitation after content of the wrong types",
                                    crate::wire::excerpt(&m.value.to_string()),
                                );
                            }
                        }
                    }
                    Ok(_) => {}
                    Err(WaitEnd::TimedOut) if provoked => r.add(
                        Verdict::Fail,
                        format!("tool {:?} did not finish within {} s after the harness answered its {method}", c.name, CALL_TIMEOUT.as_secs()),
                        "the originating call ends with a result or an error",
                        "no response".into(),
                    ),
                    Err(WaitEnd::TimedOut) => {}
                    Err(WaitEnd::Gone(_)) => {
                        requests.extend(during);
                        break 'tools;
                    }
                }
                requests.extend(during);
                if !provoked {
                    continue 'tools;
                }
            }
            if provoking.is_some() {
                break;
            }
        }
        set_reply(s, None);
        // A server may also send the request on its own shortly after initialization.
        let linger = if requests.is_empty() { 1000 } else { 300 };
        requests
            .extend(collect(s, budget.deadline(Duration::from_millis(linger)), is_method).await);
        check_alive(s, &mut r);
        match check.as_str() {
            "absent" => {
                for m in &requests {
                    r.add(
                        Verdict::Fail,
                        format!("the server sent {method} although the client did not declare `{capability}`"),
                        &format!("no {method} unless the client declared `{capability}`"),
                        crate::wire::excerpt(&m.value.to_string()),
                    );
                }
                if requests.is_empty() && calls_made == 0 && r.verdict == Verdict::Pass {
                    r.untestable = Some(nothing_related(&method));
                }
            }
            "validates-content" => {
                if r.verdict == Verdict::Pass {
                    match broke_content {
                        Some(true) => {}
                        Some(false) => {
                            r.untestable = Some(format!(
                                "the {method} request asked for no properties, so no content can break its schema"
                            ))
                        }
                        None => {
                            r.untestable =
                                Some(format!("no tool the harness may call sent {method}"))
                        }
                    }
                }
            }
            _ => {
                for m in &requests {
                    judge_request(s, &method, m, &mut r);
                }
                // The same request provoked several times breaks the same rules each time.
                let mut seen = std::collections::HashSet::new();
                r.findings.retain(|f| seen.insert(f.message.clone()));
                if requests.is_empty() && r.verdict == Verdict::Pass {
                    r.untestable = Some(if related.is_empty() {
                        nothing_related(&method)
                    } else {
                        format!(
                            "the server sent no {method} while {calls_made} related tool call(s) ran"
                        )
                    });
                }
            }
        }
        r
    })
}

/// Why nothing was judged when no tool looks related to `method` and no request came unprompted.
fn nothing_related(method: &str) -> String {
    format!("no tool the harness may call looks related to {method}, and none came unprompted")
}

/// How the harness answers the provoked request.
#[derive(Debug, Clone, Copy)]
enum Reply {
    /// Sampling: a text result (`true`) or a declining error (`false`).
    Sample(bool),
    /// Elicitation with this action.
    Elicit(ElicitationReply),
    /// Elicitation accepted with content that breaks the schema.
    BreakSchema,
}

fn set_reply(s: &mut Session, reply: Option<Reply>) {
    s.sampling_override = None;
    s.elicitation_override = None;
    match reply {
        Some(Reply::Sample(true)) => s.sampling_override = Some(SamplingReply::default()),
        Some(Reply::Sample(false)) => s.sampling_override = Some(SamplingReply::Decline),
        Some(Reply::Elicit(e)) => s.elicitation_override = Some(ElicitationOverride::Reply(e)),
        Some(Reply::BreakSchema) => s.elicitation_override = Some(ElicitationOverride::BreakSchema),
        None => {}
    }
}

/// Validates one server request against its method's definition, plus what the schema leaves
/// open: flat elicitation schemas, and no roots/list params but `_meta`.
fn judge_request(s: &Session, method: &str, m: &Incoming, r: &mut ProbeResult) {
    let shown = crate::wire::excerpt(&m.value.to_string());
    if let Some(info) =
        mcpspec_schema::method(s.schema().revision(), method, Direction::ServerToClient)
    {
        let violations = s
            .schema()
            .validate(info.definition, &m.value)
            .unwrap_or_default();
        if let Some(v) = violations.first() {
            r.add(
                Verdict::Fail,
                format!(
                    "a {method} request is not a valid {}: {} at {}",
                    info.definition, v.message, v.instance_path
                ),
                &format!("a valid {}", info.definition),
                shown.clone(),
            );
        }
    }
    match method {
        "roots/list" => {
            if let Some(Value::Object(params)) = m.value.get("params") {
                let extra: Vec<&String> = params.keys().filter(|k| *k != "_meta").collect();
                if !extra.is_empty() {
                    r.add(
                        Verdict::NonStrict,
                        format!("roots/list carried params other than _meta: {extra:?}"),
                        "roots/list with no params, or only _meta",
                        shown,
                    );
                }
            }
        }
        "elicitation/create" => {
            if let Some(Value::Object(props)) =
                m.value.pointer("/params/requestedSchema/properties")
            {
                for (name, prop) in props {
                    let nested = matches!(schema_type(prop), Some("object" | "array"))
                        || ["$ref", "oneOf", "anyOf", "allOf", "items", "properties"]
                            .iter()
                            .any(|k| prop.get(k).is_some());
                    if nested {
                        r.add(
                            Verdict::Fail,
                            format!("elicitation property {name:?} is not a primitive schema"),
                            "a flat requestedSchema: string, number, integer, boolean or enum properties only",
                            crate::wire::excerpt(&prop.to_string()),
                        );
                    }
                }
            }
        }
        _ => {}
    }
}
