//! Work that runs beside the reading loop, each on its own thread: the `slow` tool with its
//! progress notifications, the tools that ask the client something (`sample`, `elicit`,
//! `roots`) and wait for its answer, and the clock resource's update ticker. Everything they
//! write goes through the shared locked writer. It does not read stdin or decide what to run.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::bugs::Bugs;
use crate::features::resources::CLOCK_URI;
use crate::features::tools::{self, Ask};
use crate::protocol::Reply;
use crate::shared::{CancelFlag, Shared};

/// How long a tool waits for the client to answer the server's request.
pub const CLIENT_ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// Time between two clock updates.
pub const CLOCK_PERIOD: Duration = Duration::from_millis(300);
/// How often sleeping workers look at their stop or cancel flag.
const POLL: Duration = Duration::from_millis(10);

/// Reports a write failure on a worker thread; there is nobody else to tell.
fn report(result: io::Result<()>) {
    if let Err(e) = result {
        eprintln!("mcpspec-fixture-server: cannot write to stdout: {e}");
    }
}

/// Sleeps for `total` unless `stop` is set first. Returns false when it was.
fn sleep_unless(stop: &AtomicBool, total: Duration) -> bool {
    let end = Instant::now() + total;
    loop {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        let now = Instant::now();
        if now >= end {
            return true;
        }
        thread::sleep(POLL.min(end - now));
    }
}

// ---- slow -----------------------------------------------------------------------------------

/// The token progress notifications should carry, from the request's `_meta.progressToken`.
/// Only string and integer tokens are valid; anything else asks for no progress.
pub fn progress_token(params: Option<&Map<String, Value>>, bugs: &Bugs) -> Option<Value> {
    let requested = params
        .and_then(|p| p.get("_meta"))
        .and_then(|meta| meta.get("progressToken"))
        .filter(|t| t.is_string() || t.is_i64() || t.is_u64());
    match requested {
        Some(Value::String(s)) if bugs.progress_wrong_token => Some(json!(format!("x{s}"))),
        Some(Value::Number(n)) if bugs.progress_wrong_token => Some(json!(n.to_string())),
        Some(token) => Some(token.clone()),
        None if bugs.progress_without_token => Some(json!("unsolicited")),
        None => None,
    }
}

/// The progress values to report for `steps` steps: 1, 2, ..., steps.
fn progress_values(steps: u64, bugs: &Bugs) -> Vec<u64> {
    let mut values: Vec<u64> = (1..=steps).collect();
    if bugs.progress_not_increasing {
        if values.len() >= 2 {
            values.swap(0, 1);
        } else {
            values.push(1);
        }
    }
    values
}

/// Runs the `slow` tool for request `id` on a new thread.
pub fn spawn_slow<W: Write + Send + 'static>(
    shared: Arc<Shared<W>>,
    id: Value,
    token: Option<Value>,
    ms: u64,
    steps: u64,
    cancelled: CancelFlag,
) {
    thread::spawn(move || {
        report(run_slow(
            &shared,
            &id,
            token.as_ref(),
            ms,
            steps,
            &cancelled,
        ));
        shared.untrack(&id, &cancelled);
    });
}

/// How long after the slow tool's response the `progress-after-response` knob sends its extra
/// progress notification.
const LATE_PROGRESS_DELAY: Duration = Duration::from_millis(100);

fn run_slow<W: Write>(
    shared: &Shared<W>,
    id: &Value,
    token: Option<&Value>,
    ms: u64,
    steps: u64,
    cancelled: &AtomicBool,
) -> io::Result<()> {
    let bugs = shared.bugs;
    let steps = steps.max(1);
    let pause = Duration::from_millis(ms) / u32::try_from(steps).unwrap_or(u32::MAX);
    for value in progress_values(steps, &bugs) {
        if !sleep_unless(cancelled, pause) {
            return Ok(());
        }
        if let Some(token) = token {
            let params = json!({ "progressToken": token, "progress": value, "total": steps });
            let sent = shared.write(|out| {
                if cancelled.load(Ordering::SeqCst) {
                    return Ok(false);
                }
                out.notification("notifications/progress", params)
                    .map(|()| true)
            })?;
            if !sent {
                return Ok(());
            }
        }
    }
    let reply = tools::finish(tools::text_result("done"), &bugs);
    let answered = shared.answer(id, reply, cancelled)?;
    if answered
        && bugs.progress_after_response
        && let Some(token) = token
    {
        // A moment later, so that it follows the response on any transport: over Streamable
        // HTTP it travels on another stream than the response, and streams are not ordered.
        thread::sleep(LATE_PROGRESS_DELAY);
        let late = steps + 1;
        let params = json!({ "progressToken": token, "progress": late, "total": late });
        shared.write(|out| out.notification("notifications/progress", params))?;
    }
    Ok(())
}

// ---- asking the client ------------------------------------------------------------------------

/// Runs a tool that needs the client's answer for request `id` on a new thread.
pub fn spawn_ask<W: Write + Send + 'static>(
    shared: Arc<Shared<W>>,
    id: Value,
    ask: Ask,
    cancelled: CancelFlag,
) {
    thread::spawn(move || {
        report(run_ask(&shared, &id, &ask, &cancelled));
        shared.untrack(&id, &cancelled);
    });
}

/// How the wait for the client ended.
enum Answer {
    /// The client's response message.
    Message(Value),
    /// No answer in time.
    TimedOut,
    /// The tool call itself was cancelled.
    Cancelled,
}

fn run_ask<W: Write>(
    shared: &Shared<W>,
    id: &Value,
    ask: &Ask,
    cancelled: &AtomicBool,
) -> io::Result<()> {
    let bugs = shared.bugs;
    let (method, params) = request_for(ask, &bugs);
    let server_id = shared.next_request_id();
    let answers = shared.expect_answer(&server_id);
    shared.request(&server_id, method, params)?;
    let deadline = Instant::now() + CLIENT_ANSWER_TIMEOUT;
    let answer = loop {
        if cancelled.load(Ordering::SeqCst) {
            break Answer::Cancelled;
        }
        let now = Instant::now();
        if now >= deadline {
            break Answer::TimedOut;
        }
        match answers.recv_timeout(POLL.min(deadline - now)) {
            Ok(message) => break Answer::Message(message),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break Answer::TimedOut,
        }
    };
    shared.forget_answer(&server_id);
    let reply = match answer {
        Answer::Message(message) => interpret(ask, &message, &bugs),
        Answer::TimedOut | Answer::Cancelled => {
            // The server gives up on its own request and says so.
            let reason = match answer {
                Answer::Cancelled => "the tool call was cancelled",
                _ => "no answer in time",
            };
            let params = json!({ "requestId": server_id, "reason": reason });
            shared.write(|out| out.notification("notifications/cancelled", params))?;
            if matches!(answer, Answer::Cancelled) {
                return Ok(());
            }
            tools::tool_error(&format!(
                "the client did not answer {method} within {} s",
                CLIENT_ANSWER_TIMEOUT.as_secs()
            ))
        }
    };
    shared.answer(id, tools::finish(reply, &bugs), cancelled)?;
    Ok(())
}

/// The method and params of the request `ask` sends to the client.
fn request_for(ask: &Ask, bugs: &Bugs) -> (&'static str, Option<Value>) {
    match ask {
        Ask::Sample(prompt) => {
            let mut params = json!({
                "messages": [{ "role": "user", "content": { "type": "text", "text": prompt } }],
                "systemPrompt": "Answer briefly.",
                "maxTokens": 50
            });
            if bugs.sampling_bad_params
                && let Value::Object(fields) = &mut params
            {
                fields.remove("maxTokens");
            }
            ("sampling/createMessage", Some(params))
        }
        Ask::Elicit => {
            let mut properties = json!({
                "name": { "type": "string", "title": "Name", "description": "Your name" },
                "age": { "type": "integer", "title": "Age", "minimum": 0 },
                "subscribe": { "type": "boolean", "title": "Subscribe", "description": "Receive the newsletter" }
            });
            if bugs.elicitation_bad_schema {
                properties["address"] = json!({
                    "type": "object",
                    "properties": { "city": { "type": "string" } }
                });
            }
            let params = json!({
                "message": "Please tell the fixture a little about yourself.",
                "requestedSchema": {
                    "type": "object",
                    "properties": properties,
                    "required": ["name"]
                }
            });
            ("elicitation/create", Some(params))
        }
        Ask::Roots => ("roots/list", roots_list_params(bugs)),
    }
}

/// The params of every `roots/list` the server sends after initialization: none, or
/// `{"cursor":5}` under `roots-bad-params`.
pub fn roots_list_params(bugs: &Bugs) -> Option<Value> {
    bugs.roots_bad_params.then(|| json!({ "cursor": 5 }))
}

/// The tool's answer, given the client's response `message` to the server's request.
fn interpret(ask: &Ask, message: &Value, bugs: &Bugs) -> Reply {
    if let Some(error) = message.get("error") {
        let why = error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("no message");
        return tools::tool_error(&format!("the client refused the request: {why}"));
    }
    let Some(result) = message.get("result").and_then(Value::as_object) else {
        return tools::tool_error("the client's response has no result object");
    };
    match ask {
        Ask::Sample(_) => match result.get("content") {
            Some(content) => match content.get("type").and_then(Value::as_str) {
                Some("text") => match content.get("text").and_then(Value::as_str) {
                    Some(text) => tools::text_result(text),
                    None => tools::tool_error("the sampled text block has no text"),
                },
                Some(kind) => {
                    tools::text_result(&format!("the model answered with {kind} content"))
                }
                None => tools::tool_error("the sampled content has no type"),
            },
            None => tools::tool_error("the sampling result has no content"),
        },
        Ask::Elicit => match result.get("action").and_then(Value::as_str) {
            Some("accept") => {
                let content = result.get("content").cloned().unwrap_or(json!({}));
                match check_elicited(&content) {
                    Err(why) if !bugs.elicitation_ignores_validation => {
                        tools::tool_error(&format!("the elicited content is invalid: {why}"))
                    }
                    _ => tools::text_result(&format!("accept: {content}")),
                }
            }
            Some(action @ ("decline" | "cancel")) => tools::text_result(action),
            _ => tools::tool_error("the elicitation result has no valid action"),
        },
        Ask::Roots => {
            let uris: Option<Vec<&str>> =
                result
                    .get("roots")
                    .and_then(Value::as_array)
                    .and_then(|roots| {
                        roots
                            .iter()
                            .map(|root| root.get("uri").and_then(Value::as_str))
                            .collect()
                    });
            match uris {
                Some(uris) if uris.is_empty() => tools::text_result("the client has no roots"),
                Some(uris) => tools::text_result(&uris.join("\n")),
                None => tools::tool_error("the roots/list result is malformed"),
            }
        }
    }
}

/// Checks accepted elicitation content against the requested form.
fn check_elicited(content: &Value) -> Result<(), &'static str> {
    let Some(fields) = content.as_object() else {
        return Err("content must be an object");
    };
    match fields.get("name") {
        Some(Value::String(_)) => {}
        Some(_) => return Err("name must be a string"),
        None => return Err("name is required"),
    }
    if let Some(age) = fields.get("age")
        && !(age.is_u64() || age.as_f64().is_some_and(|f| f >= 0.0 && f.fract() == 0.0))
    {
        return Err("age must be a non-negative integer");
    }
    if fields.get("subscribe").is_some_and(|s| !s.is_boolean()) {
        return Err("subscribe must be a boolean");
    }
    Ok(())
}

// ---- clock ----------------------------------------------------------------------------------

/// The running clock ticker; dropping it does not stop it, [`Clock::stop`] does.
pub struct Clock {
    stop: Arc<AtomicBool>,
}

impl Clock {
    /// Starts sending `notifications/resources/updated` for the clock every [`CLOCK_PERIOD`].
    pub fn start<W: Write + Send + 'static>(shared: Arc<Shared<W>>) -> Clock {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let uri = if shared.bugs.resources_updated_bad_uri {
            "clock updated"
        } else {
            CLOCK_URI
        };
        thread::spawn(move || {
            while sleep_unless(&flag, CLOCK_PERIOD) {
                let result = shared.write(|out| {
                    // Checked under the writer lock: once `stop` returns, nothing more is sent.
                    if flag.load(Ordering::SeqCst) {
                        return Ok(());
                    }
                    shared.tick();
                    out.notification("notifications/resources/updated", json!({ "uri": uri }))
                });
                if let Err(e) = result {
                    report(Err(e));
                    break;
                }
            }
        });
        Clock { stop }
    }

    /// Stops the ticker. No update is written after this returns, provided the caller then
    /// takes the writer lock for anything it sends.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(knob: &str) -> Bugs {
        let mut bugs = Bugs::default();
        bugs.enable(knob).expect("known knob");
        bugs
    }

    #[test]
    fn progress_tokens() {
        let params = |t: Value| json!({ "_meta": { "progressToken": t } });
        let clean = Bugs::default();
        let token = |p: &Value, b: &Bugs| progress_token(p.as_object(), b);
        assert_eq!(token(&params(json!(7)), &clean), Some(json!(7)));
        assert_eq!(token(&params(json!("t")), &clean), Some(json!("t")));
        assert_eq!(token(&params(json!(1.5)), &clean), None);
        assert_eq!(token(&json!({}), &clean), None);
        let wrong = with("progress-wrong-token");
        assert_eq!(token(&params(json!(7)), &wrong), Some(json!("7")));
        assert_eq!(token(&params(json!("t")), &wrong), Some(json!("xt")));
        let unasked = with("progress-without-token");
        assert_eq!(token(&json!({}), &unasked), Some(json!("unsolicited")));
    }

    #[test]
    fn progress_sequences() {
        assert_eq!(progress_values(3, &Bugs::default()), vec![1, 2, 3]);
        assert_eq!(
            progress_values(3, &with("progress-not-increasing")),
            vec![2, 1, 3]
        );
        assert_eq!(
            progress_values(1, &with("progress-not-increasing")),
            vec![1, 1]
        );
    }

    #[test]
    fn elicited_content_is_checked() {
        assert!(check_elicited(&json!({"name":"Ada","age":36,"subscribe":true})).is_ok());
        assert!(check_elicited(&json!({"name":"Ada"})).is_ok());
        for bad in [
            json!({}),
            json!({"name": 1}),
            json!({"name":"Ada","age":-1}),
            json!({"name":"Ada","age":"old"}),
            json!({"name":"Ada","subscribe":"yes"}),
            json!([]),
        ] {
            assert!(check_elicited(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn client_answers_become_tool_results() {
        let clean = Bugs::default();
        let sample = Ask::Sample("hi".into());
        let text = json!({"result":{"role":"assistant","content":{"type":"text","text":"hello"},"model":"m"}});
        assert_eq!(
            interpret(&sample, &text, &clean),
            tools::text_result("hello")
        );
        let refused = json!({"error":{"code":-1,"message":"no"}});
        let Reply::Result(r) = interpret(&sample, &refused, &clean) else {
            panic!("tool errors are results");
        };
        assert_eq!(r["isError"], json!(true));
        let roots =
            json!({"result":{"roots":[{"uri":"file:///a"},{"uri":"file:///b","name":"b"}]}});
        assert_eq!(
            interpret(&Ask::Roots, &roots, &clean),
            tools::text_result("file:///a\nfile:///b")
        );
        let bad_form = json!({"result":{"action":"accept","content":{"age":3}}});
        let Reply::Result(r) = interpret(&Ask::Elicit, &bad_form, &clean) else {
            panic!("tool errors are results");
        };
        assert_eq!(r["isError"], json!(true));
        let lax = with("elicitation-ignores-validation");
        assert_eq!(
            interpret(&Ask::Elicit, &bad_form, &lax),
            tools::text_result("accept: {\"age\":3}")
        );
    }
}
