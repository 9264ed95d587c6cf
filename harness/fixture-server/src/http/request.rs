//! HTTP/1.1 request reading for the Streamable HTTP mode: the request line, the header section
//! (capped), and a body sized by `Content-Length` or sent with chunked coding (capped), plus
//! helpers for the headers the transport looks at. It is not routing and knows nothing of MCP.

use std::io::{self, Read, Write};

/// Largest header section accepted (request line included).
pub const MAX_HEAD: usize = 64 * 1024;
/// Largest body accepted.
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// Longest line inside a chunked body (a chunk size, or a trailer field).
const MAX_CHUNK_LINE: usize = 4096;

/// Why no request could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The client went away (or never sent anything): nothing to answer.
    Closed,
    /// Answer with this status and message.
    Status(u16, &'static str),
}

fn bad(message: &'static str) -> ReadError {
    ReadError::Status(400, message)
}

/// The request line and headers of one request.
#[derive(Debug, Clone)]
pub struct Head {
    /// The method, as sent (methods are case-sensitive).
    pub method: String,
    /// The path of the request target, without query.
    pub path: String,
    /// The query of the request target (after `?`, before any `#`), empty when there is none.
    pub query: String,
    /// Header fields with lowercased names, in order.
    headers: Vec<(String, String)>,
}

impl Head {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name` (lowercase), in order.
    pub fn headers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The items of a comma-separated list header (all its fields), trimmed, empty ones
    /// skipped.
    pub fn list<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers(name)
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|item| !item.is_empty())
    }

    /// True when the `Accept` header lists `media` (as `type/subtype`), `type/*` or `*/*`.
    pub fn accepts(&self, media: &str) -> bool {
        let family = media.split('/').next().unwrap_or_default();
        self.list("accept").any(|range| {
            let range = media_type(range);
            range == media || range == "*/*" || range == format!("{family}/*")
        })
    }
}

/// The media type of a `Content-Type` or `Accept` item: what precedes any parameters,
/// lowercased.
pub fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Reads one request from a connection, keeping bytes read past what has been used.
pub struct Conn<S> {
    stream: S,
    buf: Vec<u8>,
}

impl<S: Read + Write> Conn<S> {
    /// A reader over `stream` (whose read timeout bounds every wait).
    pub fn new(stream: S) -> Self {
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    /// Reads more bytes into the buffer; 0 at end of input.
    fn fill(&mut self) -> Result<usize, ReadError> {
        let mut chunk = [0u8; 8192];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(ReadError::Status(408, "request timed out"));
                }
                Err(_) => return Err(ReadError::Closed),
            }
        }
    }

    /// Reads and parses the request line and header section.
    pub fn read_head(&mut self) -> Result<Head, ReadError> {
        loop {
            if let Some((head_end, body_start)) = head_end(&self.buf) {
                if body_start > MAX_HEAD {
                    return Err(ReadError::Status(431, "request header section too large"));
                }
                let head = parse_head(&self.buf[..head_end]);
                self.buf.drain(..body_start);
                return head;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(ReadError::Status(431, "request header section too large"));
            }
            if self.fill()? == 0 {
                return Err(if self.buf.trim_ascii().is_empty() {
                    ReadError::Closed
                } else {
                    bad("incomplete request head")
                });
            }
        }
    }

    /// Reads the body `head` announces. Without `Content-Length` or `Transfer-Encoding` the
    /// body is empty, unless `required`, which makes that a 411.
    pub fn read_body(&mut self, head: &Head, required: bool) -> Result<Vec<u8>, ReadError> {
        let codings: Vec<&str> = head.list("transfer-encoding").collect();
        if let Some(last) = codings.last() {
            if !last.eq_ignore_ascii_case("chunked") {
                return Err(ReadError::Status(501, "unsupported transfer coding"));
            }
            self.continue_if_expected(head)?;
            return self.read_chunked();
        }
        let mut length = None;
        for value in head.list("content-length") {
            if !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("invalid Content-Length"));
            }
            // Too many digits for usize is certainly too large.
            let n = value.parse::<usize>().unwrap_or(usize::MAX);
            if length.is_some_and(|known| known != n) {
                return Err(bad("conflicting Content-Length values"));
            }
            length = Some(n);
        }
        let Some(length) = length else {
            return if required {
                Err(ReadError::Status(411, "Content-Length required"))
            } else {
                Ok(Vec::new())
            };
        };
        if length > MAX_BODY {
            return Err(ReadError::Status(413, "request body too large"));
        }
        if length > self.buf.len() {
            self.continue_if_expected(head)?;
        }
        while self.buf.len() < length {
            if self.fill()? == 0 {
                return Err(bad("request body ended early"));
            }
        }
        let rest = self.buf.split_off(length);
        Ok(std::mem::replace(&mut self.buf, rest))
    }

    /// Answers `Expect: 100-continue` before reading a body the client holds back.
    fn continue_if_expected(&mut self, head: &Head) -> Result<(), ReadError> {
        if head
            .list("expect")
            .any(|e| e.eq_ignore_ascii_case("100-continue"))
        {
            self.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .map_err(|_| ReadError::Closed)?;
        }
        Ok(())
    }

    /// One line (without its line ending) of at most `limit` bytes.
    fn read_line(&mut self, limit: usize) -> Result<Vec<u8>, ReadError> {
        loop {
            if let Some(end) = self.buf.iter().position(|b| *b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.buf.len() > limit {
                return Err(bad("line too long in chunked body"));
            }
            if self.fill()? == 0 {
                return Err(bad("chunked body ended early"));
            }
        }
    }

    fn read_chunked(&mut self) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line(MAX_CHUNK_LINE)?;
            let line = String::from_utf8_lossy(&line);
            let size = line.split(';').next().unwrap_or_default().trim();
            if size.is_empty() || !size.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad("invalid chunk size"));
            }
            let size = usize::from_str_radix(size, 16).unwrap_or(usize::MAX);
            if size == 0 {
                // Trailer fields are read and ignored.
                while !self.read_line(MAX_CHUNK_LINE)?.is_empty() {}
                return Ok(body);
            }
            if size > MAX_BODY - body.len() {
                return Err(ReadError::Status(413, "request body too large"));
            }
            while self.buf.len() < size {
                if self.fill()? == 0 {
                    return Err(bad("chunked body ended early"));
                }
            }
            body.extend(self.buf.drain(..size));
            if !self.read_line(2)?.is_empty() {
                return Err(bad("chunk not followed by a line ending"));
            }
        }
    }
}

/// Where the header section in `buf` ends (before its final blank line) and where the body
/// starts. Lines may end in CRLF or LF.
fn head_end(buf: &[u8]) -> Option<(usize, usize)> {
    // Blank lines before the request line are skipped, as RFC 9112 allows.
    let skip = buf
        .iter()
        .position(|b| *b != b'\r' && *b != b'\n')
        .unwrap_or(buf.len());
    for (i, byte) in buf.iter().enumerate().skip(skip) {
        if *byte != b'\n' {
            continue;
        }
        match &buf[i + 1..] {
            [b'\n', ..] => return Some((i, i + 2)),
            [b'\r', b'\n', ..] => return Some((i, i + 3)),
            _ => {}
        }
    }
    None
}

/// Parses the request line and header fields.
fn parse_head(bytes: &[u8]) -> Result<Head, ReadError> {
    let mut lines = bytes
        .trim_ascii_start()
        .split(|b| *b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let request_line = lines.next().unwrap_or_default();
    let request_line =
        std::str::from_utf8(request_line).map_err(|_| bad("request line is not ASCII"))?;
    let parts: Vec<&str> = request_line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(bad("malformed request line"));
    };
    if !is_token(method) {
        return Err(bad("malformed method"));
    }
    if !matches!(version, "HTTP/1.1" | "HTTP/1.0") {
        return Err(bad("unsupported HTTP version"));
    }
    if target.is_empty() || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(bad("malformed request target"));
    }
    let mut headers = Vec::new();
    for line in lines {
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            return Err(bad("folded header lines are not allowed"));
        }
        let colon = line
            .iter()
            .position(|b| *b == b':')
            .ok_or(bad("header line without a colon"))?;
        let name = std::str::from_utf8(&line[..colon])
            .ok()
            .filter(|name| is_token(name))
            .ok_or(bad("malformed header name"))?;
        let value = line[colon + 1..].trim_ascii();
        if value
            .iter()
            .any(|b| (*b < b' ' && *b != b'\t') || *b == 0x7f)
        {
            return Err(bad("control character in a header value"));
        }
        headers.push((
            name.to_ascii_lowercase(),
            String::from_utf8_lossy(value).into_owned(),
        ));
    }
    Ok(Head {
        method: method.to_owned(),
        path: target_path(target).to_owned(),
        query: target_query(target).to_owned(),
        headers,
    })
}

/// The path of a request target in origin form (`/mcp?x`) or absolute form
/// (`http://host/mcp`); other forms are returned as they are (and match no path).
fn target_path(target: &str) -> &str {
    let path = ["http://", "https://"]
        .iter()
        .find_map(|scheme| target.strip_prefix(scheme))
        .map_or(target, |rest| rest.find('/').map_or("/", |i| &rest[i..]));
    path.split(['?', '#']).next().unwrap_or_default()
}

/// The query of a request target: what follows the first `?`, up to any `#`.
fn target_query(target: &str) -> &str {
    let before_fragment = target.split('#').next().unwrap_or_default();
    before_fragment
        .split_once('?')
        .map_or("", |(_, query)| query)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// An in-memory connection: reads from `input`, collects what is written.
    struct Fake {
        input: Cursor<Vec<u8>>,
        output: Vec<u8>,
    }

    impl Read for Fake {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.input.read(buf)
        }
    }

    impl Write for Fake {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.output.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn conn(input: &[u8]) -> Conn<Fake> {
        Conn::new(Fake {
            input: Cursor::new(input.to_vec()),
            output: Vec::new(),
        })
    }

    fn read(input: &[u8]) -> Result<(Head, Vec<u8>), ReadError> {
        let mut conn = conn(input);
        let head = conn.read_head()?;
        let body = conn.read_body(&head, head.method == "POST")?;
        Ok((head, body))
    }

    #[test]
    fn a_post_with_a_sized_body() {
        let (head, body) = read(
            b"POST /mcp?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json; charset=utf-8\r\n\
              Content-Length: 2\r\nAccept: application/json\r\nAccept: text/event-stream\r\n\r\n{}extra",
        )
        .expect("valid request");
        assert_eq!((head.method.as_str(), head.path.as_str()), ("POST", "/mcp"));
        assert_eq!(head.query, "x=1");
        assert_eq!(body, b"{}");
        assert_eq!(
            media_type(head.header("content-type").expect("set")),
            "application/json"
        );
        assert!(head.accepts("application/json") && head.accepts("text/event-stream"));
        assert!(!head.accepts("image/png"));
    }

    #[test]
    fn bare_line_feeds_absolute_targets_and_wildcards() {
        let (head, body) =
            read(b"\r\nGET http://127.0.0.1:9/mcp HTTP/1.1\nAccept: text/*\n\n").expect("valid");
        assert_eq!(head.path, "/mcp");
        assert_eq!(head.query, "");
        assert!(body.is_empty());
        assert!(head.accepts("text/event-stream") && !head.accepts("application/json"));
    }

    #[test]
    fn queries_stop_at_the_fragment() {
        assert_eq!(
            target_query("/mcp?access_token=a&b=c#frag"),
            "access_token=a&b=c"
        );
        assert_eq!(target_query("http://h/mcp?x"), "x");
        assert_eq!(target_query("/mcp#a?b"), "");
        assert_eq!(target_query("/mcp"), "");
    }

    #[test]
    fn chunked_bodies_are_joined() {
        let (_, body) = read(
            b"POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n",
        )
        .expect("valid chunked request");
        assert_eq!(body, b"abcde");
    }

    #[test]
    fn expect_continue_is_answered() {
        let mut conn =
            conn(b"POST /mcp HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
        let head = conn.read_head().expect("head");
        // The body never comes: the connection ends instead.
        assert_eq!(
            conn.read_body(&head, true),
            Err(bad("request body ended early"))
        );
        assert_eq!(conn.stream.output, b"HTTP/1.1 100 Continue\r\n\r\n");
    }

    #[test]
    fn malformed_and_oversized_requests_get_statuses() {
        let status = |input: &[u8]| match read(input) {
            Err(ReadError::Status(code, _)) => code,
            other => panic!("expected a status, got {other:?}"),
        };
        assert_eq!(status(b"GARBAGE\r\n\r\n"), 400);
        assert_eq!(status(b"GET /mcp HTTP/2.0\r\n\r\n"), 400);
        assert_eq!(status(b"GET /mcp HTTP/1.1\r\nNo colon\r\n\r\n"), 400);
        assert_eq!(status(b"GET /mcp HTTP/1.1\r\nA: b\r\n folded\r\n\r\n"), 400);
        assert_eq!(status(b"GET /mcp HTTP/1.1\r\nBad Name: b\r\n\r\n"), 400);
        assert_eq!(status(b"POST /mcp HTTP/1.1\r\n\r\n"), 411);
        assert_eq!(
            status(b"POST /mcp HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
            400
        );
        assert_eq!(
            status(b"POST /mcp HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            400
        );
        assert_eq!(
            status(b"POST /mcp HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
            413
        );
        assert_eq!(
            status(b"POST /mcp HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
            501
        );
        assert_eq!(
            status(b"POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            400
        );
        let mut huge = b"GET /mcp HTTP/1.1\r\nX: ".to_vec();
        huge.extend(std::iter::repeat_n(b'a', MAX_HEAD + 10));
        huge.extend_from_slice(b"\r\n\r\n");
        assert_eq!(status(&huge), 431);
        assert_eq!(status(b"GET /mcp HTTP/1.1\r\nHost: a\r\n"), 400);
        assert_eq!(read(b"").err(), Some(ReadError::Closed));
    }
}
