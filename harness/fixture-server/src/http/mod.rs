//! Streamable HTTP mode (MCP 2025-06-18 transport) of the fixture server: a loopback listener
//! with one thread and one request per connection, the single endpoint `/mcp`, the checks every
//! request passes (authorization, origin, protocol version header), and the GET and DELETE
//! methods. POST is in `post.rs`, request parsing in `request.rs`, responses in `response.rs`
//! and `sse.rs`, the sessions with their server cores in `sessions.rs`, the writer that cuts a
//! core's output into messages in `writer.rs`, the routing of those messages to streams in
//! `routes.rs`, resumption in `resume.rs`, `--require-bearer` in `auth.rs` and the
//! `http-legacy-only` knob in `legacy.rs`.
//!
//! An `MCP-Protocol-Version` header is accepted when it names a version the server core
//! supports or the version negotiated for the session the request names (an absent header is
//! accepted too); any other value gets 400.
//!
//! Resumption: every event carries a session-wide id, and a session keeps its last
//! [`resume::HISTORY_CAP`] events. A client that drops a POST's event stream does not cancel
//! the request: its progress and response are kept for that stream. A GET with
//! `Last-Event-ID: N`, where N is a kept event of one of the session's POST streams, gets that
//! stream's later events under their original ids, then its live ones, and the stream closes
//! after the response. Such a GET is not the session's standalone stream (no 409 beside it); a
//! second resumption of the same stream takes over from the first. A `Last-Event-ID` that is
//! not a number, is unknown to the session (or no longer kept), or names an event of the GET
//! stream is ignored: the GET opens the standalone stream as if the header were absent.
//!
//! It is not a general HTTP server: no TLS, no keep-alive, no resumption of the standalone GET
//! stream, nothing but `/mcp` (and, with `--require-bearer`, its protected resource metadata).

mod auth;
mod legacy;
mod post;
mod request;
mod response;
mod resume;
mod routes;
mod sessions;
mod sse;
mod writer;

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::process;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::bugs::Bugs;
use crate::protocol::INVALID_REQUEST;
use crate::server::SUPPORTED_VERSIONS;
use auth::{Auth, Verdict};
use request::{Conn, Head, ReadError};
use routes::GetRefused;
use serde_json::Value;
use sessions::{Session, Sessions};

/// The one endpoint path.
pub const PATH: &str = "/mcp";
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

/// What one listener serves.
struct Endpoint {
    sessions: Sessions,
    /// Set by `--require-bearer`.
    auth: Option<Auth>,
}

/// Serves MCP over Streamable HTTP on `addr` until stdin ends; returns the exit status. With
/// `bearer`, every request to `/mcp` needs `Authorization: Bearer <bearer>`.
pub fn serve(addr: &str, bugs: Bugs, bearer: Option<String>) -> i32 {
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
    let local = match listener.local_addr() {
        Ok(local) => local,
        Err(e) => {
            eprintln!("mcpspec-fixture-server: cannot read the bound address: {e}");
            return 1;
        }
    };
    let announced = {
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "listening on http://{local}{PATH}").and_then(|()| stdout.flush())
    };
    if let Err(e) = announced {
        eprintln!("mcpspec-fixture-server: cannot write to stdout: {e}");
        return 1;
    }
    exit_when_stdin_ends();
    let endpoint = Arc::new(Endpoint {
        sessions: Sessions::new(bugs),
        auth: bearer.map(|token| Auth::new(token, local, bugs)),
    });
    for connection in listener.incoming() {
        let stream = match connection {
            Ok(stream) => stream,
            Err(e) => {
                eprintln!("mcpspec-fixture-server: accept failed: {e}");
                thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let endpoint = Arc::clone(&endpoint);
        let spawned = thread::Builder::new()
            .name("http-connection".into())
            .spawn(move || connection_thread(&stream, &endpoint));
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

fn connection_thread(stream: &TcpStream, endpoint: &Endpoint) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let mut conn = Conn::new(stream);
    handle(&mut conn, stream, endpoint);
    response::finish(stream);
}

/// Reads one request from `conn` and answers it on `stream`.
fn handle(conn: &mut Conn<&TcpStream>, stream: &TcpStream, endpoint: &Endpoint) {
    let sessions = &endpoint.sessions;
    let bugs = sessions.bugs();
    let head = match conn.read_head() {
        Ok(head) => head,
        Err(ReadError::Closed) => return,
        Err(ReadError::Status(status, message)) => {
            return response::error(stream, status, INVALID_REQUEST, message, &[]);
        }
    };
    if let Some(auth) = &endpoint.auth
        && head.path == auth::METADATA_PATH
    {
        return auth.serve_metadata(stream, &head);
    }
    if head.path != PATH {
        return response::error(stream, 404, INVALID_REQUEST, "not found", &[]);
    }
    if let Some(auth) = &endpoint.auth
        && let Verdict::Refused {
            status,
            challenge,
            message,
        } = auth.check(&head, sessions)
    {
        return auth::refuse(stream, status, challenge.as_deref(), message);
    }
    let (allowed, allow) = if bugs.http_legacy_only {
        (head.method == "GET", legacy::ALLOW)
    } else {
        (
            matches!(head.method.as_str(), "GET" | "POST" | "DELETE"),
            ALLOW,
        )
    };
    if !allowed {
        let allow = [("Allow", allow)];
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
        && !bugs.http_no_origin_check
    {
        return response::error(stream, 403, INVALID_REQUEST, "origin not allowed", &[]);
    }
    if bugs.http_legacy_only {
        return legacy::get(stream, &head);
    }
    let version = head.header("mcp-protocol-version");
    if let Some(version) = version
        && !bugs.http_version_header_ignored
        && !version_accepted(version, &head, sessions)
    {
        let message = "unsupported MCP-Protocol-Version header";
        return response::error(stream, 400, INVALID_REQUEST, message, &[]);
    }
    if version.is_none() && bugs.http_version_header_required && !is_initialize(&head, &body) {
        let message = "missing MCP-Protocol-Version header";
        return response::error(stream, 400, INVALID_REQUEST, message, &[]);
    }
    match head.method.as_str() {
        "POST" => post::handle(stream, &head, &body, sessions),
        "GET" => get(stream, &head, sessions),
        _ => delete(stream, &head, sessions),
    }
}

/// True when the `MCP-Protocol-Version` value `version` names a version the server core
/// supports, or the version negotiated for the live session that `Mcp-Session-Id` names.
fn version_accepted(version: &str, head: &Head, sessions: &Sessions) -> bool {
    SUPPORTED_VERSIONS.contains(&version)
        || head
            .header("mcp-session-id")
            .and_then(|id| sessions.get(id))
            .is_some_and(|session| session.version() == Some(version))
}

/// True for a POST whose body is an `initialize` request.
fn is_initialize(head: &Head, body: &[u8]) -> bool {
    head.method == "POST"
        && serde_json::from_slice::<Value>(body)
            .is_ok_and(|v| v.get("method").and_then(Value::as_str) == Some("initialize"))
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
        if sessions.bugs().http_unknown_session_400 && !sessions.was_issued(id) {
            response::error(stream, 400, INVALID_REQUEST, "unknown session id", &[]);
        } else {
            response::error(stream, 404, INVALID_REQUEST, "session not found", &[]);
        }
    }
    session
}

/// Extra header fields for a response served by `session`: under `http-session-id-changes` a
/// new id for it.
fn session_headers(sessions: &Sessions, session: &Arc<Session>) -> Vec<(&'static str, String)> {
    if sessions.bugs().http_session_id_changes {
        vec![("Mcp-Session-Id", sessions.alias(session))]
    } else {
        Vec::new()
    }
}

/// GET: the session's stream for messages outside any request, or with `Last-Event-ID` the
/// resumption of a POST stream.
fn get(stream: &TcpStream, head: &Head, sessions: &Sessions) {
    if !head.accepts("text/event-stream") {
        let message = "GET needs Accept: text/event-stream";
        return response::error(stream, 406, INVALID_REQUEST, message, &[]);
    }
    let Some(session) = session_of(stream, head, sessions) else {
        return;
    };
    let bugs = sessions.bugs();
    let extra = session_headers(sessions, &session);
    if bugs.http_get_json {
        let headers = response::pairs(&extra);
        return response::send(stream, 200, &headers, Some("application/json"), b"{}");
    }
    if let Some(last) = resume::last_event_id(head)
        && resume::serve(stream, &session, sessions, last, &extra)
    {
        return;
    }
    match session.open_get() {
        Ok((id, rx)) => {
            let _ = sse::pump(stream, &rx, &sse::Style::new(&bugs, false, extra));
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
    let Some(session) = session_of(stream, head, sessions) else {
        return;
    };
    let bugs = sessions.bugs();
    if bugs.http_delete_500 {
        let message = "the session could not be ended";
        return response::error(stream, 500, crate::protocol::INTERNAL_ERROR, message, &[]);
    }
    let extra = session_headers(sessions, &session);
    if !bugs.http_ended_session_served {
        sessions.end(&session);
    }
    response::send(stream, 200, &response::pairs(&extra), None, b"");
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
