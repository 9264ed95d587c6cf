//! `cargo bench -p mcpspec-harness --bench fuzz_throughput`: how fast the live fuzzer drives the
//! fixture server over stdio, as messages sent per second, sequences per second and the share of
//! wall-clock time spent waiting for the server's answers (the rest is starting and reaping a
//! process per sequence, generating, judging and recording).
//!
//! Not a timed test and not part of CI: it prints figures and asserts nothing. The run lasts
//! `MCPSPEC_BENCH_SECONDS` seconds (default 10). With `MCPSPEC_BENCH_EVERYTHING` set to the path
//! of server-everything's `dist/index.js`, that server is measured too (through `node ... stdio`).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use mcpspec_harness::fuzz::{self, FuzzConfig};
use mcpspec_harness::{RunConfig, StdioSpec, Target};

fn main() {
    let seconds = std::env::var("MCPSPEC_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let fixture = fixture_path();
    measure(
        "fixture server (clean)",
        stdio(&fixture.display().to_string(), &[]),
        seconds,
    );
    if let Ok(script) = std::env::var("MCPSPEC_BENCH_EVERYTHING") {
        measure(
            "server-everything (node, stdio)",
            stdio("node", &[&script, "stdio"]),
            seconds,
        );
    }
}

fn stdio(program: &str, args: &[&str]) -> RunConfig {
    let mut run = RunConfig::new(Target::Stdio(StdioSpec {
        program: program.to_string(),
        args: args.iter().map(|a| a.to_string()).collect(),
        env: Vec::new(),
        cwd: None,
    }));
    run.timeout_ms = 2000;
    run
}

fn measure(name: &str, run: RunConfig, seconds: u64) {
    let mut config = FuzzConfig::new(run);
    config.seed = 1;
    config.cases = u32::MAX;
    config.time_budget = Duration::from_secs(seconds);
    let out = match fuzz::fuzz(&config, &mut |_| {}) {
        Ok(o) => o,
        Err(e) => {
            println!("{name}: could not fuzz: {e}");
            return;
        }
    };
    let s = &out.stats;
    let secs = s.elapsed.as_secs_f64().max(1e-9);
    let played = f64::from(s.cases) + f64::from(s.shrink_runs);
    println!("{name}:");
    println!(
        "  {} sequences ({} shrink runs) in {secs:.1} s: {:.1} sequences/s, {:.1} ms each",
        s.cases,
        s.shrink_runs,
        played / secs,
        1000.0 * secs / played.max(1.0)
    );
    println!(
        "  {} messages sent, {} answers: {:.0} messages/s",
        s.totals.messages,
        s.totals.answers,
        s.messages_per_second()
    );
    println!(
        "  {:.0}% of the time waiting for the server; {} findings",
        s.waiting_share() * 100.0,
        out.findings.len()
    );
}

/// The fixture server binary next to this benchmark's profile directory, built if missing.
fn fixture_path() -> PathBuf {
    let exe = std::env::current_exe().expect("bench binary path");
    let dir = exe
        .parent()
        .and_then(|p| p.parent())
        .expect("target profile dir")
        .to_path_buf();
    let bin = dir.join("mcpspec-fixture-server");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let release = dir.file_name().is_some_and(|n| n == "release");
        let mut build = Command::new(cargo);
        build.args(["build", "-p", "mcpspec-fixture-server"]);
        if release {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build");
        assert!(status.success(), "building the fixture server failed");
    }
    bin
}
