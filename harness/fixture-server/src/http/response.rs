//! Plain (non-streaming) HTTP/1.1 responses of the Streamable HTTP mode: status line, headers,
//! a sized body and a JSON-RPC error body, plus the lingering close every connection ends with.
//! It does not decide which status to send, and it does not write event streams (`sse.rs`).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use serde_json::json;

/// How long the closing connection waits for the client to stop sending.
const LINGER: Duration = Duration::from_secs(2);
/// Most bytes read and thrown away while closing.
const LINGER_BYTES: usize = 8 * 1024 * 1024;

/// The reason phrase for `status`.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        _ => "Unknown",
    }
}

/// The bytes of a response with a sized body. `Content-Type` is sent when `content_type` is
/// given; `Connection: close` always.
pub fn encode(
    status: u16,
    headers: &[(&str, &str)],
    content_type: Option<&str>,
    body: &[u8],
) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    if let Some(content_type) = content_type {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Writes a response with a sized body. Errors mean the client is gone and are ignored.
pub fn send(
    mut stream: &TcpStream,
    status: u16,
    headers: &[(&str, &str)],
    content_type: Option<&str>,
    body: &[u8],
) {
    let _ = stream.write_all(&encode(status, headers, content_type, body));
}

/// Borrows owned header values as the `(name, value)` pairs [`send`] takes.
pub fn pairs<'a>(headers: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    headers
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

/// A JSON-RPC error object with a null id, as the body of a transport-level refusal.
pub fn error_body(code: i64, message: &str) -> Vec<u8> {
    json!({ "jsonrpc": "2.0", "id": null, "error": { "code": code, "message": message } })
        .to_string()
        .into_bytes()
}

/// Writes `status` with a JSON-RPC error body and any extra `headers`.
pub fn error(stream: &TcpStream, status: u16, code: i64, message: &str, headers: &[(&str, &str)]) {
    let body = error_body(code, message);
    send(stream, status, headers, Some("application/json"), &body);
}

/// Ends the connection: no more output, then reads and drops whatever the client still sends
/// (for a short while), so that closing does not reset a connection the client is still
/// writing to before it has read the response.
pub fn finish(mut stream: &TcpStream) {
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(LINGER));
    let mut sink = [0u8; 8192];
    let mut drained = 0;
    while drained < LINGER_BYTES {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{encode, error_body};
    use serde_json::{Value, json};

    #[test]
    fn sized_responses_close_the_connection() {
        let bytes = encode(405, &[("Allow", "GET, POST, DELETE")], None, b"");
        let text = String::from_utf8(bytes).expect("ASCII");
        assert_eq!(
            text,
            "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, POST, DELETE\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn error_bodies_are_json_rpc_errors_with_null_id() {
        let body: Value = serde_json::from_slice(&error_body(-32700, "parse error")).expect("JSON");
        assert_eq!(
            body,
            json!({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}})
        );
    }
}
