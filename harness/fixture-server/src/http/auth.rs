//! Bearer-token authorization of the Streamable HTTP mode (`--require-bearer TOKEN`): the check
//! every request to `/mcp` passes, the `401`/`400` challenges with `WWW-Authenticate`, and the
//! protected resource metadata document, each bent by the `auth-…` knobs. It is not an
//! authorization server: it issues no tokens and knows only the one token it was given.

use std::net::{SocketAddr, TcpStream};

use serde_json::{Map, Value, json};

use super::request::Head;
use super::response;
use super::sessions::Sessions;
use crate::bugs::Bugs;
use crate::protocol::INVALID_REQUEST;

/// Where the protected resource metadata of `/mcp` is served.
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource/mcp";

/// The authorization settings of one listener.
#[derive(Debug, Clone)]
pub struct Auth {
    /// The one token accepted.
    token: String,
    /// `http://HOST:PORT` of the listener.
    base: String,
    bugs: Bugs,
}

/// The outcome of the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Serve the request.
    Allowed,
    /// Answer with this status, an optional `WWW-Authenticate` value and an error message.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The `WWW-Authenticate` value, if one is sent.
        challenge: Option<String>,
        /// The message of the JSON-RPC error body.
        message: &'static str,
    },
}

impl Auth {
    /// Requires `token` on a listener bound to `local`.
    pub fn new(token: String, local: SocketAddr, bugs: Bugs) -> Self {
        Auth {
            token,
            base: format!("http://{local}"),
            bugs,
        }
    }

    /// The URL of the metadata document, as challenges name it.
    fn metadata_url(&self) -> String {
        format!("{}{METADATA_PATH}", self.base)
    }

    /// The protected resource metadata document.
    pub fn metadata(&self) -> Value {
        let mut doc = Map::new();
        let resource = if self.bugs.auth_prm_wrong_resource {
            "/other"
        } else {
            super::PATH
        };
        doc.insert("resource".into(), json!(format!("{}{resource}", self.base)));
        if !self.bugs.auth_prm_no_authorization_servers {
            doc.insert(
                "authorization_servers".into(),
                json!([format!("{}/", self.base)]),
            );
        }
        doc.insert("bearer_methods_supported".into(), json!(["header"]));
        Value::Object(doc)
    }

    /// Answers a request for [`METADATA_PATH`] (no token needed).
    pub fn serve_metadata(&self, stream: &TcpStream, head: &Head) {
        if head.method != "GET" {
            let allow = [("Allow", "GET")];
            return response::error(stream, 405, INVALID_REQUEST, "method not allowed", &allow);
        }
        let body = self.metadata().to_string();
        response::send(stream, 200, &[], Some("application/json"), body.as_bytes());
    }

    /// Whether a request to `/mcp` with `head` may be served.
    pub fn check(&self, head: &Head, sessions: &Sessions) -> Verdict {
        let Some(value) = head.header("authorization") else {
            let query_token = self.bugs.auth_query_token_accepted
                && query_value(&head.query, "access_token").is_some_and(|t| t == self.token);
            let trusted_session = self.bugs.auth_session_trusted
                && head
                    .header("mcp-session-id")
                    .is_some_and(|id| sessions.get(id).is_some());
            if query_token || trusted_session {
                return Verdict::Allowed;
            }
            return self.unauthorized(None, "authorization required");
        };
        match bearer_token(value) {
            None if self.bugs.auth_malformed_header_500 => Verdict::Refused {
                status: 500,
                challenge: None,
                message: "internal error while reading the Authorization header",
            },
            None => Verdict::Refused {
                status: 400,
                challenge: Some(self.challenge(Some("invalid_request"))),
                message: "malformed Authorization header",
            },
            Some(token) if token == self.token || self.bugs.auth_invalid_token_accepted => {
                Verdict::Allowed
            }
            Some(_) => self.unauthorized(Some("invalid_token"), "invalid token"),
        }
    }

    fn unauthorized(&self, error: Option<&str>, message: &'static str) -> Verdict {
        Verdict::Refused {
            status: 401,
            challenge: (!self.bugs.auth_no_challenge).then(|| self.challenge(error)),
            message,
        }
    }

    /// A `Bearer` challenge naming the metadata document, with an `error` when given.
    fn challenge(&self, error: Option<&str>) -> String {
        let metadata = format!("resource_metadata=\"{}\"", self.metadata_url());
        match error {
            Some(error) => format!("Bearer error=\"{error}\", {metadata}"),
            None => format!("Bearer {metadata}"),
        }
    }
}

/// Writes a refusal.
pub fn refuse(stream: &TcpStream, status: u16, challenge: Option<&str>, message: &str) {
    let headers: Vec<(&str, &str)> = challenge
        .map(|value| ("WWW-Authenticate", value))
        .into_iter()
        .collect();
    response::error(stream, status, INVALID_REQUEST, message, &headers);
}

/// The token of a well-formed `Bearer` credential (scheme case-insensitive, one token68),
/// `None` for anything else (another scheme, no token, several words).
fn bearer_token(value: &str) -> Option<&str> {
    let value = value.trim();
    let (scheme, token) = value.split_once([' ', '\t'])?;
    let token = token.trim();
    let body = token.trim_end_matches('=');
    let token68 = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    (scheme.eq_ignore_ascii_case("bearer") && token68).then_some(token)
}

/// The percent-decoded value of the first `name=value` pair of a query.
fn query_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key) == name).then(|| percent_decode(value))
    })
}

/// Decodes `%XX` escapes and `+` (as a space); malformed escapes are kept as they are.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (other, _) => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{Auth, bearer_token, query_value};
    use crate::bugs::Bugs;
    use serde_json::json;

    #[test]
    fn bearer_credentials() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  a.b-c~d+e/f=="), Some("a.b-c~d+e/f=="));
        for bad in [
            "Bearer",
            "Bearer ",
            "Bearer a b",
            "Basic dXNlcjpwdw==",
            "abc",
            "Bearer =",
        ] {
            assert_eq!(bearer_token(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(
            query_value("a=1&access_token=t%2Bk", "access_token"),
            Some("t+k".into())
        );
        assert_eq!(
            query_value("access_token", "access_token"),
            Some(String::new())
        );
        assert_eq!(query_value("x=1", "access_token"), None);
        assert_eq!(query_value("", "access_token"), None);
    }

    #[test]
    fn metadata_and_its_knobs() {
        let addr = "127.0.0.1:4000".parse().expect("address");
        let clean = Auth::new("t".into(), addr, Bugs::default());
        assert_eq!(
            clean.metadata(),
            json!({
                "resource": "http://127.0.0.1:4000/mcp",
                "authorization_servers": ["http://127.0.0.1:4000/"],
                "bearer_methods_supported": ["header"]
            })
        );
        let bugs = Bugs {
            auth_prm_wrong_resource: true,
            auth_prm_no_authorization_servers: true,
            ..Bugs::default()
        };
        let bent = Auth::new("t".into(), addr, bugs).metadata();
        assert_eq!(bent["resource"], json!("http://127.0.0.1:4000/other"));
        assert!(bent.get("authorization_servers").is_none());
    }
}
