//! Oracles of the Streamable HTTP transport that watch every exchange rather than one case's
//! request: the answer to each notification or response the harness POSTs (202, no body), the
//! ids of SSE events across all streams of a session, and responses on the GET stream. The
//! transport reports what it saw as [`HttpObservation`]s; this module judges them.
//!
//! Not the single-request rules (case files with `http` steps) and not message content (the
//! other oracles see every message whichever stream carried it).

use std::collections::HashMap;

use mcpspec_report::Level;

use super::{Hit, OracleDef};
use crate::case::model::TransportReq;
use crate::target::HttpObservation;

/// HTTP-006 and S2C-013: what the harness POSTs besides requests is acknowledged with 202.
pub const ACCEPTED_202: OracleDef = OracleDef {
    id: "oracle.http-accepted-202",
    title: "Reads the HTTP answer to every notification and response the harness POSTs",
    expectation: "A POSTed notification or response that the server accepts MUST get 202 Accepted with no body.",
    level: Level::Must,
    requirements: &["HTTP-006", "S2C-013"],
    page: "basic/transports",
    anchor: "sending-messages-to-the-server",
    statement: "A server that accepts a POSTed JSON-RPC notification or response MUST reply 202 Accepted with no body.",
    knob: "http-notification-200",
    transport: TransportReq::Http,
};

/// HTTP-019: SSE event ids never repeat within a session.
pub const EVENT_IDS_UNIQUE: OracleDef = OracleDef {
    id: "oracle.http-event-ids-unique",
    title: "Collects the id of every SSE event on every stream of the session",
    expectation: "SSE event ids MUST be unique across all streams of a session.",
    level: Level::Must,
    requirements: &["HTTP-019"],
    page: "basic/transports",
    anchor: "resumability-and-redelivery",
    statement: "Event ids a server attaches to SSE events MUST be unique across all the streams of the session, so they can serve as cursors.",
    knob: "http-duplicate-event-ids",
    transport: TransportReq::Http,
};

/// HTTP-017: no response travels on the GET stream.
pub const GET_NO_RESPONSES: OracleDef = OracleDef {
    id: "oracle.http-get-no-responses",
    title: "Watches the GET stream for JSON-RPC responses",
    expectation: "The server MUST NOT send a JSON-RPC response on the GET stream (outside resumption).",
    level: Level::Must,
    requirements: &["HTTP-017"],
    page: "basic/transports",
    anchor: "listening-for-messages-from-the-server",
    statement: "The GET stream carries server requests and notifications; the server MUST NOT send a JSON-RPC response on it unless it is resuming a request's stream.",
    knob: "http-response-on-get",
    transport: TransportReq::Http,
};

/// Most event ids remembered per session; later ones are not checked.
const MAX_IDS: usize = 100_000;

/// The per-session memory of the HTTP oracles.
#[derive(Debug, Default)]
pub struct Tracker {
    /// Event id to the stream that first carried it.
    event_ids: HashMap<String, u64>,
}

impl Tracker {
    /// Judges one observation of the transport.
    pub fn check(&mut self, obs: &HttpObservation) -> Vec<Hit> {
        match obs {
            HttpObservation::Acknowledged {
                what,
                status,
                body_bytes,
            } => {
                if *status == 202 && *body_bytes == 0 {
                    return Vec::new();
                }
                let actual = format!("status {status}, {body_bytes} body bytes");
                vec![Hit::fail(
                    ACCEPTED_202.id,
                    format!("the server acknowledged a POSTed {what} with {actual}"),
                    "202 Accepted with an empty body",
                    actual,
                )]
            }
            HttpObservation::EventId { stream, id } => {
                if let Some(first) = self.event_ids.get(id) {
                    let place = if first == stream {
                        "earlier on the same stream".to_string()
                    } else {
                        "on another stream of the session".to_string()
                    };
                    return vec![Hit::fail(
                        EVENT_IDS_UNIQUE.id,
                        format!("SSE event id {id:?} was already used {place}"),
                        "every event id unique within the session",
                        format!("id {id:?} repeated"),
                    )];
                }
                if self.event_ids.len() < MAX_IDS {
                    self.event_ids.insert(id.clone(), *stream);
                }
                Vec::new()
            }
            HttpObservation::ResponseOnGet { excerpt } => vec![Hit::fail(
                GET_NO_RESPONSES.id,
                "a JSON-RPC response arrived on the GET stream".into(),
                "responses only on the POST stream of their request",
                excerpt.clone(),
            )],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Tracker;
    use crate::target::HttpObservation;

    #[test]
    fn judges_observations() {
        let mut t = Tracker::default();
        let ack = |status, body_bytes| HttpObservation::Acknowledged {
            what: "notification".into(),
            status,
            body_bytes,
        };
        assert!(t.check(&ack(202, 0)).is_empty());
        assert_eq!(t.check(&ack(200, 2)).len(), 1);
        assert_eq!(t.check(&ack(202, 2)).len(), 1);
        let ev = |stream, id: &str| HttpObservation::EventId {
            stream,
            id: id.into(),
        };
        assert!(t.check(&ev(1, "1")).is_empty());
        assert!(t.check(&ev(2, "2")).is_empty());
        assert_eq!(t.check(&ev(3, "1")).len(), 1);
        let get = HttpObservation::ResponseOnGet {
            excerpt: "{}".into(),
        };
        assert_eq!(t.check(&get).len(), 1);
    }
}
