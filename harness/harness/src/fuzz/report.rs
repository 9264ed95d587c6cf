//! A fuzz run as a canonical [`RunReport`], so every renderer (text, Markdown, JUnit, SARIF,
//! HTML) works on it unchanged: one case per finding (`found.<rule>.<hash8>`, `fail`, or
//! `informational` when it did not reproduce), plus `fuzz.soft-findings` for the mismatches a
//! careful server could defend. The seed and the counters go into the report's notes.
//!
//! Not the search (`search.rs`) and not file writing (`output.rs` writes reports).

use std::collections::BTreeMap;

use mcpspec_report::model::{Selection, ToolInfo};
use mcpspec_report::{CaseResult, Finding as ReportFinding, Level, Outcome, RunReport, Summary};

use super::FuzzConfig;
use super::search::{Finding, FuzzOutput};
use crate::case::model::SpecSource;
use crate::config::REVISION;
use crate::runner::{RunOutput, spec_ref, target_info};

/// The ID of the case that collects soft findings.
pub const SOFT_CASE: &str = "fuzz.soft-findings";

/// Transcript entries copied into the report per finding.
const EXCERPT_ENTRIES: usize = 40;
/// Bytes of one transcript entry in the report.
const EXCERPT_BYTES: usize = 1024;
/// Soft-finding kinds listed in the report.
const MAX_SOFT_LISTED: usize = 25;

/// The report of a fuzz run, with the full transcript of each finding's final run.
pub fn build(config: &FuzzConfig, out: &FuzzOutput, started_at: String) -> RunOutput {
    let mut cases: Vec<CaseResult> = out
        .findings
        .iter()
        .map(|f| finding_case(config, f))
        .collect();
    cases.push(soft_case(out));
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    let transcripts = out
        .findings
        .iter()
        .map(|f| (f.id.clone(), f.played.transcript.clone()))
        .collect();
    let s = &out.stats;
    let mut notes = vec![
        format!(
            "fuzz seed {}: {} generated sequence(s) of at most {} action(s), {} shrink run(s)",
            config.seed, s.cases, config.max_steps, s.shrink_runs
        ),
        format!(
            "{} action(s) played ({} skipped: nothing to resolve them against), {} message(s) sent, {:.0} messages/s, {:.0}% of the time waiting for the server",
            s.totals.actions,
            s.totals.skipped,
            s.totals.messages,
            s.messages_per_second(),
            s.waiting_share() * 100.0
        ),
    ];
    if s.out_of_time {
        notes.push(format!(
            "the time budget of {} s ended the run before {} sequences were played",
            config.time_budget.as_secs(),
            config.cases
        ));
    }
    let summary = Summary::of(&cases);
    RunOutput {
        report: RunReport {
            format_version: mcpspec_report::FORMAT_VERSION,
            tool: ToolInfo {
                name: "mcpspec".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            started_at,
            duration_ms: s.elapsed.as_millis() as u64,
            target: target_info(&config.run.target),
            requested_protocol_version: REVISION.into(),
            negotiated_protocol_version: out.server.negotiated.clone(),
            server_info: out.server.info.clone(),
            capabilities: out.server.capabilities.clone(),
            selection: Selection::default(),
            notes,
            could_not_test: BTreeMap::new(),
            tools: BTreeMap::new(),
            cases,
            summary,
            baseline: None,
        },
        transcripts,
    }
}

fn finding_case(config: &FuzzConfig, f: &Finding) -> CaseResult {
    let rule = f.failure.rule;
    let sequence: Vec<String> = f
        .played
        .played
        .iter()
        .map(|(i, d)| format!("{}. {d}", i + 1))
        .collect();
    let sequence = if sequence.is_empty() {
        "no action besides the handshake and the closing ping".to_string()
    } else {
        sequence.join("; ")
    };
    let reason = if f.reproduced {
        format!(
            "seed {}: shrunk from {} to {} action(s), failed again when replayed: {sequence}",
            config.seed,
            f.shrunk_from,
            f.actions.len()
        )
    } else {
        format!(
            "seed {}: did not fail again when the shrunk sequence was replayed (flaky, not asserted): {sequence}",
            config.seed
        )
    };
    let findings = vec![ReportFinding {
        message: f.failure.message.clone(),
        expected: f.failure.expected.clone(),
        actual: f.failure.actual.clone(),
        step: f.failure.action,
        json_pointer: f.failure.pointer.clone(),
        observed_in: None,
    }];
    let (transcript, transcript_truncated) =
        crate::wire::report_excerpt(&f.played.transcript, EXCERPT_ENTRIES, EXCERPT_BYTES);
    CaseResult {
        id: f.id.clone(),
        title: f
            .case
            .get("title")
            .and_then(|t| t.as_str())
            .unwrap_or("")
            .to_string(),
        expectation: rule.expectation.to_string(),
        level: rule.level,
        requirements: f.failure.requirements(),
        spec: spec_ref(rule.page, rule.anchor, rule.statement, SpecSource::Mcp),
        outcome: if f.reproduced {
            Outcome::Fail
        } else {
            Outcome::Informational
        },
        reason: Some(reason),
        findings,
        duration_ms: f.played.stats.elapsed.as_millis() as u64,
        transcript,
        transcript_truncated,
    }
}

fn soft_case(out: &FuzzOutput) -> CaseResult {
    let findings: Vec<ReportFinding> = out
        .soft
        .iter()
        .take(MAX_SOFT_LISTED)
        .map(|k| ReportFinding {
            message: format!("{} (seen {} time(s))", k.first.message, k.count),
            expected: k.first.expected.clone(),
            actual: k.first.actual.clone(),
            step: None,
            json_pointer: None,
            observed_in: None,
        })
        .collect();
    CaseResult {
        id: SOFT_CASE.into(),
        title: "Collects answers a careful server could still defend: error codes other than JSON-RPC's, silence after hostile input, SHOULD-level oracle hits".into(),
        expectation: "Errors SHOULD carry JSON-RPC's code for the input class, and hostile input SHOULD get an answer.".into(),
        level: Level::Should,
        requirements: vec![
            "BASE-012".into(),
            "BASE-013".into(),
            "BASE-014".into(),
            "BASE-017".into(),
        ],
        spec: spec_ref(
            "jsonrpc-2.0",
            "error_object",
            "A server SHOULD answer a parse error with -32700, an invalid request with -32600, an unknown method with -32601 and invalid params with -32602.",
            SpecSource::JsonRpc2,
        ),
        outcome: if findings.is_empty() {
            Outcome::Pass
        } else {
            Outcome::NonStrict
        },
        reason: None,
        findings,
        duration_ms: 0,
        transcript: Vec::new(),
        transcript_truncated: false,
    }
}
