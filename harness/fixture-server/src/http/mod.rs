//! Streamable HTTP mode (MCP 2025-06-18 transport) of the fixture server: a loopback listener
//! with one thread and one request per connection, the single endpoint `/mcp`, the checks every
//! request passes (origin, protocol version header), and the GET and DELETE methods. POST is in
//! `post.rs`, request parsing in `request.rs`, responses in `response.rs` and `sse.rs`, and the
//! sessions with their server cores and message routing in `sessions.rs`.
//!
//! It is not a general HTTP server: no TLS, no keep-alive, no resumption (`Last-Event-ID` is
//! ignored), nothing but `/mcp`.

mod post;
mod request;
mod response;
mod sessions;
mod sse;

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::process;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::bugs::Bugs;
use crate::protocol::INVALID_REQUEST;
use request::{Conn, Head, ReadError};
use sessions::{GetRefused, Session, Sessions};

/// The one endpoint path.
pub const PATH: &str = "/mcp";
/// `MCP-Protocol-Version` values accepted (an absent header is accepted too).
pub const HEADER_VERSIONS: [&str; 2] = ["2025-06-18", "2025-03-26"];
/// How long a read from a client may wait.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a write to a client may wait.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// The methods `/mcp` serves, for `Allow`.
const ALLOW: &str = "GET, POST, DELETE";

/// Resolves `addr` to a loopback socket address: an IP literal with port, or `localhost:PORT`.
pub fn loopback_addr(addr: &str) -> Result<SocketAddr, String> {
    let parsed = match addr.parse::<SocketAddr>() {
        Ok(parsed) => parsed,
        Err(_) => match addr.rsplit_once(':') {
            Some((host, port)) if host.eq_ignore_ascii_case("localhost") => {
                let port = port
                    .parse::<u16>()
                    .map_err(|_| format!("invalid port in `{addr}`"))?;
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
            }
            _ => return Err(format!("`{addr}` is not an IP address with a port")),
        },
    };
    if !parsed.ip().is_loopback() {
        return Err(format!(
            "refusing to listen on `{addr}`: only loopback addresses are allowed"
        ));
    }
    Ok(parsed)
}

/// Serves MCP over Streamable HTTP on `addr` until stdin ends; returns the exit status.
pub fn serve(addr: &str, bugs: Bugs) -> i32 {
    let addr = match loopback_addr(addr) {
        Ok(addr) => addr,
        Err(message) => {
            eprintln!("mcpspec-fixture-server: {message}");
            return 2;
        }
    };
    let listener = match TcpListener::bind(addr) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("mcpspec-fixture-server: cannot listen on {addr}: {e}");
            return 1;
        }
    };
    let announced = listener.local_addr().and_then(|local| {
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "listening on http://{local}{PATH}")?;
        stdout.flush()
    });
    if let Err(e) = announced {
        eprintln!("mcpspec-fixture-server: cannot write to stdout: {e}");
        return 1;
    }
    exit_when_stdin_ends();
    let sessions = Arc::new(Sessions::new(bugs));
    for connection in listener.incoming() {
        let stream = match connection {
            Ok(stream) => stream,
            Err(e) => {
                eprintln!("mcpspec-fixture-server: accept failed: {e}");
                thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let sessions = Arc::clone(&sessions);
        let spawned = thread::Builder::new()
            .name("http-connection".into())
            .spawn(move || connection_thread(&stream, &sessions));
        if let Err(e) = spawned {
            eprintln!("mcpspec-fixture-server: cannot start a connection thread: {e}");
        }
    }
    0
}

/// Reads stdin to its end on a thread, then exits the process: a parent that closes stdin or
/// dies takes the server with it.
fn exit_when_stdin_ends() {
    thread::spawn(|| {
        let mut sink = [0u8; 4096];
        let mut stdin = io::stdin().lock();
        loop {
            match stdin.read(&mut sink) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        process::exit(0);
    });
}

fn connection_thread(stream: &TcpStream, sessions: &Sessions) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let mut conn = Conn::new(stream);
    handle(&mut conn, stream, sessions);
    response::finish(stream);
}

/// Reads one request from `conn` and answers it on `stream`.
fn handle(conn: &mut Conn<&TcpStream>, stream: &TcpStream, sessions: &Sessions) {
    let head = match conn.read_head() {
        Ok(head) => head,
        Err(ReadError::Closed) => return,
        Err(ReadError::Status(status, message)) => {
            return response::error(stream, status, INVALID_REQUEST, message, &[]);
        }
    };
    if head.path != PATH {
        return response::error(stream, 404, INVALID_REQUEST, "not found", &[]);
    }
    if !matches!(head.method.as_str(), "GET" | "POST" | "DELETE") {
        let allow = [("Allow", ALLOW)];
        return response::error(stream, 405, INVALID_REQUEST, "method not allowed", &allow);
    }
    let body = match conn.read_body(&head, head.method == "POST") {
        Ok(body) => body,
        Err(ReadError::Closed) => return,
        Err(ReadError::Status(status, message)) => {
            return response::error(stream, status, INVALID_REQUEST, message, &[]);
        }
    };
    if let Some(origin) = head.header("origin")
        && !local_origin(origin)
    {
        return response::error(stream, 403, INVALID_REQUEST, "origin not allowed", &[]);
    }
    if let Some(version) = head.header("mcp-protocol-version")
        && !HEADER_VERSIONS.contains(&version)
    {
        let message = "unsupported MCP-Protocol-Version header";
        return response::error(stream, 400, INVALID_REQUEST, message, &[]);
    }
    match head.method.as_str() {
        "POST" => post::handle(stream, &head, &body, sessions),
        "GET" => get(stream, &head, sessions),
        _ => delete(stream, &head, sessions),
    }
}

/// True for an `Origin` on this machine: http(s) with host `localhost`, a 127.x address or
/// `[::1]`, and an optional port.
fn local_origin(origin: &str) -> bool {
    let Some(authority) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((host, rest)) => (host, rest),
            None => return false,
        },
        None => match authority.find(':') {
            Some(colon) => (&authority[..colon], &authority[colon..]),
            None => (authority, ""),
        },
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || host.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback());
    port_ok && host_ok
}

/// The session named by `Mcp-Session-Id`; on failure the 400 or 404 has been answered.
fn session_of(stream: &TcpStream, head: &Head, sessions: &Sessions) -> Option<Arc<Session>> {
    let Some(id) = head.header("mcp-session-id") else {
        response::error(stream, 400, INVALID_REQUEST, "missing session id", &[]);
        return None;
    };
    let session = sessions.get(id);
    if session.is_none() {
        response::error(stream, 404, INVALID_REQUEST, "session not found", &[]);
    }
    session
}

/// GET: the session's stream for messages outside any request.
fn get(stream: &TcpStream, head: &Head, sessions: &Sessions) {
    if !head.accepts("text/event-stream") {
        let message = "GET needs Accept: text/event-stream";
        return response::error(stream, 406, INVALID_REQUEST, message, &[]);
    }
    let Some(session) = session_of(stream, head, sessions) else {
        return;
    };
    match session.open_get() {
        Ok((id, rx)) => {
            let _ = sse::pump(stream, &rx);
            session.close_stream(id);
        }
        Err(GetRefused::Conflict) => {
            let message = "the session already has a GET stream";
            response::error(stream, 409, INVALID_REQUEST, message, &[]);
        }
        Err(GetRefused::Gone) => {
            response::error(stream, 404, INVALID_REQUEST, "session not found", &[]);
        }
    }
}

/// DELETE: ends the session.
fn delete(stream: &TcpStream, head: &Head, sessions: &Sessions) {
    if let Some(session) = session_of(stream, head, sessions) {
        sessions.end(&session);
        response::send(stream, 200, &[], None, b"");
    }
}

#[cfg(test)]
mod tests {
    use super::{local_origin, loopback_addr};

    #[test]
    fn only_loopback_addresses_are_accepted() {
        assert!(loopback_addr("127.0.0.1:0").is_ok());
        assert!(loopback_addr("127.1.2.3:80").is_ok());
        assert!(loopback_addr("[::1]:0").is_ok());
        assert_eq!(
            loopback_addr("localhost:8080").map(|a| a.to_string()),
            Ok("127.0.0.1:8080".into())
        );
        for bad in [
            "0.0.0.0:0",
            "192.168.1.2:80",
            "[::]:0",
            "example.com:80",
            "127.0.0.1",
        ] {
            assert!(loopback_addr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn local_origins() {
        for ok in [
            "http://localhost",
            "http://localhost:3000",
            "https://127.0.0.1:8",
            "http://[::1]:9",
        ] {
            assert!(local_origin(ok), "{ok}");
        }
        for bad in [
            "null",
            "http://evil.example",
            "http://localhost.evil.example",
            "http://127.0.0.1:x",
            "file://localhost",
            "http://[::2]",
        ] {
            assert!(!local_origin(bad), "{bad}");
        }
    }
}
