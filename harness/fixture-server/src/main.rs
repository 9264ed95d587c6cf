//! `mcpspec-fixture-server`: a reference MCP server for mcpspec's own tests, over stdio or, with
//! `--http ADDR`, over Streamable HTTP on a loopback address. By default it is a correct
//! 2025-06-18 server; each `--bug NAME` switches on one named misbehaviour so that test cases can
//! prove they detect it. It is not a general-purpose MCP server or SDK.
//!
//! This file holds only argument parsing and the stdio read loop. The loop never blocks on a slow
//! tool: long-running calls, requests to the client and the clock run on worker threads, and
//! every message leaves through one locked writer. The HTTP mode (`http/`) drives one server core
//! per MCP session in-process, with the same knobs; knobs about stdio framing and stdin
//! (`parse-each-read`, `ignore-stdin-close`) have no effect there, and the HTTP knobs (`http-…`,
//! and `auth-…` for `--require-bearer`) have none over stdio.

mod bugs;
mod features;
mod http;
mod input;
mod output;
mod protocol;
mod server;
mod shared;
mod workers;

use std::io::{self, Write};
use std::process;
use std::thread;
use std::time::Duration;

use bugs::{Bugs, KNOBS};
use input::Input;
use server::{Flow, Server};

const USAGE: &str = "\
Usage: mcpspec-fixture-server [--http ADDR [--require-bearer TOKEN]] [--bug NAME]...
                              [--list-bugs] [--help]

A reference MCP server (protocol 2025-06-18) speaking JSON-RPC over stdin/stdout, or over
Streamable HTTP with --http.

Options:
  --http ADDR    serve Streamable HTTP on loopback address ADDR (e.g. 127.0.0.1:0) at /mcp;
                 prints `listening on http://HOST:PORT/mcp` once bound and exits when stdin
                 reaches end of input; each MCP session is its own server with the same knobs
  --require-bearer TOKEN
                 with --http: every request to /mcp needs `Authorization: Bearer TOKEN`
                 (else 401, or 400 for a malformed header, with a WWW-Authenticate challenge);
                 the protected resource metadata is served at
                 /.well-known/oauth-protected-resource/mcp
  --bug NAME     switch on the named misbehaviour (repeatable)
  --list-bugs    print every bug knob with a one-line description
  -h, --help     print this help";

/// What the command line asks for.
enum Command {
    /// Serve over stdio, or over HTTP on the given address.
    Serve {
        /// Boxed: the knob set is large next to the other variants.
        bugs: Box<Bugs>,
        http: Option<String>,
        /// The token `--require-bearer` demands (HTTP only).
        bearer: Option<String>,
    },
    ListBugs,
    Help,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut bugs = Bugs::default();
    let mut http = None;
    let mut bearer = None;
    let mut list = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--list-bugs" => list = true,
            "--bug" => {
                let name = args.next().ok_or("--bug needs a knob name")?;
                bugs.enable(&name)?;
            }
            "--http" => http = Some(args.next().ok_or("--http needs an address")?),
            "--require-bearer" => {
                bearer = Some(args.next().ok_or("--require-bearer needs a token")?);
            }
            other => {
                if let Some(name) = other.strip_prefix("--bug=") {
                    bugs.enable(name)?;
                } else if let Some(addr) = other.strip_prefix("--http=") {
                    http = Some(addr.to_owned());
                } else if let Some(token) = other.strip_prefix("--require-bearer=") {
                    bearer = Some(token.to_owned());
                } else {
                    return Err(format!("unknown argument `{other}` (see --help)"));
                }
            }
        }
    }
    if bearer.as_deref() == Some("") {
        return Err("--require-bearer needs a non-empty token".into());
    }
    if bearer.is_some() && http.is_none() && !list {
        return Err("--require-bearer needs --http".into());
    }
    Ok(if list {
        Command::ListBugs
    } else {
        Command::Serve {
            bugs: Box::new(bugs),
            http,
            bearer,
        }
    })
}

fn main() {
    let command = match parse_args(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("mcpspec-fixture-server: {message}");
            process::exit(2);
        }
    };
    match command {
        Command::Help => println!("{USAGE}"),
        Command::ListBugs => {
            let mut stdout = io::stdout().lock();
            for (name, doc) in KNOBS {
                // A closed stdout (e.g. piped into `head`) is not worth an error.
                if writeln!(stdout, "{name:<37} {doc}").is_err() {
                    break;
                }
            }
        }
        Command::Serve { bugs, http, bearer } => {
            let enabled = bugs.enabled_names();
            if !enabled.is_empty() {
                eprintln!(
                    "mcpspec-fixture-server: bugs enabled: {}",
                    enabled.join(", ")
                );
            }
            process::exit(match http {
                Some(addr) => http::serve(&addr, *bugs, bearer),
                None => serve(*bugs),
            })
        }
    }
}

/// Runs the session on stdin/stdout and returns the exit status.
fn serve(bugs: Bugs) -> i32 {
    let mut server = Server::new(bugs, io::stdout());
    let mut input = Input::new(io::stdin().lock(), bugs.parse_each_read);
    if let Err(e) = server.start() {
        eprintln!("mcpspec-fixture-server: cannot write to stdout: {e}");
        return 1;
    }
    loop {
        let candidate = match input.next_candidate() {
            Ok(Some(candidate)) => candidate,
            Ok(None) => break,
            Err(e) => {
                eprintln!("mcpspec-fixture-server: cannot read stdin: {e}");
                return 1;
            }
        };
        match server.handle_candidate(&candidate) {
            Ok(Flow::Continue) => {}
            Ok(Flow::Exit(status)) => return status,
            Err(e) => {
                eprintln!("mcpspec-fixture-server: cannot write to stdout: {e}");
                return 1;
            }
        }
    }
    server.shutdown();
    if bugs.ignore_stdin_close {
        loop {
            thread::sleep(Duration::from_secs(3600));
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::{Command, parse_args};

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn bug_flags_in_both_spellings() {
        let Ok(Command::Serve {
            bugs, http: None, ..
        }) = parse(&["--bug", "slow-ping", "--bug=stringify-ids"])
        else {
            panic!("expected serve over stdio");
        };
        assert_eq!(bugs.enabled_names(), vec!["stringify-ids", "slow-ping"]);
    }

    #[test]
    fn http_address_in_both_spellings() {
        for args in [&["--http", "127.0.0.1:0"][..], &["--http=127.0.0.1:0"][..]] {
            let Ok(Command::Serve {
                http: Some(addr), ..
            }) = parse(args)
            else {
                panic!("expected serve over HTTP");
            };
            assert_eq!(addr, "127.0.0.1:0");
        }
        assert!(parse(&["--http"]).is_err());
    }

    #[test]
    fn require_bearer_in_both_spellings_and_only_with_http() {
        for args in [
            &["--http", "127.0.0.1:0", "--require-bearer", "s3cret"][..],
            &["--require-bearer=s3cret", "--http=127.0.0.1:0"][..],
        ] {
            let Ok(Command::Serve {
                bearer: Some(token),
                http: Some(_),
                ..
            }) = parse(args)
            else {
                panic!("expected serve over HTTP with a token");
            };
            assert_eq!(token, "s3cret");
        }
        assert!(parse(&["--http", "127.0.0.1:0", "--require-bearer"]).is_err());
        assert!(parse(&["--http", "127.0.0.1:0", "--require-bearer="]).is_err());
        assert!(parse(&["--require-bearer", "s3cret"]).is_err());
        let Ok(Command::Serve { bearer: None, .. }) = parse(&["--http", "127.0.0.1:0"]) else {
            panic!("no token unless asked for");
        };
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert!(parse(&["--bug"]).is_err());
        assert!(parse(&["--bug", "nope"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
        assert!(matches!(parse(&["--list-bugs"]), Ok(Command::ListBugs)));
        assert!(matches!(parse(&["--help"]), Ok(Command::Help)));
    }
}
