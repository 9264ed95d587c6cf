//! Unit tests of stream routing (`routes.rs`): where responses, progress and other messages
//! go, the GET queue, and the resumption hand-off. They drive [`Routes`] directly with
//! channels; they are not tests of the HTTP layer.

use super::*;
use serde_json::json;

fn waiter(key: &str, takes_others: bool) -> Waiter {
    Waiter {
        key: key.into(),
        token: None,
        takes_others,
    }
}

fn routes_with_post(key: &str, takes_others: bool) -> (Routes, StreamId, Receiver<Message>) {
    let mut routes = Routes::default();
    let (tx, rx) = mpsc::channel();
    let stream = routes.open_post(waiter(key, takes_others), tx);
    (routes, stream, rx)
}

fn route_json(routes: &mut Routes, value: Value) {
    routes.route(value.to_string().into_bytes(), Some(&value));
}

fn received(rx: &Receiver<Message>) -> Vec<(u64, Value)> {
    rx.try_iter()
        .map(|m| (m.event_id, serde_json::from_slice(&m.data).expect("JSON")))
        .collect()
}

#[test]
fn a_response_ends_the_stream_waiting_for_its_id() {
    let (mut routes, _, rx) = routes_with_post("7", true);
    route_json(&mut routes, json!({"method":"notifications/progress"}));
    route_json(&mut routes, json!({"id":7,"result":{}}));
    assert!(routes.posts.is_empty());
    let got = received(&rx);
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].0, got[1].0), (1, 2));
    assert_eq!(got[1].1["id"], json!(7));
    // The sender is gone: the stream ends.
    assert!(rx.recv().is_err());
}

#[test]
fn unmatched_responses_and_other_messages_queue_for_the_get_stream() {
    let mut routes = Routes::default();
    route_json(&mut routes, json!({"id":"x","result":{}}));
    route_json(&mut routes, json!({"id":"srv-1","method":"roots/list"}));
    assert_eq!(routes.queue.len(), 2);
    let (tx, rx) = mpsc::channel();
    let stream = routes.open_get(tx).expect("first GET");
    let (second, _) = mpsc::channel();
    assert_eq!(routes.open_get(second), Err(GetRefused::Conflict));
    route_json(&mut routes, json!({"method":"notifications/message"}));
    let ids: Vec<u64> = received(&rx).iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, vec![1, 2, 3]);
    routes.close(stream);
    assert!(routes.get.is_none());
}

#[test]
fn the_queue_keeps_only_the_newest_messages() {
    let mut routes = Routes::default();
    for n in 0..QUEUE_CAP + 5 {
        route_json(&mut routes, json!({"method":"m","params":{"n":n}}));
    }
    assert_eq!(routes.queue.len(), QUEUE_CAP);
    let first: Value = serde_json::from_slice(&routes.queue[0]).expect("JSON");
    assert_eq!(first["params"]["n"], json!(5));
}

#[test]
fn others_go_to_the_newest_stream_that_takes_them() {
    let (mut routes, _, older) = routes_with_post("1", true);
    let (tx, newer) = mpsc::channel();
    routes.open_post(waiter("2", true), tx);
    let (tx, init) = mpsc::channel();
    routes.open_post(waiter("3", false), tx);
    route_json(&mut routes, json!({"method":"notifications/message"}));
    assert_eq!(received(&newer).len(), 1);
    assert!(received(&older).is_empty());
    assert!(received(&init).is_empty());
}

#[test]
fn a_response_written_while_feeding_answers_the_fed_request() {
    let (mut routes, stream, rx) = routes_with_post("1", true);
    let (tx, other) = mpsc::channel();
    routes.open_post(waiter("\"1\"", true), tx);
    routes.feeding = Some((thread::current().id(), stream));
    // An id mangled by a knob still ends the stream of the request being fed.
    route_json(&mut routes, json!({"id":"1","result":{}}));
    assert_eq!(received(&rx).len(), 1);
    assert!(received(&other).is_empty());
    // A second copy goes by id.
    route_json(&mut routes, json!({"id":"1","result":{}}));
    assert_eq!(received(&other).len(), 1);
}

fn progress(token: &str, n: u64) -> Value {
    json!({"method":"notifications/progress","params":{"progressToken":token,"progress":n}})
}

#[test]
fn a_dropped_stream_keeps_its_messages_for_a_resumption() {
    let mut routes = Routes::default();
    let (tx, first) = mpsc::channel();
    let token = Waiter {
        key: "5".into(),
        token: Some(id_key(&json!("t"))),
        takes_others: true,
    };
    let stream = routes.open_post(token, tx);
    route_json(&mut routes, progress("t", 1));
    assert_eq!(received(&first).len(), 1);
    drop(first);
    assert_eq!(routes.release(stream, 0), None);
    // A later POST stream with a reader takes other messages, not the dropped one's.
    let (tx, other) = mpsc::channel();
    let second = routes.open_post(waiter("6", true), tx);
    route_json(&mut routes, progress("t", 2));
    route_json(&mut routes, json!({"method":"notifications/message"}));
    route_json(&mut routes, json!({"id":6,"result":{}}));
    assert_eq!(
        received(&other).iter().map(|m| m.0).collect::<Vec<_>>(),
        [3, 4]
    );
    // The other stream, answered already, replays only its own response.
    let other_resumed = routes.resume(3).expect("event 3 is kept");
    assert_eq!(other_resumed.reader, None);
    let replayed = received(&other_resumed.rx);
    assert_eq!(replayed.iter().map(|m| m.0).collect::<Vec<_>>(), [4]);
    assert!(routes.posts.iter().all(|p| p.stream != second));
    // Resuming from event 1 replays progress 2, then the response arrives live.
    let resumed = routes.resume(1).expect("event 1 is kept");
    assert_eq!(resumed.reader, Some((stream, 1)));
    route_json(&mut routes, json!({"id":5,"result":{}}));
    let got = received(&resumed.rx);
    assert_eq!(got.iter().map(|m| m.0).collect::<Vec<_>>(), [2, 5]);
    assert_eq!(got[1].1["id"], json!(5));
    assert!(
        resumed.rx.recv().is_err(),
        "the stream ends after its response"
    );
    assert!(routes.queue.is_empty(), "nothing went to the GET stream");
    // Once answered, the stream replays what was kept and ends.
    let again = routes.resume(2).expect("event 2 is kept");
    assert_eq!(again.reader, None);
    assert_eq!(
        received(&again.rx).iter().map(|m| m.0).collect::<Vec<_>>(),
        [5]
    );
    assert!(routes.resume(99).is_none(), "an event never sent");
}

#[test]
fn a_second_resumption_takes_the_stream_over() {
    let (mut routes, stream, rx) = routes_with_post("1", true);
    route_json(&mut routes, json!({"method":"notifications/message"}));
    assert_eq!(received(&rx).len(), 1);
    let one = routes.resume(1).expect("kept");
    let two = routes.resume(1).expect("kept");
    assert!(one.rx.recv().is_err(), "the first resumption was cut off");
    // The old readers leaving does not detach the new one.
    assert_eq!(routes.release(stream, 0), None);
    assert_eq!(routes.release(stream, 1), None);
    route_json(&mut routes, json!({"id":1,"result":{}}));
    assert_eq!(received(&two.rx).len(), 1);
}

#[test]
fn under_the_knob_a_dropped_stream_abandons_its_request() {
    let (mut routes, stream, rx) = routes_with_post("1", true);
    routes.bugs.http_disconnect_cancels = true;
    route_json(&mut routes, json!({"method":"notifications/message"}));
    drop(rx);
    assert_eq!(routes.release(stream, 0), Some("1".into()));
    assert_eq!(routes.release(stream, 0), None, "only once");
    let resumed = routes.resume(1).expect("kept");
    route_json(&mut routes, json!({"id":1,"result":{}}));
    assert!(routes.posts.is_empty());
    assert!(resumed.rx.try_recv().is_err(), "the response is dropped");
    assert!(routes.queue.is_empty(), "and not sent elsewhere");
}

#[test]
fn under_the_knob_a_resumption_replays_other_streams_too() {
    for every in [false, true] {
        let (mut routes, _, rx) = routes_with_post("1", true);
        routes.bugs.http_resume_other_stream = every;
        route_json(&mut routes, json!({"method":"notifications/message"}));
        drop(rx);
        let (tx, _other) = mpsc::channel();
        routes.open_post(waiter("2", true), tx);
        route_json(&mut routes, json!({"id":2,"result":{}}));
        let resumed = routes.resume(1).expect("kept");
        assert_eq!(received(&resumed.rx).len(), usize::from(every));
    }
}

#[test]
fn ended_routes_drop_everything() {
    let (mut routes, _, rx) = routes_with_post("1", true);
    routes.end();
    route_json(&mut routes, json!({"id":1,"result":{}}));
    assert!(rx.recv().is_err());
    assert!(routes.queue.is_empty());
    let (tx, _rx) = mpsc::channel();
    assert_eq!(routes.open_get(tx), Err(GetRefused::Gone));
}

#[test]
fn responses_are_copied_to_the_open_get_stream_only_under_the_knob() {
    for copied in [false, true] {
        let (mut routes, _, post) = routes_with_post("1", true);
        routes.bugs.http_response_on_get = copied;
        let (tx, get) = mpsc::channel();
        routes.open_get(tx).expect("GET");
        route_json(&mut routes, json!({"id":1,"result":{}}));
        assert_eq!(received(&post).len(), 1);
        let on_get = received(&get);
        assert_eq!(on_get.len(), usize::from(copied), "{on_get:?}");
        if copied {
            assert_eq!(on_get[0].1, json!({"id":1,"result":{}}));
        }
    }
}
