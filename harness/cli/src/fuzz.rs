//! `mcpspec fuzz`: its flags, their translation into a `FuzzConfig` (the target and client flags
//! go through `mcpspec run`'s own parser and checks), and the command itself: run the search or
//! replay one case file, print what was found, write the case files and the report, and map the
//! result to the same exit codes as `run`.
//!
//! It holds no fuzzing logic: that is `mcpspec_harness::fuzz`.

use std::ffi::OsString;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, FromArgMatches as _, ValueEnum as _};
use mcpspec_harness::RunConfig;
use mcpspec_harness::fuzz::{self, FuzzConfig, FuzzError, FuzzEvent, REPORT_DIR};
use mcpspec_report::exit_code::{self, FailOn};

use crate::args::{self, ClientCap, RunArgs};

/// Flags of `mcpspec fuzz`.
#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// Seed of the generator; the same seed plays the same sequences (default: taken from the
    /// clock and printed).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// How many generated sequences to play at most (shrinking not counted).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub cases: u32,
    /// The longest sequence of actions generated.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=500))]
    pub max_steps: u64,
    /// Wall-clock budget of the whole run in seconds, shrinking included.
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=604_800))]
    pub time_budget: u64,
    /// Output directory: each failure as DIR/<id>.json (replay them all with
    /// `mcpspec run --cases DIR`) and the report under DIR/_report/ (default:
    /// target/mcpspec/fuzz-<run-id>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replay one case file written by an earlier fuzz run (or any case file) and tell whether
    /// it still fails, instead of fuzzing.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// Default wait for each answer, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(args::TIMEOUT_MS))]
    pub timeout_ms: u64,
    /// The least time a newly started server gets to answer initialize, in milliseconds.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(args::STARTUP_MS))]
    pub startup_ms: Option<u64>,
    /// How long a server gets to exit after its stdin closes, in milliseconds.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(args::SHUTDOWN_GRACE_MS))]
    pub shutdown_grace_ms: Option<u64>,
    /// Largest server message read, in bytes.
    #[arg(long, value_name = "N", default_value_t = 16 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(args::MAX_MESSAGE_BYTES))]
    pub max_message_bytes: u64,
    /// Environment variable for the server, NAME=VALUE (repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Working directory for the server.
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// Client capabilities to declare in initialize (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "CAP,...")]
    pub client_capabilities: Vec<ClientCap>,
    /// A root to offer in answers to roots/list (a file:// URI; repeatable).
    #[arg(long, value_name = "URI")]
    pub root: Vec<String>,
    /// Also call tools whose name matches GLOB (by default only tools annotated
    /// readOnlyHint: true are called).
    #[arg(long, value_name = "GLOB")]
    pub allow_tool: Vec<String>,
    /// Call every tool the server lists, whatever it may do (only for servers in a sandbox).
    #[arg(long)]
    pub call_all_tools: bool,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// The server's Streamable HTTP endpoint (http://HOST:PORT/PATH) instead of a command.
    #[arg(long, value_name = "URL", conflicts_with_all = ["command", "env", "cwd"])]
    pub url: Option<String>,
    /// A header sent with every HTTP request, NAME:VALUE (repeatable).
    #[arg(long, value_name = "NAME:VALUE")]
    pub header: Vec<String>,
    /// The environment variable that holds a bearer token for a protected HTTP server.
    #[arg(long, value_name = "VAR")]
    pub bearer_env: Option<String>,
    /// The server command and its arguments, after `--` (run directly, never through a shell).
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

impl FuzzArgs {
    /// The target and client settings, parsed and checked by `mcpspec run`'s own flag
    /// definitions (a config file is not read: fuzzing takes flags only).
    fn run_config(&self) -> Result<RunConfig, String> {
        let mut argv: Vec<OsString> = vec!["run".into(), "--no-config".into()];
        let mut flag = |name: &str, value: &dyn std::fmt::Display| {
            argv.push(name.into());
            argv.push(value.to_string().into());
        };
        flag("--timeout-ms", &self.timeout_ms);
        flag("--max-message-bytes", &self.max_message_bytes);
        if let Some(ms) = self.startup_ms {
            flag("--startup-ms", &ms);
        }
        if let Some(ms) = self.shutdown_grace_ms {
            flag("--shutdown-grace-ms", &ms);
        }
        for e in &self.env {
            flag("--env", e);
        }
        if let Some(dir) = &self.cwd {
            flag("--cwd", &dir.display());
        }
        for cap in &self.client_capabilities {
            if let Some(v) = cap.to_possible_value() {
                flag("--client-capabilities", &v.get_name());
            }
        }
        for r in &self.root {
            flag("--root", r);
        }
        for g in &self.allow_tool {
            flag("--allow-tool", g);
        }
        if let Some(url) = &self.url {
            flag("--url", url);
        }
        for h in &self.header {
            flag("--header", h);
        }
        if let Some(var) = &self.bearer_env {
            flag("--bearer-env", var);
        }
        if self.call_all_tools {
            argv.push("--call-all-tools".into());
        }
        if !self.command.is_empty() {
            argv.push("--".into());
            argv.extend(self.command.iter().map(OsString::from));
        }
        let parser = <RunArgs as Args>::augment_args(clap::Command::new("run"));
        let matches = parser
            .try_get_matches_from(argv)
            .map_err(|e| first_line(&e.to_string()))?;
        let run = RunArgs::from_arg_matches(&matches).map_err(|e| first_line(&e.to_string()))?;
        run.to_config()
    }

    fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| {
            let stamp = mcpspec_harness::clock::rfc3339_now().replace([':', '-'], "");
            PathBuf::from("target/mcpspec").join(format!("fuzz-{stamp}-{}", std::process::id()))
        })
    }
}

/// Runs `mcpspec fuzz`; returns the exit code.
pub fn command(args: FuzzArgs) -> i32 {
    let run = match args.run_config() {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    match &args.replay {
        Some(file) => replay(&args, &run, file),
        None => search(&args, run),
    }
}

fn search(args: &FuzzArgs, run: RunConfig) -> i32 {
    let seed = args.seed.unwrap_or_else(clock_seed);
    let mut config = FuzzConfig::new(run);
    config.seed = seed;
    config.cases = args.cases;
    config.max_steps = args.max_steps as usize;
    config.time_budget = Duration::from_secs(args.time_budget);
    if !args.quiet {
        eprintln!(
            "mcpspec fuzz: seed {seed}, up to {} sequence(s) of up to {} action(s), {} s budget",
            config.cases, config.max_steps, args.time_budget
        );
    }
    let started_at = mcpspec_harness::clock::rfc3339_now();
    let quiet = args.quiet;
    let result = fuzz::fuzz(&config, &mut |event| match event {
        FuzzEvent::Found(f) if !quiet => eprintln!(
            "found {}: {} ({} action(s), shrunk from {}){}",
            f.id,
            f.failure.message,
            f.actions.len(),
            f.shrunk_from,
            if f.reproduced {
                ""
            } else {
                "; did not fail again: flaky"
            }
        ),
        _ => {}
    });
    let out = match result {
        Ok(o) => o,
        Err(e) => return fuzz_error(e),
    };
    let output = fuzz::report::build(&config, &out, started_at);
    let dir = args.out_dir();
    let written = match fuzz::write_cases(&dir, &out) {
        Ok(paths) => paths,
        Err(e) => {
            eprintln!("mcpspec: error: {e}");
            return exit_code::HARNESS_ERROR;
        }
    };
    let report_dir = dir.join(REPORT_DIR);
    if let Err(e) = mcpspec_harness::output::write_run(&report_dir, &output) {
        eprintln!("mcpspec: error: cannot write {}: {e}", report_dir.display());
        return exit_code::HARNESS_ERROR;
    }
    if !args.quiet {
        let color = crate::display::color_allowed() && std::io::stdout().is_terminal();
        print!(
            "{}",
            mcpspec_report::render::text::summary(&output.report, color)
        );
        let s = &out.stats;
        println!(
            "fuzz: {} sequence(s), {} shrink run(s), {} message(s) in {:.1} s: {:.0} messages/s, {:.0}% waiting for the server",
            s.cases,
            s.shrink_runs,
            s.totals.messages,
            s.elapsed.as_secs_f64(),
            s.messages_per_second(),
            s.waiting_share() * 100.0
        );
        for path in &written {
            println!("case: {}", path.display());
        }
        if !written.is_empty() {
            println!(
                "replay: mcpspec run --cases {} ...  or  mcpspec fuzz --replay FILE ...",
                dir.display()
            );
        }
        println!("report: {}", report_dir.join("report.json").display());
    }
    exit_code::for_report(&output.report, FailOn::Must)
}

fn replay(args: &FuzzArgs, run: &RunConfig, file: &Path) -> i32 {
    let replayed = match fuzz::replay(run, file) {
        Ok(r) => r,
        Err(e) => return fuzz_error(e),
    };
    if let Some(dir) = &args.out {
        let report_dir = dir.join(REPORT_DIR);
        if let Err(e) = mcpspec_harness::output::write_run(&report_dir, &replayed.output) {
            eprintln!("mcpspec: error: cannot write {}: {e}", report_dir.display());
            return exit_code::HARNESS_ERROR;
        }
    }
    if replayed.still_fails() {
        if !args.quiet {
            println!("{}: still fails", replayed.case_id);
            for f in &replayed.failures {
                println!("  {f}");
            }
        }
        exit_code::CONFORMANCE_FAILURES
    } else {
        if !args.quiet {
            println!("{}: no longer fails", replayed.case_id);
        }
        exit_code::SUCCESS
    }
}

fn fuzz_error(e: FuzzError) -> i32 {
    match e {
        FuzzError::Target(t) => {
            eprintln!("mcpspec: error: {t}");
            exit_code::TARGET_UNREACHABLE
        }
        FuzzError::Case(why) => usage_error(why),
        FuzzError::Runtime(why) => {
            eprintln!("mcpspec: error: {why}");
            exit_code::HARNESS_ERROR
        }
    }
}

fn usage_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("mcpspec: error: {message}");
    exit_code::USAGE_ERROR
}

/// A seed from the clock, for runs that name none.
fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() ^ u64::from(d.subsec_nanos()))
        .unwrap_or(0)
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("error: ")
        .to_string()
}
