//! `mcpspec fuzz`: its flags, their translation into a `FuzzConfig` (the target and client flags
//! are `mcpspec run`'s own `TargetArgs` and `ClientArgs`, checked by the same code), and the
//! command itself: run the search or replay one case file, print what was found, write the case
//! files and the report, and map the result to the same exit codes as `run`.
//!
//! It holds no fuzzing logic: that is `mcpspec_harness::fuzz`.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Arg, Args};
use mcpspec_harness::RunConfig;
use mcpspec_harness::fuzz::{self, FuzzConfig, FuzzError, FuzzEvent, REPORT_DIR};
use mcpspec_report::exit_code::{self, FailOn};

use crate::args::{self, ClientArgs, TargetArgs};

/// Where each option of `fuzz` stands in its `--help`, by argument id.
pub const FUZZ_HELP_ORDER: &[&str] = &[
    "seed",
    "cases",
    "max_steps",
    "time_budget",
    "out",
    "replay",
    "timeout_ms",
    "startup_ms",
    "shutdown_grace_ms",
    "max_message_bytes",
    "env",
    "cwd",
    "client_capabilities",
    "root",
    "allow_tool",
    "call_all_tools",
    "quiet",
    "url",
    "header",
    "bearer_env",
];

/// A shared option as `fuzz --help` shows it: in `fuzz`'s order, worded as for `run`.
fn fuzz_help(arg: Arg) -> Arg {
    args::help_order(arg, FUZZ_HELP_ORDER)
}

/// Flags of `mcpspec fuzz`.
#[derive(Debug, Args)]
#[command(mut_args(fuzz_help))]
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
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// The server and the session timings, as `run` takes them.
    #[command(flatten)]
    pub target: TargetArgs,
    /// The client's capabilities, roots and tool guard, as `run` takes them.
    #[command(flatten)]
    pub client: ClientArgs,
}

impl FuzzArgs {
    /// The target and client settings, checked as `run` checks them (a config file is not
    /// read: fuzzing takes flags only). Sampling and elicitation requests get `run`'s default
    /// answers.
    fn run_config(&self) -> Result<RunConfig, String> {
        args::base_config(&self.target, &self.client)
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

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use crate::args::{Cli, Command};

    fn fuzz_config(argv: &[&str]) -> Result<String, String> {
        let mut full = vec!["mcpspec", "fuzz"];
        full.extend_from_slice(argv);
        let Command::Fuzz(fuzz) = Cli::try_parse_from(full).unwrap().command else {
            panic!("not fuzz")
        };
        fuzz.run_config().map(|c| format!("{c:?}"))
    }

    fn run_config(argv: &[&str]) -> Result<String, String> {
        let mut full = vec!["mcpspec", "run", "--no-config"];
        full.extend_from_slice(argv);
        let Command::Run(run) = Cli::try_parse_from(full).unwrap().command else {
            panic!("not run")
        };
        run.to_config().map(|c| format!("{c:?}"))
    }

    /// The same target and client flags give `fuzz` the same settings as `run`, and the same
    /// error when they are wrong.
    #[test]
    fn shared_flags_configure_fuzz_as_they_configure_run() {
        let cwd = std::env::temp_dir();
        let cwd = cwd.to_str().unwrap();
        let cases: [&[&str]; 6] = [
            &["--", "server", "--stdio"],
            &[
                "--timeout-ms",
                "70",
                "--startup-ms",
                "80",
                "--shutdown-grace-ms",
                "0",
                "--max-message-bytes",
                "4096",
                "--env",
                "A=1",
                "--cwd",
                cwd,
                "--client-capabilities",
                "roots,elicitation",
                "--root",
                "file:///srv",
                "--allow-tool",
                "read_*",
                "--call-all-tools",
                "--",
                "server",
            ],
            &["--url", "http://127.0.0.1:9/mcp", "--header", "X-A: 1"],
            &["--url", "http://127.0.0.1:9/mcp", "--header", "nocolon"],
            &["--root", "srv", "--", "server"],
            &["--allow-tool", "[", "--", "server"],
        ];
        for argv in cases {
            assert_eq!(fuzz_config(argv), run_config(argv), "{argv:?}");
        }
        let full = fuzz_config(cases[1]).unwrap();
        for part in [
            "timeout_ms: 70",
            "startup_ms: 80",
            "shutdown_grace_ms: 0",
            "max_message_bytes: 4096",
            "call_all: true",
            "elicitation: true",
        ] {
            assert!(full.contains(part), "{part} in {full}");
        }
        assert!(fuzz_config(cases[3]).unwrap_err().contains("--header"));
    }
}
