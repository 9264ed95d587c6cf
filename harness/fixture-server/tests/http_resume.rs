//! End-to-end tests of resumable POST streams in the fixture server's Streamable HTTP mode: a
//! client drops the event stream of a slow `tools/call` after its first progress event, the
//! call goes on, and a GET with `Last-Event-ID` replays the rest of that stream only; plus the
//! knobs `http-disconnect-cancels` and `http-resume-other-stream` beside the clean server.
//! It does not test the standalone GET stream on its own (`http.rs`) or other HTTP knobs.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use common::DEADLINE;
use common::http::{Client, Event, HttpFixture, build};
use serde_json::{Value, json};

/// The id of the slow call whose stream is dropped.
const CALL: u64 = 10;
/// The id of the ping POSTed on a second stream while the first is dropped.
const PING: u64 = 11;

/// A server with a ready session (initialize and initialized done).
fn ready(bugs: &[&str]) -> (HttpFixture, Client) {
    let fx = HttpFixture::spawn(bugs);
    let mut client = fx.client();
    client.initialize(json!({}));
    client.initialized();
    (fx, client)
}

/// `tools/call` of the fixture's `slow` tool: `steps` progress notifications spread over `ms`
/// milliseconds for `token`, then the text result "done".
fn slow_call(token: Value, ms: u64, steps: u64) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": CALL,
        "method": "tools/call",
        "params": {
            "name": "slow",
            "arguments": { "ms": ms, "steps": steps },
            "_meta": { "progressToken": token }
        }
    })
}

fn subscribe_to_the_clock(client: &Client) {
    let params = json!({ "uri": "fixture://clock" });
    let (response, _) = client.call(json!(2), "resources/subscribe", Some(params));
    assert_eq!(response["result"], json!({}), "{response}");
}

fn is_progress_for(msg: &Value, token: &Value) -> bool {
    msg["method"] == json!("notifications/progress") && msg["params"]["progressToken"] == *token
}

fn is_response_to(msg: &Value, id: u64) -> bool {
    msg.get("method").is_none() && msg["id"] == json!(id)
}

/// POSTs the slow call, reads its stream up to its first progress event, drops the connection
/// and returns that event's id.
fn call_and_drop(client: &Client, call: &Value) -> String {
    let token = &call["params"]["_meta"]["progressToken"];
    let mut stream = client.post_stream(call);
    assert_eq!(stream.status, 200, "{:?}", stream.headers);
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    loop {
        let event = stream.next_event().expect("the call's stream ended early");
        let msg = event.json();
        assert!(
            !is_response_to(&msg, CALL),
            "answered before the drop: {msg}"
        );
        if is_progress_for(&msg, token) {
            assert_eq!(msg["params"]["progress"], json!(1), "{msg}");
            let id = event.id.clone().expect("the event has an id");
            drop(stream);
            return id;
        }
    }
}

/// POSTs ping `PING` on a stream of its own and returns the event id of its response.
fn ping_elsewhere(client: &Client) -> u64 {
    let response = client.post(&json!({"jsonrpc":"2.0","id":PING,"method":"ping"}));
    assert_eq!(response.status, 200, "{response:?}");
    let events = response.events();
    let answer = events
        .iter()
        .find(|e| is_response_to(&e.json(), PING))
        .unwrap_or_else(|| panic!("no ping response in {events:?}"));
    answer.number()
}

// ---- a GET stream read on its own thread ------------------------------------------------------

enum Item {
    Head(u16, Vec<(String, String)>),
    Event(Event),
    Closed,
}

/// A GET on `/mcp` whose response is read on a thread, so that tests can wait for events with
/// bounded waits of their own.
struct Tail {
    status: u16,
    headers: Vec<(String, String)>,
    rx: Receiver<Item>,
    closed: bool,
}

impl Tail {
    /// GETs the session's stream, with `Last-Event-ID: last` when given, and waits for the
    /// response head.
    fn open(client: &Client, last: Option<&str>) -> Tail {
        let session = client.session.as_deref().expect("a session");
        let mut headers = vec![
            ("Accept", "text/event-stream"),
            ("Mcp-Session-Id", session),
            ("MCP-Protocol-Version", "2025-06-18"),
        ];
        if let Some(last) = last {
            headers.push(("Last-Event-ID", last));
        }
        let mut stream = TcpStream::connect(&client.addr).expect("connect");
        stream
            .write_all(&build("GET", &client.addr, &headers, None))
            .expect("send GET");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || read_stream(stream, &tx));
        match rx.recv_timeout(DEADLINE) {
            Ok(Item::Head(status, headers)) => Tail {
                status,
                headers,
                rx,
                closed: false,
            },
            _ => panic!("no response head within {DEADLINE:?}"),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every event until the server closes the stream, which must happen within [`DEADLINE`].
    fn until_closed(&mut self) -> Vec<Event> {
        let (events, closed) = self.for_a_while(DEADLINE);
        assert!(
            closed,
            "the stream was still open after {DEADLINE:?}: {events:?}"
        );
        events
    }

    /// The events that arrive within `window` (less if the stream closes first), and whether
    /// it closed.
    fn for_a_while(&mut self, window: Duration) -> (Vec<Event>, bool) {
        let end = Instant::now() + window;
        let mut events = Vec::new();
        while !self.closed {
            let left = end.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(Item::Event(event)) => events.push(event),
                Ok(Item::Closed) | Err(RecvTimeoutError::Disconnected) => self.closed = true,
                Ok(Item::Head(..)) => panic!("a second head"),
                Err(RecvTimeoutError::Timeout) => break,
            }
        }
        (events, self.closed)
    }
}

/// Reads a response head, then server-sent events until the connection ends.
fn read_stream(stream: TcpStream, tx: &Sender<Item>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let mut reader = BufReader::new(stream);
    let mut lines = std::iter::from_fn(move || {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_owned()),
        }
    });
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("status line {status_line:?}"));
    let headers = lines
        .by_ref()
        .take_while(|line| !line.is_empty())
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.to_ascii_lowercase(), value.trim().to_owned()))
        })
        .collect();
    let _ = tx.send(Item::Head(status, headers));
    let (mut id, mut data): (Option<String>, Option<String>) = (None, None);
    for line in lines {
        if line.is_empty() {
            if let Some(data) = data.take() {
                let _ = tx.send(Item::Event(Event {
                    id: id.take(),
                    data,
                }));
            }
            id = None;
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((&line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
        match field {
            "id" => id = Some(value),
            "data" => match &mut data {
                Some(joined) => {
                    joined.push('\n');
                    joined.push_str(&value);
                }
                None => data = Some(value),
            },
            _ => {}
        }
    }
    let _ = tx.send(Item::Closed);
}

fn numbers(events: &[Event]) -> Vec<u64> {
    events.iter().map(Event::number).collect()
}

fn assert_increasing_after(events: &[Event], after: u64) {
    let ids = numbers(events);
    let mut previous = after;
    for id in &ids {
        assert!(*id > previous, "ids not increasing after {after}: {ids:?}");
        previous = *id;
    }
}

/// The `progress` values of the progress events for `token`.
fn progress_values(events: &[Event], token: &Value) -> Vec<u64> {
    events
        .iter()
        .map(Event::json)
        .filter(|msg| is_progress_for(msg, token))
        .map(|msg| {
            msg["params"]["progress"]
                .as_u64()
                .expect("numeric progress")
        })
        .collect()
}

fn assert_done(msg: &Value) {
    assert!(is_response_to(msg, CALL), "{msg}");
    assert_eq!(msg["result"]["content"][0]["text"], json!("done"), "{msg}");
}

// ---- the clean server -------------------------------------------------------------------------

#[test]
fn a_dropped_call_goes_on_and_resumes_on_its_own_stream() {
    let (_fx, client) = ready(&[]);
    subscribe_to_the_clock(&client);
    let mut standalone = Tail::open(&client, None);
    assert_eq!(standalone.status, 200);
    let token = json!("resume-me");
    let last = call_and_drop(&client, &slow_call(token.clone(), 2000, 5));
    let ping_event = ping_elsewhere(&client);

    let mut resumed = Tail::open(&client, Some(&last));
    assert_eq!(
        resumed.status, 200,
        "a resumption is not the standalone stream"
    );
    assert_eq!(resumed.header("content-type"), Some("text/event-stream"));
    let replay = resumed.until_closed();
    let last: u64 = last.parse().expect("numeric id");
    assert_increasing_after(&replay, last);
    assert_eq!(progress_values(&replay, &token), [2, 3, 4, 5], "{replay:?}");
    let (answer, before) = replay.split_last().expect("events");
    assert_done(&answer.json());
    for event in before {
        let msg = event.json();
        let own = is_progress_for(&msg, &token)
            || msg["method"] == json!("notifications/resources/updated");
        assert!(own, "not a message of the call's stream: {msg}");
    }
    // Clock updates may have gone to the call's stream before the server saw it dropped, but
    // nothing that went out on another stream is replayed.
    assert!(!numbers(&replay).contains(&ping_event), "{replay:?}");
    let (on_get, closed) = standalone.for_a_while(Duration::from_millis(400));
    assert!(!closed);
    assert!(
        !on_get.is_empty(),
        "clock updates reach the standalone stream"
    );
    let on_get_ids: HashSet<u64> = numbers(&on_get).into_iter().collect();
    assert!(numbers(&replay).iter().all(|id| !on_get_ids.contains(id)));
    for event in &on_get {
        let msg = event.json();
        assert!(
            !is_response_to(&msg, CALL) && !is_progress_for(&msg, &token),
            "{msg}"
        );
    }
    // The standalone stream is still the one open.
    assert_eq!(Tail::open(&client, None).status, 409);
}

#[test]
fn a_resumption_after_the_answer_replays_the_kept_events_under_their_ids() {
    let (_fx, client) = ready(&[]);
    let token = json!(7);
    let first = call_and_drop(&client, &slow_call(token.clone(), 600, 3));
    thread::sleep(Duration::from_millis(1200));

    let replay = Tail::open(&client, Some(&first)).until_closed();
    assert_increasing_after(&replay, first.parse().expect("numeric id"));
    assert_eq!(replay.len(), 3, "{replay:?}");
    assert_eq!(progress_values(&replay, &token), [2, 3]);
    assert_done(&replay[2].json());

    // Later ids replay the later events, unchanged.
    let second = replay[0].id.as_deref().expect("id");
    let again = Tail::open(&client, Some(second)).until_closed();
    assert_eq!(again, replay[1..].to_vec());
    let after_answer = replay[2].id.as_deref().expect("id");
    assert_eq!(Tail::open(&client, Some(after_answer)).until_closed(), []);
    // The call's messages were kept for its stream, not handed to the standalone stream.
    let (on_get, _) = Tail::open(&client, None).for_a_while(Duration::from_millis(300));
    for event in &on_get {
        let msg = event.json();
        assert!(
            !is_response_to(&msg, CALL) && !is_progress_for(&msg, &token),
            "{msg}"
        );
    }
}

#[test]
fn last_event_ids_the_session_cannot_resume_open_the_standalone_stream() {
    let (_fx, client) = ready(&[]);
    subscribe_to_the_clock(&client);
    let mut unknown = Tail::open(&client, Some("999999"));
    assert_eq!(unknown.status, 200);
    assert_eq!(unknown.header("content-type"), Some("text/event-stream"));
    // It is the standalone stream: it gets the clock's updates and stays open.
    let (events, closed) = unknown.for_a_while(Duration::from_millis(1000));
    assert!(!closed);
    let update = events
        .iter()
        .find(|e| e.json()["method"] == json!("notifications/resources/updated"))
        .unwrap_or_else(|| panic!("no clock update on the standalone stream: {events:?}"));
    // An event of the standalone stream, or an id that is no number, is no resumption either:
    // those GETs conflict with the open standalone stream.
    for last in [update.id.as_deref().expect("id"), "not-a-number", "0"] {
        let other = Tail::open(&client, Some(last));
        assert_eq!(other.status, 409, "Last-Event-ID {last}");
    }
}

// ---- the knobs --------------------------------------------------------------------------------

#[test]
fn http_disconnect_cancels_loses_the_response() {
    let (_fx, client) = ready(&["http-disconnect-cancels"]);
    let mut standalone = Tail::open(&client, None);
    let token = json!("gone");
    let last = call_and_drop(&client, &slow_call(token.clone(), 1500, 5));
    let mut resumed = Tail::open(&client, Some(&last));
    assert_eq!(resumed.status, 200);
    // The call had about 1.2 s left: its response never comes, here or on the standalone
    // stream.
    let (replay, closed) = resumed.for_a_while(Duration::from_millis(3000));
    assert!(!closed, "{replay:?}");
    assert!(
        replay.iter().all(|e| !is_response_to(&e.json(), CALL)),
        "{replay:?}"
    );
    let (on_get, _) = standalone.for_a_while(Duration::from_millis(100));
    assert!(
        on_get.iter().all(|e| !is_response_to(&e.json(), CALL)),
        "{on_get:?}"
    );
    // The session itself still works.
    ping_elsewhere(&client);
}

#[test]
fn http_resume_other_stream_replays_the_other_streams_events() {
    let (_fx, client) = ready(&["http-resume-other-stream"]);
    subscribe_to_the_clock(&client);
    let mut standalone = Tail::open(&client, None);
    let token = json!("mixed");
    let last = call_and_drop(&client, &slow_call(token.clone(), 2000, 5));
    let ping_event = ping_elsewhere(&client);
    // Let clock updates reach the standalone stream while the call's stream has no reader.
    let (on_get, _) = standalone.for_a_while(Duration::from_millis(700));
    assert!(
        !on_get.is_empty(),
        "no clock update on the standalone stream"
    );

    let mut resumed = Tail::open(&client, Some(&last));
    assert_eq!(resumed.status, 200);
    let replay = resumed.until_closed();
    assert_done(&replay.last().expect("events").json());
    assert_eq!(progress_values(&replay, &token), [2, 3, 4, 5]);
    // The ping's response, which went out on its own stream, is replayed here too ...
    let ping = replay
        .iter()
        .find(|e| e.number() == ping_event)
        .unwrap_or_else(|| panic!("the ping's event {ping_event} is not replayed: {replay:?}"));
    assert!(is_response_to(&ping.json(), PING));
    // ... and so are events of the standalone stream.
    let on_get: HashSet<u64> = numbers(&on_get).into_iter().collect();
    assert!(
        numbers(&replay).iter().any(|id| on_get.contains(id)),
        "no standalone event replayed: {replay:?}"
    );
}
