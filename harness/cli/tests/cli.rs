//! The command line as a user meets it: exit codes, one-line usage errors, and a full run
//! against the reference server that writes report.json and transcripts.

mod common;

use std::process::Command;

use common::{fixture_server as fixture, mcpspec, stderr_line};

#[test]
fn missing_command_is_a_usage_error() {
    let out = mcpspec(&["run"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_env_flag_is_one_line_and_exit_2() {
    let out = mcpspec(&["run", "--env", "NOEQUALS", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_line(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("NAME=VALUE"), "{err}");
}

#[test]
fn url_errors_are_one_line() {
    // Nothing listens on port 1: unreachable, exit 3.
    let out = mcpspec(&["run", "--url", "http://127.0.0.1:1/mcp"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr_line(&out));
    assert_eq!(stderr_line(&out).lines().count(), 1);
    assert!(stderr_line(&out).contains("127.0.0.1:1"));
    // https, a URL together with a command, and a bad header are usage errors.
    for args in [
        &["run", "--url", "https://127.0.0.1:1/mcp"][..],
        &["run", "--url", "http://127.0.0.1:1/mcp", "--", "true"][..],
        &[
            "run",
            "--url",
            "http://127.0.0.1:1/mcp",
            "--header",
            "novalue",
        ][..],
        &["run", "--header", "A:b", "--", "true"][..],
    ] {
        let out = mcpspec(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr_line(&out)
        );
    }
}

#[test]
fn unknown_program_exits_3() {
    let out = mcpspec(&["run", "--", "/nonexistent/mcpspec-no-such-server"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr_line(&out));
    assert_eq!(stderr_line(&out).lines().count(), 1);
}

#[test]
fn empty_selection_exits_4() {
    let f = fixture();
    let out = mcpspec(&[
        "run",
        "--case",
        "no.such.case.*",
        "--skip",
        "oracle.*",
        "--",
        f.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr_line(&out));
}

#[test]
fn list_and_explain() {
    let out = mcpspec(&["list"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().count() >= 40, "{text}");
    assert!(text.contains("oracle.schema-valid"));
    let first = text
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    let out = mcpspec(&["explain", &first]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("https://"));
    let out = mcpspec(&["explain", "no.such.case"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn full_run_clean_and_under_a_knob() {
    let f = fixture();
    let dir = std::env::temp_dir().join(format!("mcpspec-cli-test-{}", std::process::id()));
    let out_dir = dir.join("out");
    let json = dir.join("copy.json");
    let out = mcpspec(&[
        "run",
        "--timeout-ms",
        "2000",
        "--out",
        out_dir.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--",
        f.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        stderr_line(&out)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["format_version"], 1);
    assert_eq!(report["summary"]["totals"]["fail"], 0);
    assert!(json.exists());
    assert!(out_dir.join("transcripts").read_dir().unwrap().count() > 10);

    let out = mcpspec(&[
        "run",
        "--timeout-ms",
        "2000",
        "--out",
        out_dir.to_str().unwrap(),
        "--case",
        "ping",
        "--",
        f.to_str().unwrap(),
        "--bug",
        "ping-result-not-empty",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("PING-001"),
        "the failure names its requirement:\n{stdout}"
    );
    assert!(
        stdout.contains("expected:") && stdout.contains("actual:"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The fixture in HTTP mode, protected by `token`; killed (stdin closed) when dropped.
struct ProtectedFixture {
    child: std::process::Child,
    url: String,
}

impl ProtectedFixture {
    fn start(token: &str, bugs: &[&str]) -> Self {
        use std::io::BufRead;
        let mut cmd = Command::new(fixture());
        cmd.args(["--http", "127.0.0.1:0", "--require-bearer", token]);
        for b in bugs {
            cmd.args(["--bug", b]);
        }
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the fixture");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the listening line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening on URL")
            .to_string();
        ProtectedFixture { child, url }
    }
}

impl Drop for ProtectedFixture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every file under `dir`, read as text.
fn all_text(dir: &std::path::Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            text.push_str(&all_text(&path));
        } else {
            text.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    text
}

#[test]
fn bearer_env_runs_the_authorization_cases_and_never_writes_the_token() {
    let token = "mcpspec-cli-secret-7f3a9c";
    let server = ProtectedFixture::start(token, &[]);
    let dir = std::env::temp_dir().join(format!("mcpspec-cli-bearer-{}", std::process::id()));
    let run = |dir: &std::path::Path, var: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcpspec"));
        cmd.args([
            "run",
            "--timeout-ms",
            "2000",
            "--out",
            dir.to_str().unwrap(),
        ])
        .args(["--case", "authorization", "--case", "transports.http"])
        .args(["--url", &server.url, "--bearer-env", "MCPSPEC_TEST_TOKEN"])
        .env("NO_COLOR", "1");
        match var {
            Some(v) => cmd.env("MCPSPEC_TEST_TOKEN", v),
            None => cmd.env_remove("MCPSPEC_TEST_TOKEN"),
        };
        cmd.output().expect("run mcpspec")
    };
    let out = run(&dir, Some(token));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        stderr_line(&out)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    let auth_passed = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["id"].as_str().unwrap().starts_with("authorization.") && c["outcome"] == "pass"
        })
        .count();
    assert!(
        auth_passed >= 7,
        "authorization cases passed: {auth_passed}"
    );
    let written = all_text(&dir);
    assert!(!written.contains(token), "the token reached the output");
    assert!(!stdout.contains(token));

    // An unset variable is a one-line usage error.
    let out = run(&dir.join("unset"), None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_line(&out));
    assert_eq!(stderr_line(&out).lines().count(), 1);
    assert!(stderr_line(&out).contains("MCPSPEC_TEST_TOKEN"));
    let _ = std::fs::remove_dir_all(&dir);
}
