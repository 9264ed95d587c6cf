//! The `mcpspec` command line: parses flags into a `RunConfig`, calls the engine, writes the
//! outputs and maps the result to a documented exit code. It holds no testing logic.

mod args;
mod display;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser as _;
use mcpspec_harness::RunError;
use mcpspec_report::exit_code;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(run) => run_command(run),
        Command::List(list) => list_command(list),
        Command::Explain(explain) => explain_command(explain),
        Command::Coverage(coverage) => coverage_command(coverage),
    };
    ExitCode::from(code as u8)
}

fn usage_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("mcpspec: error: {message}");
    exit_code::USAGE_ERROR
}

fn run_command(run: Box<args::RunArgs>) -> i32 {
    let config = match run.to_config() {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let out_dir = run.out_dir();
    let fail_on = run.fail_on.into();
    let color = std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
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
    let output = match result {
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
    if !run.quiet {
        print!(
            "{}",
            mcpspec_report::render::text::summary(&output.report, color)
        );
        println!("report: {}", out_dir.join("report.json").display());
    }
    exit_code::for_summary(&output.report.summary, fail_on)
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
