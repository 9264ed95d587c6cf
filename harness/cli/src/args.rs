//! Flag definitions (clap derive) and their translation into a `RunConfig`. Validation of user
//! input happens here, so every usage error is one line and exit code 2.

use std::ops::RangeInclusive;
use std::path::PathBuf;

use clap::{Arg, Args, Parser, Subcommand, ValueEnum};
use mcpspec_harness::config::{ElicitationReply, SamplingReply};
use mcpspec_harness::{HttpSpec, RunConfig, StdioSpec, Target};
use mcpspec_report::exit_code::FailOn;

/// The accepted values of the numeric `run` flags; the config file checks the same ranges.
pub const TIMEOUT_MS: RangeInclusive<u64> = 1..=600_000;
pub const STARTUP_MS: RangeInclusive<u64> = 1..=600_000;
pub const SHUTDOWN_GRACE_MS: RangeInclusive<u64> = 0..=600_000;
pub const MAX_MESSAGE_BYTES: RangeInclusive<u64> = 1024..=(1 << 31);
pub const JOBS: RangeInclusive<u64> = 1..=64;

/// mcpspec: conformance tests for Model Context Protocol servers (revision 2025-06-18).
#[derive(Debug, Parser)]
#[command(name = "mcpspec", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance cases against a server: `mcpspec run [OPTIONS] -- CMD [ARGS...]`
    /// (stdio) or `mcpspec run [OPTIONS] --url URL` (Streamable HTTP); settings may also come
    /// from a config file (`--config FILE`, or ./mcpspec.toml).
    Run(Box<RunArgs>),
    /// List the cases and oracles: ID, level, requirements, title.
    List(ListArgs),
    /// Show one case or oracle in full: its requirement, spec link and steps.
    Explain(ExplainArgs),
    /// Show, per requirement ID of the catalogue, the cases and oracles that cover it, or why none does.
    Coverage(CoverageArgs),
    /// Render a saved report.json as Markdown, JUnit XML, SARIF, HTML or text, offline.
    Render(RenderArgs),
    /// Baselines of expected failures: `mcpspec baseline write REPORT.json` accepts every failure
    /// of a saved report.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Compare saved reports side by side: a matrix of cases by server, and what changed between
    /// two runs of the same server.
    Compare(CompareArgs),
    /// Fuzz a live server with generated sequences of valid and hostile client actions, checked
    /// by the same oracles; each failure is shrunk and written as a replayable case file:
    /// `mcpspec fuzz [OPTIONS] -- CMD [ARGS...]` or `mcpspec fuzz [OPTIONS] --url URL`.
    Fuzz(Box<crate::fuzz::FuzzArgs>),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOnArg {
    /// Only broken MUST requirements fail the run.
    Must,
    /// Broken SHOULD requirements fail the run too.
    Should,
}

impl From<FailOnArg> for FailOn {
    fn from(v: FailOnArg) -> Self {
        match v {
            FailOnArg::Must => FailOn::Must,
            FailOnArg::Should => FailOn::Should,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ElicitArg {
    Accept,
    Decline,
    Cancel,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SamplingArg {
    Text,
    Decline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientCap {
    Roots,
    Sampling,
    Elicitation,
}

/// The server under test and how the harness reaches it: the command (with its environment and
/// working directory) or the HTTP endpoint (with its headers), and the timings and size limit of
/// a session. `run` and `fuzz` both flatten it in; it holds no flag of either alone.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Default wait for each expected response, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(TIMEOUT_MS))]
    pub timeout_ms: u64,
    /// The least time a newly started server gets to answer initialize, in milliseconds
    /// (default 10000; never less than --timeout-ms).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(STARTUP_MS))]
    pub startup_ms: Option<u64>,
    /// How long a server gets to exit after its stdin closes, in milliseconds (default 2000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(SHUTDOWN_GRACE_MS))]
    pub shutdown_grace_ms: Option<u64>,
    /// Largest server message read, in bytes; longer lines are reported and skipped.
    #[arg(long, value_name = "N", default_value_t = 16 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(MAX_MESSAGE_BYTES))]
    pub max_message_bytes: u64,
    /// Environment variable for the server, NAME=VALUE (repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Working directory for the server.
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// The server's Streamable HTTP endpoint (http://HOST:PORT/PATH) instead of a command.
    #[arg(long, value_name = "URL", conflicts_with_all = ["command", "env", "cwd"])]
    pub url: Option<String>,
    /// A header sent with every HTTP request, NAME:VALUE (repeatable; values never reach a report).
    #[arg(long, value_name = "NAME:VALUE")]
    pub header: Vec<String>,
    /// The environment variable that holds a bearer token for a protected HTTP server: sent as
    /// `Authorization: Bearer <token>` on every request, never written to a report.
    #[arg(long, value_name = "VAR")]
    pub bearer_env: Option<String>,
    /// The server command and its arguments, after `--` (run directly, never through a shell).
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

/// What the harness declares and does as a client: its capabilities, the roots it offers and
/// which tools it may call. `run` and `fuzz` both flatten it in; how to answer sampling and
/// elicitation requests stays with `run`, the only command that offers a choice.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// Client capabilities to declare in initialize (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "CAP,...")]
    pub client_capabilities: Vec<ClientCap>,
    /// A root to offer in answers to roots/list (a file:// URI; repeatable).
    #[arg(long, value_name = "URI")]
    pub root: Vec<String>,
    /// Also call tools whose name matches GLOB (by default only tools annotated readOnlyHint: true are called).
    #[arg(long, value_name = "GLOB")]
    pub allow_tool: Vec<String>,
    /// Call every tool the server lists, whatever it may do (only for servers in a sandbox).
    #[arg(long)]
    pub call_all_tools: bool,
}

/// Where each option of `run` stands in its `--help`, by argument id: the flattened target and
/// client flags sit among `run`'s own, in the order the help has always listed them.
pub const RUN_HELP_ORDER: &[&str] = &[
    "config",
    "no_config",
    "include",
    "skip",
    "json",
    "md",
    "junit",
    "sarif",
    "html",
    "baseline",
    "out",
    "timeout_ms",
    "startup_ms",
    "shutdown_grace_ms",
    "fail_on",
    "env",
    "cwd",
    "cases",
    "client_capabilities",
    "root",
    "sampling_reply",
    "elicitation_reply",
    "max_message_bytes",
    "allow_tool",
    "call_all_tools",
    "jobs",
    "quiet",
    "url",
    "header",
    "bearer_env",
];

/// Gives an option its place in `--help`: its index in `order` (an id not listed keeps the place
/// clap gave it; tests check that every option of `run` and `fuzz` is listed).
pub fn help_order(arg: Arg, order: &[&str]) -> Arg {
    match order.iter().position(|id| arg.get_id() == *id) {
        Some(place) => arg.display_order(place),
        None => arg,
    }
}

#[derive(Debug, Args)]
#[command(mut_args(|arg| help_order(arg, RUN_HELP_ORDER)))]
pub struct RunArgs {
    /// Read run settings from this TOML file (default: ./mcpspec.toml when it exists); flags
    /// given on the command line override it.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore ./mcpspec.toml.
    #[arg(long)]
    pub no_config: bool,
    /// Case ID patterns to run: globs (`jsonrpc.id.*`) or prefixes (`lifecycle`). Default: all.
    #[arg(long = "case", value_name = "GLOB")]
    pub include: Vec<String>,
    /// Case ID patterns to skip.
    #[arg(long = "skip", value_name = "GLOB")]
    pub skip: Vec<String>,
    /// Also write the report to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write the report as Markdown (PR comment, CI step summary) to this file.
    #[arg(long, value_name = "FILE")]
    pub md: Option<PathBuf>,
    /// Also write the report as JUnit XML to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write the report as SARIF 2.1.0 to this file.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Also write the report as one self-contained HTML page to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// A baseline of expected failures (JSON): listed failures do not fail the run, and an entry
    /// whose cases now pass is stale (exit code 6).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Output directory for report.json and transcripts/ (default: target/mcpspec/<run-id>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Which outcomes fail the run.
    #[arg(long, value_enum, default_value_t = FailOnArg::Must)]
    pub fail_on: FailOnArg,
    /// Run the case files in DIR instead of the built-in cases.
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// How to answer sampling/createMessage.
    #[arg(long, value_enum, default_value_t = SamplingArg::Text)]
    pub sampling_reply: SamplingArg,
    /// How to answer elicitation/create.
    #[arg(long, value_enum, default_value_t = ElicitArg::Accept)]
    pub elicitation_reply: ElicitArg,
    /// How many cases run at once, each lane on its own server session (default: number of cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(JOBS))]
    pub jobs: Option<u64>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// The server and the session timings.
    #[command(flatten)]
    pub target: TargetArgs,
    /// The client's capabilities, roots and tool guard.
    #[command(flatten)]
    pub client: ClientArgs,
}

impl TargetArgs {
    /// The target the flags name: an HTTP endpoint (`--url`) or a command.
    fn target(&self) -> Result<Target, String> {
        if let Some(url) = &self.url {
            if !self.env.is_empty() || self.cwd.is_some() {
                return Err("--env and --cwd apply to a server command, not to --url".into());
            }
            let rest = url.strip_prefix("http://").ok_or_else(|| {
                format!("--url {url:?} must start with http:// (https is not supported yet)")
            })?;
            if rest.is_empty() || rest.starts_with('/') {
                return Err(format!("--url {url:?} has no host"));
            }
            let mut headers = Vec::new();
            for h in &self.header {
                let (name, value) = h
                    .split_once(':')
                    .filter(|(n, _)| !n.trim().is_empty())
                    .ok_or_else(|| {
                        format!(
                            "--header {:?} is not NAME:VALUE",
                            h.split(':').next().unwrap_or("")
                        )
                    })?;
                headers.push((name.trim().to_string(), value.trim().to_string()));
            }
            if let Some(var) = &self.bearer_env {
                let token = std::env::var(var)
                    .map_err(|_| format!("--bearer-env {var}: the variable is not set"))?;
                let token = token.trim();
                if token.is_empty() || token.chars().any(|c| c.is_control() || c == ' ') {
                    return Err(format!(
                        "--bearer-env {var}: the token is empty or holds spaces or control characters"
                    ));
                }
                if headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
                {
                    return Err("--bearer-env and --header Authorization:... conflict".into());
                }
                headers.push(("Authorization".into(), format!("Bearer {token}")));
            }
            return Ok(Target::Http(HttpSpec {
                url: url.clone(),
                headers,
            }));
        }
        if !self.header.is_empty() || self.bearer_env.is_some() {
            return Err(
                "--header and --bearer-env apply to HTTP targets only (use them with --url)".into(),
            );
        }
        let (program, args) = self.command.split_first().ok_or(
            "no server given: name a command after -- or an endpoint with --url (or in mcpspec.toml)",
        )?;
        if program.is_empty() {
            return Err("the server command is empty".into());
        }
        let mut env = Vec::new();
        for e in &self.env {
            let (k, v) = e
                .split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| format!("--env {e:?} is not NAME=VALUE"))?;
            env.push((k.to_string(), v.to_string()));
        }
        if let Some(dir) = &self.cwd
            && !dir.is_dir()
        {
            return Err(format!("--cwd {} is not a directory", dir.display()));
        }
        Ok(Target::Stdio(StdioSpec {
            program: program.clone(),
            args: args.to_vec(),
            env,
            cwd: self.cwd.clone(),
        }))
    }
}

/// The run settings every command that talks to a server starts from: the target, the session
/// timings, the client's capabilities and roots and the tool guard, checked (roots, then the
/// target, then the tool globs); every other setting keeps `RunConfig`'s default.
pub fn base_config(target: &TargetArgs, client: &ClientArgs) -> Result<RunConfig, String> {
    for r in &client.root {
        if !r.starts_with("file://") {
            return Err(format!("--root {r:?} must be a file:// URI"));
        }
    }
    let mut config = RunConfig::new(target.target()?);
    config.timeout_ms = target.timeout_ms;
    config.max_message_bytes = target.max_message_bytes as usize;
    if let Some(ms) = target.startup_ms {
        config.startup_ms = ms;
    }
    if let Some(ms) = target.shutdown_grace_ms {
        config.shutdown_grace_ms = ms;
    }
    let caps = &client.client_capabilities;
    config.client.roots = caps.contains(&ClientCap::Roots);
    config.client.sampling = caps.contains(&ClientCap::Sampling);
    config.client.elicitation = caps.contains(&ClientCap::Elicitation);
    config.client.root_uris = client.root.clone();
    for g in &client.allow_tool {
        globset::Glob::new(g).map_err(|e| format!("--allow-tool {g:?}: {e}"))?;
    }
    config.tools.allow = client.allow_tool.clone();
    config.tools.call_all = client.call_all_tools;
    Ok(config)
}

impl RunArgs {
    pub fn to_config(&self) -> Result<RunConfig, String> {
        if let Some(dir) = &self.cases
            && !dir.is_dir()
        {
            return Err(format!("--cases {} is not a directory", dir.display()));
        }
        let mut config = base_config(&self.target, &self.client)?;
        config.include = self.include.clone();
        config.skip = self.skip.clone();
        config.cases_dir = self.cases.clone();
        if let Some(j) = self.jobs {
            config.jobs = j as usize;
        }
        config.client.sampling_reply = match self.sampling_reply {
            SamplingArg::Text => SamplingReply::default(),
            SamplingArg::Decline => SamplingReply::Decline,
        };
        config.client.elicitation_reply = match self.elicitation_reply {
            ElicitArg::Accept => ElicitationReply::Accept,
            ElicitArg::Decline => ElicitationReply::Decline,
            ElicitArg::Cancel => ElicitationReply::Cancel,
        };
        Ok(config)
    }

    pub fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| {
            let stamp = mcpspec_harness::clock::rfc3339_now().replace([':', '-'], "");
            PathBuf::from("target/mcpspec").join(format!("{stamp}-{}", std::process::id()))
        })
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Case ID patterns (globs or prefixes). Default: all.
    pub patterns: Vec<String>,
    /// List the case files in DIR instead of the built-in cases.
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The case or oracle ID.
    pub id: String,
    /// Look in the case files in DIR instead of the built-in cases.
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// Count the case files in DIR instead of the built-in cases.
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// Use this catalogue file instead of the built-in one (cases/_catalogue/2025-06-18.json).
    #[arg(long, value_name = "FILE")]
    pub catalogue: Option<PathBuf>,
    /// List only the IDs that no case or oracle covers.
    #[arg(long)]
    pub uncovered: bool,
}

/// The output formats of `mcpspec render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderFormat {
    /// Markdown for a pull-request comment or a CI step summary.
    #[value(alias = "md")]
    Markdown,
    /// JUnit XML, one test suite per area.
    Junit,
    /// SARIF 2.1.0 JSON, one result per finding.
    Sarif,
    /// The plain-text summary `mcpspec run` prints.
    Text,
    /// One self-contained HTML page: filters, every case, full transcripts.
    Html,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The report to render (a report.json written by `mcpspec run`).
    #[arg(value_name = "REPORT.json")]
    pub report: PathBuf,
    /// The output format.
    #[arg(long, value_enum)]
    pub format: RenderFormat,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Write a baseline that expects every fail and non-strict case of a saved report.
    Write(BaselineWriteArgs),
}

#[derive(Debug, Args)]
pub struct BaselineWriteArgs {
    /// The report whose failures to accept (a report.json written by `mcpspec run`).
    #[arg(value_name = "REPORT.json")]
    pub report: PathBuf,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The output formats of `mcpspec compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// Markdown tables.
    #[value(alias = "md")]
    Markdown,
    /// One self-contained HTML page.
    Html,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The reports to compare (report.json files written by `mcpspec run`), one column each.
    #[arg(value_name = "REPORT.json", num_args = 2.., required = true)]
    pub reports: Vec<PathBuf>,
    /// The output format.
    #[arg(long, value_enum, default_value_t = CompareFormat::Markdown)]
    pub format: CompareFormat,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    /// The ids of a subcommand's options (positional arguments and the generated help aside),
    /// in the order its `--help` lists them.
    fn options_in_help_order(name: &str) -> Vec<String> {
        let mut cli = Cli::command();
        cli.build();
        let sub = cli.find_subcommand(name).expect("the subcommand");
        let mut options: Vec<&Arg> = sub
            .get_arguments()
            .filter(|a| !a.is_positional() && a.get_id() != "help")
            .collect();
        options.sort_by_key(|a| a.get_display_order());
        options.iter().map(|a| a.get_id().to_string()).collect()
    }

    #[test]
    fn help_lists_every_option_in_the_declared_order() {
        for (name, order) in [
            ("run", RUN_HELP_ORDER),
            ("fuzz", crate::fuzz::FUZZ_HELP_ORDER),
        ] {
            assert_eq!(options_in_help_order(name), order, "{name}");
        }
    }

    #[test]
    fn run_and_fuzz_share_the_target_and_client_flags() {
        let mut cli = Cli::command();
        cli.build();
        let ids = |name: &str| -> Vec<String> {
            cli.find_subcommand(name)
                .unwrap()
                .get_arguments()
                .map(|a| a.get_id().to_string())
                .collect()
        };
        let (run, fuzz) = (ids("run"), ids("fuzz"));
        let shared = TargetArgs::augment_args(clap::Command::new("t"));
        let shared = ClientArgs::augment_args(shared);
        let shared: Vec<String> = shared
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .collect();
        assert_eq!(shared.len(), 14, "{shared:?}");
        for id in &shared {
            assert!(run.contains(id) && fuzz.contains(id), "{id}");
        }
    }

    #[test]
    fn check_order_is_cases_roots_target_tools() {
        let parse = |argv: &[&str]| {
            let mut full = vec!["mcpspec", "run", "--no-config"];
            full.extend_from_slice(argv);
            let Command::Run(run) = Cli::try_parse_from(full).unwrap().command else {
                panic!("not run")
            };
            run.to_config().unwrap_err()
        };
        let e = parse(&["--cases", "/nonexistent", "--root", "x", "--", "p"]);
        assert!(e.starts_with("--cases"), "{e}");
        let e = parse(&["--root", "x", "--url", "ftp://h", "--allow-tool", "["]);
        assert!(e.starts_with("--root"), "{e}");
        let e = parse(&["--url", "ftp://h", "--allow-tool", "["]);
        assert!(e.starts_with("--url"), "{e}");
        let e = parse(&["--allow-tool", "[", "--", "p"]);
        assert!(e.starts_with("--allow-tool"), "{e}");
    }
}
