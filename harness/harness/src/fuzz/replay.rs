//! Replaying one case file (a found case, or any user case) through the normal runner and
//! telling whether it still fails: the case's own outcome, or an oracle that failed on traffic
//! of this case. This is what `mcpspec fuzz --replay FILE` does.
//!
//! Not the search (`search.rs`): a replay plays the recorded steps, not the actions.

use std::path::Path;

use mcpspec_report::Outcome;

use super::FuzzError;
use crate::case::CaseLoadError;
use crate::config::RunConfig;
use crate::runner::{RunError, RunOutput, run_cases};
use crate::select::Selector;

/// The result of a replay.
#[derive(Debug, Clone)]
pub struct Replayed {
    /// The replayed case's ID.
    pub case_id: String,
    /// One line per failure attributable to the case (empty: it passes now).
    pub failures: Vec<String>,
    /// The run's report and transcripts.
    pub output: RunOutput,
}

impl Replayed {
    /// Whether the case still fails.
    pub fn still_fails(&self) -> bool {
        !self.failures.is_empty()
    }
}

/// Loads and lints `file` as a user case, runs it against `run`'s target, and collects the
/// failures that belong to it.
pub fn replay(run: &RunConfig, file: &Path) -> Result<Replayed, FuzzError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| FuzzError::Case(format!("cannot read {}: {e}", file.display())))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let loaded = crate::case::load::parse_text(&name, &text).map_err(case_errors)?;
    let problems = crate::case::lint(std::slice::from_ref(&loaded), None);
    if !problems.is_empty() {
        return Err(case_errors(problems));
    }
    let case = loaded.case;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| FuzzError::Runtime(e.to_string()))?;
    let selector = Selector::new(&[], &[]).map_err(FuzzError::Runtime)?;
    let output = runtime
        .block_on(run_cases(
            run,
            std::slice::from_ref(&case),
            &selector,
            &mut |_| {},
        ))
        .map_err(|e| match e {
            RunError::Target(t) => FuzzError::Target(t),
            other => FuzzError::Runtime(other.to_string()),
        })?;
    let failures = failures_of(&output, &case.id);
    Ok(Replayed {
        case_id: case.id,
        failures,
        output,
    })
}

/// The failures of a run that belong to case `id`: its own `fail`, and every failing oracle
/// with a finding observed during it.
pub fn failures_of(output: &RunOutput, id: &str) -> Vec<String> {
    let mut out = Vec::new();
    for c in &output.report.cases {
        if c.outcome != Outcome::Fail {
            continue;
        }
        if c.id == id {
            let why = c
                .findings
                .first()
                .map(|f| f.message.clone())
                .or_else(|| c.reason.clone())
                .unwrap_or_default();
            out.push(format!("{id}: {why}"));
        }
        for f in c
            .findings
            .iter()
            .filter(|f| c.id != id && f.observed_in.as_deref() == Some(id))
        {
            out.push(format!("{}: {}", c.id, f.message));
        }
    }
    out
}

fn case_errors(errors: Vec<CaseLoadError>) -> FuzzError {
    FuzzError::Case(
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
    )
}
