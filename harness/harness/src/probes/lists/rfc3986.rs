//! RFC 3986 URI syntax, checked strictly: an absolute URI with a scheme, ASCII only, every `%`
//! followed by two hex digits, each character allowed where it stands. Not here: resolving,
//! normalising or fetching URIs, and URI templates (`rfc6570.rs`).

fn unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

fn sub_delim(c: u8) -> bool {
    matches!(
        c,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// Checks that `part` holds only unreserved, sub-delims, `extra` and percent-encodings.
fn chars(part: &str, extra: &[u8], what: &str) -> Result<(), String> {
    let b = part.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            let ok = b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                return Err(format!("'%' not followed by two hex digits in the {what}"));
            }
            i += 3;
            continue;
        }
        if !(unreserved(c) || sub_delim(c) || extra.contains(&c)) {
            let shown = part[i..].chars().next().unwrap_or('?');
            return Err(format!("character {shown:?} is not allowed in the {what}"));
        }
        i += 1;
    }
    Ok(())
}

fn authority(auth: &str) -> Result<(), String> {
    let (userinfo, hostport) = match auth.split_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, auth),
    };
    if let Some(u) = userinfo {
        chars(u, b":", "userinfo")?;
    }
    let port = if let Some(rest) = hostport.strip_prefix('[') {
        let Some((literal, after)) = rest.split_once(']') else {
            return Err("IP literal without a closing ']'".into());
        };
        let future = literal
            .strip_prefix(['v', 'V'])
            .and_then(|r| r.split_once('.'))
            .is_some_and(|(hex, tail)| {
                !hex.is_empty()
                    && hex.bytes().all(|c| c.is_ascii_hexdigit())
                    && !tail.is_empty()
                    && tail
                        .bytes()
                        .all(|c| unreserved(c) || sub_delim(c) || c == b':')
            });
        if !future && literal.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!(
                "[{literal}] is not an IPv6 address or IPvFuture literal"
            ));
        }
        match after {
            "" => None,
            a => match a.strip_prefix(':') {
                Some(p) => Some(p),
                None => return Err("characters after the IP literal".into()),
            },
        }
    } else {
        let (host, port) = match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        };
        chars(host, b"", "host")?;
        port
    };
    if let Some(p) = port
        && !p.bytes().all(|c| c.is_ascii_digit())
    {
        return Err(format!("port {p:?} is not a number"));
    }
    Ok(())
}

/// `Ok` when `uri` is a URI under RFC 3986 (absolute: with a scheme), else why not.
pub(in crate::probes) fn check(uri: &str) -> Result<(), String> {
    if let Some(c) = uri.chars().find(|c| !c.is_ascii()) {
        return Err(format!(
            "non-ASCII character {c:?} (must be percent-encoded)"
        ));
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err("no scheme".into());
    };
    let mut sb = scheme.bytes();
    let scheme_ok = sb.next().is_some_and(|c| c.is_ascii_alphabetic())
        && sb.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Err(format!("{scheme:?} is not a valid scheme"));
    }
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    let (hier, query) = match rest.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (rest, None),
    };
    if let Some(f) = fragment {
        chars(f, b":@/?", "fragment")?;
    }
    if let Some(q) = query {
        chars(q, b":@/?", "query")?;
    }
    let path = match hier.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            authority(&after[..end])?;
            &after[end..]
        }
        None => hier,
    };
    chars(path, b":@/", "path")
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn rfc3986_accepts_uris() {
        for uri in [
            "fixture://greeting",
            "file:///etc/hosts",
            "file:///C:/Users/a%20b.txt",
            "demo://resource/static/document/architecture.md",
            "memory://knowledge-graph",
            "https://user:pw@example.com:8080/a/b?x=1&y=%2F#frag/ment?",
            "http://[::1]:80/",
            "http://[v7.fe80::1]/",
            "mailto:someone@example.com",
            "urn:isbn:0451450523",
            "test:",
            "s3+x-y.z://bucket/key",
        ] {
            assert_eq!(check(uri), Ok(()), "{uri}");
        }
    }

    #[test]
    fn rfc3986_rejects_non_uris() {
        for uri in [
            "not a uri",
            "no-scheme",
            "/etc/passwd",
            "1abc://x",
            "file:///a b",
            "file:///caf\u{e9}",
            "x:%zz",
            "x:%4",
            "http://[::1/",
            "http://[nothex]/",
            "http://host:port/",
            "http://a^b/",
            "x:a#b#c",
            "x:{id}",
            "",
            ":nothing",
        ] {
            assert!(check(uri).is_err(), "{uri} accepted");
        }
    }
}
