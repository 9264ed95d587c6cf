//! Shared helpers for the harness's integration tests: locating (and if needed building) the
//! fixture server binary, run configurations for it, the check that no server process was left
//! behind, and reading one request in the small hostile HTTP servers of the tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use mcpspec_harness::{RunConfig, StdioSpec, Target};

/// The fixture server binary, built on first use if the test run did not build it already.
pub fn fixture_path() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        // tests run from target/<profile>/deps/<test-binary>
        let exe = std::env::current_exe().expect("test binary path");
        let dir = exe
            .parent()
            .and_then(|p| p.parent())
            .expect("target profile dir");
        let bin = dir.join("mcpspec-fixture-server");
        if !bin.exists() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = std::process::Command::new(cargo)
                .args(["build", "-p", "mcpspec-fixture-server"])
                .status()
                .expect("run cargo build for the fixture server");
            assert!(status.success(), "building the fixture server failed");
        }
        assert!(
            bin.exists(),
            "fixture server not found at {}",
            bin.display()
        );
        bin
    })
    .clone()
}

/// A run configuration against the fixture server with these bug knobs.
pub fn fixture_config(bugs: &[&str]) -> RunConfig {
    let mut args = Vec::new();
    for b in bugs {
        args.push("--bug".to_string());
        args.push(b.to_string());
    }
    let mut config = RunConfig::new(Target::Stdio(StdioSpec {
        program: fixture_path().display().to_string(),
        args,
        env: Vec::new(),
        cwd: None,
    }));
    config.timeout_ms = 2000;
    config.shutdown_grace_ms = 1000;
    config
}

/// A run configuration for an arbitrary program.
pub fn program_config(program: &str, args: &[&str]) -> RunConfig {
    let mut config = RunConfig::new(Target::Stdio(StdioSpec {
        program: program.to_string(),
        args: args.iter().map(|s| s.to_string()).collect(),
        env: Vec::new(),
        cwd: None,
    }));
    config.timeout_ms = 1000;
    config.startup_ms = 1000;
    config.shutdown_grace_ms = 300;
    config
}

/// The knob names the fixture server knows (`--list-bugs`).
pub fn fixture_knobs() -> Vec<String> {
    let out = std::process::Command::new(fixture_path())
        .arg("--list-bugs")
        .output()
        .expect("run the fixture server with --list-bugs");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Pids of live processes whose command line contains `marker`.
pub fn processes_with(marker: &str) -> Vec<u32> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in entries.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let Ok(cmdline) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if text.contains(marker) {
            // Zombies have an empty cmdline; a non-empty one is a live process.
            found.push(pid);
        }
    }
    found
}

/// A server process listening on a loopback HTTP port, killed when dropped.
pub struct HttpServer {
    child: std::process::Child,
    /// The MCP endpoint.
    pub url: String,
}

impl HttpServer {
    /// Starts `program args` with `env`, where `{port}` in any argument or env value is replaced
    /// by a free loopback port, and waits (at most 30 s) until the port accepts connections.
    pub fn start(program: &str, args: &[&str], env: &[(&str, &str)], path: &str) -> HttpServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port()
            .to_string();
        let fill = |s: &str| s.replace("{port}", &port);
        let child = std::process::Command::new(program)
            .args(args.iter().map(|a| fill(a)))
            .envs(env.iter().map(|(k, v)| (k.to_string(), fill(v))))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the HTTP server");
        let server = HttpServer {
            child,
            url: format!("http://127.0.0.1:{port}{path}"),
        };
        let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("address");
        let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(200))
            .is_err()
        {
            assert!(
                std::time::Instant::now() < until,
                "{program} did not listen on {addr} within 30 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        server
    }

    /// A run configuration against this server.
    pub fn config(&self) -> RunConfig {
        RunConfig::new(Target::Http(mcpspec_harness::HttpSpec {
            url: self.url.clone(),
            headers: Vec::new(),
        }))
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Panics unless every process whose command line holds `marker` is gone within two seconds
/// (reaping is immediate after the kill; the kernel may take a moment to tear a group down).
pub fn assert_no_process(marker: &str) {
    for _ in 0..100 {
        if processes_with(marker).is_empty() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("processes left behind: {:?}", processes_with(marker));
}

/// Reads one HTTP/1.1 request (head and body) from a test's hostile server: the body as JSON,
/// `Value::Null` when it is empty or not JSON, `None` when the client went away first.
pub fn read_http_request(stream: &mut std::net::TcpStream) -> Option<serde_json::Value> {
    use std::io::Read;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 || head.len() > 65536 {
            return None;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let len: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len.min(1 << 20)];
    stream.read_exact(&mut body).ok()?;
    Some(serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
}
