//! Hostile HTTP servers: one that answers HTML, one whose SSE streams never end, one that sends
//! malformed SSE, and one that closes mid-body. Each gives findings, never a hang or a panic.
//! The servers are small threads on loopback written for these tests; each run is bounded by an
//! outer deadline that only exists to turn a hang into a test failure.

mod common;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use mcpspec_harness::{HttpSpec, RunConfig, Target};
use mcpspec_report::{Outcome, RunReport};
use serde_json::{Value, json};

/// Far above what any of these runs needs; reaching it means the harness hung.
const HANG_GUARD: Duration = Duration::from_secs(120);

#[derive(Clone, Copy)]
enum Mode {
    Html,
    EndlessSse,
    MalformedSse,
    MidBody,
}

fn init_result(id: &Value) -> String {
    json!({
        "jsonrpc": "2.0", "id": id,
        "result": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "serverInfo": { "name": "hostile", "version": "1" }
        }
    })
    .to_string()
}

fn respond(mut stream: TcpStream, mode: Mode) {
    let Some(msg) = common::read_http_request(&mut stream).filter(|v| !v.is_null()) else {
        return;
    };
    let id = msg.get("id").cloned();
    let method = msg.get("method").and_then(Value::as_str).unwrap_or("");
    let w = |s: &mut TcpStream, bytes: &[u8]| s.write_all(bytes).and_then(|_| s.flush());
    if id.is_none() {
        let _ = w(
            &mut stream,
            b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    }
    let id = id.unwrap_or(Value::Null);
    let json_head = |len: usize| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nMcp-Session-Id: hostile-1\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
        )
    };
    let sse_head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";
    match mode {
        Mode::Html => {
            let body = "<html><body>Not an MCP server</body></html>";
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = w(&mut stream, format!("{head}{body}").as_bytes());
        }
        _ if method == "initialize" => {
            let body = init_result(&id);
            let _ = w(
                &mut stream,
                format!("{}{body}", json_head(body.len())).as_bytes(),
            );
        }
        Mode::EndlessSse => {
            if w(&mut stream, sse_head.as_bytes()).is_err() {
                return;
            }
            // Comments forever, never an event, never the end, until the client goes away.
            for _ in 0..6000 {
                if w(&mut stream, b": still thinking\n\n").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Mode::MalformedSse => {
            let mut bytes = sse_head.as_bytes().to_vec();
            bytes.extend_from_slice(b"data: {\"jsonrpc\": broken\n\nretry: soon\n\xff\xfe\ndata");
            let _ = w(&mut stream, &bytes);
        }
        Mode::MidBody => {
            let head = json_head(5000);
            let _ = w(
                &mut stream,
                format!("{head}{{\"jsonrpc\":\"2.0\",").as_bytes(),
            );
        }
    }
}

/// Starts a hostile server on a loopback port; it serves until the test process ends.
fn start(mode: Mode) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}/mcp", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || respond(stream, mode));
        }
    });
    url
}

async fn run_against(mode: Mode) -> RunReport {
    let mut config = RunConfig::new(Target::Http(HttpSpec {
        url: start(mode),
        headers: Vec::new(),
    }));
    config.timeout_ms = 1000;
    config.startup_ms = 1000;
    config.include = vec!["ping".into()];
    config.cases_dir = Some(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cases").into());
    tokio::time::timeout(HANG_GUARD, mcpspec_harness::run(&config, &mut |_| {}))
        .await
        .expect("the harness hung")
        .expect("the run starts")
        .report
}

/// The ping cases neither pass (nothing valid answered them) nor end in a harness error.
fn assert_no_pass(report: &RunReport) {
    let pings: Vec<_> = report
        .cases
        .iter()
        .filter(|c| c.id.starts_with("ping."))
        .collect();
    assert_eq!(pings.len(), 2, "{:?}", report.cases);
    for c in pings {
        assert!(
            !matches!(c.outcome, Outcome::Pass | Outcome::HarnessError),
            "{}: {:?} {:?}",
            c.id,
            c.outcome,
            c.reason
        );
    }
}

#[tokio::test]
async fn html_answers_give_findings() {
    let report = run_against(Mode::Html).await;
    assert_no_pass(&report);
}

#[tokio::test]
async fn never_ending_sse_streams_give_findings() {
    let report = run_against(Mode::EndlessSse).await;
    assert_no_pass(&report);
}

#[tokio::test]
async fn malformed_sse_gives_findings() {
    let report = run_against(Mode::MalformedSse).await;
    assert_no_pass(&report);
}

#[tokio::test]
async fn a_body_cut_short_gives_findings() {
    let report = run_against(Mode::MidBody).await;
    assert_no_pass(&report);
}
