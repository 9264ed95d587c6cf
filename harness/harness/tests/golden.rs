//! Golden reports: whole runs snapshotted with insta (volatile fields normalised), so a change to
//! a case, an oracle or the grading shows up as a reviewable diff naming the cases that flipped.
//! The fixture-server run always executes; the third-party servers run when `ci/interop.sh` has
//! installed them and says where (`MCPSPEC_INTEROP_NODE_MODULES`, `MCPSPEC_INTEROP_VENV`).

mod common;

use std::path::PathBuf;

use mcpspec_harness::{RunConfig, StdioSpec, Target};
use serde_json::Value;

/// The report with wall-clock, durations, transcripts and local paths replaced by stable text.
fn normalise(report: &mcpspec_report::RunReport) -> Value {
    let mut v = serde_json::to_value(report).expect("report serialises");
    v["started_at"] = Value::from("[timestamp]");
    v["duration_ms"] = Value::from("[ms]");
    if let Some(cmd) = v
        .pointer_mut("/target/command")
        .and_then(Value::as_array_mut)
    {
        for part in cmd.iter_mut() {
            if let Some(s) = part.as_str()
                && s.starts_with('/')
            {
                let name = s
                    .rsplit('/')
                    .take(3)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("/");
                *part = Value::from(format!("[path]/{name}"));
            }
        }
    }
    if let Some(cases) = v.get_mut("cases").and_then(Value::as_array_mut) {
        for c in cases {
            if let Some(obj) = c.as_object_mut() {
                obj.insert("duration_ms".into(), Value::from("[ms]"));
                obj.remove("transcript");
                obj.remove("transcript_truncated");
            }
        }
    }
    v
}

fn snapshot(name: &str, report: &mcpspec_report::RunReport) {
    snapshot_with(name, report, &[]);
}

/// Snapshots the normalised report, with each `(text, placeholder)` replaced everywhere (for
/// scratch paths that a server echoes in its answers).
fn snapshot_with(name: &str, report: &mcpspec_report::RunReport, replace: &[(&str, &str)]) {
    let mut text = normalise(report).to_string();
    for (from, to) in replace {
        // Paths appear JSON-escaped inside strings; plain paths need no escaping.
        text = text.replace(from, to);
    }
    let value: Value = serde_json::from_str(&text).expect("normalised report is JSON");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../../reports/golden");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_json_snapshot!(name, value));
}

/// A clean scratch directory under the target dir (stable path, so snapshots stay stable).
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

async fn run(config: &RunConfig) -> mcpspec_report::RunReport {
    mcpspec_harness::run(config, &mut |_| {})
        .await
        .expect("run")
        .report
}

fn assert_no_harness_error(report: &mcpspec_report::RunReport) {
    let errors: Vec<String> = report
        .cases
        .iter()
        .filter(|c| c.outcome == mcpspec_report::Outcome::HarnessError)
        .map(|c| format!("{}: {:?}", c.id, c.reason))
        .collect();
    assert!(errors.is_empty(), "harness errors:\n{}", errors.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixture_clean() {
    let report = run(&common::fixture_config(&[])).await;
    assert_no_harness_error(&report);
    snapshot("fixture-clean", &report);
}

fn interop_config(program: String, args: &[&str], env: &[(&str, &str)]) -> RunConfig {
    let mut config = RunConfig::new(Target::Stdio(StdioSpec {
        program,
        args: args.iter().map(|s| s.to_string()).collect(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        cwd: None,
    }));
    config.timeout_ms = 10_000;
    config
}

fn env_dir(var: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(v) => Some(PathBuf::from(v)),
        None => {
            eprintln!("SKIPPED: {var} is not set (run ci/interop.sh to test third-party servers)");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_server_everything() {
    let Some(modules) = env_dir("MCPSPEC_INTEROP_NODE_MODULES") else {
        return;
    };
    let script = modules.join("@modelcontextprotocol/server-everything/dist/index.js");
    let config = interop_config(
        "node".into(),
        &[&script.display().to_string(), "stdio"],
        &[],
    );
    let report = run(&config).await;
    assert_no_harness_error(&report);
    snapshot("server-everything-stdio", &report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_server_everything_http() {
    let Some(modules) = env_dir("MCPSPEC_INTEROP_NODE_MODULES") else {
        return;
    };
    let script = modules.join("@modelcontextprotocol/server-everything/dist/index.js");
    let server = common::HttpServer::start(
        "node",
        &[&script.display().to_string(), "streamableHttp"],
        &[("PORT", "{port}")],
        "/mcp",
    );
    let mut config = server.config();
    config.timeout_ms = 10_000;
    let report = run(&config).await;
    assert_no_harness_error(&report);
    let url = server.url.clone();
    snapshot_with(
        "server-everything-http",
        &report,
        &[(url.as_str(), "http://127.0.0.1:[port]/mcp")],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_mcp_server_time() {
    let Some(venv) = env_dir("MCPSPEC_INTEROP_VENV") else {
        return;
    };
    let program = venv.join("bin/mcp-server-time").display().to_string();
    let config = interop_config(program, &["--local-timezone", "UTC"], &[]);
    let report = run(&config).await;
    assert_no_harness_error(&report);
    snapshot("mcp-server-time-stdio", &report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_python_sdk_http() {
    let Some(venv) = env_dir("MCPSPEC_INTEROP_VENV") else {
        return;
    };
    let python = venv.join("bin/python").display().to_string();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../ci/servers/python_http_server.py")
        .display()
        .to_string();
    let server = common::HttpServer::start(&python, &[&script, "{port}"], &[], "/mcp");
    let mut config = server.config();
    config.timeout_ms = 10_000;
    let report = run(&config).await;
    assert_no_harness_error(&report);
    let url = server.url.clone();
    snapshot_with(
        "python-sdk-http",
        &report,
        &[(url.as_str(), "http://127.0.0.1:[port]/mcp")],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_server_filesystem() {
    let Some(modules) = env_dir("MCPSPEC_INTEROP_NODE_MODULES") else {
        return;
    };
    let script = modules.join("@modelcontextprotocol/server-filesystem/dist/index.js");
    let dir = scratch("interop-filesystem");
    std::fs::write(dir.join("notes.txt"), "mcpspec scratch file\n").expect("write scratch file");
    let dir_text = dir.display().to_string();
    let config = interop_config(
        "node".into(),
        &[&script.display().to_string(), &dir_text],
        &[],
    );
    let report = run(&config).await;
    assert_no_harness_error(&report);
    snapshot_with(
        "server-filesystem-stdio",
        &report,
        &[(&dir_text, "[scratch]")],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_server_memory() {
    let Some(modules) = env_dir("MCPSPEC_INTEROP_NODE_MODULES") else {
        return;
    };
    let script = modules.join("@modelcontextprotocol/server-memory/dist/index.js");
    let dir = scratch("interop-memory");
    let file = dir.join("memory.jsonl").display().to_string();
    let config = interop_config(
        "node".into(),
        &[&script.display().to_string()],
        &[("MEMORY_FILE_PATH", &file)],
    );
    let report = run(&config).await;
    assert_no_harness_error(&report);
    let dir_text = dir.display().to_string();
    snapshot_with("server-memory-stdio", &report, &[(&dir_text, "[scratch]")]);
}

/// A committed golden report read back as a report: the snapshot header dropped and the
/// placeholders of [`normalise`] turned into values the model accepts.
fn golden_report(name: &str) -> mcpspec_report::RunReport {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../reports/golden")
        .join(format!("{name}.snap"));
    let text = std::fs::read_to_string(&path).expect("golden snapshot");
    let body = text.splitn(3, "---").nth(2).expect("snapshot header");
    let mut value: Value = serde_json::from_str(body).expect("golden JSON");
    value["duration_ms"] = Value::from(0);
    if let Some(cases) = value.get_mut("cases").and_then(Value::as_array_mut) {
        for c in cases {
            c["duration_ms"] = Value::from(0);
        }
    }
    serde_json::from_value(value).expect("a golden snapshot is a report")
}

/// The side-by-side comparison of the fixture server, server-everything and mcp-server-time,
/// built from their committed golden reports, so every change to one of them also shows here.
#[test]
fn comparison_of_golden_reports() {
    let names = [
        "fixture-clean",
        "server-everything-stdio",
        "mcp-server-time-stdio",
    ];
    let reports: Vec<_> = names.iter().map(|n| golden_report(n)).collect();
    let inputs: Vec<_> = names
        .iter()
        .zip(&reports)
        .map(|(file, report)| mcpspec_report::render::compare::Input { file, report })
        .collect();
    let markdown = mcpspec_report::render::compare::markdown::render(&inputs);
    for n in [
        "mcpspec-fixture-server",
        "mcp-servers/everything",
        "mcp-time",
    ] {
        assert!(markdown.contains(n), "a column for {n}");
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../../reports/golden");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("comparison", markdown));
}
