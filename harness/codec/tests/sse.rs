//! Tests of the `text/event-stream` parser: line endings, field rules, dispatch, comments, UTF-8,
//! the byte order mark, the memory limit, end of stream, and (as properties) chunking
//! independence and the serialise -> parse round trip. JSON inside `data` is not looked at here.

use mcpspec_codec::fuzzing::{sse_chunked, sse_parse};
use mcpspec_codec::{SseEvent, SseItem, SseParser, serialize_event};
use proptest::prelude::*;

const BIG: usize = 1 << 20;

/// Pushes `bytes` in one go and finishes.
fn parse(limit: usize, bytes: &[u8]) -> Vec<SseItem> {
    let mut parser = SseParser::new(limit);
    let mut items = parser.push(bytes);
    items.extend(parser.finish());
    items
}

fn data(text: &str) -> SseItem {
    SseItem::Event(SseEvent {
        event: None,
        data: text.to_owned(),
        id: None,
        retry: None,
    })
}

fn event(event: Option<&str>, text: &str, id: Option<&str>, retry: Option<u64>) -> SseItem {
    SseItem::Event(SseEvent {
        event: event.map(str::to_owned),
        data: text.to_owned(),
        id: id.map(str::to_owned),
        retry,
    })
}

fn bad(line: &str) -> SseItem {
    SseItem::BadField {
        line: line.to_owned(),
    }
}

#[test]
fn every_line_ending_works() {
    for ending in ["\n", "\r\n", "\r"] {
        let stream = format!("data: a{ending}data: b{ending}{ending}data: c{ending}{ending}");
        assert_eq!(
            parse(BIG, stream.as_bytes()),
            vec![data("a\nb"), data("c")],
            "{ending:?}"
        );
    }
    // Mixed endings in one stream, and "\r\r" is a line plus a blank line.
    assert_eq!(
        parse(BIG, b"data: a\r\ndata: b\rdata: c\n\r"),
        vec![data("a\nb\nc")]
    );
    assert_eq!(parse(BIG, b"data: x\r\r"), vec![data("x")]);
    // "\n\r" is two terminators, so it ends the event.
    assert_eq!(
        parse(BIG, b"data: x\n\rdata: y\n\n"),
        vec![data("x"), data("y")]
    );
}

#[test]
fn carriage_return_at_a_chunk_boundary() {
    let mut parser = SseParser::new(BIG);
    assert!(parser.push(b"data: a\r").is_empty());
    // The "\n" completes the "\r\n" of the previous chunk: not a blank line.
    assert!(parser.push(b"\n").is_empty());
    assert!(parser.push(b"data: b\r").is_empty());
    assert_eq!(parser.push(b"\r"), vec![data("a\nb")]);
    assert!(parser.finish().is_empty());

    let mut parser = SseParser::new(BIG);
    assert!(parser.push(b"data: a\r").is_empty());
    assert_eq!(parser.push(b"\n\r\n"), vec![data("a")]);
    // A lone "\r" followed by data in the next chunk.
    assert!(parser.push(b"data: b\r").is_empty());
    assert!(parser.push(b"data: c\r").is_empty());
    assert_eq!(parser.push(b"\n\n"), vec![data("b\nc")]);
}

#[test]
fn field_parsing_rules() {
    // Exactly one space after the colon is removed; other whitespace is kept.
    assert_eq!(parse(BIG, b"data:  two\n\n"), vec![data(" two")]);
    assert_eq!(parse(BIG, b"data:\ttab\n\n"), vec![data("\ttab")]);
    assert_eq!(parse(BIG, b"data:x\n\n"), vec![data("x")]);
    assert_eq!(parse(BIG, b"data: a: b\n\n"), vec![data("a: b")]);
    assert_eq!(parse(BIG, b"data: x \n\n"), vec![data("x ")]);
    // A line without a colon is a field with an empty value.
    assert_eq!(parse(BIG, b"data\ndata\n\n"), vec![data("\n")]);
    assert_eq!(
        parse(BIG, b"event\ndata: x\n\n"),
        vec![event(Some(""), "x", None, None)]
    );
    // Later lines win for event, id and retry.
    assert_eq!(
        parse(
            BIG,
            b"event: a\nevent: b\nid: 1\nid: 2\nretry: 10\nretry: 20\ndata: x\n\n"
        ),
        vec![event(Some("b"), "x", Some("2"), Some(20))]
    );
    // Field names are case-sensitive; a leading space makes another name.
    assert_eq!(
        parse(BIG, b"Data: x\n data: y\ndata: z\n\n"),
        vec![bad("Data: x"), bad(" data: y"), data("z")]
    );
}

#[test]
fn retry_must_be_all_digits() {
    assert_eq!(
        parse(BIG, b"retry: 1500\ndata: x\n\n"),
        vec![event(None, "x", None, Some(1500))]
    );
    assert_eq!(
        parse(BIG, b"retry: 007\ndata: x\n\n"),
        vec![event(None, "x", None, Some(7))]
    );
    for line in [
        "retry: 1.5",
        "retry: -1",
        "retry: +1",
        "retry: 1 ",
        "retry: ",
        "retry",
        "retry: ١٢",
        "retry: 99999999999999999999999",
    ] {
        let stream = format!("{line}\ndata: x\n\n");
        assert_eq!(
            parse(BIG, stream.as_bytes()),
            vec![bad(line), data("x")],
            "{line}"
        );
    }
    assert_eq!(
        parse(BIG, b"retry: 18446744073709551615\ndata: x\n\n"),
        vec![event(None, "x", None, Some(u64::MAX))]
    );
}

#[test]
fn id_with_nul_is_ignored() {
    assert_eq!(
        parse(BIG, b"id: 7\nid: a\0b\ndata: x\n\n"),
        vec![bad("id: a\0b"), event(None, "x", Some("7"), None)]
    );
    // An empty id is a value (it resets the last event ID in a browser).
    assert_eq!(
        parse(BIG, b"id\ndata: x\n\n"),
        vec![event(None, "x", Some(""), None)]
    );
    assert_eq!(
        parse(BIG, b"id: \ndata: x\n\n"),
        vec![event(None, "x", Some(""), None)]
    );
}

#[test]
fn dispatch_needs_a_data_line() {
    // MCP's priming event: an id and one empty data line.
    assert_eq!(
        parse(BIG, b"id: 0\ndata: \n\n"),
        vec![event(None, "", Some("0"), None)]
    );
    assert_eq!(parse(BIG, b"data:\n\n"), vec![data("")]);
    assert_eq!(parse(BIG, b"data\n\n"), vec![data("")]);
    // Blocks without a data line are dropped, with their fields.
    assert_eq!(parse(BIG, b"id: 5\n\n"), vec![]);
    assert_eq!(parse(BIG, b"event: x\nretry: 3\n\n"), vec![]);
    assert_eq!(parse(BIG, b"\n\n\r\n\r"), vec![]);
    // Nothing carries over into the next event.
    assert_eq!(
        parse(BIG, b"id: 5\nevent: e\nretry: 9\n\ndata: x\n\n"),
        vec![data("x")]
    );
    assert_eq!(
        parse(BIG, b"id: 5\ndata: a\n\ndata: b\n\n"),
        vec![event(None, "a", Some("5"), None), data("b")]
    );
}

#[test]
fn comments_are_reported_verbatim() {
    assert_eq!(
        parse(BIG, b": keep-alive\n:\n::x\ndata: y\n\n"),
        vec![
            SseItem::Comment(" keep-alive".to_owned()),
            SseItem::Comment(String::new()),
            SseItem::Comment(":x".to_owned()),
            data("y"),
        ]
    );
    // A comment inside an event does not interrupt it.
    assert_eq!(
        parse(BIG, b"data: a\n: ping\r\ndata: b\n\n"),
        vec![SseItem::Comment(" ping".to_owned()), data("a\nb")]
    );
    // Comments alone at the end of the stream are not an unfinished event.
    assert_eq!(
        parse(BIG, b": bye\n"),
        vec![SseItem::Comment(" bye".to_owned())]
    );
}

#[test]
fn multi_line_json_data() {
    let stream = b"event: message\r\nid: srv-1\r\ndata: {\"jsonrpc\":\"2.0\",\r\ndata:  \"id\":1,\"result\":{}}\r\n\r\n";
    assert_eq!(
        parse(BIG, stream),
        vec![event(
            Some("message"),
            "{\"jsonrpc\":\"2.0\",\n \"id\":1,\"result\":{}}",
            Some("srv-1"),
            None
        )]
    );
}

#[test]
fn byte_order_mark_is_skipped_once() {
    assert_eq!(parse(BIG, b"\xEF\xBB\xBFdata: x\n\n"), vec![data("x")]);
    // A second BOM is content: it becomes part of the field name.
    assert_eq!(
        parse(BIG, b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n"),
        vec![bad("\u{FEFF}data: x")]
    );
    // Split across chunks.
    let mut parser = SseParser::new(BIG);
    assert!(parser.push(b"\xEF").is_empty());
    assert!(parser.push(b"\xBB").is_empty());
    assert!(parser.push(b"\xBFdata: x\n").is_empty());
    assert_eq!(parser.push(b"\n"), vec![data("x")]);
    // A BOM later in the stream is not skipped.
    assert_eq!(
        parse(BIG, b"data: a\n\n\xEF\xBB\xBFdata: b\n\n"),
        vec![data("a"), bad("\u{FEFF}data: b")]
    );
    // A BOM inside a value is kept.
    assert_eq!(
        parse(BIG, b"data: \xEF\xBB\xBFx\n\n"),
        vec![data("\u{FEFF}x")]
    );
}

#[test]
fn invalid_utf8_is_reported_and_replaced() {
    assert_eq!(
        parse(BIG, b"data: caf\xE9\n\n"),
        vec![SseItem::NotUtf8, data("caf\u{FFFD}")]
    );
    assert_eq!(
        parse(BIG, b":\xFF\ndata: ok\n\n"),
        vec![
            SseItem::NotUtf8,
            SseItem::Comment("\u{FFFD}".to_owned()),
            data("ok")
        ]
    );
    // A multi-byte character split across chunks is fine.
    let mut parser = SseParser::new(BIG);
    assert!(parser.push(b"data: \xE2\x82").is_empty());
    assert!(parser.push(b"\xAC\n").is_empty());
    assert_eq!(parser.push(b"\n"), vec![data("\u{20AC}")]);
    // A truncated sequence at the end of a line is invalid.
    assert_eq!(
        parse(BIG, b"data: \xE2\x82\n\n"),
        vec![SseItem::NotUtf8, data("\u{FFFD}")]
    );
}

#[test]
fn oversize_event_is_dropped_up_to_the_blank_line() {
    // "data: 0123456789" is 16 bytes.
    let stream = b"data: 0123456789\ndata: 0123456789\n: c\ndata: 0123456789\n\ndata: ok\n\n";
    assert_eq!(
        parse(40, stream),
        vec![
            SseItem::Comment(" c".to_owned()),
            SseItem::Oversize { limit: 40 },
            data("ok")
        ]
    );
    // Exactly at the limit is fine.
    assert_eq!(parse(16, b"data: 0123456789\n\n"), vec![data("0123456789")]);
    assert_eq!(
        parse(15, b"data: 0123456789\n\ndata: 01234\n\n"),
        vec![SseItem::Oversize { limit: 15 }, data("01234")]
    );
    // One report per dropped event, however long it goes on.
    let mut parser = SseParser::new(8);
    assert_eq!(
        parser.push(b"data: 0123456789"),
        vec![SseItem::Oversize { limit: 8 }]
    );
    for _ in 0..1000 {
        assert!(parser.push(b"data: more\r\n: x\r\n").is_empty());
        assert_eq!(parser.buffered_len(), 0);
    }
    assert_eq!(parser.push(b"\r\ndata: y\r\n\r\n"), vec![data("y")]);
    // A huge comment line counts while it is being received.
    assert_eq!(
        parse(8, b": 0123456789\n\ndata: y\n\n"),
        vec![SseItem::Oversize { limit: 8 }, data("y")]
    );
    // Oversize at the end of the stream leaves no Incomplete behind.
    assert_eq!(parse(4, b"data: xyz"), vec![SseItem::Oversize { limit: 4 }]);
}

#[test]
fn replacement_characters_count_towards_the_limit() {
    // 9 raw bytes, but 15 once each invalid byte becomes U+FFFD (found by fuzzing).
    assert_eq!(
        parse(10, b"data: \xFF\xFF\xFF\n\ndata: ok\n\n"),
        vec![
            SseItem::NotUtf8,
            SseItem::Oversize { limit: 10 },
            data("ok")
        ]
    );
    assert_eq!(
        parse(15, b"data: \xFF\xFF\xFF\n\n"),
        vec![SseItem::NotUtf8, data("\u{FFFD}\u{FFFD}\u{FFFD}")]
    );
    let mut parser = SseParser::new(12);
    assert!(parser.push(b"data: \xFF\xFF\n").len() == 1);
    assert!(parser.buffered_len() <= 12);
}

#[test]
fn oversize_skipping_handles_crlf_split_and_lone_cr() {
    let mut parser = SseParser::new(4);
    assert_eq!(
        parser.push(b"data: long\r"),
        vec![SseItem::Oversize { limit: 4 }]
    );
    // This "\n" belongs to the "\r": not a blank line yet.
    assert!(parser.push(b"\n").is_empty());
    assert!(parser.push(b"data: x\n").is_empty());
    assert!(parser.push(b"\r").is_empty());
    assert_eq!(parser.push(b"data\n\n"), vec![data("")]);
}

#[test]
fn zero_limit_accepts_only_blank_lines() {
    assert_eq!(
        parse(0, b"\n\ndata\n\n\n"),
        vec![SseItem::Oversize { limit: 0 }]
    );
}

#[test]
fn unfinished_event_at_end_of_stream() {
    assert_eq!(
        parse(BIG, b"data: a\n\ndata: b\n"),
        vec![data("a"), SseItem::Incomplete { bytes: 7 }]
    );
    assert_eq!(
        parse(BIG, b"data: a\n\ndata: b"),
        vec![data("a"), SseItem::Incomplete { bytes: 7 }]
    );
    // Unknown fields count towards the event too; comments do not.
    assert_eq!(
        parse(BIG, b": x\nfoo\n"),
        vec![
            SseItem::Comment(" x".to_owned()),
            bad("foo"),
            SseItem::Incomplete { bytes: 3 }
        ]
    );
    // An unterminated comment line is an unterminated line.
    assert_eq!(parse(BIG, b": x"), vec![SseItem::Incomplete { bytes: 3 }]);
    assert_eq!(
        parse(BIG, b"data: a\r"),
        vec![SseItem::Incomplete { bytes: 7 }]
    );
    assert_eq!(parse(BIG, b""), vec![]);
    assert_eq!(parse(BIG, b"\xEF\xBB\xBF"), vec![]);
}

#[test]
fn serialize_writes_the_wire_format() {
    let e = SseEvent {
        event: Some("message".to_owned()),
        data: "a\n\nb".to_owned(),
        id: Some("7".to_owned()),
        retry: Some(100),
    };
    assert_eq!(
        serialize_event(&e),
        "event: message\nid: 7\nretry: 100\ndata: a\ndata: \ndata: b\n\n"
    );
    let empty = SseEvent {
        event: None,
        data: String::new(),
        id: None,
        retry: None,
    };
    assert_eq!(serialize_event(&empty), "data: \n\n");
    assert_eq!(
        parse(BIG, serialize_event(&empty).as_bytes()),
        vec![data("")]
    );
    // A leading space survives because the serialiser always writes one before the value.
    let spaced = SseEvent {
        event: Some(" e".to_owned()),
        data: " d".to_owned(),
        id: Some(" i".to_owned()),
        retry: None,
    };
    assert_eq!(
        parse(BIG, serialize_event(&spaced).as_bytes()),
        vec![SseItem::Event(spaced)]
    );
}

#[test]
fn fuzz_bodies_accept_hand_picked_streams() {
    sse_chunked(
        b"data: a\r\n\r\ndata: b\rdata: c\r\r: x\nid: 1\nretry: 5\nevent: e\ndata\n\n",
        &[8, 1, 0, 3],
    );
    sse_chunked(b"\xEF\xBB\xBFdata: \xF0\x9F\x98\x80\n\n", &[1, 1, 1, 7, 1]);
    sse_parse(b"\xFF\x03\x01\x00\x02data: x\r\n\r\n");
    sse_parse(b"");
    sse_parse(b"\xFF");
}

/// Bytes biased towards SSE structure.
fn sse_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        4 => Just(b"\n".to_vec()),
        3 => Just(b"\r".to_vec()),
        2 => Just(b"\r\n".to_vec()),
        4 => Just(b"data:".to_vec()),
        2 => Just(b"data: ".to_vec()),
        1 => Just(b"event: ".to_vec()),
        1 => Just(b"id: ".to_vec()),
        1 => Just(b"retry: ".to_vec()),
        1 => Just(b":".to_vec()),
        1 => Just(b"\xEF\xBB\xBF".to_vec()),
        1 => Just("\u{20AC}".as_bytes().to_vec()),
        1 => Just(b"\0".to_vec()),
        3 => "[a-z0-9 ]{1,6}".prop_map(String::into_bytes),
        2 => prop::collection::vec(any::<u8>(), 1..3),
    ];
    prop::collection::vec(token, 0..80).prop_map(|tokens| tokens.concat())
}

/// Events whose fields the wire format can carry.
fn sse_event() -> impl Strategy<Value = SseEvent> {
    let line = r"[^\r\n\x00]{0,12}";
    (
        prop::option::of(line),
        prop::collection::vec(r"[^\r\n]{0,12}", 1..4),
        prop::option::of(line),
        prop::option::of(any::<u64>()),
    )
        .prop_map(|(event, data, id, retry)| SseEvent {
            event,
            data: data.join("\n"),
            id,
            retry,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_chunking_yields_the_same_items(
        stream in sse_bytes(),
        cuts in prop::collection::vec(0usize..20, 0..40),
        limit in prop_oneof![0usize..64, Just(BIG)],
    ) {
        let whole = parse(limit, &stream);
        let mut parser = SseParser::new(limit);
        let mut got = Vec::new();
        let mut rest = stream.as_slice();
        for cut in cuts {
            let (piece, tail) = rest.split_at(cut.min(rest.len()));
            got.extend(parser.push(piece));
            prop_assert!(parser.buffered_len() <= limit);
            rest = tail;
        }
        got.extend(parser.push(rest));
        got.extend(parser.finish());
        prop_assert_eq!(got, whole);
    }

    #[test]
    fn fuzz_body_holds_on_structured_streams(
        stream in sse_bytes(),
        lengths in prop::collection::vec(0usize..20, 0..20),
    ) {
        sse_chunked(&stream, &lengths);
    }

    #[test]
    fn serialized_events_parse_back(events in prop::collection::vec(sse_event(), 1..5)) {
        for e in &events {
            prop_assert_eq!(parse(BIG, serialize_event(e).as_bytes()), vec![SseItem::Event(e.clone())]);
        }
        let stream: String = events.iter().map(serialize_event).collect();
        let expected: Vec<SseItem> = events.into_iter().map(SseItem::Event).collect();
        prop_assert_eq!(parse(BIG, stream.as_bytes()), expected);
    }
}
