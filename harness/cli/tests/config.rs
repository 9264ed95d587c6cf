//! The config file (`mcpspec.toml`) as a user meets it: a file run of the reference server equals
//! the same run spelled as flags (exit code, report, rendered outputs), flags override the file,
//! a bad file is a one-line error naming file, line and key (exit 2), relative paths resolve
//! against the file's directory, and `./mcpspec.toml` is picked up (and said so) unless
//! `--no-config`. Not the parsing details (the unit tests of `config_file` cover those).

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{fixture_server, mcpspec_in};

use serde_json::Value;

const BUG: &str = "ping-result-not-empty";

/// A fresh scratch directory for one test, with `conf/` (where the file lives) and `elsewhere/`
/// (where mcpspec runs) inside.
fn scratch(test: &str) -> PathBuf {
    let dir = common::scratch(&format!("config-{test}"));
    std::fs::create_dir_all(dir.join("conf")).unwrap();
    std::fs::create_dir_all(dir.join("elsewhere")).unwrap();
    dir
}

/// A TOML basic string holding `s` (JSON string escapes are valid TOML ones).
fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The report without what differs between two runs of the same thing: times.
fn normalized(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for key in ["duration_ms", "t_ms", "started_at"] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

fn report(path: &Path) -> Value {
    normalized(serde_json::from_str(&read(path)).unwrap())
}

/// Markdown without its time line (`<sub>mcpspec … · started … · N ms</sub>`).
fn timeless(md: &str) -> String {
    md.lines()
        .filter(|l| !l.starts_with("<sub>mcpspec "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The run summary without the `report: PATH` line, which names a different directory, and
/// without the run's duration (`(308 ms)`).
fn summary(out: &Output) -> String {
    stdout(out)
        .lines()
        .filter(|l| !l.starts_with("report: "))
        .map(|l| match l.rsplit_once(" (") {
            Some((head, tail)) if tail.ends_with(" ms)") => head,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_file_run_equals_the_same_run_as_flags() {
    let dir = scratch("same");
    let server = fixture_server();
    let server = server.to_str().unwrap();
    std::fs::write(
        dir.join("conf/mcpspec.toml"),
        format!(
            r#"# The reference server under a bug knob, ping cases only.
[target]
command = [{server}, "--bug", "{BUG}"]
env = {{ MCPSPEC_CONFIG_TEST = "1" }}

[client]
capabilities = ["roots"]
roots = ["file:///tmp/mcpspec-config-root"]
elicitation_reply = "decline"

[cases]
include = ["ping"]

[run]
timeout_ms = 2000
fail_on = "should"

[outputs]
out = "run"
json = "copy.json"
md = "reports/report.md"
junit = "reports/junit.xml"
sarif = "reports/report.sarif"
html = "reports/report.html"
"#,
            server = toml_str(server)
        ),
    )
    .unwrap();
    let elsewhere = dir.join("elsewhere");
    let from_file = mcpspec_in(&elsewhere, &["run", "--config", "../conf/mcpspec.toml"]);
    assert_eq!(from_file.status.code(), Some(1), "{}", stderr(&from_file));
    // The first line says which file was read; nothing else reaches stderr when it is not a
    // terminal (no progress line, no escape codes).
    assert_eq!(
        stderr(&from_file),
        "mcpspec: using config ../conf/mcpspec.toml"
    );
    // Relative paths of the file resolved against its directory, not the working directory.
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);

    let f = dir.join("flags");
    let p = |name: &str| f.join(name).to_str().unwrap().to_string();
    let from_flags = mcpspec_in(
        &elsewhere,
        &[
            "run",
            "--case",
            "ping",
            "--timeout-ms",
            "2000",
            "--fail-on",
            "should",
            "--client-capabilities",
            "roots",
            "--root",
            "file:///tmp/mcpspec-config-root",
            "--elicitation-reply",
            "decline",
            "--env",
            "MCPSPEC_CONFIG_TEST=1",
            "--out",
            &p("run"),
            "--json",
            &p("copy.json"),
            "--md",
            &p("reports/report.md"),
            "--junit",
            &p("reports/junit.xml"),
            "--sarif",
            &p("reports/report.sarif"),
            "--html",
            &p("reports/report.html"),
            "--",
            server,
            "--bug",
            BUG,
        ],
    );
    assert_eq!(from_flags.status.code(), Some(1), "{}", stderr(&from_flags));
    assert_eq!(stderr(&from_flags), "");
    assert_eq!(summary(&from_file), summary(&from_flags));

    let c = dir.join("conf");
    let by_file = report(&c.join("run/report.json"));
    assert_eq!(by_file, report(&f.join("run/report.json")));
    assert_eq!(by_file, report(&c.join("copy.json")));
    assert_eq!(by_file["target"]["env"]["MCPSPEC_CONFIG_TEST"], "1");
    assert!(
        by_file["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|case| case["outcome"] == "fail"),
        "the knob's failure is in the report"
    );
    // Each Markdown file is its own run's report rendered (and the reports are equal, above).
    for (base, out) in [(&c, &from_file), (&f, &from_flags)] {
        let rendered = mcpspec_in(
            &elsewhere,
            &[
                "render",
                base.join("run/report.json").to_str().unwrap(),
                "--format",
                "md",
            ],
        );
        assert_eq!(
            stdout(&rendered),
            read(&base.join("reports/report.md")),
            "{}",
            summary(out)
        );
    }
    assert_eq!(
        timeless(&read(&c.join("reports/report.md")))
            .lines()
            .count(),
        timeless(&read(&f.join("reports/report.md")))
            .lines()
            .count()
    );
    for name in ["junit.xml", "report.sarif", "report.html"] {
        assert!(c.join("reports").join(name).is_file(), "{name} written");
    }
    let sarif: Value = serde_json::from_str(&read(&c.join("reports/report.sarif"))).unwrap();
    let by_flags: Value = serde_json::from_str(&read(&f.join("reports/report.sarif"))).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"], by_flags["runs"][0]["results"],
        "the same findings"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flags_override_the_file() {
    let dir = scratch("override");
    let server = fixture_server();
    let server = server.to_str().unwrap();
    std::fs::write(
        dir.join("conf/mcpspec.toml"),
        format!(
            r#"[target]
command = [{}, "--bug", "{BUG}"]
[cases]
include = ["no.such.case"]
skip = ["oracle"]
[run]
timeout_ms = 2000
[outputs]
out = "run"
"#,
            toml_str(server)
        ),
    )
    .unwrap();
    let conf = dir.join("conf");
    // As written, the file selects nothing: exit 4.
    let out = mcpspec_in(&conf, &["run"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    // `--case` replaces the file's include list: the ping cases run, under the file's knob.
    let out = mcpspec_in(&conf, &["run", "--case", "ping"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(conf.join("run/report.json").is_file());
    // A command after `--` replaces the file's command (no knob: clean), and `--out` its out.
    let flag_out = dir.join("flag-out");
    let out = mcpspec_in(
        &conf,
        &[
            "run",
            "--case",
            "ping",
            "--out",
            flag_out.to_str().unwrap(),
            "--",
            server,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = report(&flag_out.join("report.json"));
    assert_eq!(written["target"]["command"], serde_json::json!([server]));
    assert_eq!(written["summary"]["totals"]["fail"], 0);
    // A `--url` replaces the file's whole stdio target: nothing listens on port 1, exit 3.
    let out = mcpspec_in(
        &conf,
        &["run", "--case", "ping", "--url", "http://127.0.0.1:1/mcp"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_file_is_one_line_naming_file_line_and_key() {
    let dir = scratch("bad");
    let conf = dir.join("conf");
    let cases: &[(&str, &str, &str)] = &[
        // unknown key in a table
        (
            "[target]\ncommand = [\"x\"]\n\n[run]\ntimeout_msec = 5\n",
            "mcpspec.toml:5:",
            "run.timeout_msec",
        ),
        // unknown table
        ("[output]\nmd = \"r.md\"\n", "mcpspec.toml:1:", "output"),
        // wrong type
        (
            "[target]\ncommand = [\"x\"]\n[run]\njobs = \"four\"\n",
            "mcpspec.toml:4:",
            "run.jobs",
        ),
        // out of the flag's range
        (
            "[run]\n\ntimeout_ms = 0\n",
            "mcpspec.toml:3:",
            "run.timeout_ms",
        ),
        // not one of the choices
        (
            "[client]\nsampling_reply = \"yes\"\n",
            "mcpspec.toml:2:",
            "client.sampling_reply",
        ),
    ];
    for (text, place, key) in cases {
        std::fs::write(conf.join("mcpspec.toml"), text).unwrap();
        let out = mcpspec_in(&conf, &["run"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(place), "{place} in {err}");
        assert!(err.contains(key), "{key} in {err}");
    }
    // A named file that does not exist is the same kind of error.
    let out = mcpspec_in(&conf, &["run", "--config", "nope.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope.toml"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn relative_paths_resolve_against_the_file_and_the_file_is_announced() {
    let dir = scratch("relative");
    let conf = dir.join("conf");
    std::fs::create_dir_all(conf.join("bin")).unwrap();
    std::fs::create_dir_all(conf.join("work")).unwrap();
    std::fs::copy(fixture_server(), conf.join("bin/server")).unwrap();
    // The baseline accepts the knob's failure: found relative to the file, the run passes.
    std::fs::write(
        conf.join("baseline.json"),
        r#"{"format_version": 1, "expected": [{"case": "ping", "reason": "known"}]}"#,
    )
    .unwrap();
    std::fs::write(
        conf.join("mcpspec.toml"),
        format!(
            "[target]\ncommand = [\"bin/server\", \"--bug\", \"{BUG}\"]\ncwd = \"work\"\n\
             [cases]\ninclude = [\"ping\"]\n[run]\ntimeout_ms = 2000\nbaseline = \"baseline.json\"\n\
             [outputs]\nout = \"run\"\nmd = \"report.md\"\n"
        ),
    )
    .unwrap();
    let out = mcpspec_in(
        &dir.join("elsewhere"),
        &["run", "--config", "../conf/mcpspec.toml"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = report(&conf.join("run/report.json"));
    let conf_abs = std::path::absolute(&conf).unwrap();
    let command0 = written["target"]["command"][0].as_str().unwrap();
    assert!(
        Path::new(command0).is_absolute() && command0.ends_with("bin/server"),
        "{command0}"
    );
    let cwd = written["target"]["cwd"].as_str().unwrap();
    assert!(cwd.ends_with("conf/work"), "{cwd}");
    assert!(
        written["baseline"]["file"]
            .as_str()
            .unwrap()
            .ends_with("baseline.json")
    );
    assert!(read(&conf.join("report.md")).contains("baselined"));
    assert!(conf_abs.join("run/report.json").is_file());

    // In the file's own directory, without --config, ./mcpspec.toml is picked up, and the first
    // line of output says so.
    let out = mcpspec_in(&conf, &["run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let first = stderr(&out).lines().next().unwrap_or("").to_string();
    assert!(
        first.contains("using config mcpspec.toml from the current directory"),
        "{first}"
    );
    // --quiet silences it; --no-config ignores the file (and then no server is named).
    let out = mcpspec_in(&conf, &["run", "--quiet"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");
    let out = mcpspec_in(&conf, &["run", "--no-config"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no server given"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The example in the README's "Config file" section.
fn readme_example() -> String {
    let readme = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"));
    let section = readme
        .split("### Config file")
        .nth(1)
        .expect("a Config file section in the README");
    let start = section.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let len = section[start..].find("```").expect("the block's end");
    section[start..start + len].to_string()
}

#[test]
fn the_readme_example_is_a_valid_config() {
    let dir = scratch("readme");
    let conf = dir.join("conf");
    let example = readme_example();
    std::fs::write(conf.join("mcpspec.toml"), &example).unwrap();
    std::fs::write(
        conf.join("mcpspec-baseline.json"),
        r#"{"format_version": 1, "expected": []}"#,
    )
    .unwrap();
    // Every key is accepted and checked; the run then fails only because the example's server
    // does not exist next to the file: exit 3, and the error names that resolved path.
    let out = mcpspec_in(
        &dir.join("elsewhere"),
        &["run", "--config", "../conf/mcpspec.toml"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("conf/target/release/my-server"),
        "{}",
        stderr(&out)
    );

    // One misspelt key in it: exit 2, and the error points at that line.
    let line = example
        .lines()
        .position(|l| l.starts_with("timeout_ms"))
        .unwrap()
        + 1;
    std::fs::write(
        conf.join("mcpspec.toml"),
        example.replace("timeout_ms =", "timeout_msec ="),
    )
    .unwrap();
    let out = mcpspec_in(&conf, &["run"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "mcpspec.toml:{line}:1: run.timeout_msec: unknown field"
        )),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
