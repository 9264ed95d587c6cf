//! Hostile targets: a server that crashes mid-run, hangs, floods stdout, writes invalid UTF-8 or
//! a 100 MB line, or leaves children behind gives findings, never a panic, a hang or a leftover
//! process. Each run is bounded by an outer deadline that only exists to turn a hang into a test
//! failure.

mod common;

use std::time::Duration;

use mcpspec_report::{Outcome, RunReport};

/// Far above what any of these runs needs; reaching it means the harness hung.
const HANG_GUARD: Duration = Duration::from_secs(120);

async fn run_sh(script: &str, cases: &[&str]) -> RunReport {
    let mut config = common::program_config("sh", &["-c", script]);
    config.include = cases.iter().map(|s| s.to_string()).collect();
    config.cases_dir = Some(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cases").into());
    config.max_message_bytes = 1 << 20;
    let out = tokio::time::timeout(HANG_GUARD, mcpspec_harness::run(&config, &mut |_| {}))
        .await
        .expect("the harness hung")
        .expect("the run starts");
    out.report
}

fn outcome(report: &RunReport, id: &str) -> Outcome {
    report
        .cases
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.outcome)
        .unwrap_or_else(|| panic!("{id} missing"))
}

#[tokio::test]
async fn server_that_hangs_gets_a_note_not_a_hang() {
    let report = run_sh("exec sleep 30.101", &["ping"]).await;
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("no answer to initialize")),
        "{:?}",
        report.notes
    );
    assert!(
        report
            .cases
            .iter()
            .any(|c| c.outcome == Outcome::Untestable)
    );
    common::assert_no_process("30.101");
}

#[tokio::test]
async fn server_that_crashes_mid_run_is_a_finding() {
    // Answers the handshake, then dies on the next request.
    let script = r#"read a; printf '%s\n' '{"jsonrpc":"2.0","id":"mcpspec-init","result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"crashy","version":"1"}}}'; read b; read c; exit 3"#;
    let report = run_sh(script, &["ping"]).await;
    let failed: Vec<_> = report
        .cases
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .collect();
    assert!(
        !failed.is_empty(),
        "a crash must fail the case it interrupts"
    );
    assert!(
        failed
            .iter()
            .any(|c| c.findings.iter().any(|f| f.message.contains("exited"))),
        "{failed:#?}"
    );
}

#[tokio::test]
async fn flood_of_notifications_is_bounded() {
    let script = r#"yes '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"flood"}}'"#;
    let report = run_sh(script, &["ping.behavior"]).await;
    assert!(
        report.notes.iter().any(|n| n.contains("initialize")),
        "{:?}",
        report.notes
    );
    // Log notifications from a server that never declared logging are flagged.
    assert_eq!(
        outcome(&report, "oracle.notification-capability"),
        Outcome::Pass,
        "caps unknown: no verdict"
    );
    common::assert_no_process("notifications/message");
}

#[tokio::test]
async fn flood_of_garbage_is_a_finding() {
    let report = run_sh("yes 'this is not json 31.337'", &["ping.behavior"]).await;
    assert_eq!(
        outcome(&report, "oracle.stdio-stdout-only-mcp"),
        Outcome::Fail
    );
    common::assert_no_process("31.337");
}

#[tokio::test]
async fn invalid_utf8_is_a_finding() {
    let report = run_sh(
        r"printf '\377\376 oops\n'; exec sleep 30.202",
        &["ping.behavior"],
    )
    .await;
    assert_eq!(outcome(&report, "oracle.stdio-utf8"), Outcome::Fail);
    common::assert_no_process("30.202");
}

#[tokio::test]
async fn a_100_mb_line_is_reported_and_skipped() {
    let script = "head -c 100000000 /dev/zero | tr '\\0' a; echo; exec sleep 30.303";
    let report = run_sh(script, &["ping.behavior"]).await;
    assert_eq!(
        outcome(&report, "oracle.message-size-limit"),
        Outcome::Informational
    );
    common::assert_no_process("30.303");
}

#[tokio::test]
async fn children_and_grandchildren_are_killed() {
    let script = "sleep 30.404 & (sleep 30.405 &) ; exec sleep 30.406";
    let _ = run_sh(script, &["ping.behavior"]).await;
    common::assert_no_process("30.404");
    common::assert_no_process("30.405");
    common::assert_no_process("30.406");
}

#[tokio::test]
async fn server_that_ignores_stdin_close_and_sigterm_is_killed() {
    let script = "trap '' TERM; while :; do sleep 0.05; done # 30.505";
    let _ = run_sh(script, &["ping.behavior"]).await;
    common::assert_no_process("30.505");
}

#[tokio::test]
async fn missing_program_is_a_target_error() {
    let mut config = common::program_config("/nonexistent/mcpspec-no-such-server", &[]);
    config.cases_dir = Some(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cases").into());
    let err = mcpspec_harness::run(&config, &mut |_| {})
        .await
        .expect_err("cannot start");
    assert!(matches!(err, mcpspec_harness::RunError::Target(_)), "{err}");
}
