//! The live property layer: `mcpspec fuzz`. Generated sequences of client actions (valid,
//! targeted-invalid and hostile) are played against a live server, each on a fresh session,
//! and checked by the same oracles as scripted runs plus two invariants of the fuzzer's own
//! (the server survives; every well-formed request is answered in time). A failing sequence
//! is shrunk by proptest, played once more to tell a real failure from a flaky one, and written
//! as a replayable case file; everything found goes into a normal report.
//!
//! The parts, one file each:
//!
//! - `action.rs`: the vocabulary of client actions; `payload.rs`: the data put into them;
//! - `http_abuse.rs`: requests that break the Streamable HTTP transport's rules (HTTP targets
//!   only), judged by `http_rules.rs` as the `http` steps they are recorded as (`http_step.rs`);
//! - `strategy.rs`: proptest strategies for actions and sequences;
//! - `model.rs`: what the session revealed, which actions resolve against when played;
//! - `params.rs`: invalid request params derived from mcpspec's MCP schema;
//! - `play/`: playing one sequence with deadlines, judging it, recording it as case steps
//!   (`steps.rs`);
//! - `verdict.rs`: failures versus soft findings;
//! - `search.rs`: the seeded search, shrinking and the flaky check;
//! - `to_case.rs`: found case files; `report.rs`: the report; `replay.rs`: `--replay FILE`.
//!
//! Not the scripted cases (`case/`, `interp.rs`) and not the byte-level fuzz targets of the
//! codec (the separate `fuzz/` cargo-fuzz workspace at the repository root).

pub mod action;
pub mod http_abuse;
pub mod http_rules;
pub mod http_step;
pub mod model;
pub mod params;
pub mod payload;
pub mod play;
pub mod replay;
pub mod report;
pub mod search;
pub mod steps;
pub mod strategy;
pub mod to_case;
pub mod verdict;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::RunConfig;
use crate::target::TransportError;

pub use replay::{Replayed, replay};
pub use search::{Finding, FuzzOutput, FuzzStats, fuzz};

/// Where a fuzz run's report goes inside its output directory. The folder's name starts with
/// `_`, which the case loader skips, so `mcpspec run --cases DIR` sees only the found cases.
pub const REPORT_DIR: &str = "_report";

/// What a fuzz run needs.
#[derive(Debug, Clone)]
pub struct FuzzConfig {
    /// The target and the client settings, as for `mcpspec run`.
    pub run: RunConfig,
    /// The seed of the generator: the same seed gives the same sequences.
    pub seed: u64,
    /// How many generated sequences to play at most (shrink runs not counted).
    pub cases: u32,
    /// The longest sequence generated.
    pub max_steps: usize,
    /// Wall-clock budget of the whole run, shrinking included.
    pub time_budget: Duration,
    /// Most shrink candidates played per finding.
    pub max_shrink_runs: u32,
}

impl FuzzConfig {
    /// A configuration with defaults for everything but the target: 100 sequences of up to 16
    /// actions, seed 0, 60 s.
    pub fn new(run: RunConfig) -> Self {
        FuzzConfig {
            run,
            seed: 0,
            cases: 100,
            max_steps: 16,
            time_budget: Duration::from_secs(60),
            max_shrink_runs: 512,
        }
    }
}

/// Something worth telling while the search runs.
#[derive(Debug)]
pub enum FuzzEvent<'a> {
    /// A failure was found and shrunk.
    Found(&'a Finding),
}

/// Why a fuzz run or a replay could not happen.
#[derive(Debug, thiserror::Error)]
pub enum FuzzError {
    /// The target could not be started or reached.
    #[error("{0}")]
    Target(#[from] TransportError),
    /// The case file to replay does not load.
    #[error("{0}")]
    Case(String),
    /// mcpspec itself failed.
    #[error("{0}")]
    Runtime(String),
}

/// Writes every reproducible finding as `dir/<id>.json`; returns the paths.
pub fn write_cases(dir: &Path, out: &FuzzOutput) -> Result<Vec<PathBuf>, String> {
    out.findings
        .iter()
        .filter(|f| f.reproduced)
        .map(|f| to_case::write(dir, &f.case))
        .collect()
}
