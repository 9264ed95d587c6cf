//! The `mcpspec` command line: parses flags into a `RunConfig`, calls the engine, writes the
//! outputs and maps the result to a documented exit code. It holds no testing logic.

mod args;
mod config_file;
mod display;
mod fuzz;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};
use mcpspec_harness::RunError;
use mcpspec_report::exit_code;

use args::{Cli, Command};

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let code = match cli.command {
        Command::Run(run) => {
            let run_matches = matches.subcommand_matches("run");
            run_command(run, run_matches.expect("the run subcommand's matches"))
        }
        Command::List(list) => list_command(list),
        Command::Explain(explain) => explain_command(explain),
        Command::Coverage(coverage) => coverage_command(coverage),
        Command::Render(render) => render_command(render),
        Command::Baseline(args::BaselineCommand::Write(write)) => baseline_write_command(write),
        Command::Compare(compare) => compare_command(compare),
        Command::Fuzz(args) => fuzz::command(*args),
    };
    ExitCode::from(code as u8)
}

fn usage_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("mcpspec: error: {message}");
    exit_code::USAGE_ERROR
}

fn run_command(mut run: Box<args::RunArgs>, matches: &clap::ArgMatches) -> i32 {
    match config_file::merge(&mut run, matches) {
        Ok(Some(source)) if !run.quiet => eprintln!("{}", source.announcement()),
        Ok(_) => {}
        Err(e) => return usage_error(e),
    }
    let config = match run.to_config() {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let baseline = match &run.baseline {
        Some(path) => match read_baseline(path) {
            Ok(b) => Some((path.display().to_string(), b)),
            Err(e) => return usage_error(e),
        },
        None => None,
    };
    let out_dir = run.out_dir();
    let fail_on = run.fail_on.into();
    let color = display::color_allowed() && std::io::stdout().is_terminal();
    let live = !run.quiet && std::io::stderr().is_terminal();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mcpspec: error: cannot start the async runtime: {e}");
            return exit_code::HARNESS_ERROR;
        }
    };
    let mut progress = display::Progress::new(live);
    let result = runtime.block_on(mcpspec_harness::run(&config, &mut |ev| {
        progress.on_event(ev)
    }));
    progress.finish();
    let mut output = match result {
        Ok(o) => o,
        Err(RunError::Target(e)) => {
            eprintln!("mcpspec: error: {e}");
            return exit_code::TARGET_UNREACHABLE;
        }
        Err(RunError::NoCases) => {
            eprintln!("mcpspec: error: no case matches the selection (see `mcpspec list`)");
            return exit_code::NO_CASES_SELECTED;
        }
        Err(RunError::Cases(errors)) => {
            for e in &errors {
                eprintln!("mcpspec: case error: {e}");
            }
            return exit_code::USAGE_ERROR;
        }
        Err(e @ RunError::Pattern(_)) => return usage_error(e),
    };
    if let Some((file, b)) = &baseline {
        mcpspec_report::baseline::apply(b, file, &mut output.report);
        report_baseline(&output.report, run.quiet);
    }
    if let Err(e) = mcpspec_harness::output::write_run(&out_dir, &output) {
        eprintln!("mcpspec: error: cannot write {}: {e}", out_dir.display());
        return exit_code::HARNESS_ERROR;
    }
    if let Some(json) = &run.json
        && let Err(e) = mcpspec_harness::output::write_report(json, &output)
    {
        eprintln!("mcpspec: error: cannot write {}: {e}", json.display());
        return exit_code::HARNESS_ERROR;
    }
    if let Err(e) = write_rendered(&run, &output.report) {
        eprintln!("mcpspec: error: {e}");
        return exit_code::HARNESS_ERROR;
    }
    if !run.quiet {
        print!(
            "{}",
            mcpspec_report::render::text::summary(&output.report, color)
        );
        println!("report: {}", out_dir.join("report.json").display());
    }
    exit_code::for_report(&output.report, fail_on)
}

fn list_command(list: args::ListArgs) -> i32 {
    let mut config =
        mcpspec_harness::RunConfig::new(mcpspec_harness::Target::Stdio(Default::default()));
    config.cases_dir = list.cases.clone();
    let cases = match mcpspec_harness::load_cases(&config) {
        Ok(c) => c,
        Err(RunError::Cases(errors)) => {
            for e in &errors {
                eprintln!("mcpspec: case error: {e}");
            }
            return exit_code::USAGE_ERROR;
        }
        Err(e) => return usage_error(e),
    };
    let selector = match mcpspec_harness::select::Selector::new(&list.patterns, &[]) {
        Ok(s) => s,
        Err(e) => return usage_error(format!("bad case pattern: {e}")),
    };
    let mut rows: Vec<(String, &str, String, String)> = cases
        .iter()
        .filter(|l| selector.selects(&l.case.id))
        .map(|l| {
            (
                l.case.id.clone(),
                l.case.level.as_str(),
                l.case.requirements.join(","),
                l.case.title.clone(),
            )
        })
        .collect();
    rows.extend(
        mcpspec_harness::oracles::ORACLES
            .iter()
            .filter(|o| selector.selects(o.id))
            .map(|o| {
                (
                    o.id.to_string(),
                    o.level.as_str(),
                    o.requirements.join(","),
                    o.title.to_string(),
                )
            }),
    );
    rows.sort();
    if rows.is_empty() {
        eprintln!("mcpspec: error: no case matches the selection");
        return exit_code::NO_CASES_SELECTED;
    }
    for (id, level, reqs, title) in rows {
        println!("{id:<58} {level:<6} {reqs:<28} {title}");
    }
    exit_code::SUCCESS
}

fn explain_command(explain: args::ExplainArgs) -> i32 {
    let mut config =
        mcpspec_harness::RunConfig::new(mcpspec_harness::Target::Stdio(Default::default()));
    config.cases_dir = explain.cases.clone();
    let cases = match mcpspec_harness::load_cases(&config) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    if let Some(l) = cases.iter().find(|l| l.case.id == explain.id) {
        let c = &l.case;
        let spec = mcpspec_harness::runner::spec_ref(
            &c.spec.page,
            &c.spec.anchor,
            &c.spec.statement,
            c.spec.source,
        );
        println!(
            "{}  [{}]  {}",
            c.id,
            c.level.as_str(),
            c.requirements.join(", ")
        );
        println!("title:       {}", c.title);
        println!("expectation: {}", c.expectation);
        println!("statement:   {}", c.spec.statement);
        println!("spec:        {}", spec.url);
        if let Some(notes) = &c.notes {
            println!("notes:       {notes}");
        }
        println!("file:        cases/{}", l.path);
        match serde_json::to_string_pretty(c) {
            Ok(text) => println!("\n{text}"),
            Err(e) => eprintln!("mcpspec: error: {e}"),
        }
        return exit_code::SUCCESS;
    }
    if let Some(o) = mcpspec_harness::oracles::find(&explain.id) {
        let spec =
            mcpspec_harness::runner::spec_ref(o.page, o.anchor, o.statement, Default::default());
        println!(
            "{}  [{}]  {}",
            o.id,
            o.level.as_str(),
            o.requirements.join(", ")
        );
        println!("title:       {}", o.title);
        println!("expectation: {}", o.expectation);
        println!("statement:   {}", o.statement);
        println!("spec:        {}", spec.url);
        println!("runs on:     every message of every session");
        return exit_code::SUCCESS;
    }
    usage_error(format!(
        "no case or oracle with id {:?} (see `mcpspec list`)",
        explain.id
    ))
}

fn coverage_command(args: args::CoverageArgs) -> i32 {
    use mcpspec_harness::coverage::{Catalogue, compute};
    let catalogue = match &args.catalogue {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Catalogue::parse(&text),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        },
        None => Catalogue::embedded(),
    };
    let catalogue = match catalogue {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let mut config =
        mcpspec_harness::RunConfig::new(mcpspec_harness::Target::Stdio(Default::default()));
    config.cases_dir = args.cases.clone();
    let cases: Vec<_> = match mcpspec_harness::load_cases(&config) {
        Ok(c) => c.into_iter().map(|l| l.case).collect(),
        Err(e) => return usage_error(e),
    };
    let report = compute(&catalogue, &cases, mcpspec_harness::oracles::ORACLES);
    print!("{}", report.render(args.uncovered));
    if report.unexplained().is_empty() && report.unknown.is_empty() {
        exit_code::SUCCESS
    } else {
        exit_code::CONFORMANCE_FAILURES
    }
}

/// Writes the rendered formats asked for with `--md`, `--junit`, `--sarif` and `--html`.
fn write_rendered(run: &args::RunArgs, report: &mcpspec_report::RunReport) -> Result<(), String> {
    use mcpspec_report::render::{html, junit, markdown, sarif};
    if let Some(path) = &run.md {
        write_file(path, &markdown::render(report))?;
    }
    if let Some(path) = &run.junit {
        write_file(path, &junit::render(report))?;
    }
    if let Some(path) = &run.sarif {
        write_file(path, &sarif::render(report))?;
    }
    if let Some(path) = &run.html {
        write_file(path, &html::render(report))?;
    }
    Ok(())
}

/// Writes `text` to `path`, creating missing parent directories.
fn write_file(path: &std::path::Path, text: &str) -> Result<(), String> {
    let result = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => std::fs::create_dir_all(parent),
        _ => Ok(()),
    }
    .and_then(|()| std::fs::write(path, text));
    result.map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn render_command(args: args::RenderArgs) -> i32 {
    use args::RenderFormat;
    use mcpspec_report::render::{html, junit, markdown, sarif, text};
    let path = &args.report;
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return usage_error(format!("cannot read {}: {e}", path.display())),
    };
    let value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => return usage_error(format!("{} is not JSON: {e}", path.display())),
    };
    match value.get("format_version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(mcpspec_report::FORMAT_VERSION) => {}
        Some(v) => {
            return usage_error(format!(
                "{} has report format_version {v}; this mcpspec reads version {}",
                path.display(),
                mcpspec_report::FORMAT_VERSION
            ));
        }
        None => {
            return usage_error(format!(
                "{} is not an mcpspec report (no format_version)",
                path.display()
            ));
        }
    }
    let report: mcpspec_report::RunReport = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(e) => {
            return usage_error(format!("{} is not an mcpspec report: {e}", path.display()));
        }
    };
    let color = args.output.is_none()
        && args.format == RenderFormat::Text
        && display::color_allowed()
        && std::io::stdout().is_terminal();
    let rendered = match args.format {
        RenderFormat::Markdown => markdown::render(&report),
        RenderFormat::Junit => junit::render(&report),
        RenderFormat::Sarif => sarif::render(&report),
        RenderFormat::Text => text::summary(&report, color),
        RenderFormat::Html => html::render(&report),
    };
    match &args.output {
        Some(out) => match write_file(out, &rendered) {
            Ok(()) => exit_code::SUCCESS,
            Err(e) => usage_error(e),
        },
        None => {
            print!("{rendered}");
            exit_code::SUCCESS
        }
    }
}

/// Reads and checks a baseline file; an error names the file, line, column and key in one line.
fn read_baseline(path: &std::path::Path) -> Result<mcpspec_report::baseline::Baseline, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
    mcpspec_report::baseline::Baseline::parse(&text)
        .map_err(|e| format!("bad baseline {}:{e}", path.display()))
}

/// Prints the baseline's stale entries (and, unless `quiet`, its unused ones) on stderr, one
/// line each.
fn report_baseline(report: &mcpspec_report::RunReport, quiet: bool) {
    let Some(b) = &report.baseline else { return };
    for e in &b.stale {
        eprintln!(
            "mcpspec: stale baseline entry {:?} in {}: every case it matches that ran now passes ({}); remove it",
            e.pattern,
            b.file,
            e.cases.join(", ")
        );
    }
    for e in b.unused.iter().filter(|_| !quiet) {
        eprintln!(
            "mcpspec: warning: baseline entry {:?} in {} matched no failure of this run{}",
            e.pattern,
            b.file,
            if e.cases.is_empty() {
                " (it matches no case that ran)".to_string()
            } else {
                format!(" (it matches {})", e.cases.join(", "))
            }
        );
    }
}

/// Reads a saved report; the error is one line naming the file.
fn read_report(path: &std::path::Path) -> Result<mcpspec_report::RunReport, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    match value.get("format_version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(mcpspec_report::FORMAT_VERSION) => {}
        Some(v) => {
            return Err(format!(
                "{} has report format_version {v}; this mcpspec reads version {}",
                path.display(),
                mcpspec_report::FORMAT_VERSION
            ));
        }
        None => {
            return Err(format!(
                "{} is not an mcpspec report (no format_version)",
                path.display()
            ));
        }
    }
    serde_json::from_value(value)
        .map_err(|e| format!("{} is not an mcpspec report: {e}", path.display()))
}

/// Prints `text` or writes it to `output`; a write error is a usage error.
fn emit(output: &Option<std::path::PathBuf>, text: &str) -> i32 {
    match output {
        Some(out) => match write_file(out, text) {
            Ok(()) => exit_code::SUCCESS,
            Err(e) => usage_error(e),
        },
        None => {
            print!("{text}");
            exit_code::SUCCESS
        }
    }
}

fn baseline_write_command(args: args::BaselineWriteArgs) -> i32 {
    let report = match read_report(&args.report) {
        Ok(r) => r,
        Err(e) => return usage_error(e),
    };
    let baseline = mcpspec_report::baseline::from_report(&report);
    emit(&args.output, &baseline.to_json())
}

fn compare_command(args: args::CompareArgs) -> i32 {
    use mcpspec_report::render::compare::{Input, html, markdown};
    let mut reports = Vec::new();
    for path in &args.reports {
        match read_report(path) {
            Ok(r) => reports.push((path.display().to_string(), r)),
            Err(e) => return usage_error(e),
        }
    }
    let inputs: Vec<Input<'_>> = reports
        .iter()
        .map(|(file, report)| Input { file, report })
        .collect();
    let text = match args.format {
        args::CompareFormat::Markdown => markdown::render(&inputs),
        args::CompareFormat::Html => html::render(&inputs),
    };
    emit(&args.output, &text)
}
