//! RFC 6570 URI template syntax (levels 1-4), checked strictly, naming the variables of a
//! template. Not here: expanding templates, and plain URIs (`rfc3986.rs`).

/// Literal characters outside expressions (ASCII part; non-ASCII is checked by range).
fn literal_ok(c: char) -> bool {
    match c {
        '!' | '#' | '$' | '&' | '('..=';' | '=' | '?'..='[' | ']' | '_' | 'a'..='z' | '~' => true,
        c if !c.is_ascii() => ucschar_or_private(c),
        _ => false,
    }
}

fn ucschar_or_private(c: char) -> bool {
    let n = c as u32;
    let ucs = matches!(n, 0xA0..=0xD7FF | 0xF900..=0xFDCF | 0xFDF0..=0xFFEF)
        || ((0x10000..=0xEFFFD).contains(&n)
            && (n & 0xFFFF) <= 0xFFFD
            && !(0xE0000..0xE1000).contains(&n));
    let private = matches!(n, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD);
    ucs || private
}

fn pct_at(s: &[u8], i: usize) -> bool {
    s.get(i) == Some(&b'%')
        && s.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
        && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
}

/// A variable name: varchar *( ["."] varchar ), varchar = ALPHA / DIGIT / "_" / pct.
fn varname(name: &str) -> Result<(), String> {
    let b = name.as_bytes();
    if b.is_empty() {
        return Err("empty variable name".into());
    }
    let mut i = 0;
    let mut after_dot = true;
    while i < b.len() {
        let c = b[i];
        if c == b'.' {
            if after_dot {
                return Err(format!("misplaced '.' in variable name {name:?}"));
            }
            after_dot = true;
            i += 1;
            continue;
        }
        if c.is_ascii_alphanumeric() || c == b'_' {
            i += 1;
        } else if pct_at(b, i) {
            i += 3;
        } else {
            return Err(format!(
                "variable name {name:?} has the character {:?}",
                c as char
            ));
        }
        after_dot = false;
    }
    if after_dot {
        return Err(format!("variable name {name:?} ends with '.'"));
    }
    Ok(())
}

fn varspec(spec: &str) -> Result<String, String> {
    if let Some(name) = spec.strip_suffix('*') {
        varname(name)?;
        return Ok(name.to_string());
    }
    if let Some((name, len)) = spec.split_once(':') {
        varname(name)?;
        let ok = !len.is_empty()
            && len.len() <= 4
            && len.bytes().all(|c| c.is_ascii_digit())
            && !len.starts_with('0');
        if !ok {
            return Err(format!("prefix length {len:?} is not 1-9999"));
        }
        return Ok(name.to_string());
    }
    varname(spec)?;
    Ok(spec.to_string())
}

/// The variable names of `template` in order, or why it is not a valid template.
pub(super) fn parse(template: &str) -> Result<Vec<String>, String> {
    let mut vars: Vec<String> = Vec::new();
    let bytes = template.as_bytes();
    let mut i = 0;
    while i < template.len() {
        let Some(c) = template[i..].chars().next() else {
            break;
        };
        match c {
            '{' => {
                let Some(len) = template[i + 1..].find('}') else {
                    return Err("an expression is not closed with '}'".into());
                };
                let body = &template[i + 1..i + 1 + len];
                if body.contains('{') {
                    return Err("'{' inside an expression".into());
                }
                let list = match body.chars().next() {
                    None => return Err("empty expression {}".into()),
                    Some('+' | '#' | '.' | '/' | ';' | '?' | '&') => &body[1..],
                    Some(op @ ('=' | ',' | '!' | '@' | '|')) => {
                        return Err(format!("operator {op:?} is reserved for future extensions"));
                    }
                    Some(_) => body,
                };
                for spec in list.split(',') {
                    let name = varspec(spec)?;
                    if !vars.contains(&name) {
                        vars.push(name);
                    }
                }
                i += len + 2;
            }
            '}' => return Err("'}' without a matching '{'".into()),
            '%' => {
                if !pct_at(bytes, i) {
                    return Err("'%' not followed by two hex digits".into());
                }
                i += 3;
            }
            c if literal_ok(c) => i += c.len_utf8(),
            c => {
                return Err(format!(
                    "character {c:?} is not allowed in a template literal"
                ));
            }
        }
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn rfc6570_parses_templates_and_names_variables() {
        let cases: &[(&str, &[&str])] = &[
            ("fixture://items/{id}", &["id"]),
            ("demo://resource/dynamic/text/{resourceId}", &["resourceId"]),
            ("file:///{+path}", &["path"]),
            (
                "http://x/{a,b}{?q,lang}{&more*}{#frag:3}",
                &["a", "b", "q", "lang", "more", "frag"],
            ),
            ("x:{.dom*}{/seg}{;p}", &["dom", "seg", "p"]),
            ("x:{var.sub}{%41b}", &["var.sub", "%41b"]),
            ("no-variables:%20literal", &[]),
            ("x:{a:9999}", &["a"]),
            ("x:{a}/{a}", &["a"]),
        ];
        for (template, vars) in cases {
            assert_eq!(
                parse(template),
                Ok(vars.iter().map(|v| v.to_string()).collect::<Vec<_>>()),
                "{template}"
            );
        }
    }

    #[test]
    fn rfc6570_rejects_broken_templates() {
        for template in [
            "fixture://items/{id",
            "fixture://items/id}",
            "x:{}",
            "x:{a b}",
            "x:{=a}",
            "x:{|a}",
            "x:{a:0}",
            "x:{a:10000}",
            "x:{.a.}",
            "x:{a..b}",
            "x:{a{b}}",
            "x:a b",
            "x:\"q\"",
            "x:50%",
            "x:{a,}",
            "x:a|b",
        ] {
            assert!(parse(template).is_err(), "{template} accepted");
        }
    }
}
