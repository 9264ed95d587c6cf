//! The `mcpspec.toml` config file of `mcpspec run`: where it is found, how it is read and checked
//! (every error is one line naming the file, line, column and key), how its relative paths resolve
//! (against the file's own directory) and how it merges under the command-line flags (a flag
//! given on the command line always wins; a list flag replaces the file's whole list). It is not a
//! second way to build a `RunConfig`: file values land in `RunArgs`, and `RunArgs::to_config`
//! stays the one place that turns them into a run. The README section "Config file" is the
//! user documentation.
//!
//! ```toml
//! [target]            # a command (with env, cwd) or a url (with headers, bearer_env)
//! command = ["./target/release/my-server", "--stdio"]
//! [client]            # capabilities, roots, sampling_reply, elicitation_reply
//! [tools]             # allow, call_all
//! [cases]             # include, skip, dir
//! [run]               # timeout_ms, startup_ms, shutdown_grace_ms, max_message_bytes, jobs, fail_on, baseline
//! [outputs]           # out, json, md, junit, sarif, html, quiet
//! ```

use std::collections::BTreeMap;
use std::ops::{Range, RangeInclusive};
use std::path::{Path, PathBuf};

use clap::ArgMatches;
use clap::ValueEnum;
use clap::parser::ValueSource;
use serde::Deserialize;
use toml::Spanned;

use crate::args::{self, ClientCap, ElicitArg, FailOnArg, RunArgs, SamplingArg};

/// The file `mcpspec run` picks up from the current directory when no `--config` is given.
pub const DEFAULT_FILE: &str = "mcpspec.toml";

/// An optional value with the byte range it came from (for error lines).
type Sp<T> = Option<Spanned<T>>;

/// The whole file. Every table is optional; unknown tables and keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    target: TargetTable,
    #[serde(default)]
    client: ClientTable,
    #[serde(default)]
    tools: ToolsTable,
    #[serde(default)]
    cases: CasesTable,
    #[serde(default)]
    run: RunTable,
    #[serde(default)]
    outputs: OutputsTable,
}

/// `[target]`: the server. `command`, `env`, `cwd` for stdio; `url`, `headers`, `bearer_env` for
/// Streamable HTTP.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetTable {
    command: Sp<Vec<String>>,
    env: Sp<BTreeMap<String, String>>,
    cwd: Sp<PathBuf>,
    url: Sp<String>,
    headers: Sp<BTreeMap<String, String>>,
    bearer_env: Sp<String>,
}

/// `[client]`: what the harness declares and how it answers the server's requests.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientTable {
    capabilities: Option<Vec<Spanned<String>>>,
    roots: Option<Vec<Spanned<String>>>,
    sampling_reply: Sp<String>,
    elicitation_reply: Sp<String>,
}

/// `[tools]`: the side-effect guard.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolsTable {
    allow: Option<Vec<Spanned<String>>>,
    call_all: Option<bool>,
}

/// `[cases]`: which cases run, and from where.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CasesTable {
    include: Option<Vec<String>>,
    skip: Option<Vec<String>>,
    dir: Sp<PathBuf>,
}

/// `[run]`: timing, parallelism and the verdict policy.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunTable {
    timeout_ms: Sp<u64>,
    startup_ms: Sp<u64>,
    shutdown_grace_ms: Sp<u64>,
    max_message_bytes: Sp<u64>,
    jobs: Sp<u64>,
    fail_on: Sp<String>,
    baseline: Option<PathBuf>,
}

/// `[outputs]`: where the report goes and in which formats.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputsTable {
    out: Option<PathBuf>,
    json: Option<PathBuf>,
    md: Option<PathBuf>,
    junit: Option<PathBuf>,
    sarif: Option<PathBuf>,
    html: Option<PathBuf>,
    quiet: Option<bool>,
}

/// A config file in use.
#[derive(Debug)]
pub struct Source {
    /// The file, as named (`--config`) or found (`mcpspec.toml`).
    pub path: PathBuf,
    /// Found in the current directory rather than named with `--config`.
    pub implicit: bool,
}

impl Source {
    /// The line `mcpspec run` prints first, so a file picked up silently never surprises anyone.
    pub fn announcement(&self) -> String {
        if self.implicit {
            format!(
                "mcpspec: using config {} from the current directory (--no-config ignores it)",
                self.path.display()
            )
        } else {
            format!("mcpspec: using config {}", self.path.display())
        }
    }
}

/// The file to read: `--config FILE`, else `./mcpspec.toml` if it exists, never with
/// `--no-config`.
pub fn locate(run: &RunArgs) -> Option<Source> {
    if run.no_config {
        return None;
    }
    if let Some(path) = &run.config {
        return Some(Source {
            path: path.clone(),
            implicit: false,
        });
    }
    let path = Path::new(DEFAULT_FILE);
    path.is_file().then(|| Source {
        path: path.to_path_buf(),
        implicit: true,
    })
}

/// Reads the config file (if any) into `run`, under the flags `matches` says were given on the
/// command line. Returns the file used. The error is one line for `mcpspec: error: `.
pub fn merge(run: &mut RunArgs, matches: &ArgMatches) -> Result<Option<Source>, String> {
    let Some(source) = locate(run) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&source.path)
        .map_err(|e| format!("cannot read config {}: {e}", source.path.display()))?;
    let values = load(&source.path, &text)?;
    apply(values, run, |id| {
        matches.value_source(id) == Some(ValueSource::CommandLine)
    });
    Ok(Some(source))
}

/// The file's values, checked, with paths resolved and in the shapes the flags take.
#[derive(Debug, Default)]
struct Values {
    command: Option<Vec<String>>,
    env: Option<Vec<String>>,
    cwd: Option<PathBuf>,
    url: Option<String>,
    headers: Option<Vec<String>>,
    bearer_env: Option<String>,
    capabilities: Option<Vec<ClientCap>>,
    roots: Option<Vec<String>>,
    sampling_reply: Option<SamplingArg>,
    elicitation_reply: Option<ElicitArg>,
    allow: Option<Vec<String>>,
    call_all: Option<bool>,
    include: Option<Vec<String>>,
    skip: Option<Vec<String>>,
    cases_dir: Option<PathBuf>,
    timeout_ms: Option<u64>,
    startup_ms: Option<u64>,
    shutdown_grace_ms: Option<u64>,
    max_message_bytes: Option<u64>,
    jobs: Option<u64>,
    fail_on: Option<FailOnArg>,
    baseline: Option<PathBuf>,
    out: Option<PathBuf>,
    json: Option<PathBuf>,
    md: Option<PathBuf>,
    junit: Option<PathBuf>,
    sarif: Option<PathBuf>,
    html: Option<PathBuf>,
    quiet: Option<bool>,
}

/// Where errors point: the file's name for messages and its text for line numbers.
struct Ctx<'a> {
    file: String,
    text: &'a str,
}

impl Ctx<'_> {
    /// `bad config FILE:LINE:COL: KEY: MESSAGE`, one line.
    fn error(&self, offset: usize, key: &str, message: &str) -> String {
        let (line, col) = line_col(self.text, offset);
        let message = message.lines().collect::<Vec<_>>().join(" ");
        if key.is_empty() {
            format!("bad config {}:{line}:{col}: {message}", self.file)
        } else {
            format!("bad config {}:{line}:{col}: {key}: {message}", self.file)
        }
    }

    fn at<T>(&self, value: &Spanned<T>, key: &str, message: &str) -> String {
        self.error(value.span().start, key, message)
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The bare key starting at byte `offset`, if one does (a syntax error such as a duplicate key
/// points at the key but does not name it).
fn bare_key_at(text: &str, offset: usize) -> &str {
    let rest = text.get(offset..).unwrap_or("");
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The dotted key path of a deserialization error (`run.timeout_ms`, `client.roots[1]`), without
/// the private segments `Spanned` adds.
fn key_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if key.starts_with("$__") {
                    continue;
                }
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// Parses and checks the file's text. `path` names the file in errors and is the base of its
/// relative paths.
fn load(path: &Path, text: &str) -> Result<Values, String> {
    let cx = Ctx {
        file: path.display().to_string(),
        text,
    };
    let parsed: FileConfig = {
        let de = toml::de::Deserializer::parse(text).map_err(|e| {
            let at = e.span().map_or(0, |s: Range<usize>| s.start);
            cx.error(at, bare_key_at(text, at), e.message())
        })?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let key = key_path(e.path());
            let inner = e.inner();
            cx.error(inner.span().map_or(0, |s| s.start), &key, inner.message())
        })?
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = std::path::absolute(&parent)
        .map_err(|e| format!("cannot resolve the directory of {}: {e}", cx.file))?;
    check(&cx, &base, parsed)
}

/// Checks what serde cannot (ranges, choices, conflicts, directories) and resolves paths.
fn check(cx: &Ctx<'_>, base: &Path, f: FileConfig) -> Result<Values, String> {
    // `components` drops the `.` segments (`./x` in the file gives DIR/x, not DIR/./x).
    let resolve = |p: PathBuf| base.join(p).components().collect::<PathBuf>();
    let mut v = Values::default();
    let t = f.target;

    if let (Some(_), Some(url)) = (&t.command, &t.url) {
        return Err(cx.at(
            url,
            "target.url",
            "a target is a command or a url, not both",
        ));
    }
    if let Some(url) = &t.url {
        for (span, key) in [
            (t.env.as_ref().map(Spanned::span), "target.env"),
            (t.cwd.as_ref().map(Spanned::span), "target.cwd"),
        ] {
            if let Some(span) = span {
                return Err(cx.error(
                    span.start,
                    key,
                    &format!(
                        "applies to a server command, not to url {:?}",
                        url.get_ref()
                    ),
                ));
            }
        }
    }
    if t.command.is_some() {
        for (span, key) in [
            (t.headers.as_ref().map(Spanned::span), "target.headers"),
            (
                t.bearer_env.as_ref().map(Spanned::span),
                "target.bearer_env",
            ),
        ] {
            if let Some(span) = span {
                return Err(cx.error(
                    span.start,
                    key,
                    "applies to an HTTP target (url), not to a server command",
                ));
            }
        }
    }
    if let Some(command) = t.command {
        let Some(program) = command.get_ref().first() else {
            return Err(cx.at(&command, "target.command", "the command is empty"));
        };
        if program.is_empty() {
            return Err(cx.at(&command, "target.command", "the program name is empty"));
        }
        // A program named by a path is found relative to this file; a bare name is looked up
        // on PATH, as the shell would.
        let program = if program.chars().any(std::path::is_separator) {
            resolve(PathBuf::from(program)).display().to_string()
        } else {
            program.clone()
        };
        let mut all = vec![program];
        all.extend(command.into_inner().into_iter().skip(1));
        v.command = Some(all);
    }
    if let Some(env) = t.env {
        let mut list = Vec::new();
        for (name, value) in env.get_ref() {
            if name.is_empty() || name.contains('=') {
                return Err(cx.at(
                    &env,
                    "target.env",
                    &format!("{name:?} is not a variable name"),
                ));
            }
            list.push(format!("{name}={value}"));
        }
        v.env = Some(list);
    }
    if let Some(cwd) = t.cwd {
        let dir = resolve(cwd.get_ref().clone());
        if !dir.is_dir() {
            return Err(cx.at(
                &cwd,
                "target.cwd",
                &format!("{} is not a directory", dir.display()),
            ));
        }
        v.cwd = Some(dir);
    }
    if let Some(url) = t.url {
        let rest = url.get_ref().strip_prefix("http://");
        if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
            return Err(cx.at(
                &url,
                "target.url",
                &format!(
                    "{:?} is not an http://HOST[:PORT]/PATH URL (https is not supported yet)",
                    url.get_ref()
                ),
            ));
        }
        v.url = Some(url.into_inner());
    }
    if let Some(headers) = t.headers {
        let mut list = Vec::new();
        for (name, value) in headers.get_ref() {
            if name.trim().is_empty() || name.contains(':') {
                return Err(cx.at(
                    &headers,
                    "target.headers",
                    &format!("{name:?} is not a header name"),
                ));
            }
            list.push(format!("{name}:{value}"));
        }
        v.headers = Some(list);
    }
    if let Some(var) = t.bearer_env {
        if var.get_ref().is_empty() {
            return Err(cx.at(&var, "target.bearer_env", "the variable name is empty"));
        }
        v.bearer_env = Some(var.into_inner());
    }

    let c = f.client;
    if let Some(caps) = c.capabilities {
        let mut list = Vec::new();
        for (i, cap) in caps.iter().enumerate() {
            list.push(choice::<ClientCap>(
                cx,
                cap,
                &format!("client.capabilities[{i}]"),
            )?);
        }
        v.capabilities = Some(list);
    }
    if let Some(roots) = c.roots {
        for (i, root) in roots.iter().enumerate() {
            if !root.get_ref().starts_with("file://") {
                return Err(cx.at(
                    root,
                    &format!("client.roots[{i}]"),
                    &format!("{:?} must be a file:// URI", root.get_ref()),
                ));
            }
        }
        v.roots = Some(roots.into_iter().map(Spanned::into_inner).collect());
    }
    if let Some(s) = &c.sampling_reply {
        v.sampling_reply = Some(choice(cx, s, "client.sampling_reply")?);
    }
    if let Some(s) = &c.elicitation_reply {
        v.elicitation_reply = Some(choice(cx, s, "client.elicitation_reply")?);
    }

    if let Some(allow) = f.tools.allow {
        for (i, glob) in allow.iter().enumerate() {
            globset::Glob::new(glob.get_ref())
                .map_err(|e| cx.at(glob, &format!("tools.allow[{i}]"), &e.to_string()))?;
        }
        v.allow = Some(allow.into_iter().map(Spanned::into_inner).collect());
    }
    v.call_all = f.tools.call_all;

    v.include = f.cases.include;
    v.skip = f.cases.skip;
    if let Some(dir) = f.cases.dir {
        let path = resolve(dir.get_ref().clone());
        if !path.is_dir() {
            return Err(cx.at(
                &dir,
                "cases.dir",
                &format!("{} is not a directory", path.display()),
            ));
        }
        v.cases_dir = Some(path);
    }

    let r = f.run;
    v.timeout_ms = ranged(cx, r.timeout_ms, "run.timeout_ms", args::TIMEOUT_MS)?;
    v.startup_ms = ranged(cx, r.startup_ms, "run.startup_ms", args::STARTUP_MS)?;
    v.shutdown_grace_ms = ranged(
        cx,
        r.shutdown_grace_ms,
        "run.shutdown_grace_ms",
        args::SHUTDOWN_GRACE_MS,
    )?;
    v.max_message_bytes = ranged(
        cx,
        r.max_message_bytes,
        "run.max_message_bytes",
        args::MAX_MESSAGE_BYTES,
    )?;
    v.jobs = ranged(cx, r.jobs, "run.jobs", args::JOBS)?;
    if let Some(s) = &r.fail_on {
        v.fail_on = Some(choice(cx, s, "run.fail_on")?);
    }
    v.baseline = r.baseline.map(resolve);

    let o = f.outputs;
    v.out = o.out.map(resolve);
    v.json = o.json.map(resolve);
    v.md = o.md.map(resolve);
    v.junit = o.junit.map(resolve);
    v.sarif = o.sarif.map(resolve);
    v.html = o.html.map(resolve);
    v.quiet = o.quiet;
    Ok(v)
}

/// A value that must be one of a flag's choices, spelled as on the command line.
fn choice<T: ValueEnum>(cx: &Ctx<'_>, value: &Spanned<String>, key: &str) -> Result<T, String> {
    T::from_str(value.get_ref(), false).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|p| p.get_name().to_string())
            .collect();
        cx.at(
            value,
            key,
            &format!("{:?} is not one of {}", value.get_ref(), names.join(", ")),
        )
    })
}

/// A number that must lie in the same range as its flag.
fn ranged(
    cx: &Ctx<'_>,
    value: Sp<u64>,
    key: &str,
    range: RangeInclusive<u64>,
) -> Result<Option<u64>, String> {
    let Some(value) = value else { return Ok(None) };
    if range.contains(value.get_ref()) {
        Ok(Some(value.into_inner()))
    } else {
        Err(cx.at(
            &value,
            key,
            &format!(
                "{} is out of range ({} to {})",
                value.get_ref(),
                range.start(),
                range.end()
            ),
        ))
    }
}

/// Puts the file's values into `run` wherever the command line (`given(flag id)`) did not set
/// the flag. A target named on the command line (`-- CMD` or `--url`) replaces a file target of
/// the other kind with all its parts; of the same kind, only the parts given as flags change.
fn apply(v: Values, run: &mut RunArgs, given: impl Fn(&str) -> bool) {
    fn take<T>(slot: &mut T, given: bool, value: Option<T>) {
        if let (false, Some(value)) = (given, value) {
            *slot = value;
        }
    }
    let cli_command = given("command");
    let cli_url = given("url");
    if !cli_command && !cli_url {
        take(&mut run.target.command, false, v.command);
        take(&mut run.target.url, false, v.url.map(Some));
    }
    if run.target.url.is_some() {
        take(&mut run.target.header, given("header"), v.headers);
        take(
            &mut run.target.bearer_env,
            given("bearer_env"),
            v.bearer_env.map(Some),
        );
    } else {
        take(&mut run.target.env, given("env"), v.env);
        take(&mut run.target.cwd, given("cwd"), v.cwd.map(Some));
    }
    take(
        &mut run.client.client_capabilities,
        given("client_capabilities"),
        v.capabilities,
    );
    take(&mut run.client.root, given("root"), v.roots);
    take(
        &mut run.sampling_reply,
        given("sampling_reply"),
        v.sampling_reply,
    );
    take(
        &mut run.elicitation_reply,
        given("elicitation_reply"),
        v.elicitation_reply,
    );
    take(&mut run.client.allow_tool, given("allow_tool"), v.allow);
    run.client.call_all_tools |= v.call_all.unwrap_or(false);
    take(&mut run.include, given("include"), v.include);
    take(&mut run.skip, given("skip"), v.skip);
    take(&mut run.cases, given("cases"), v.cases_dir.map(Some));
    take(
        &mut run.target.timeout_ms,
        given("timeout_ms"),
        v.timeout_ms,
    );
    take(
        &mut run.target.startup_ms,
        given("startup_ms"),
        v.startup_ms.map(Some),
    );
    take(
        &mut run.target.shutdown_grace_ms,
        given("shutdown_grace_ms"),
        v.shutdown_grace_ms.map(Some),
    );
    take(
        &mut run.target.max_message_bytes,
        given("max_message_bytes"),
        v.max_message_bytes,
    );
    take(&mut run.jobs, given("jobs"), v.jobs.map(Some));
    take(&mut run.fail_on, given("fail_on"), v.fail_on);
    take(&mut run.baseline, given("baseline"), v.baseline.map(Some));
    take(&mut run.out, given("out"), v.out.map(Some));
    take(&mut run.json, given("json"), v.json.map(Some));
    take(&mut run.md, given("md"), v.md.map(Some));
    take(&mut run.junit, given("junit"), v.junit.map(Some));
    take(&mut run.sarif, given("sarif"), v.sarif.map(Some));
    take(&mut run.html, given("html"), v.html.map(Some));
    run.quiet |= v.quiet.unwrap_or(false);
}

/// The flag ids `apply` asks about; each must be an argument of `run` (checked by a test,
/// because clap panics on an unknown id in debug builds).
#[cfg(test)]
const ASKED: &[&str] = &[
    "command",
    "url",
    "header",
    "bearer_env",
    "env",
    "cwd",
    "client_capabilities",
    "root",
    "sampling_reply",
    "elicitation_reply",
    "allow_tool",
    "include",
    "skip",
    "cases",
    "timeout_ms",
    "startup_ms",
    "shutdown_grace_ms",
    "max_message_bytes",
    "jobs",
    "fail_on",
    "baseline",
    "out",
    "json",
    "md",
    "junit",
    "sarif",
    "html",
];

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory as _, FromArgMatches as _};

    fn parse(argv: &[&str]) -> (RunArgs, ArgMatches) {
        let mut full = vec!["mcpspec", "run"];
        full.extend_from_slice(argv);
        let matches = args::Cli::command().try_get_matches_from(full).unwrap();
        let cli = args::Cli::from_arg_matches(&matches).unwrap();
        let args::Command::Run(run) = cli.command else {
            panic!("not run")
        };
        (*run, matches.subcommand_matches("run").unwrap().clone())
    }

    fn load_str(text: &str) -> Result<Values, String> {
        load(Path::new("/tmp/conf/mcpspec.toml"), text)
    }

    #[test]
    fn every_asked_id_is_a_run_argument() {
        let cmd = args::Cli::command();
        let run = cmd.find_subcommand("run").unwrap();
        for id in ASKED {
            assert!(
                run.get_arguments().any(|a| a.get_id() == *id),
                "{id} is not an argument of run"
            );
        }
        // And asking about them works without a panic.
        let (_, m) = parse(&["--", "x"]);
        for id in ASKED {
            let _ = m.value_source(id);
        }
    }

    #[test]
    fn lines_and_columns() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 9), (2, 3));
        assert_eq!(line_col(text, 999), (3, 1));
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_line_and_key() {
        let e = load_str("[run]\ntimeout_ms = 10\n\n[client]\nrootz = []\n").unwrap_err();
        assert!(
            e.starts_with("bad config /tmp/conf/mcpspec.toml:5:1: "),
            "{e}"
        );
        assert!(e.contains("rootz"), "{e}");
        let e = load_str("[run]\ntimeout_ms = \"fast\"\n").unwrap_err();
        assert!(e.contains(":2:"), "{e}");
        assert!(e.contains("run.timeout_ms"), "{e}");
        let e = load_str("[outputz]\n").unwrap_err();
        assert!(e.contains(":1:"), "{e}");
        assert!(e.contains("outputz"), "{e}");
        let e = load_str("[client]\nroots = [\"file:///a\", 3]\n").unwrap_err();
        assert!(e.contains(":2:") && e.contains("client.roots[1]"), "{e}");
        let e = load_str("[target\n").unwrap_err();
        assert!(e.contains(":1:"), "{e}");
        let e = load_str("[run]\njobs = 1\njobs = 2\n").unwrap_err();
        assert!(e.contains(":3:1: jobs: "), "{e}");
        for e in [
            load_str("[run]\njobs = 0\n"),
            load_str("[run]\nfail_on = \"may\"\n"),
            load_str("[client]\ncapabilities = [\"roots\", \"telepathy\"]\n"),
        ] {
            let e = e.unwrap_err();
            assert!(e.contains(":2:"), "{e}");
            assert_eq!(e.lines().count(), 1);
        }
    }

    #[test]
    fn paths_resolve_against_the_file() {
        let v = load_str(
            "[target]\ncommand = [\"bin/server\", \"data/x\"]\n[outputs]\nout = \"r\"\njson = \"/abs/r.json\"\n",
        )
        .unwrap();
        assert_eq!(
            v.command,
            Some(vec!["/tmp/conf/bin/server".into(), "data/x".into()])
        );
        assert_eq!(v.out, Some(PathBuf::from("/tmp/conf/r")));
        assert_eq!(v.json, Some(PathBuf::from("/abs/r.json")));
        let v = load_str("[target]\ncommand = [\"node\", \"s.js\"]\n").unwrap();
        assert_eq!(v.command.unwrap()[0], "node");
    }

    #[test]
    fn target_parts_must_agree() {
        let e = load_str("[target]\ncommand = [\"x\"]\nurl = \"http://h/mcp\"\n").unwrap_err();
        assert!(e.contains(":3:") && e.contains("not both"), "{e}");
        let e = load_str("[target]\nurl = \"http://h/mcp\"\nenv = { A = \"1\" }\n").unwrap_err();
        assert!(e.contains(":3:") && e.contains("target.env"), "{e}");
        let e = load_str("[target]\ncommand = [\"x\"]\nbearer_env = \"T\"\n").unwrap_err();
        assert!(e.contains(":3:") && e.contains("target.bearer_env"), "{e}");
        let e = load_str("[target]\nurl = \"https://h/mcp\"\n").unwrap_err();
        assert!(e.contains("target.url"), "{e}");
    }

    #[test]
    fn flags_win_and_lists_replace() {
        let v = load_str(
            "[target]\ncommand = [\"srv\"]\nenv = { A = \"1\" }\n[cases]\ninclude = [\"ping\", \"lifecycle\"]\n[run]\ntimeout_ms = 1234\nfail_on = \"should\"\nstartup_ms = 1500\nshutdown_grace_ms = 0\njobs = 3\n",
        )
        .unwrap();
        let (mut run, m) = parse(&[
            "--case",
            "tools",
            "--timeout-ms",
            "99",
            "--shutdown-grace-ms",
            "7",
        ]);
        apply(v, &mut run, |id| {
            m.value_source(id) == Some(ValueSource::CommandLine)
        });
        assert_eq!(run.include, ["tools"]);
        assert_eq!(run.target.timeout_ms, 99);
        assert!(matches!(run.fail_on, FailOnArg::Should));
        assert_eq!(run.target.command, ["srv"]);
        assert_eq!(run.target.env, ["A=1"]);
        let config = run.to_config().unwrap();
        assert_eq!(config.startup_ms, 1500);
        assert_eq!(config.shutdown_grace_ms, 7);
        assert_eq!(config.jobs, 3);
        assert_eq!(config.timeout_ms, 99);
    }

    #[test]
    fn a_command_line_url_replaces_a_file_command() {
        let v = load_str("[target]\ncommand = [\"srv\"]\nenv = { A = \"1\" }\n").unwrap();
        let (mut run, m) = parse(&["--url", "http://127.0.0.1:1/mcp"]);
        apply(v, &mut run, |id| {
            m.value_source(id) == Some(ValueSource::CommandLine)
        });
        assert!(run.target.command.is_empty());
        assert!(run.target.env.is_empty());
        assert!(run.to_config().is_ok());
    }
}
