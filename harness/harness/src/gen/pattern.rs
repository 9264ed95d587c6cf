//! A string that a simple regular expression matches, built by walking the expression. Not a
//! regex engine: the result is always checked by the caller, and constructs it does not know
//! give `None`.

use super::MAX_LENGTH;

/// A string that a simple regular expression matches, built by walking it: literals are kept,
/// classes give their first member, `?`/`*` give nothing, `+` one, `{n,m}` n repetitions, and the
/// first branch of an alternation is taken. `None` for constructs it does not know
/// (back-references, unbalanced syntax). The result is padded towards `min_len` by repeating the
/// last repeatable piece where there is one.
pub(super) fn from_pattern(pattern: &str, min_len: usize) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut pos = 0;
    let mut out = String::new();
    let mut last_repeatable: Option<String> = None;
    sequence(&chars, &mut pos, &mut out, &mut last_repeatable, 0)?;
    if pos != chars.len() {
        return None;
    }
    if let Some(unit) = last_repeatable.filter(|u| !u.is_empty()) {
        while out.chars().count() < min_len.min(MAX_LENGTH) {
            out.push_str(&unit);
        }
    }
    Some(out)
}

/// One atom and its text; returns `None` on unknown syntax.
fn atom(chars: &[char], pos: &mut usize, depth: usize) -> Option<String> {
    let c = *chars.get(*pos)?;
    *pos += 1;
    match c {
        '.' => Some("a".into()),
        '\\' => {
            let e = *chars.get(*pos)?;
            *pos += 1;
            match e {
                'd' => Some("0".into()),
                'w' => Some("a".into()),
                's' => Some(" ".into()),
                'W' => Some("-".into()),
                'D' | 'S' => Some("a".into()),
                'n' => Some("\n".into()),
                't' => Some("\t".into()),
                'b' | 'B' | 'A' | 'z' | 'Z' => Some(String::new()),
                '1'..='9' => None,
                'u' => {
                    let hex: String = chars.get(*pos..*pos + 4)?.iter().collect();
                    *pos += 4;
                    char::from_u32(u32::from_str_radix(&hex, 16).ok()?).map(String::from)
                }
                other => Some(other.to_string()),
            }
        }
        '[' => class(chars, pos),
        '(' => {
            // (?:...), (?<name>...), (?=...) / (?!...) (look-arounds match nothing here).
            let mut lookaround = false;
            if chars.get(*pos) == Some(&'?') {
                match chars.get(*pos + 1) {
                    Some(':') => *pos += 2,
                    Some('=') | Some('!') => {
                        *pos += 2;
                        lookaround = true;
                    }
                    Some('<') if matches!(chars.get(*pos + 2), Some('=') | Some('!')) => {
                        *pos += 3;
                        lookaround = true;
                    }
                    Some('<') | Some('P') => {
                        while *pos < chars.len() && chars[*pos] != '>' {
                            *pos += 1;
                        }
                        *pos += 1;
                    }
                    _ => return None,
                }
            }
            let mut inner = String::new();
            let mut unit = None;
            sequence(chars, pos, &mut inner, &mut unit, depth + 1)?;
            if chars.get(*pos) != Some(&')') {
                return None;
            }
            *pos += 1;
            Some(if lookaround { String::new() } else { inner })
        }
        '^' | '$' => Some(String::new()),
        ')' | '|' | '*' | '+' | '?' | '{' => None,
        other => Some(other.to_string()),
    }
}

/// A sequence of atoms up to `)` or the end; alternatives after `|` are skipped.
fn sequence(
    chars: &[char],
    pos: &mut usize,
    out: &mut String,
    last_repeatable: &mut Option<String>,
    depth: usize,
) -> Option<()> {
    if depth > 16 {
        return None;
    }
    while *pos < chars.len() {
        match chars[*pos] {
            ')' => return Some(()),
            '|' => {
                // Skip the other branches of this level.
                let mut level = 0usize;
                let mut escaped = false;
                let mut in_class = false;
                while *pos < chars.len() {
                    let c = chars[*pos];
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if in_class {
                        if c == ']' {
                            in_class = false;
                        }
                    } else if c == '[' {
                        in_class = true;
                    } else if c == '(' {
                        level += 1;
                    } else if c == ')' {
                        if level == 0 {
                            return Some(());
                        }
                        level -= 1;
                    }
                    *pos += 1;
                }
                return Some(());
            }
            _ => {}
        }
        let text = atom(chars, pos, depth)?;
        let (lo, repeatable) = quantifier(chars, pos)?;
        for _ in 0..lo {
            out.push_str(&text);
        }
        if out.len() > MAX_LENGTH {
            return None;
        }
        if repeatable {
            *last_repeatable = Some(text);
        }
    }
    Some(())
}

/// Reads a quantifier after an atom: (minimum count, whether more repetitions are allowed).
fn quantifier(chars: &[char], pos: &mut usize) -> Option<(usize, bool)> {
    let q = match chars.get(*pos) {
        Some('?') => {
            *pos += 1;
            (0, false)
        }
        Some('*') => {
            *pos += 1;
            (0, true)
        }
        Some('+') => {
            *pos += 1;
            (1, true)
        }
        Some('{') => {
            let start = *pos;
            let end = chars[start..].iter().position(|c| *c == '}')? + start;
            let body: String = chars[start + 1..end].iter().collect();
            let (lo, more) = match body.split_once(',') {
                Some((lo, hi)) => {
                    let lo: usize = lo.trim().parse().ok()?;
                    let more = hi.trim().is_empty() || hi.trim().parse::<usize>().ok()? > lo;
                    (lo, more)
                }
                None => (body.trim().parse().ok()?, false),
            };
            *pos = end + 1;
            (lo.min(256), more)
        }
        _ => return Some((1, false)),
    };
    // Lazy or possessive suffixes change nothing here.
    if matches!(chars.get(*pos), Some('?') | Some('+')) {
        *pos += 1;
    }
    Some(q)
}

/// A character class: its first member, or for a negated class the first of a few candidates
/// outside it.
fn class(chars: &[char], pos: &mut usize) -> Option<String> {
    let negated = chars.get(*pos) == Some(&'^');
    if negated {
        *pos += 1;
    }
    let mut members: Vec<(char, char)> = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(*pos)?;
        *pos += 1;
        if c == ']' && !first {
            break;
        }
        first = false;
        let lo = if c == '\\' {
            let e = *chars.get(*pos)?;
            *pos += 1;
            match e {
                'd' => {
                    members.push(('0', '9'));
                    continue;
                }
                'w' => {
                    members.push(('a', 'z'));
                    members.push(('A', 'Z'));
                    members.push(('0', '9'));
                    members.push(('_', '_'));
                    continue;
                }
                's' => {
                    members.push((' ', ' '));
                    continue;
                }
                'n' => '\n',
                't' => '\t',
                other => other,
            }
        } else {
            c
        };
        if chars.get(*pos) == Some(&'-') && chars.get(*pos + 1).is_some_and(|n| *n != ']') {
            let mut hi = chars[*pos + 1];
            *pos += 2;
            if hi == '\\' {
                hi = *chars.get(*pos)?;
                *pos += 1;
            }
            members.push((lo, hi));
        } else {
            members.push((lo, lo));
        }
    }
    let inside = |ch: char| members.iter().any(|(a, b)| *a <= ch && ch <= *b);
    if negated {
        "a0A_-x.Z9 ".chars().find(|c| !inside(*c)).map(String::from)
    } else {
        members.first().map(|(a, _)| a.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_sketches() {
        assert_eq!(from_pattern("^abc$", 0).as_deref(), Some("abc"));
        assert_eq!(from_pattern("^[a-c]{2}x?$", 0).as_deref(), Some("aa"));
        assert_eq!(from_pattern("^(x|y)z+$", 0).as_deref(), Some("xz"));
        assert_eq!(from_pattern("^a+$", 4).as_deref(), Some("aaaa"));
        assert_eq!(from_pattern("(a)\\1", 0), None);
        assert_eq!(from_pattern("^(ab", 0), None);
    }

    /// Real tool schemas seen on public servers (shapes from the reference servers and from
    /// Python and TypeScript SDK output), all of which must yield valid arguments.
    #[test]
    fn nested_repetition_ends_quickly() {
        assert!(from_pattern("((a{256}){256}){256}", 0).is_none());
    }
}
