//! More hostile targets, over stdio and HTTP: a server that hangs on initialize only, one that
//! never answers tools/list, one that exits before reading anything, one that closes its stdin but
//! keeps talking, a 1 GiB stdout line (with the harness's peak memory checked), 100 000 levels of
//! JSON nesting, numbers beyond any float, an HTTP body trickled one byte per second and an HTTP
//! server that never sends its headers.
//!
//! Each run must end within a bound the test asserts, give a finding (a failed case, a failed
//! oracle or a run note, never a panic and never a harness error where the server is at fault),
//! and leave nothing behind: no process of the server's group, no open HTTP connection. These are
//! not benchmarks: the bounds are generous on purpose.

mod common;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mcpspec_harness::{HttpSpec, RunConfig, Target};
use mcpspec_report::{Outcome, RunReport};
use serde_json::{Value, json};

/// Far above what any of these runs needs; reaching it means the harness hung.
const HANG_GUARD: Duration = Duration::from_secs(120);
/// What each run must stay under: generous, but far below a hang.
const RUN_BOUND: Duration = Duration::from_secs(60);
/// Peak resident memory the whole test process may reach while the harness reads a 1 GiB line.
const MEMORY_BOUND_KIB: u64 = 64 * 1024;
/// Set in the environment of a copy of this test binary that runs one test alone.
const CHILD_ENV: &str = "MCPSPEC_HOSTILE_CHILD";

/// Lines every Python server below starts with: reading requests and writing messages.
const PY_PRELUDE: &str = r#"
import json, os, sys, time
def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()
def send_raw(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
def init_result(rid, caps):
    return {"jsonrpc": "2.0", "id": rid, "result": {"protocolVersion": "2025-06-18",
            "capabilities": caps, "serverInfo": {"name": "hostile", "version": "1"}}}
def requests():
    for line in sys.stdin:
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if isinstance(msg, dict) and "method" in msg and "id" in msg:
            yield msg
"#;

/// A run of `config`, bounded by [`HANG_GUARD`]; asserts it ended within [`RUN_BOUND`].
async fn run_bounded(config: &RunConfig) -> RunReport {
    let started = Instant::now();
    let out = tokio::time::timeout(HANG_GUARD, mcpspec_harness::run(config, &mut |_| {}))
        .await
        .expect("the harness hung")
        .expect("the run starts");
    let took = started.elapsed();
    assert!(took < RUN_BOUND, "the run took {took:?}");
    // What the run found, for whoever reads the test output.
    println!("run took {took:?}; notes: {:?}", out.report.notes);
    for c in &out.report.cases {
        let first = c.findings.first().map(|f| f.message.as_str()).unwrap_or("");
        println!("  {} {:?} {:?} {first}", c.id, c.outcome, c.reason);
    }
    out.report
}

/// A stdio config for `program args`, with the embedded cases `cases` (test data cases when
/// `test_data`).
fn stdio_config(program: &str, args: &[&str], cases: &[&str], test_data: bool) -> RunConfig {
    let mut config = common::program_config(program, args);
    config.include = cases.iter().map(|s| s.to_string()).collect();
    if test_data {
        config.cases_dir = Some(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cases").into());
    }
    config.max_message_bytes = 1 << 20;
    config
}

/// A Python server: the prelude, then `body`. `marker` ends up in its command line.
fn py(body: &str, marker: &str) -> Vec<String> {
    vec![
        "-c".into(),
        format!("{PY_PRELUDE}\n{body}\n# marker {marker}\n"),
    ]
}

fn py_config(body: &str, marker: &str, cases: &[&str], test_data: bool) -> RunConfig {
    let args = py(body, marker);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    stdio_config("python3", &args, cases, test_data)
}

fn outcome(report: &RunReport, id: &str) -> Outcome {
    report
        .cases
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.outcome)
        .unwrap_or_else(|| panic!("{id} missing from {:?}", ids(report)))
}

fn ids(report: &RunReport) -> Vec<(String, Outcome)> {
    report
        .cases
        .iter()
        .map(|c| (c.id.clone(), c.outcome))
        .collect()
}

/// The findings of one case, as one text for `contains` checks.
fn findings_text(report: &RunReport, id: &str) -> String {
    let case = report.cases.iter().find(|c| c.id == id).expect("case");
    let mut text = case.reason.clone().unwrap_or_default();
    for f in &case.findings {
        text.push_str(&format!(" | {} / {} / {}", f.message, f.expected, f.actual));
    }
    text
}

/// The server is at fault in every run here: no case may end in a harness error.
fn assert_no_harness_error(report: &RunReport) {
    let bad: Vec<_> = report
        .cases
        .iter()
        .filter(|c| c.outcome == Outcome::HarnessError)
        .map(|c| (&c.id, &c.reason))
        .collect();
    assert!(bad.is_empty(), "harness errors: {bad:?}");
}

/// What a run against a server that never answers `initialize` must show: the run's note,
/// the handshake case failed, a case needing a session untestable, and no harness error.
fn assert_initialize_unanswered(report: &RunReport) {
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("no answer to initialize")),
        "{:?}",
        report.notes
    );
    assert_eq!(
        outcome(report, "lifecycle.initialization.result-shape"),
        Outcome::Fail
    );
    assert_eq!(
        outcome(report, "ping.behavior.empty-result"),
        Outcome::Untestable
    );
    assert_no_harness_error(report);
}

#[tokio::test]
async fn hang_on_initialize_only() {
    // Answers every request but initialize, which it reads and ignores.
    let body = r#"
for req in requests():
    if req["method"] != "initialize":
        send({"jsonrpc": "2.0", "id": req["id"], "result": {}})
"#;
    let config = py_config(
        body,
        "41.001",
        &[
            "ping.behavior.empty-result",
            "lifecycle.initialization.result-shape",
        ],
        false,
    );
    let report = run_bounded(&config).await;
    assert_initialize_unanswered(&report);
    common::assert_no_process("41.001");
}

#[tokio::test]
async fn hang_on_tools_list_only() {
    // A good server in every way, except that tools/list is read and never answered.
    let body = r#"
for req in requests():
    m = req["method"]
    if m == "initialize":
        send(init_result(req["id"], {"tools": {}}))
    elif m == "tools/list":
        pass
    elif m == "ping":
        send({"jsonrpc": "2.0", "id": req["id"], "result": {}})
    else:
        send({"jsonrpc": "2.0", "id": req["id"], "error": {"code": -32601, "message": "no"}})
"#;
    let config = py_config(
        body,
        "41.002",
        &["ping.behavior.empty-result", "tools.list.result-shape"],
        false,
    );
    let report = run_bounded(&config).await;
    assert_eq!(
        outcome(&report, "tools.list.result-shape"),
        Outcome::Fail,
        "{}",
        findings_text(&report, "tools.list.result-shape")
    );
    assert_eq!(
        outcome(&report, "ping.behavior.empty-result"),
        Outcome::Pass
    );
    assert!(report.negotiated_protocol_version.is_some());
    assert_no_harness_error(&report);
    common::assert_no_process("41.002");
}

#[tokio::test]
async fn exit_before_reading_anything() {
    let config = stdio_config(
        "sh",
        &["-c", "exit 0 # 41.003"],
        &[
            "ping.behavior.empty-result",
            "lifecycle.initialization.result-shape",
        ],
        false,
    );
    let report = run_bounded(&config).await;
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("did not complete the initialize handshake")),
        "{:?}",
        report.notes
    );
    // The raw case starts its own server, which is gone before it can answer.
    assert_eq!(
        outcome(&report, "lifecycle.initialization.result-shape"),
        Outcome::Fail,
        "{}",
        findings_text(&report, "lifecycle.initialization.result-shape")
    );
    assert_eq!(
        outcome(&report, "ping.behavior.empty-result"),
        Outcome::Untestable
    );
    assert_no_harness_error(&report);
    common::assert_no_process("41.003");
}

#[tokio::test]
async fn later_sessions_exit_before_reading_anything() {
    // The first start serves well; every later start exits at once. The case on a fresh session
    // is then a failure of the server, not an error of the harness.
    let flag = std::env::temp_dir().join(format!("mcpspec-hostile-{}-41.008", std::process::id()));
    let _ = std::fs::remove_file(&flag);
    let body = format!(
        r#"
flag = {flag:?}
if os.path.exists(flag):
    sys.exit(0)
open(flag, "w").close()
for req in requests():
    if req["method"] == "initialize":
        send(init_result(req["id"], {{}}))
    else:
        send({{"jsonrpc": "2.0", "id": req["id"], "result": {{}}}})
"#,
        flag = flag.display().to_string()
    );
    let config = py_config(&body, "41.008", &["ping.behavior"], true);
    let report = run_bounded(&config).await;
    let _ = std::fs::remove_file(&flag);
    assert_eq!(outcome(&report, "ping.behavior.answered"), Outcome::Pass);
    let fresh = findings_text(&report, "ping.behavior.fresh");
    assert_eq!(
        outcome(&report, "ping.behavior.fresh"),
        Outcome::Fail,
        "{fresh}"
    );
    assert!(
        fresh.contains("a new session failed its handshake"),
        "{fresh}"
    );
    assert_no_harness_error(&report);
    common::assert_no_process("41.008");
}

#[tokio::test]
async fn closes_its_stdin_but_keeps_talking() {
    // Completes the handshake, closes its stdin, then stays up and sends a ping of its own every
    // 100 ms: the harness can no longer write to it, and must notice rather than wait forever.
    let body = r#"
while True:
    line = sys.stdin.readline()
    if not line:
        break
    msg = json.loads(line)
    if msg.get("method") == "initialize":
        send(init_result(msg["id"], {}))
    elif msg.get("method") == "notifications/initialized":
        break
os.close(0)
n = 0
while True:
    n += 1
    send({"jsonrpc": "2.0", "id": "server-ping-%d" % n, "method": "ping"})
    time.sleep(0.1)
"#;
    let config = py_config(body, "41.004", &["ping.behavior"], true);
    let report = run_bounded(&config).await;
    // A ping written after the close fails to send ("stopped reading"); one that reached the
    // pipe just before the close is lost with it and times out. Both are the server's fault.
    for id in ["ping.behavior.answered", "ping.behavior.fresh"] {
        let text = findings_text(&report, id);
        assert_eq!(outcome(&report, id), Outcome::Fail, "{id}: {text}");
        assert!(
            text.contains("stopped reading") || text.contains("did not arrive"),
            "{id}: {text}"
        );
    }
    assert_no_harness_error(&report);
    common::assert_no_process("41.004");
}

/// Peak resident memory of this process, in KiB (`VmHWM`).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

/// Runs the named test of this binary alone in a child process (so that no other test shares
/// its memory), with [`CHILD_ENV`] set; true when this already is that child.
fn run_alone(name: &str) -> bool {
    if std::env::var_os(CHILD_ENV).is_some() {
        return true;
    }
    let exe = std::env::current_exe().expect("test binary path");
    let out = std::process::Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, "1")
        .output()
        .expect("run the test binary again");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{name} failed alone:\n{text}");
    assert!(
        text.contains("1 passed"),
        "{name} did not run alone:\n{text}"
    );
    // Pass the child's measurements on to this test's output.
    for line in text
        .lines()
        .filter_map(|l| l.find("measured:").map(|at| &l[at..]))
    {
        println!("{line}");
    }
    false
}

#[tokio::test]
async fn a_1_gib_line_is_streamed_in_bounded_memory() {
    if !run_alone("a_1_gib_line_is_streamed_in_bounded_memory") {
        return;
    }
    // Reads initialize, writes 1 GiB of `a` as one line (streamed from /dev/zero, never held in
    // memory anywhere), then answers initialize and every ping. The handshake can only succeed
    // once the harness has read past the whole line.
    let script = r#"read l
head -c 1073741824 /dev/zero | tr '\0' a
echo
printf '%s\n' '{"jsonrpc":"2.0","id":"mcpspec-init","result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"huge","version":"1"}}}'
while read l; do
  case "$l" in
    *'"hostile/ping-1"'*) printf '%s\n' '{"jsonrpc":"2.0","id":"hostile/ping-1","result":{}}' ;;
  esac
done # 41.005"#;
    let mut config = stdio_config("sh", &["-c", script], &["ping.behavior.answered"], true);
    config.startup_ms = 50_000;
    let before = peak_rss_kib();
    let report = run_bounded(&config).await;
    let after = peak_rss_kib();
    println!("measured: VmHWM before {before} KiB, after a 1 GiB line {after} KiB");
    assert!(
        report.negotiated_protocol_version.is_some(),
        "the handshake after the line failed: {:?}",
        report.notes
    );
    assert_eq!(
        outcome(&report, "oracle.message-size-limit"),
        Outcome::Informational
    );
    assert_eq!(outcome(&report, "ping.behavior.answered"), Outcome::Pass);
    assert!(
        after < MEMORY_BOUND_KIB,
        "peak RSS {after} KiB (before the run: {before} KiB)"
    );
    assert_no_harness_error(&report);
    common::assert_no_process("41.005");
}

#[tokio::test]
async fn json_nested_100k_levels_deep() {
    if !run_alone("json_nested_100k_levels_deep") {
        return;
    }
    // Answers the handshake; every later request gets an answer whose result holds arrays nested
    // 100 000 deep, once as a proper response and once as a bare value. Valid JSON, so mcpspec
    // reads it from a shallow copy (containers past 100 levels replaced) in bounded memory.
    let body = r#"
deep = "[" * 100000 + "]" * 100000
for req in requests():
    if req["method"] == "initialize":
        send(init_result(req["id"], {}))
    else:
        send_raw('{"jsonrpc":"2.0","id":%s,"result":{"deep":%s}}' % (json.dumps(req["id"]), deep))
        send_raw(deep)
"#;
    let config = py_config(body, "41.006", &["ping.behavior"], true);
    let before = peak_rss_kib();
    let report = run_bounded(&config).await;
    let after = peak_rss_kib();
    println!("measured: VmHWM before {before} KiB, after 100k-deep JSON {after} KiB");
    // The answer was read from a shallow copy: the ping case judges its (wrong) result, not
    // a missing answer; valid JSON is not stdout garbage; the depth itself is non-strict.
    assert_eq!(outcome(&report, "ping.behavior.answered"), Outcome::Fail);
    assert!(findings_text(&report, "ping.behavior.answered").contains("/result equals {}"));
    assert_eq!(
        outcome(&report, "oracle.stdio-stdout-only-mcp"),
        Outcome::Pass,
        "{}",
        findings_text(&report, "oracle.stdio-stdout-only-mcp")
    );
    assert_eq!(
        outcome(&report, "oracle.jsonrpc-envelope"),
        Outcome::NonStrict,
        "{:?}",
        ids(&report)
    );
    assert!(
        findings_text(&report, "oracle.jsonrpc-envelope")
            .contains("nesting deeper than 100 levels")
    );
    assert!(after < MEMORY_BOUND_KIB, "peak RSS {after} KiB");
    assert_no_harness_error(&report);
    common::assert_no_process("41.006");
}

#[tokio::test]
async fn numbers_beyond_any_float() {
    // Answers each request four times: with the id 1e400, with a 400-digit integer id, and with
    // the right id but 1e400 or a 400-digit integer inside the result. None of these is a valid
    // answer (the ids are not the request's, the results are not empty).
    let body = r#"
huge = "9" * 400
for req in requests():
    if req["method"] == "initialize":
        send(init_result(req["id"], {}))
        continue
    rid = json.dumps(req["id"])
    send_raw('{"jsonrpc":"2.0","id":1e400,"result":{}}')
    send_raw('{"jsonrpc":"2.0","id":%s,"result":{}}' % huge)
    send_raw('{"jsonrpc":"2.0","id":%s,"result":{"n":1e400}}' % rid)
    send_raw('{"jsonrpc":"2.0","id":%s,"result":{"n":%s}}' % (rid, huge))
"#;
    let config = py_config(body, "41.007", &["ping.behavior"], true);
    let report = run_bounded(&config).await;
    assert_eq!(outcome(&report, "ping.behavior.answered"), Outcome::Fail);
    assert_eq!(outcome(&report, "ping.behavior.fresh"), Outcome::Fail);
    // Valid JSON, so not stdout garbage; beyond what parsers commonly read, so non-strict.
    assert_eq!(
        outcome(&report, "oracle.stdio-stdout-only-mcp"),
        Outcome::Pass,
        "{:?}",
        ids(&report)
    );
    assert_eq!(
        outcome(&report, "oracle.jsonrpc-envelope"),
        Outcome::NonStrict,
        "{:?}",
        ids(&report)
    );
    assert!(findings_text(&report, "oracle.jsonrpc-envelope").contains("IEEE 754 double range"));
    // The copies were read: the second answer to the same id is a duplicate.
    assert_eq!(
        outcome(&report, "oracle.one-response-per-request"),
        Outcome::Fail,
        "{:?}",
        ids(&report)
    );
    assert_no_harness_error(&report);
    common::assert_no_process("41.007");
}

// ---------------------------------------------------------------------------------------------
// HTTP

#[derive(Clone, Copy, PartialEq, Eq)]
enum HttpMode {
    /// Answers initialize; every other request gets its headers and then a body that comes one
    /// byte per second and never ends.
    Slowloris,
    /// Reads every request and never writes a byte back.
    NoHeaders,
}

/// A hostile HTTP server on a loopback port, with a count of its open connections.
struct Hostile {
    url: String,
    open: Arc<AtomicUsize>,
}

/// Decrements the open-connection count when a handler ends.
struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Whether the client closed its end (checked without blocking).
fn client_gone(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return true;
    }
    let mut byte = [0u8; 1];
    let gone = match stream.peek(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    };
    let _ = stream.set_nonblocking(false);
    gone
}

/// Serves one connection; every handler ends at the latest after ten minutes.
fn serve(mut stream: TcpStream, mode: HttpMode) {
    let Some(msg) = common::read_http_request(&mut stream) else {
        return;
    };
    let method = msg.get("method").and_then(Value::as_str).unwrap_or("");
    if mode == HttpMode::Slowloris && method == "initialize" {
        let body = json!({
            "jsonrpc": "2.0", "id": msg.get("id").cloned().unwrap_or(Value::Null),
            "result": {
                "protocolVersion": "2025-06-18", "capabilities": {},
                "serverInfo": { "name": "hostile", "version": "1" }
            }
        })
        .to_string();
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nMcp-Session-Id: slow-1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(answer.as_bytes());
        return;
    }
    if mode == HttpMode::Slowloris {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n{";
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
    }
    for tick in 0..6000 {
        std::thread::sleep(Duration::from_millis(100));
        if client_gone(&stream) {
            return;
        }
        if mode == HttpMode::Slowloris
            && tick % 10 == 9
            && stream.write_all(b" ").and_then(|_| stream.flush()).is_err()
        {
            return;
        }
    }
}

impl Hostile {
    fn start(mode: HttpMode) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}/mcp", listener.local_addr().expect("address"));
        let open = Arc::new(AtomicUsize::new(0));
        let count = open.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                count.fetch_add(1, Ordering::SeqCst);
                let guard = Open(count.clone());
                std::thread::spawn(move || {
                    let _guard = guard;
                    serve(stream, mode);
                });
            }
        });
        Hostile { url, open }
    }

    fn config(&self, cases: &[&str]) -> RunConfig {
        let mut config = RunConfig::new(Target::Http(HttpSpec {
            url: self.url.clone(),
            headers: Vec::new(),
        }));
        config.timeout_ms = 1000;
        config.startup_ms = 1000;
        config.include = cases.iter().map(|s| s.to_string()).collect();
        config
    }

    /// Waits (on the runtime, so that connection tasks still run) until every connection the
    /// harness opened is closed again.
    async fn assert_all_closed(&self) {
        for _ in 0..200 {
            if self.open.load(Ordering::SeqCst) == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{} connection(s) still open after the run",
            self.open.load(Ordering::SeqCst)
        );
    }
}

#[tokio::test]
async fn http_slowloris_body_ends_at_the_deadline() {
    let server = Hostile::start(HttpMode::Slowloris);
    let report = run_bounded(&server.config(&["ping.behavior.empty-result"])).await;
    assert!(report.negotiated_protocol_version.is_some());
    let ping = outcome(&report, "ping.behavior.empty-result");
    assert_eq!(
        ping,
        Outcome::Fail,
        "{}",
        findings_text(&report, "ping.behavior.empty-result")
    );
    // The wait for the answer is the case's own timeout, not the endless body.
    let case = report
        .cases
        .iter()
        .find(|c| c.id == "ping.behavior.empty-result")
        .expect("case");
    assert!(case.duration_ms < 10_000, "took {} ms", case.duration_ms);
    assert_no_harness_error(&report);
    server.assert_all_closed().await;
}

#[tokio::test]
async fn http_server_that_never_sends_headers() {
    let server = Hostile::start(HttpMode::NoHeaders);
    let report = run_bounded(&server.config(&[
        "ping.behavior.empty-result",
        "lifecycle.initialization.result-shape",
    ]))
    .await;
    assert_initialize_unanswered(&report);
    server.assert_all_closed().await;
}
