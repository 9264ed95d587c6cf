//! The search loop: proptest's `TestRunner` with a fixed seed generates sequences, each played
//! on a fresh session; the first sequence that breaks an invariant not found yet is shrunk by
//! proptest (every candidate is played again), and the minimal sequence is played once more.
//! If that last run fails too, the finding is reproducible and becomes a case file; if not, it
//! is reported as flaky and asserted nowhere. Then the search goes on with a new round (a
//! seed derived from the first) for the cases left, treating failures already found as passes,
//! until the case count or the time budget is spent.
//!
//! Not the playing (`play/`) and not the report (`report.rs`).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use proptest::test_runner::{
    Config, RngAlgorithm, RngSeed, TestCaseError, TestError, TestRunner, basic_result_cache,
};
use serde_json::Value;

use super::action::Action;
use super::play::{Played, ServerFacts, Stats, play};
use super::verdict::{Failure, Soft};
use super::{FuzzConfig, FuzzError, FuzzEvent};
use crate::case::model::TransportReq;
use crate::target::{Target, TransportError};

/// Why a sequence was not played.
const OUT_OF_TIME: &str = "the time budget is spent";

/// Distinct kinds of soft findings kept (later new kinds are dropped).
const MAX_SOFT_KINDS: usize = 50;

/// One reproducible (or flaky) failure, shrunk.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The case ID (`found.<rule>.<hash8>`).
    pub id: String,
    /// The broken invariant, as seen in the final run.
    pub failure: Failure,
    /// The minimal sequence.
    pub actions: Vec<Action>,
    /// How long the first failing sequence was.
    pub shrunk_from: usize,
    /// Whether playing the minimal sequence once more failed again.
    pub reproduced: bool,
    /// The record of the final run (the re-run if it reproduced, else the last failing one).
    pub played: Played,
    /// The case file.
    pub case: Value,
}

/// A kind of soft finding with how often it was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftKind {
    /// The first occurrence.
    pub first: Soft,
    /// How many times it was seen.
    pub count: u64,
}

/// Counters of a whole fuzz run.
#[derive(Debug, Clone, Default)]
pub struct FuzzStats {
    /// Generated sequences played (shrink candidates not counted).
    pub cases: u32,
    /// Shrink candidates and re-runs played.
    pub shrink_runs: u32,
    /// Totals over every played sequence.
    pub totals: Stats,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
    /// Whether the time budget ended the run before the case count was reached.
    pub out_of_time: bool,
}

impl FuzzStats {
    /// Messages sent per second of wall-clock time.
    pub fn messages_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.totals.messages as f64 / secs
        } else {
            0.0
        }
    }

    /// The share of wall-clock time spent waiting for the server's answers (0 to 1).
    pub fn waiting_share(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            (self.totals.waiting.as_secs_f64() / secs).min(1.0)
        } else {
            0.0
        }
    }
}

/// What a fuzz run found.
#[derive(Debug, Clone, Default)]
pub struct FuzzOutput {
    /// Failures, in the order found.
    pub findings: Vec<Finding>,
    /// Soft findings by kind, in the order first seen.
    pub soft: Vec<SoftKind>,
    /// Counters.
    pub stats: FuzzStats,
    /// What the server said about itself in the first session.
    pub server: ServerFacts,
}

/// The state shared between the search loop and proptest's test closure.
#[derive(Default)]
struct Round {
    generated: u32,
    shrink_runs: u32,
    shrinking: bool,
    first_len: usize,
    last_failing: Option<(Vec<Action>, Played)>,
    error: Option<TransportError>,
}

/// Runs the search. See the module documentation.
pub fn fuzz(
    config: &FuzzConfig,
    on_event: &mut dyn FnMut(&FuzzEvent),
) -> Result<FuzzOutput, FuzzError> {
    let started = Instant::now();
    let deadline = started + config.time_budget;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| FuzzError::Runtime(e.to_string()))?;
    let mut out = FuzzOutput::default();
    let mut soft = SoftTally::default();

    // One empty sequence first: it tells whether the target starts at all, and what it is.
    let first = runtime
        .block_on(play(&config.run, &[], None))
        .map_err(FuzzError::Target)?;
    out.server = first.server.clone();
    out.stats.totals.add(&first.stats);
    soft.add(&first.soft);

    let mut known: BTreeSet<String> = BTreeSet::new();
    let mut remaining = config.cases;
    let mut round_no: u64 = 0;
    while remaining > 0 && Instant::now() < deadline {
        let round = RefCell::new(Round::default());
        let stats = RefCell::new(Stats::default());
        let soft_cell = RefCell::new(std::mem::take(&mut soft));
        let mut runner = TestRunner::new(runner_config(config, remaining, round_no));
        let http = matches!(config.run.target, Target::Http(_));
        let strategy = super::strategy::sequence_for(config.max_steps, http);
        let result = runner.run(&strategy, |actions: Vec<Action>| {
            if Instant::now() >= deadline {
                // A rejection ends generation at once (proptest gives up after a few) and
                // counts as a pass while shrinking.
                return Err(TestCaseError::reject(OUT_OF_TIME));
            }
            {
                let mut r = round.borrow_mut();
                if r.error.is_some() {
                    return Ok(());
                }
                if r.shrinking {
                    if r.shrink_runs >= config.max_shrink_runs {
                        return Ok(());
                    }
                    r.shrink_runs += 1;
                } else {
                    r.generated += 1;
                }
            }
            let played = match runtime.block_on(play(&config.run, &actions, Some(deadline))) {
                Ok(p) => p,
                Err(e) => {
                    round.borrow_mut().error = Some(e);
                    return Ok(());
                }
            };
            stats.borrow_mut().add(&played.stats);
            soft_cell.borrow_mut().add(&played.soft);
            let signature = match &played.failure {
                Some(f) if !played.cut_short && !known.contains(&f.signature) => {
                    f.signature.clone()
                }
                _ => return Ok(()),
            };
            let mut r = round.borrow_mut();
            if !r.shrinking {
                r.shrinking = true;
                r.first_len = actions.len();
            }
            r.last_failing = Some((actions, played));
            Err(TestCaseError::fail(signature))
        });
        soft = soft_cell.into_inner();
        out.stats.totals.add(&stats.into_inner());
        let round = round.into_inner();
        out.stats.cases += round.generated;
        out.stats.shrink_runs += round.shrink_runs;
        if let Some(e) = round.error {
            return Err(FuzzError::Target(e));
        }
        remaining = remaining.saturating_sub(round.generated.max(1));
        round_no += 1;
        let minimal = match result {
            Ok(()) => break,
            Err(TestError::Abort(_)) if Instant::now() >= deadline => break,
            Err(TestError::Abort(why)) => return Err(FuzzError::Runtime(why.to_string())),
            Err(TestError::Fail(_, minimal)) => minimal,
        };
        let Some((last_actions, last_played)) = round.last_failing else {
            break;
        };
        // Play the minimal sequence once more: a failure that does not come back is flaky.
        let again = runtime
            .block_on(play(&config.run, &minimal, None))
            .map_err(FuzzError::Target)?;
        out.stats.shrink_runs += 1;
        out.stats.totals.add(&again.stats);
        let reproduced = again
            .failure
            .as_ref()
            .is_some_and(|f| !known.contains(&f.signature));
        let (actions, played) = if reproduced {
            (minimal, again)
        } else {
            (last_actions, last_played)
        };
        let Some(failure) = played.failure.clone() else {
            break;
        };
        known.insert(failure.signature.clone());
        let case = super::to_case::found_case(
            &failure,
            &played,
            config.seed,
            round.first_len,
            transport_of(&config.run.target),
        );
        let finding = Finding {
            id: super::to_case::case_id(&failure, &played.steps),
            failure,
            actions,
            shrunk_from: round.first_len,
            reproduced,
            played,
            case,
        };
        on_event(&FuzzEvent::Found(&finding));
        out.findings.push(finding);
    }
    out.stats.out_of_time = remaining > 0 && Instant::now() >= deadline;
    out.soft = soft.kinds();
    out.stats.elapsed = started.elapsed();
    Ok(out)
}

fn runner_config(config: &FuzzConfig, cases: u32, round: u64) -> Config {
    Config {
        cases,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(
            config
                .seed
                .wrapping_add(round.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        ),
        failure_persistence: None,
        fork: false,
        timeout: 0,
        // Shrinking is bounded by the test closure (runs and time budget), which keeps
        // proptest's own "aborting shrinking" messages off stderr.
        max_shrink_iters: u32::MAX,
        max_shrink_time: 0,
        // Nothing is rejected but at the end of the time budget, which should stop at once.
        max_global_rejects: 1,
        max_local_rejects: 1,
        result_cache: basic_result_cache,
        verbose: 0,
        ..Config::default()
    }
}

/// The transport a found case is written for: the one it was found on.
fn transport_of(target: &Target) -> TransportReq {
    match target {
        Target::Stdio(_) => TransportReq::Stdio,
        Target::Http(_) => TransportReq::Http,
    }
}

/// Soft findings counted by kind.
#[derive(Debug, Default)]
struct SoftTally {
    order: Vec<String>,
    kinds: BTreeMap<String, SoftKind>,
}

impl SoftTally {
    fn add(&mut self, soft: &[Soft]) {
        for s in soft {
            if let Some(k) = self.kinds.get_mut(&s.key) {
                k.count += 1;
            } else if self.kinds.len() < MAX_SOFT_KINDS {
                self.order.push(s.key.clone());
                self.kinds.insert(
                    s.key.clone(),
                    SoftKind {
                        first: s.clone(),
                        count: 1,
                    },
                );
            }
        }
    }

    fn kinds(mut self) -> Vec<SoftKind> {
        self.order
            .iter()
            .filter_map(|k| self.kinds.remove(k))
            .collect()
    }
}
