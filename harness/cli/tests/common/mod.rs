//! Helpers the CLI's test files share: running the `mcpspec` binary, finding (and if need be
//! building) the reference server, scratch directories and output text. Not assertions: each
//! test file judges what it runs.
#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `mcpspec args` with colour off.
pub fn mcpspec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcpspec"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run mcpspec")
}

/// Runs `mcpspec args` in `dir` (the working directory matters for `./mcpspec.toml` and
/// relative paths), colour off.
pub fn mcpspec_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcpspec"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run mcpspec")
}

/// The reference server binary beside `mcpspec`, built first when it is missing.
pub fn fixture_server() -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_mcpspec"));
    let bin = exe.with_file_name("mcpspec-fixture-server");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let ok = Command::new(cargo)
            .args(["build", "-p", "mcpspec-fixture-server"])
            .status()
            .expect("cargo build")
            .success();
        assert!(ok);
    }
    bin
}

/// A fresh, empty scratch directory `mcpspec-<name>-<pid>` under the system temp dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mcpspec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// stderr, trimmed (lossy UTF-8).
pub fn stderr_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

/// stdout as text (lossy UTF-8).
pub fn stdout_text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}
