//! `cargo bench -p mcpspec-harness --bench message_throughput`: how many server messages per
//! second one core gets through the per-message work of a session: envelope classification
//! (`mcpspec_codec::classify`), schema validation (`mcpspec_schema`) and the stateless oracles
//! that run on every frame, for a few typical messages.
//!
//! Not a timed test and not part of CI: it prints figures and asserts nothing. Each measurement
//! runs for `MCPSPEC_BENCH_SECONDS` seconds (default 1) on the calling thread.

use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::time::{Duration, Instant};

use mcpspec_codec::{Classified, classify};
use mcpspec_harness::REVISION;
use mcpspec_harness::oracles::{self, View};
use mcpspec_schema::{Direction, Schema};
use serde_json::{Value, json};

/// One message as the server would send it, with the definition its payload is checked against.
struct Sample {
    name: &'static str,
    bytes: Vec<u8>,
    /// The definition, and where in the message its instance sits (`/result`, or the whole).
    definition: &'static str,
    pointer: &'static str,
    /// The request method it answers (for results), so the schema oracle finds the definition.
    answers: Option<&'static str>,
}

fn tool(i: usize) -> Value {
    json!({
        "name": format!("tool_{i}"),
        "title": format!("Tool number {i}"),
        "description": "Looks something up and returns it as text and as structured content.",
        "inputSchema": {
            "type": "object",
            "properties": {
                "query": { "type": "string", "description": "what to look for" },
                "limit": { "type": "integer", "minimum": 1, "maximum": 100 },
                "exact": { "type": "boolean" }
            },
            "required": ["query"]
        },
        "outputSchema": {
            "type": "object",
            "properties": { "hits": { "type": "array", "items": { "type": "string" } } }
        },
        "annotations": { "readOnlyHint": true, "openWorldHint": false }
    })
}

fn samples() -> Vec<Sample> {
    let method = |name: &str, dir| {
        mcpspec_schema::method(REVISION, name, dir).unwrap_or_else(|| panic!("{name} is known"))
    };
    let ping = method("ping", Direction::ClientToServer);
    let list = method("tools/list", Direction::ClientToServer);
    let call = method("tools/call", Direction::ClientToServer);
    let log = method("notifications/message", Direction::ServerToClient);
    let tools: Vec<Value> = (0..8).map(tool).collect();
    vec![
        Sample {
            name: "ping result",
            bytes: json!({ "jsonrpc": "2.0", "id": "mcpspec-7", "result": {} })
                .to_string()
                .into_bytes(),
            definition: ping.result.expect("ping has a result"),
            pointer: "/result",
            answers: Some("ping"),
        },
        Sample {
            name: "tools/list result (8 tools)",
            bytes: json!({ "jsonrpc": "2.0", "id": "mcpspec-8", "result": { "tools": tools } })
                .to_string()
                .into_bytes(),
            definition: list.result.expect("tools/list has a result"),
            pointer: "/result",
            answers: Some("tools/list"),
        },
        Sample {
            name: "tools/call result",
            bytes: json!({
                "jsonrpc": "2.0", "id": "mcpspec-9",
                "result": {
                    "content": [{ "type": "text", "text": "three hits: alpha, beta, gamma" }],
                    "structuredContent": { "hits": ["alpha", "beta", "gamma"] },
                    "isError": false
                }
            })
            .to_string()
            .into_bytes(),
            definition: call.result.expect("tools/call has a result"),
            pointer: "/result",
            answers: Some("tools/call"),
        },
        Sample {
            name: "log notification",
            bytes: json!({
                "jsonrpc": "2.0", "method": "notifications/message",
                "params": { "level": "info", "logger": "bench", "data": { "step": 3, "of": 10 } }
            })
            .to_string()
            .into_bytes(),
            definition: log.definition,
            pointer: "",
            answers: None,
        },
    ]
}

/// Runs `f` repeatedly for `budget` and returns calls per second.
fn rate(budget: Duration, mut f: impl FnMut()) -> f64 {
    // Warm up caches and lazy statics first.
    for _ in 0..100 {
        f();
    }
    let started = Instant::now();
    let mut calls = 0u64;
    while started.elapsed() < budget {
        for _ in 0..64 {
            f();
        }
        calls += 64;
    }
    calls as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let seconds: f64 = std::env::var("MCPSPEC_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let budget = Duration::from_secs_f64(seconds.max(0.05));
    let started = Instant::now();
    let schema = Schema::for_revision(REVISION).expect("the embedded schema loads");
    println!(
        "schema {REVISION} compiled in {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );

    // The session state the oracles read: the harness sent the requests these results answer.
    let mut sent = HashMap::new();
    for s in samples() {
        if let Some(m) = s.answers {
            let c = classify(&s.bytes);
            let id = c.id().expect("a result has an id");
            sent.insert(oracles::id_key(id), m.to_string());
        }
    }
    let none = HashSet::new();
    let client_caps = json!({});
    let server_caps = json!({ "tools": {}, "logging": {} });
    let view = View {
        sent_requests: &sent,
        answered: &none,
        reused_ids: &none,
        sent_batch: false,
        client_caps: &client_caps,
        server_caps: Some(&server_caps),
        server_request_ids: &none,
        schema,
    };

    println!(
        "{:<28} {:>6} {:>14} {:>14} {:>14} {:>14}",
        "message", "bytes", "classify/s", "validate/s", "both/s", "oracles/s"
    );
    for s in samples() {
        let parsed: Classified = classify(&s.bytes);
        assert!(parsed.is_clean(), "{}: {:?}", s.name, parsed.violations);
        let value = parsed.value.clone().expect("parsed");
        let instance = value.pointer(s.pointer).expect("instance").clone();
        let violations = schema.validate(s.definition, &instance).expect("known");
        assert!(violations.is_empty(), "{}: {violations:?}", s.name);

        let classify_rate = rate(budget, || {
            black_box(classify(black_box(&s.bytes)));
        });
        let validate_rate = rate(budget, || {
            black_box(schema.validate(s.definition, black_box(&instance)).ok());
        });
        let both_rate = rate(budget, || {
            let c = classify(black_box(&s.bytes));
            if let Some(v) = c.value.as_ref().and_then(|v| v.pointer(s.pointer)) {
                black_box(schema.validate(s.definition, v).ok());
            }
        });
        // What a session runs on every received message (the stateless oracles).
        let oracle_rate = rate(budget, || {
            let c = classify(black_box(&s.bytes));
            let mut hits = oracles::envelope::check(&view, &c);
            hits.extend(oracles::schema_check::check(&view, &c));
            hits.extend(oracles::capability::check(&view, &c));
            hits.extend(oracles::meta::check(&c));
            hits.extend(oracles::cancel::check(&view, &c));
            black_box(hits);
        });
        println!(
            "{:<28} {:>6} {:>14.0} {:>14.0} {:>14.0} {:>14.0}",
            s.name,
            s.bytes.len(),
            classify_rate,
            validate_rate,
            both_rate,
            oracle_rate
        );
    }
}
