//! Redaction of secrets from what a report says about the target: environment values and
//! `--flag=value` arguments whose names look like credentials, and URL user info.

/// Name fragments that mark a value as secret (matched case-insensitively).
const SECRET_HINTS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "API_KEY",
    "APIKEY",
    "API-KEY",
    "AUTH",
    "CREDENTIAL",
    "PRIVATE",
    "ACCESS_KEY",
    "SESSION",
];

/// The placeholder for a redacted value.
pub const REDACTED: &str = "[redacted]";

/// Whether a variable or flag name looks like it holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_HINTS.iter().any(|h| upper.contains(h))
}

/// An environment value as it may appear in a report.
pub fn env_value(name: &str, value: &str) -> String {
    if is_secret_name(name) {
        REDACTED.to_string()
    } else {
        value.to_string()
    }
}

/// Arguments as they may appear in a report: `--api-key=X` becomes `--api-key=[redacted]`, and
/// the argument after a bare secret-named flag (`--token X`) is redacted too.
pub fn args(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut redact_next = false;
    for a in args {
        if redact_next {
            out.push(REDACTED.to_string());
            redact_next = false;
            continue;
        }
        if let Some((flag, _)) = a.split_once('=') {
            if flag.starts_with('-') && is_secret_name(flag) {
                out.push(format!("{flag}={REDACTED}"));
                continue;
            }
        } else if a.starts_with('-') && is_secret_name(a) {
            redact_next = true;
        }
        out.push(a.clone());
    }
    out
}

/// A URL as it may appear in a report: user info is dropped, and the values of query
/// parameters with secret-looking names are redacted. Text that is not a URL is kept whole
/// only when it has neither `@` nor `?`.
pub fn url(text: &str) -> String {
    let Ok(mut u) = reqwest::Url::parse(text) else {
        return if text.contains(['@', '?']) {
            REDACTED.to_string()
        } else {
            text.to_string()
        };
    };
    let _ = u.set_username("");
    let _ = u.set_password(None);
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_secret_name(&k) {
                    REDACTED.to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_urls() {
        assert_eq!(
            url("http://user:pw@127.0.0.1:3000/mcp?api_key=k&x=1"),
            "http://127.0.0.1:3000/mcp?api_key=%5Bredacted%5D&x=1"
        );
        assert_eq!(url("http://127.0.0.1/mcp"), "http://127.0.0.1/mcp");
        assert_eq!(url("not a url @ all"), REDACTED);
    }

    #[test]
    fn redacts() {
        assert_eq!(env_value("GITHUB_TOKEN", "abc"), REDACTED);
        assert_eq!(env_value("MEMORY_FILE_PATH", "/x"), "/x");
        let a: Vec<String> = ["--api-key=s3cr3t", "--token", "t0k", "--dir", "/tmp"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            args(&a),
            [
                "--api-key=[redacted]",
                "--token",
                "[redacted]",
                "--dir",
                "/tmp"
            ]
        );
    }
}
