//! One HTTP request composed by a case (the `http` step): any method, path, headers and body,
//! sent beside the transport's own traffic, with its answer collected for judgement (status,
//! headers, a capped body, the SSE events read before a deadline).
//!
//! Not the transport's message flow: nothing here reaches the session's inbox by itself, and
//! the transport's session id and protocol version are read, never changed. The session turns
//! the messages found in the answer into wire-log entries and oracle checks.

use std::time::Duration;

use mcpspec_codec::{SseItem, SseParser};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use tokio::time::Instant;

use super::{HttpTransport, SESSION_HEADER, VERSION_HEADER};

/// What a case asks to send.
#[derive(Debug, Clone, Default)]
pub struct RawRequest {
    /// The HTTP method.
    pub method: String,
    /// A path (and query) replacing the endpoint's, or an absolute URL on the same origin.
    pub path: Option<String>,
    /// Headers to set (`Some`) or remove (`None`), by case-insensitive name.
    pub headers: Vec<(String, Option<String>)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
    /// How long the answer's body may be read.
    pub read: Duration,
    /// How long a stream may stay open after it carried the response to `response_id`.
    pub close_within: Duration,
    /// The id of the request in the body, when it is one: its response ends the read early.
    pub response_id: Option<Value>,
    /// Drop the connection once this many SSE events have arrived (to cut a stream on purpose).
    pub stop_after_events: Option<usize>,
}

/// One SSE event of the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent {
    /// Its `event` field, if any.
    pub event: Option<String>,
    /// Its `id` field, if any.
    pub id: Option<String>,
    /// Its data.
    pub data: String,
}

/// What came back.
#[derive(Debug, Clone, Default)]
pub struct RawAnswer {
    /// The request as sent: method, URL (userinfo and secret query values redacted) and the
    /// headers with secret values redacted.
    pub sent_method: String,
    /// The URL the request went to, redacted.
    pub sent_url: String,
    /// The headers sent (secret values redacted), lower-case names.
    pub sent_headers: Vec<(String, String)>,
    /// The session id the request carried, if any.
    pub sent_session_id: Option<String>,
    /// Why no answer came (connection refused, timeout before the headers).
    pub error: Option<String>,
    /// The status code.
    pub status: u16,
    /// The response headers, lower-case names, repeated ones joined with ", ".
    pub headers: Vec<(String, String)>,
    /// A non-SSE body, capped.
    pub body: Vec<u8>,
    /// The body went past the cap and was cut.
    pub body_capped: bool,
    /// SSE events, in order (event data capped like the body).
    pub events: Vec<RawEvent>,
    /// Problems the SSE parser reported (malformed fields, bad UTF-8, an unfinished event).
    pub sse_problems: Vec<String>,
    /// The body ended (EOF) before the read deadline.
    pub ended: bool,
    /// For a stream that carried the response to `response_id`: whether it ended within
    /// `close_within` after it.
    pub closed_after_response: Option<bool>,
    /// The body broke off with an error.
    pub broken: Option<String>,
}

impl HttpTransport {
    /// Sends one composed request and reads its answer until it ends, until `read` has passed,
    /// or until the response to `response_id` arrived and `close_within` more passed.
    pub async fn raw(&self, req: &RawRequest) -> RawAnswer {
        let mut answer = RawAnswer {
            sent_method: req.method.clone(),
            ..RawAnswer::default()
        };
        let url = match &req.path {
            None => self.url.clone(),
            Some(p) => match self.url.join(p) {
                Ok(u) if u.origin() == self.url.origin() => u,
                Ok(u) => {
                    answer.error = Some(format!("{u} is not on the endpoint's origin"));
                    return answer;
                }
                Err(e) => {
                    answer.error = Some(format!("bad path {p:?}: {e}"));
                    return answer;
                }
            },
        };
        answer.sent_url = crate::redact::url(url.as_str());
        let method = match reqwest::Method::from_bytes(req.method.as_bytes()) {
            Ok(m) => m,
            Err(e) => {
                answer.error = Some(format!("bad method {:?}: {e}", req.method));
                return answer;
            }
        };
        let headers = match self.raw_headers(req) {
            Ok(h) => h,
            Err(why) => {
                answer.error = Some(why);
                return answer;
            }
        };
        answer.sent_session_id = headers
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        answer.sent_headers = headers
            .iter()
            .map(|(n, v)| {
                let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                let shown = if crate::redact::is_secret_name(n.as_str()) {
                    "[redacted]".to_string()
                } else {
                    value
                };
                (n.as_str().to_string(), shown)
            })
            .collect();
        let deadline = Instant::now() + req.read;
        let mut builder = self.client.request(method, url).headers(headers);
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let response = match tokio::time::timeout_at(deadline, builder.send()).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                answer.error = Some(format!("request failed: {e}"));
                return answer;
            }
            Err(_) => {
                answer.error = Some(format!(
                    "no response headers within {} ms",
                    req.read.as_millis()
                ));
                return answer;
            }
        };
        answer.status = response.status().as_u16();
        answer.headers = joined_headers(response.headers());
        let sse = answer
            .headers
            .iter()
            .find(|(n, _)| n == "content-type")
            .is_some_and(|(_, v)| media_type(v) == "text/event-stream");
        if sse {
            self.read_stream(response, req, deadline, &mut answer).await;
        } else {
            self.read_body(response, deadline, &mut answer).await;
        }
        self.adopt(req, &answer);
        answer
    }

    /// After a successful `initialize` of the case's own, later requests (the case's and the
    /// transport's) carry the session id and protocol version it established, as a client's
    /// would, and the transport's DELETE at the end cleans the session up.
    fn adopt(&self, req: &RawRequest, answer: &RawAnswer) {
        let initialize = req
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
            .is_some_and(|v| v.get("method").and_then(Value::as_str) == Some("initialize"));
        if !initialize || !(200..300).contains(&answer.status) {
            return;
        }
        let bodies = std::iter::once(answer.body.as_slice())
            .chain(answer.events.iter().map(|e| e.data.as_bytes()));
        let version = bodies
            .filter_map(|b| serde_json::from_slice::<Value>(b).ok())
            .find_map(|v| {
                v.pointer("/result/protocolVersion")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
        let mut shared = self.shared.lock().expect("transport state lock");
        shared.case_driven = true;
        shared.session_id = answer
            .headers
            .iter()
            .find(|(n, _)| n == SESSION_HEADER)
            .map(|(_, v)| v.clone());
        if version.is_some() {
            shared.protocol_version = version;
        }
    }

    /// The transport's headers for this method, then the case's overrides.
    fn raw_headers(&self, req: &RawRequest) -> Result<HeaderMap, String> {
        let mut h = self.headers.clone();
        match req.method.as_str() {
            "POST" => {
                h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                h.insert(
                    ACCEPT,
                    HeaderValue::from_static("application/json, text/event-stream"),
                );
            }
            "GET" => {
                h.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
            }
            _ => {}
        }
        {
            let shared = self.shared.lock().expect("transport state lock");
            if let Some(id) = shared.session_id.as_deref()
                && let Ok(v) = HeaderValue::from_str(id)
            {
                h.insert(SESSION_HEADER, v);
            }
            if let Some(version) = shared.protocol_version.as_deref()
                && let Ok(v) = HeaderValue::from_str(version)
            {
                h.insert(VERSION_HEADER, v);
            }
        }
        for (name, value) in &req.headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("invalid header name {name:?}"))?;
            match value {
                None => {
                    h.remove(&n);
                }
                Some(v) => {
                    let v = HeaderValue::from_bytes(v.as_bytes())
                        .map_err(|_| format!("invalid value for header {name:?}"))?;
                    h.insert(n, v);
                }
            }
        }
        Ok(h)
    }

    async fn read_body(
        &self,
        mut response: reqwest::Response,
        deadline: Instant,
        answer: &mut RawAnswer,
    ) {
        loop {
            match tokio::time::timeout_at(deadline, response.chunk()).await {
                Err(_) => return,
                Ok(Ok(None)) => {
                    answer.ended = true;
                    return;
                }
                Ok(Ok(Some(chunk))) => {
                    let room = self.max_body.saturating_sub(answer.body.len());
                    if chunk.len() > room {
                        answer.body.extend_from_slice(&chunk[..room]);
                        answer.body_capped = true;
                        return;
                    }
                    answer.body.extend_from_slice(&chunk);
                }
                Ok(Err(e)) => {
                    answer.broken = Some(e.to_string());
                    return;
                }
            }
        }
    }

    async fn read_stream(
        &self,
        mut response: reqwest::Response,
        req: &RawRequest,
        deadline: Instant,
        answer: &mut RawAnswer,
    ) {
        let mut parser = SseParser::new(self.max_body);
        let mut deadline = deadline;
        let mut answered_at: Option<Instant> = None;
        loop {
            let chunk = match tokio::time::timeout_at(deadline, response.chunk()).await {
                Err(_) => break,
                Ok(Ok(Some(c))) => c,
                Ok(Ok(None)) => {
                    answer.ended = true;
                    break;
                }
                Ok(Err(e)) => {
                    answer.broken = Some(e.to_string());
                    break;
                }
            };
            for item in parser.push(&chunk) {
                if collect(item, answer, req.response_id.as_ref()) && answered_at.is_none() {
                    let now = Instant::now();
                    answered_at = Some(now);
                    deadline = deadline.min(now + req.close_within);
                }
            }
            if req
                .stop_after_events
                .is_some_and(|n| answer.events.len() >= n)
            {
                break;
            }
            if answer.events.len() >= MAX_EVENTS {
                answer
                    .sse_problems
                    .push(format!("more than {MAX_EVENTS} events: reading stopped"));
                break;
            }
        }
        if answer.ended {
            for item in parser.finish() {
                collect(item, answer, req.response_id.as_ref());
            }
        }
        if answered_at.is_some() {
            answer.closed_after_response = Some(answer.ended);
        }
    }
}

/// Most SSE events one `http` step keeps.
const MAX_EVENTS: usize = 1000;

/// Files one parser item into the answer; true when it was the response to `id`.
fn collect(item: SseItem, answer: &mut RawAnswer, id: Option<&Value>) -> bool {
    match item {
        SseItem::Event(ev) => {
            let is_response = id.is_some_and(|id| {
                serde_json::from_str::<Value>(&ev.data).is_ok_and(|v| {
                    v.get("id") == Some(id)
                        && (v.get("result").is_some() || v.get("error").is_some())
                })
            });
            answer.events.push(RawEvent {
                event: ev.event,
                id: ev.id,
                data: ev.data,
            });
            is_response
        }
        SseItem::Comment(_) => false,
        other => {
            answer.sse_problems.push(format!("{other:?}"));
            false
        }
    }
}

/// The media type of a Content-Type value, lower case, without parameters.
pub fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn joined_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in headers {
        let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match out.iter_mut().find(|(n, _)| n == name.as_str()) {
            Some((_, existing)) => {
                existing.push_str(", ");
                existing.push_str(&v);
            }
            None => out.push((name.as_str().to_string(), v)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{RawAnswer, collect, media_type};
    use mcpspec_codec::{SseEvent, SseItem};
    use serde_json::json;

    #[test]
    fn media_types_drop_parameters_and_case() {
        assert_eq!(
            media_type("Text/Event-Stream; charset=utf-8"),
            "text/event-stream"
        );
        assert_eq!(media_type(""), "");
    }

    #[test]
    fn only_the_awaited_response_ends_a_read() {
        let mut answer = RawAnswer::default();
        let ev = |data: &str| {
            SseItem::Event(SseEvent {
                event: None,
                data: data.into(),
                id: Some("1".into()),
                retry: None,
            })
        };
        let id = json!("x/1");
        assert!(!collect(
            ev(r#"{"jsonrpc":"2.0","method":"notifications/progress"}"#),
            &mut answer,
            Some(&id)
        ));
        assert!(!collect(
            ev(r#"{"jsonrpc":"2.0","id":"x/2","result":{}}"#),
            &mut answer,
            Some(&id)
        ));
        assert!(collect(
            ev(r#"{"jsonrpc":"2.0","id":"x/1","result":{}}"#),
            &mut answer,
            Some(&id)
        ));
        assert!(!collect(SseItem::NotUtf8, &mut answer, Some(&id)));
        assert_eq!(answer.events.len(), 3);
        assert_eq!(answer.sse_problems.len(), 1);
    }
}
