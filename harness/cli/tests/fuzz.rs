//! `mcpspec fuzz` as a user meets it: exit codes, the case files and report it writes, replaying
//! them with `mcpspec run --cases DIR` and `mcpspec fuzz --replay FILE`, and one-line usage
//! errors. The search itself is tested in the harness crate (`tests/fuzz_live.rs`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mcpspec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcpspec"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run mcpspec")
}

fn fixture() -> String {
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
    bin.display().to_string()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mcpspec-cli-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn found_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the output directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn a_found_crash_is_written_and_replays() {
    let dir = scratch("crash");
    let fixture = fixture();
    let out_dir = dir.display().to_string();
    let fuzz = [
        "fuzz",
        "--seed",
        "7",
        "--cases",
        "100",
        "--time-budget",
        "30",
        "--out",
        &out_dir,
        "--",
        &fixture,
        "--bug",
        "crash-on-parse-error",
    ];
    let out = mcpspec(&fuzz);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("found.server-survives."), "{stdout}");
    let files = found_files(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(dir.join("_report/report.json").is_file());

    let run_broken = mcpspec(&[
        "run",
        "--cases",
        &out_dir,
        "--out",
        &format!("{out_dir}/_run1"),
        "--",
        &fixture,
        "--bug",
        "crash-on-parse-error",
    ]);
    assert_eq!(run_broken.status.code(), Some(1));
    let run_clean = mcpspec(&[
        "run",
        "--cases",
        &out_dir,
        "--out",
        &format!("{out_dir}/_run2"),
        "--",
        &fixture,
    ]);
    assert_eq!(
        run_clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run_clean.stdout)
    );

    let file = files[0].display().to_string();
    let replay = mcpspec(&[
        "fuzz",
        "--replay",
        &file,
        "--",
        &fixture,
        "--bug",
        "crash-on-parse-error",
    ]);
    assert_eq!(replay.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&replay.stdout).contains("still fails"));
    let fixed = mcpspec(&["fuzz", "--replay", &file, "--", &fixture]);
    assert_eq!(fixed.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&fixed.stdout).contains("no longer fails"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_clean_server_exits_zero() {
    let dir = scratch("clean");
    let fixture = fixture();
    let out_dir = dir.display().to_string();
    let out = mcpspec(&[
        "fuzz", "-q", "--seed", "3", "--cases", "30", "--out", &out_dir, "--", &fixture,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(found_files(&dir).is_empty());
    assert!(dir.join("_report/report.json").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_errors_are_one_line_and_exit_2() {
    let out = mcpspec(&["fuzz", "--url", "ftp://x", "--cases", "3"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("http://"), "{err}");
    let none = mcpspec(&["fuzz", "--cases", "3"]);
    assert_eq!(none.status.code(), Some(2));
    let unreachable = mcpspec(&["fuzz", "--cases", "1", "--", "/nonexistent/mcpspec-server"]);
    assert_eq!(unreachable.status.code(), Some(3));
}
