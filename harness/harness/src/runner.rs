//! The run loop: selects cases, provides each with its session (shared, fresh or raw), runs it
//! under a deadline, grades it, turns oracle hits into pseudo-cases and assembles the report.
//!
//! Not the interpreter (`interp.rs`) and not output files (`output.rs`).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcpspec_report::{
    CaseResult, Finding, Outcome, RunReport, SpecRef, Summary, TargetInfo, WireEntry,
    model::{Selection, ToolInfo},
};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::case::model::{Case, SessionKind, SpecSource, TransportReq, Verdict};
use crate::case::{CaseLoadError, LoadedCase};
use crate::config::{REVISION, RunConfig};
use crate::grade::grade;
use crate::oracles::{self, Hit, ORACLES, has_capability};
use crate::select::Selector;
use crate::session::Session;
use crate::target::{Target, TransportError};

/// Entries of a case's transcript copied into the report.
const EXCERPT_ENTRIES: usize = 24;
/// Bytes of one transcript entry in the report.
const EXCERPT_BYTES: usize = 1024;
/// Findings kept per oracle pseudo-case.
const MAX_ORACLE_FINDINGS: usize = 25;
/// Extra time a case gets on top of its own waits before the runner gives up on it.
const CASE_SLACK: Duration = Duration::from_secs(30);

/// Why a run could not happen at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Case files failed to load or lint.
    #[error("{} problem(s) in case files, first: {}", .0.len(), .0.first().map(|e| e.to_string()).unwrap_or_default())]
    Cases(Vec<CaseLoadError>),
    /// A selection pattern is not a valid glob.
    #[error("bad case pattern: {0}")]
    Pattern(String),
    /// The selection matched nothing.
    #[error("no case matches the selection")]
    NoCases,
    /// The target could not be started.
    #[error("{0}")]
    Target(#[from] TransportError),
}

/// Progress of a run, for a live display.
#[derive(Debug, Clone)]
pub enum RunEvent {
    /// The run starts with this many cases.
    Started {
        /// Number of selected cases.
        total: usize,
    },
    /// A case finished.
    CaseFinished {
        /// Its ID.
        id: String,
        /// Its outcome.
        outcome: Outcome,
    },
}

/// What a run produces: the report and the full transcript of every case.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// The canonical report.
    pub report: RunReport,
    /// Full transcripts by case ID.
    pub transcripts: BTreeMap<String, Vec<WireEntry>>,
}

/// Loads the cases a config names (a directory, or the embedded set) and lints them.
pub fn load_cases(config: &RunConfig) -> Result<Vec<LoadedCase>, RunError> {
    let loaded = match &config.cases_dir {
        Some(dir) => crate::case::load_dir(dir),
        None => crate::case::embedded_cases(),
    }
    .map_err(RunError::Cases)?;
    let problems = crate::case::lint(&loaded, None);
    if !problems.is_empty() {
        return Err(RunError::Cases(problems));
    }
    Ok(loaded)
}

/// Runs the selected cases of `config` against its target.
pub async fn run(
    config: &RunConfig,
    progress: &mut (dyn FnMut(RunEvent) + Send),
) -> Result<RunOutput, RunError> {
    let loaded = load_cases(config)?;
    let selector = Selector::new(&config.include, &config.skip).map_err(RunError::Pattern)?;
    let mut cases: Vec<Case> = loaded
        .into_iter()
        .map(|l| l.case)
        .filter(|c| selector.selects(&c.id))
        .collect();
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    if cases.is_empty() {
        return Err(RunError::NoCases);
    }
    run_cases(config, &cases, &selector, progress).await
}

/// Runs exactly these cases (already selected) and the oracles over their traffic.
pub async fn run_cases(
    config: &RunConfig,
    cases: &[Case],
    selector: &Selector,
    progress: &mut (dyn FnMut(RunEvent) + Send),
) -> Result<RunOutput, RunError> {
    let started = Instant::now();
    let started_at = crate::clock::rfc3339_now();
    let timeout = Duration::from_millis(config.timeout_ms);
    let oracle_defs: Vec<_> = ORACLES
        .iter()
        .filter(|o| selector.selects(o.id))
        .filter(|o| match o.transport {
            TransportReq::Any => true,
            TransportReq::Stdio => matches!(config.target, Target::Stdio(_)),
            TransportReq::Http => matches!(config.target, Target::Http(_)),
        })
        .collect();
    progress(RunEvent::Started {
        total: cases.len() + oracle_defs.len(),
    });

    // The first session tells what the server is; its failure to start is the run's failure.
    let mut shared = Session::start(config)?;
    let handshake = shared.handshake(startup_timeout(config)).await;
    let mut notes = Vec::new();
    if let Err(why) = &handshake {
        notes.push(format!(
            "the server did not complete the initialize handshake: {why}"
        ));
    }
    let server_caps = shared.server_caps.clone();
    let negotiated = shared.negotiated.clone();
    let server_info = shared.server_info.clone();
    if let Some(v) = &negotiated
        && v != REVISION
    {
        notes.push(format!(
                "asked for {REVISION}, the server answered {v}: the cases are still graded against {REVISION}"
            ));
    }
    let mut hits: Vec<(String, Hit)> = shared
        .take_hits()
        .into_iter()
        .map(|h| ("handshake".to_string(), h))
        .collect();

    // Cases whose preconditions fail are settled now; the rest run in `jobs` lanes. Each lane
    // keeps one shared session of its own (the first lane gets the one that just answered the
    // handshake; the others start theirs when they first take a shared case), takes shared
    // cases while any are left, then cases that start their own sessions. Results are keyed by
    // ID, so the report order never depends on the schedule.
    let config = Arc::new(config.clone());
    let handshake = Arc::new(handshake);
    let (tx, mut rx) = mpsc::unbounded_channel::<Done>();
    let mut shared_queue = VecDeque::new();
    let mut own_queue = VecDeque::new();
    for case in cases {
        match precondition(
            case,
            &config,
            server_caps.as_ref(),
            negotiated.as_deref(),
            &handshake,
        ) {
            Some((outcome, reason)) => {
                let _ = tx.send(Done::settled(case, outcome, reason));
            }
            None if case.session == SessionKind::Shared => shared_queue.push_back(case.clone()),
            None => own_queue.push_back(case.clone()),
        }
    }
    let queues = Arc::new(Mutex::new((shared_queue, own_queue)));
    let mut lanes = tokio::task::JoinSet::new();
    // Shared sessions outlive their lanes: they end only when every lane is done, so a server
    // that treats the end of one session specially never sees it while other cases run.
    let (keep_tx, mut keep_rx) = mpsc::unbounded_channel::<Session>();
    let mut first = Some(shared);
    for _ in 0..config.jobs.max(1) {
        let (config, tx, queues, keep_tx) =
            (config.clone(), tx.clone(), queues.clone(), keep_tx.clone());
        let mut mine = first.take();
        lanes.spawn(async move {
            loop {
                let next = queues
                    .lock()
                    .ok()
                    .and_then(|mut q| q.0.pop_front().or_else(|| q.1.pop_front()));
                let Some(case) = next else { break };
                let done = run_case(&config, &case, &mut mine, timeout).await;
                let _ = tx.send(done);
            }
            if let Some(s) = mine {
                let _ = keep_tx.send(s);
            }
            Vec::new()
        });
    }
    drop(keep_tx);
    drop(tx);
    let mut results = Vec::new();
    let mut transcripts = BTreeMap::new();
    let mut tools = BTreeMap::new();
    while let Some(done) = rx.recv().await {
        for (name, why) in done.tool_calls {
            // Cases may record different reasons for one tool, in whatever order the lanes
            // finish: keep a "called" reason over a "not called" one, then the smallest text.
            let rank = |w: &String| (!w.starts_with("called"), w.clone());
            let better = tools
                .get(&name)
                .is_none_or(|cur: &String| rank(&why) < rank(cur));
            if better {
                tools.insert(name, why);
            }
        }
        progress(RunEvent::CaseFinished {
            id: done.result.id.clone(),
            outcome: done.result.outcome,
        });
        hits.extend(done.hits);
        transcripts.insert(done.result.id.clone(), done.transcript);
        results.push(done.result);
    }
    while let Some(lane) = lanes.join_next().await {
        match lane {
            Ok(lane_hits) => hits.extend(lane_hits),
            Err(e) => notes.push(format!("a runner lane failed: {e}")),
        }
    }
    let mut kept = Vec::new();
    while let Some(s) = keep_rx.recv().await {
        kept.push(s);
    }
    let grace = Duration::from_millis(config.shutdown_grace_ms);
    let mut ending = tokio::task::JoinSet::new();
    for mut s in kept {
        ending.spawn(async move {
            s.shutdown(grace).await;
            s.take_hits()
        });
    }
    let mut ended = Vec::new();
    while let Some(one) = ending.join_next().await {
        match one {
            Ok(session_hits) => ended.push(session_hits),
            Err(e) => notes.push(format!("ending a shared session failed: {e}")),
        }
    }
    for session_hits in ended {
        hits.extend(
            session_hits
                .into_iter()
                .map(|h| ("shutdown".to_string(), h)),
        );
    }

    for def in oracle_defs {
        let result = oracle_result(def, &hits);
        progress(RunEvent::CaseFinished {
            id: def.id.to_string(),
            outcome: result.outcome,
        });
        results.push(result);
    }
    results.sort_by(|a, b| a.id.cmp(&b.id));
    let could_not_test = could_not_test(cases, &results);
    let summary = Summary::of(&results);
    let report = RunReport {
        format_version: mcpspec_report::FORMAT_VERSION,
        tool: ToolInfo {
            name: "mcpspec".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        target: target_info(&config.target),
        requested_protocol_version: REVISION.into(),
        negotiated_protocol_version: negotiated,
        server_info,
        capabilities: server_caps,
        selection: Selection {
            include: config.include.clone(),
            skip: config.skip.clone(),
        },
        notes,
        could_not_test,
        tools,
        cases: results,
        summary,
        baseline: None,
    };
    Ok(RunOutput {
        report,
        transcripts,
    })
}

/// A finished case, as a lane reports it.
struct Done {
    result: CaseResult,
    transcript: Vec<WireEntry>,
    hits: Vec<(String, Hit)>,
    tool_calls: BTreeMap<String, String>,
}

impl Done {
    fn settled(case: &Case, outcome: Outcome, reason: String) -> Done {
        Done {
            result: case_result(
                case,
                outcome,
                Some(reason),
                Vec::new(),
                0,
                Vec::new(),
                false,
            ),
            transcript: Vec::new(),
            hits: Vec::new(),
            tool_calls: BTreeMap::new(),
        }
    }
}

fn case_result(
    case: &Case,
    outcome: Outcome,
    reason: Option<String>,
    findings: Vec<Finding>,
    duration_ms: u64,
    transcript: Vec<WireEntry>,
    transcript_truncated: bool,
) -> CaseResult {
    CaseResult {
        id: case.id.clone(),
        title: case.title.clone(),
        expectation: case.expectation.clone(),
        level: case.level,
        requirements: case.requirements.clone(),
        spec: spec_ref(
            &case.spec.page,
            &case.spec.anchor,
            &case.spec.statement,
            case.spec.source,
        ),
        outcome,
        reason,
        findings,
        duration_ms,
        transcript,
        transcript_truncated,
    }
}

async fn run_case(
    config: &RunConfig,
    case: &Case,
    shared: &mut Option<Session>,
    timeout: Duration,
) -> Done {
    let started = Instant::now();
    let r = run_one(config, case, shared, timeout).await;
    let (excerpt, truncated) =
        crate::wire::report_excerpt(&r.transcript, EXCERPT_ENTRIES, EXCERPT_BYTES);
    Done {
        result: case_result(
            case,
            r.outcome,
            r.reason,
            r.findings,
            started.elapsed().as_millis() as u64,
            excerpt,
            truncated,
        ),
        transcript: r.transcript,
        hits: r.hits.into_iter().map(|h| (case.id.clone(), h)).collect(),
        tool_calls: r.tool_calls,
    }
}

struct OneResult {
    outcome: Outcome,
    reason: Option<String>,
    findings: Vec<Finding>,
    transcript: Vec<WireEntry>,
    hits: Vec<Hit>,
    tool_calls: BTreeMap<String, String>,
}

async fn run_one(
    config: &RunConfig,
    case: &Case,
    shared: &mut Option<Session>,
    timeout: Duration,
) -> OneResult {
    let mut own: Option<Session> = None;
    let mut hits = Vec::new();
    // Pick or start the session.
    let session: &mut Session = match case.session {
        SessionKind::Shared => {
            let alive = shared.as_mut().is_some_and(Session::alive);
            if !alive {
                if let Some(mut dead) = shared.take() {
                    dead.shutdown(Duration::from_millis(200)).await;
                    hits.extend(dead.take_hits());
                }
                match start(config, true).await {
                    Ok(s) => *shared = Some(s),
                    Err(failure) => return start_failed(failure, hits),
                }
            }
            match shared.as_mut() {
                Some(s) => s,
                None => return harness_error("no shared session".into(), hits),
            }
        }
        SessionKind::Fresh | SessionKind::Raw => {
            match start(config, case.session == SessionKind::Fresh).await {
                Ok(s) => own.insert(s),
                Err(failure) => return start_failed(failure, hits),
            }
        }
    };
    hits.extend(session.take_hits());
    session.clear_inbox();
    let log_start = session.log.len();
    let budget = case_budget(case, timeout);
    let steps =
        tokio::time::timeout(budget, crate::interp::run_steps(session, case, timeout)).await;
    let transcript = session.log.since(log_start).to_vec();
    hits.extend(session.take_hits());
    let tool_calls = std::mem::take(&mut session.tool_calls);
    let result = match steps {
        Err(_) => {
            // A stuck case poisons its session: never reuse it.
            if case.session == SessionKind::Shared
                && let Some(mut s) = shared.take()
            {
                s.shutdown(Duration::from_millis(100)).await;
            }
            OneResult {
                outcome: Outcome::HarnessError,
                reason: Some(format!(
                    "the case did not finish within {} ms",
                    budget.as_millis()
                )),
                findings: Vec::new(),
                transcript,
                hits: Vec::new(),
                tool_calls: BTreeMap::new(),
            }
        }
        Ok(out) => {
            let (outcome, reason) = if let Some(why) = out.harness_error {
                (Outcome::HarnessError, Some(why))
            } else if out.crashed {
                (
                    Outcome::Fail,
                    Some("the server died or stopped reading during the case".into()),
                )
            } else if let Some(why) = out.untestable {
                (Outcome::Untestable, Some(why))
            } else {
                (
                    grade(case.level, out.verdict.unwrap_or(Verdict::Pass)),
                    None,
                )
            };
            OneResult {
                outcome,
                reason,
                findings: out.findings,
                transcript,
                hits: Vec::new(),
                tool_calls: BTreeMap::new(),
            }
        }
    };
    if let Some(mut s) = own {
        s.shutdown(Duration::from_millis(config.shutdown_grace_ms.min(1000)))
            .await;
        hits.extend(s.take_hits());
    }
    OneResult {
        hits,
        tool_calls,
        ..result
    }
}

fn harness_error(why: String, hits: Vec<Hit>) -> OneResult {
    OneResult {
        outcome: Outcome::HarnessError,
        reason: Some(why),
        findings: Vec::new(),
        transcript: Vec::new(),
        hits,
        tool_calls: BTreeMap::new(),
    }
}

/// How long a new server gets to answer its first initialize: the run timeout, but at least
/// the start-up allowance (interpreters and package runners start slowly on a loaded machine).
fn startup_timeout(config: &RunConfig) -> Duration {
    Duration::from_millis(config.timeout_ms.max(config.startup_ms))
}

/// Why a case could not get its session.
enum StartFailure {
    /// The target could not be started at all: mcpspec could not do its job.
    Target(String),
    /// The server started but did not complete the handshake (it hung, exited or stopped
    /// reading), after the run's first session had completed it: the server's fault. Holds the
    /// oracle hits of that session.
    Handshake(String, Vec<Hit>),
}

/// A case whose session could not be had: a harness error when the target would not start, a
/// failure when the server broke the handshake (the first session showed it can complete one).
fn start_failed(failure: StartFailure, mut hits: Vec<Hit>) -> OneResult {
    match failure {
        StartFailure::Target(why) => harness_error(why, hits),
        StartFailure::Handshake(why, seen) => {
            hits.extend(seen);
            let why = format!("a new session failed its handshake: {why}");
            OneResult {
                outcome: Outcome::Fail,
                findings: vec![Finding {
                    message: why.clone(),
                    expected:
                        "the initialize handshake completes, as it did on the run's first session"
                            .into(),
                    actual: why.clone(),
                    step: None,
                    json_pointer: None,
                    observed_in: None,
                }],
                reason: Some(why),
                transcript: Vec::new(),
                hits,
                tool_calls: BTreeMap::new(),
            }
        }
    }
}

async fn start(config: &RunConfig, handshake: bool) -> Result<Session, StartFailure> {
    let mut s = Session::start(config).map_err(|e| StartFailure::Target(e.to_string()))?;
    if handshake && let Err(why) = s.handshake(startup_timeout(config)).await {
        // Kill and reap the server now, not when the session is dropped.
        s.shutdown(Duration::from_millis(100)).await;
        return Err(StartFailure::Handshake(why, s.take_hits()));
    }
    Ok(s)
}

/// The most a case may take: the sum of its own waits plus slack.
fn case_budget(case: &Case, timeout: Duration) -> Duration {
    use crate::case::model::Step;
    let mut total = CASE_SLACK;
    for step in &case.steps {
        total += match step {
            Step::Expect(e) => Duration::from_millis(
                e.exit_within_ms
                    .or(e.no_message_within_ms)
                    .or(e.within_ms)
                    .unwrap_or(timeout.as_millis() as u64),
            ),
            Step::Http(h) => Duration::from_millis(h.read_ms.unwrap_or(2000) + 3000),
            Step::SendRaw(r) => Duration::from_millis(
                r.chunk_delay_ms.unwrap_or(0)
                    * (r.text.as_ref().map_or(0, String::len)
                        + r.hex.as_ref().map_or(0, String::len)) as u64,
            ),
            _ => Duration::ZERO,
        };
    }
    total
}

/// Not-applicable or untestable before anything is sent, with the reason.
fn precondition(
    case: &Case,
    config: &RunConfig,
    caps: Option<&Value>,
    negotiated: Option<&str>,
    handshake: &Result<(), String>,
) -> Option<(Outcome, String)> {
    let on_stdio = matches!(config.target, Target::Stdio(_));
    match case.requires.transport {
        TransportReq::Http if on_stdio => {
            return Some((
                Outcome::NotApplicable,
                "applies to Streamable HTTP targets only".into(),
            ));
        }
        TransportReq::Stdio if !on_stdio => {
            return Some((
                Outcome::NotApplicable,
                "applies to stdio targets only".into(),
            ));
        }
        _ => {}
    }
    if case.requires.authorization {
        let has_auth = match &config.target {
            Target::Http(spec) => spec
                .headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("authorization")),
            Target::Stdio(_) => false,
        };
        if !has_auth {
            return Some((
                Outcome::NotApplicable,
                "applies to protected servers: run with --bearer-env VAR (or an Authorization header)"
                    .into(),
            ));
        }
    }
    if let (Some(applies), Some(v)) = (&case.applies, negotiated)
        && (applies.since.as_deref().is_some_and(|s| v < s)
            || applies.until.as_deref().is_some_and(|u| v > u))
    {
        return Some((
            Outcome::NotApplicable,
            format!("does not apply to the negotiated revision {v}"),
        ));
    }
    let empty = Value::Object(Default::default());
    let caps_known = caps.is_some();
    let caps = caps.unwrap_or(&empty);
    let needs_caps = !case.requires.server_capabilities.is_empty()
        || !case.requires.server_capabilities_absent.is_empty();
    if needs_caps && !caps_known {
        return Some((
            Outcome::Untestable,
            "the server's capabilities are unknown (no initialize result)".into(),
        ));
    }
    for cap in &case.requires.server_capabilities {
        if !has_capability(caps, cap) {
            return Some((
                Outcome::NotApplicable,
                format!("the server does not declare the `{cap}` capability"),
            ));
        }
    }
    for cap in &case.requires.server_capabilities_absent {
        if has_capability(caps, cap) {
            return Some((
                Outcome::NotApplicable,
                format!("the server declares `{cap}`; the case checks servers without it"),
            ));
        }
    }
    if case.session != SessionKind::Raw
        && let Err(why) = handshake
    {
        return Some((
            Outcome::Untestable,
            format!("needs an initialized session, but {why}"),
        ));
    }
    None
}

fn oracle_result(def: &oracles::OracleDef, hits: &[(String, Hit)]) -> CaseResult {
    let mut mine: Vec<&(String, Hit)> = hits.iter().filter(|(_, h)| h.oracle == def.id).collect();
    // Lanes finish in any order: sort so the report (and its snapshot) is deterministic.
    mine.sort_by(|(ca, a), (cb, b)| {
        (ca, &a.message, &a.actual, &a.pointer).cmp(&(cb, &b.message, &b.actual, &b.pointer))
    });
    let worst = mine
        .iter()
        .map(|(_, h)| h.verdict)
        .max()
        .unwrap_or(Verdict::Pass);
    let mut findings: Vec<Finding> = mine
        .iter()
        .take(MAX_ORACLE_FINDINGS)
        .map(|(case, h)| Finding {
            message: h.message.clone(),
            expected: h.expected.clone(),
            actual: h.actual.clone(),
            step: None,
            json_pointer: h.pointer.clone(),
            observed_in: Some(case.clone()),
        })
        .collect();
    if mine.len() > MAX_ORACLE_FINDINGS {
        findings.push(Finding {
            message: format!(
                "{} more finding(s) of this oracle not listed",
                mine.len() - MAX_ORACLE_FINDINGS
            ),
            expected: String::new(),
            actual: String::new(),
            step: None,
            json_pointer: None,
            observed_in: None,
        });
    }
    CaseResult {
        id: def.id.to_string(),
        title: def.title.to_string(),
        expectation: def.expectation.to_string(),
        level: def.level,
        requirements: def.requirements.iter().map(|s| s.to_string()).collect(),
        spec: spec_ref(def.page, def.anchor, def.statement, SpecSource::Mcp),
        outcome: grade(def.level, worst),
        reason: None,
        findings,
        duration_ms: 0,
        transcript: Vec::new(),
        transcript_truncated: false,
    }
}

/// The spec reference of a case, with its URL.
pub fn spec_ref(page: &str, anchor: &str, statement: &str, source: SpecSource) -> SpecRef {
    let url = match source {
        SpecSource::JsonRpc2 => {
            let frag = if anchor.is_empty() {
                String::new()
            } else {
                format!("#{anchor}")
            };
            format!("https://www.jsonrpc.org/specification{frag}")
        }
        SpecSource::Mcp => {
            let frag = if anchor.is_empty() {
                String::new()
            } else {
                format!("#{anchor}")
            };
            let page = if page.is_empty() {
                String::new()
            } else {
                format!("/{page}")
            };
            format!("https://modelcontextprotocol.io/specification/{REVISION}{page}{frag}")
        }
    };
    SpecRef {
        revision: REVISION.into(),
        page: page.into(),
        anchor: anchor.into(),
        url,
        statement: statement.into(),
    }
}

fn could_not_test(cases: &[Case], results: &[CaseResult]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in results {
        if !matches!(r.outcome, Outcome::NotApplicable | Outcome::Untestable) {
            continue;
        }
        let key = cases
            .iter()
            .find(|c| c.id == r.id)
            .and_then(|c| c.requires.server_capabilities.first().cloned())
            .unwrap_or_else(|| r.id.split('.').next().unwrap_or("other").to_string());
        out.entry(key).or_default().push(format!(
            "{} ({}): {}",
            r.id,
            r.outcome,
            r.reason.as_deref().unwrap_or("")
        ));
    }
    out
}

/// The report's description of a target, with secrets redacted.
pub fn target_info(target: &Target) -> TargetInfo {
    match target {
        Target::Stdio(spec) => {
            let mut command = vec![spec.program.clone()];
            command.extend(crate::redact::args(&spec.args));
            TargetInfo {
                transport: "stdio".into(),
                command,
                cwd: spec.cwd.as_ref().map(|p| p.display().to_string()),
                env: spec
                    .env
                    .iter()
                    .map(|(k, v)| (k.clone(), crate::redact::env_value(k, v)))
                    .collect(),
                url: None,
            }
        }
        Target::Http(spec) => TargetInfo {
            transport: "http".into(),
            command: Vec::new(),
            cwd: None,
            env: Default::default(),
            url: Some(crate::redact::url(&spec.url)),
        },
    }
}
