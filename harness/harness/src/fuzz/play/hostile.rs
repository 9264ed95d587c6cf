//! Hostile input: lines that are not JSON, JSON that is no request, params the MCP schema
//! rejects, unknown methods and notifications, reused and null ids, batches, deep nesting, very
//! large messages and Unicode in ids. What needs no answer is followed by a ping that must be
//! answered, and any answer it may have got is then judged as optional.
//!
//! Not the sending and judging (`exchange.rs`).

use mcpspec_codec::{MessageKind, classify, encode};
use serde_json::{Value, json};

use super::{Player, Silence, ask, pick_of, request_message};
use crate::fuzz::action::{Hostile, Huge, InvalidShape, Malformed};
use crate::fuzz::steps::Want;

impl Player<'_> {
    /// Plays hostile input. `None` when it was skipped.
    pub(super) async fn hostile(&mut self, h: &Hostile) -> Option<()> {
        // Errors with a null id cannot be told apart: drop those still queued from earlier
        // input, so that this input's answer is not mistaken for one of them.
        self.drop_queued_null_id_errors().await;
        match h {
            Hostile::Malformed(m) => self.malformed(*m).await,
            Hostile::InvalidRequest(shape) => {
                // Over HTTP an object without `method` is POSTed as a response and judged by
                // the HTTP rules for responses: leave those shapes to stdio.
                let no_method = matches!(
                    shape,
                    InvalidShape::MethodMissing | InvalidShape::EmptyObject | InvalidShape::Scalar
                );
                if no_method && self.s.is_http() {
                    return None;
                }
                let id = self.model.next_id();
                let (message, answer_id, codes) = invalid_request(*shape, &id);
                if self.send_json(&message, true).await && self.sync().await {
                    self.optional(
                        ask(
                            "an invalid request",
                            answer_id,
                            Silence::Soft,
                            Want::Error(codes),
                        )
                        .or_null(),
                    )
                    .await;
                }
            }
            Hostile::WrongParams { method, variant } => {
                let table = crate::fuzz::params::wrong_params();
                let entry = pick_of(table, *method)?;
                let (label, params) = pick_of(&entry.variants, *variant)?;
                self.what = format!("{} with invalid params ({label})", entry.method);
                let mut codes = vec![-32602, -32600];
                if entry.capability.is_some_and(|c| !self.s.server_has(c)) {
                    codes.push(-32601);
                }
                let id = self.model.next_id();
                let message = request_message(&id, entry.method, Some(params.clone()));
                self.hostile_request(&message, id, entry.method, Want::Error(codes))
                    .await;
            }
            Hostile::UnknownMethod(name) => {
                let id = self.model.next_id();
                let message = request_message(&id, name, None);
                self.hostile_request(&message, id, name, Want::Error(vec![-32601]))
                    .await;
            }
            Hostile::UnknownNotification(name) => {
                self.notify(name, Some(json!({ "mcpspec": 1 }))).await;
                self.sync().await;
            }
            Hostile::ReuseInFlightId(k) => {
                self.settle_outstanding().await;
                let reused = pick_of(&self.model.live_requests(), *k).map(|p| p.id.clone());
                match reused {
                    Some(reused) => {
                        let message = request_message(&reused, "ping", None);
                        if self.send_json(&message, true).await {
                            self.sync().await;
                        }
                    }
                    None => {
                        let id = self.model.next_id();
                        let message = request_message(&id, "ping", None);
                        if self.send_json(&message, false).await
                            && self.send_json(&message, true).await
                        {
                            self.ask_sent(
                                ask("ping", id, Silence::Soft, Want::Any),
                                Some(self.limits.timeout),
                            )
                            .await;
                        }
                    }
                }
            }
            Hostile::Batch => {
                let a = self.model.next_id();
                let b = self.model.next_id();
                let batch = json!([
                    request_message(&a, "ping", None),
                    request_message(&b, "ping", None)
                ]);
                if self.send_json(&batch, true).await {
                    self.sync().await;
                }
            }
            Hostile::DeepNesting(depth) => {
                let id = self.model.next_id();
                let depth = (*depth).min(100_000) as usize;
                let line = format!(
                    "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"ping\",\"params\":{{\"deep\":{}{}}}}}\n",
                    "[".repeat(depth),
                    "]".repeat(depth)
                );
                if self.send_raw(line.as_bytes()).await && self.sync().await {
                    self.optional(ask("ping", id, Silence::Soft, Want::Any).or_null())
                        .await;
                }
            }
            Hostile::Huge(huge) => self.huge(*huge).await,
            Hostile::NullId => {
                let message = json!({ "jsonrpc": "2.0", "id": null, "method": "ping" });
                if self.send_json(&message, true).await && self.sync().await {
                    self.optional(
                        ask(
                            "ping",
                            Value::Null,
                            Silence::Soft,
                            Want::Error(vec![-32600]),
                        )
                        .or_null(),
                    )
                    .await;
                }
            }
            Hostile::UnicodeId(u) => {
                let Value::String(base) = self.model.next_id() else {
                    return None;
                };
                let id = Value::String(format!("{base}-{}", u.text()));
                let message = request_message(&id, "ping", None);
                self.ask(
                    &message,
                    false,
                    ask("ping", id, Silence::Fatal, Want::Any),
                    Some(self.limits.timeout),
                )
                .await;
            }
        }
        Some(())
    }

    pub(super) async fn malformed(&mut self, m: Malformed) {
        let id = self.model.next_id();
        let ping = encode(&request_message(&id, "ping", None));
        let ping_text = String::from_utf8_lossy(&ping[..ping.len() - 1]).to_string();
        let (bytes, answer): (Vec<u8>, Option<Want>) = match m {
            Malformed::Truncated => (
                format!("{}\n", &ping_text[..ping_text.len() - 1]).into_bytes(),
                Some(Want::Error(vec![-32700])),
            ),
            Malformed::TrailingGarbage => (
                format!("{ping_text}}}}}\n").into_bytes(),
                Some(Want::Error(vec![-32700])),
            ),
            Malformed::BareWord => (b"ping\n".to_vec(), Some(Want::Error(vec![-32700]))),
            Malformed::NotUtf8 => {
                let mut b = vec![0xff, 0xfe];
                b.extend_from_slice(&ping);
                (b, Some(Want::Error(vec![-32700])))
            }
            Malformed::UnclosedString => (
                format!("{{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":\"{}\n", id.as_str().unwrap_or("")).into_bytes(),
                Some(Want::Error(vec![-32700])),
            ),
            Malformed::Blank => (b"  \n".to_vec(), None),
            Malformed::ByteOrderMark => {
                let mut b = "\u{FEFF}".as_bytes().to_vec();
                b.extend_from_slice(&ping);
                (b, Some(Want::Any))
            }
            Malformed::LoneSurrogate => (
                format!(
                    "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"ping\",\"params\":{{\"s\":\"\\ud800\"}}}}\n"
                )
                .into_bytes(),
                Some(Want::Any),
            ),
        };
        if !self.send_raw(&bytes).await || !self.sync().await {
            return;
        }
        if let Some(want) = answer {
            self.optional(ask("unparseable input", id, Silence::Soft, want).or_null())
                .await;
        }
    }

    pub(super) async fn huge(&mut self, huge: Huge) {
        let id = self.model.next_id();
        // A size limit may legitimately drop such input without an answer (PROBE-016): it is
        // judged after a ping, as optional.
        let (sent, want) = match huge {
            Huge::LongString(n) => {
                let text = crate::fuzz::payload::Payload::Long(n).text();
                let message = request_message(&id, "ping", Some(json!({ "data": text })));
                (self.send_json(&message, true).await, Want::Any)
            }
            Huge::BigNumbers => {
                let line = format!(
                    "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"ping\",\"params\":{{\"big\":1e400,\"wide\":123456789012345678901234567890,\"tiny\":-1e-400}}}}\n"
                );
                (self.send_raw(line.as_bytes()).await, Want::Any)
            }
            Huge::ManyKeys(n) => {
                let keys = crate::fuzz::payload::Payload::ManyKeys(n).value();
                let message = request_message(&id, "ping", Some(keys));
                (self.send_json(&message, true).await, Want::Any)
            }
            Huge::LongMethod => {
                let message = request_message(&id, &"x".repeat(65_536), None);
                (
                    self.send_json(&message, true).await,
                    Want::Error(vec![-32601]),
                )
            }
        };
        if sent && self.sync().await {
            self.optional(ask("a very large message", id, Silence::Soft, want).or_null())
                .await;
        }
    }

    /// A request that breaks a rule on purpose. A well-formed one must be answered in time; one
    /// whose envelope is broken too is judged after a ping, and its silence is soft.
    pub(super) async fn hostile_request(
        &mut self,
        message: &Value,
        id: Value,
        method: &str,
        want: Want,
    ) {
        if well_formed(message) {
            let a = ask(method, id, Silence::Fatal, want);
            self.ask(message, true, a, Some(self.limits.timeout)).await;
        } else if self.send_json(message, true).await && self.sync().await {
            self.optional(ask(method, id, Silence::Soft, want).or_null())
                .await;
        }
    }
}

/// Whether a message is a request a server must be able to read and answer: one JSON-RPC
/// request with a string or integer id and no envelope fault.
fn well_formed(message: &Value) -> bool {
    let bytes = encode(message);
    let c = classify(&bytes[..bytes.len().saturating_sub(1)]);
    c.kind == Some(MessageKind::Request) && c.violations.is_empty()
}

/// Valid JSON that is no valid request, with the id its answer may carry and the codes
/// JSON-RPC gives it.
fn invalid_request(shape: InvalidShape, id: &Value) -> (Value, Value, Vec<i64>) {
    let invalid = vec![-32600];
    match shape {
        InvalidShape::JsonrpcMissing => {
            (json!({ "id": id, "method": "ping" }), id.clone(), invalid)
        }
        InvalidShape::JsonrpcWrong => (
            json!({ "jsonrpc": "1.0", "id": id, "method": "ping" }),
            id.clone(),
            invalid,
        ),
        InvalidShape::MethodNotString => (
            json!({ "jsonrpc": "2.0", "id": id, "method": 42 }),
            id.clone(),
            invalid,
        ),
        InvalidShape::MethodMissing => (json!({ "jsonrpc": "2.0", "id": id }), id.clone(), invalid),
        InvalidShape::ParamsScalar => (
            json!({ "jsonrpc": "2.0", "id": id, "method": "ping", "params": 42 }),
            id.clone(),
            vec![-32600, -32602],
        ),
        InvalidShape::ParamsArray => (
            json!({ "jsonrpc": "2.0", "id": id, "method": "ping", "params": [] }),
            id.clone(),
            vec![-32600, -32602],
        ),
        InvalidShape::IdObject => {
            let odd = json!({ "fz": id });
            (
                json!({ "jsonrpc": "2.0", "id": odd, "method": "ping" }),
                odd,
                invalid,
            )
        }
        InvalidShape::IdBool => (
            json!({ "jsonrpc": "2.0", "id": true, "method": "ping" }),
            json!(true),
            invalid,
        ),
        InvalidShape::EmptyObject => (json!({}), Value::Null, invalid),
        InvalidShape::Scalar => (json!(42), Value::Null, invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_requests() {
        assert!(well_formed(&request_message(&json!("a"), "x/y", None)));
        assert!(!well_formed(&request_message(
            &json!("a"),
            "x",
            Some(json!([]))
        )));
        assert!(!well_formed(
            &json!({"jsonrpc": "2.0", "id": null, "method": "ping"})
        ));
        assert!(!well_formed(&request_message(
            &json!("a"),
            "notifications/x",
            None
        )));
    }

    #[test]
    fn invalid_requests_are_invalid() {
        for shape in InvalidShape::ALL {
            let (message, _, codes) = invalid_request(shape, &json!("fz-1"));
            assert!(!well_formed(&message), "{shape:?}: {message}");
            assert!(codes.contains(&-32600));
        }
    }
}
