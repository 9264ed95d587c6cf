//! Reading JSON that is valid but beyond what the classifier parses in full: nesting deeper than
//! the parser's limit, or numbers outside the range of an IEEE 754 double. RFC 8259 lets parsers
//! set both limits (sections 6 and 9), so such a frame is an interoperability problem, not a
//! broken frame. This module checks the grammar without recursion and makes a shallow copy the
//! parser can read; it does not judge the envelope (`classify.rs`).

/// Containers deeper than this are replaced by a placeholder string in the shallow copy (the
/// parser itself stops at 128 levels).
pub const KEPT_DEPTH: usize = 100;

/// The string that stands for a container nested deeper than [`KEPT_DEPTH`] in the shallow copy.
pub const DEEP_PLACEHOLDER: &str = "(nested too deep: not read by mcpspec)";

/// What went beyond the parser's limits in one frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Beyond {
    /// Nesting deeper than [`KEPT_DEPTH`] levels.
    pub depth: bool,
    /// A number outside the finite range of an IEEE 754 double.
    pub number: bool,
}

/// Checks that `text` is exactly one JSON value (RFC 8259 grammar, surrounding whitespace
/// allowed) and returns a copy the parser can read: every container deeper than
/// [`KEPT_DEPTH`] becomes the string [`DEEP_PLACEHOLDER`], every number out of double range
/// becomes a string holding its literal. `None` when `text` is not one JSON value. Runs in
/// constant stack space whatever the nesting.
pub fn shallow_copy(text: &str) -> Option<(String, Beyond)> {
    let mut s = Scanner {
        bytes: text.as_bytes(),
        at: 0,
        out: String::with_capacity(text.len().min(1 << 20)),
        beyond: Beyond::default(),
    };
    s.document()?;
    Some((s.out, s.beyond))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Any value.
    Value,
    /// A value or `]` (just after `[`).
    ValueOrClose,
    /// A key or `}` (just after `{`).
    KeyOrClose,
    /// A key (after a comma in an object).
    Key,
    /// A comma, the closing bracket of the innermost container, or the end of the text.
    After,
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    out: String,
    beyond: Beyond,
}

impl Scanner<'_> {
    fn document(&mut self) -> Option<()> {
        // The open containers, innermost last: `{` or `[`.
        let mut stack: Vec<u8> = Vec::new();
        // While inside a container that is too deep, the depth it was opened at: nothing is
        // copied until it closes.
        let mut skipping: Option<usize> = None;
        let mut expect = Expect::Value;
        loop {
            self.skip_ws();
            let copy = skipping.is_none();
            match expect {
                Expect::After => {
                    let Some(&top) = stack.last() else {
                        return (self.at == self.bytes.len()).then_some(());
                    };
                    match (self.next()?, top) {
                        (b',', b'{') => {
                            self.put(copy, ",");
                            expect = Expect::Key;
                        }
                        (b',', _) => {
                            self.put(copy, ",");
                            expect = Expect::Value;
                        }
                        (b'}', b'{') | (b']', b'[') => {
                            stack.pop();
                            if skipping == Some(stack.len()) {
                                skipping = None;
                            } else if copy {
                                self.out.push(if top == b'{' { '}' } else { ']' });
                            }
                        }
                        _ => return None,
                    }
                }
                Expect::Key | Expect::KeyOrClose => {
                    if expect == Expect::KeyOrClose && self.peek()? == b'}' {
                        expect = Expect::After;
                        continue;
                    }
                    if self.peek()? != b'"' {
                        return None;
                    }
                    self.string(copy)?;
                    self.skip_ws();
                    if self.next()? != b':' {
                        return None;
                    }
                    self.put(copy, ":");
                    expect = Expect::Value;
                }
                Expect::ValueOrClose if self.peek()? == b']' => expect = Expect::After,
                Expect::Value | Expect::ValueOrClose => {
                    match self.peek()? {
                        open @ (b'{' | b'[') => {
                            self.at += 1;
                            stack.push(open);
                            if copy && stack.len() > KEPT_DEPTH {
                                self.beyond.depth = true;
                                skipping = Some(stack.len() - 1);
                                self.out.push('"');
                                self.out.push_str(DEEP_PLACEHOLDER);
                                self.out.push('"');
                            } else if copy {
                                self.out.push(open as char);
                            }
                            expect = if open == b'{' {
                                Expect::KeyOrClose
                            } else {
                                Expect::ValueOrClose
                            };
                            continue;
                        }
                        b'"' => self.string(copy)?,
                        b'-' | b'0'..=b'9' => self.number(copy)?,
                        b't' => self.literal("true", copy)?,
                        b'f' => self.literal("false", copy)?,
                        b'n' => self.literal("null", copy)?,
                        _ => return None,
                    }
                    expect = Expect::After;
                }
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn put(&mut self, copy: bool, s: &str) {
        if copy {
            self.out.push_str(s);
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &str, copy: bool) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word.as_bytes()).then_some(())?;
        self.at = end;
        self.put(copy, word);
        Some(())
    }

    /// A string with its quotes; escapes are checked, not decoded.
    fn string(&mut self, copy: bool) -> Option<()> {
        let start = self.at;
        self.at += 1;
        loop {
            match self.next()? {
                b'"' => break,
                b'\\' => match self.next()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        let hex = self.bytes.get(self.at..self.at + 4)?;
                        hex.iter().all(u8::is_ascii_hexdigit).then_some(())?;
                        self.at += 4;
                    }
                    _ => return None,
                },
                0x00..=0x1f => return None,
                _ => {}
            }
        }
        if copy {
            // The input is a &str and both ends are ASCII quotes, so this is a char boundary.
            self.out
                .push_str(std::str::from_utf8(&self.bytes[start..self.at]).ok()?);
        }
        Some(())
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    /// A number by the RFC 8259 grammar; one beyond double range is copied as a string.
    fn number(&mut self, copy: bool) -> Option<()> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            (self.digits() > 0).then_some(())?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            (self.digits() > 0).then_some(())?;
        }
        let literal = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
        if !copy {
            return Some(());
        }
        if literal.parse::<f64>().is_ok_and(f64::is_finite) {
            self.out.push_str(literal);
        } else {
            self.beyond.number = true;
            self.out.push('"');
            self.out.push_str(literal);
            self.out.push('"');
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> String {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn plain_json_is_copied_unchanged_in_meaning() {
        let text = r#" {"a": [1, -2.5e3, "x\"y\u00e9", true, false, null, {}], "b": {"c": []}} "#;
        let (copy, beyond) = shallow_copy(text).unwrap();
        assert_eq!(beyond, Beyond::default());
        let a: serde_json::Value = serde_json::from_str(text).unwrap();
        let b: serde_json::Value = serde_json::from_str(&copy).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn deep_containers_become_the_placeholder() {
        let text = format!(r#"{{"id":1,"result":{{"v":{}}}}}"#, nested(100_000));
        let (copy, beyond) = shallow_copy(&text).unwrap();
        assert!(beyond.depth && !beyond.number);
        let v: serde_json::Value = serde_json::from_str(&copy).unwrap();
        assert_eq!(v["id"], 1);
        let mut inner = &v["result"]["v"];
        let mut levels = 2;
        while let Some(first) = inner.get(0) {
            inner = first;
            levels += 1;
        }
        assert_eq!(levels, KEPT_DEPTH);
        assert_eq!(inner, &serde_json::json!(DEEP_PLACEHOLDER));
    }

    #[test]
    fn numbers_beyond_double_range_become_strings() {
        let huge = "9".repeat(400);
        let text = format!(r#"{{"id":{huge},"n":1e400,"m":-1E+999,"ok":1e300}}"#);
        let (copy, beyond) = shallow_copy(&text).unwrap();
        assert!(beyond.number && !beyond.depth);
        let v: serde_json::Value = serde_json::from_str(&copy).unwrap();
        assert_eq!(v["id"], serde_json::json!(huge));
        assert_eq!(v["n"], "1e400");
        assert_eq!(v["m"], "-1E+999");
        assert_eq!(v["ok"], 1e300);
    }

    #[test]
    fn invalid_json_is_refused_at_any_depth() {
        let deep_bad = format!("{}x{}", "[".repeat(5000), "]".repeat(5000));
        let unbalanced = format!("{}{}", "[".repeat(300), "]".repeat(299));
        for bad in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "{1:2}",
            "01",
            "1.",
            "-",
            "1e",
            "\"\\x\"",
            "\"\u{1}\"",
            "\"\\u12\"",
            "tru",
            "[1] [2]",
            "[}",
            "{]",
            deep_bad.as_str(),
            unbalanced.as_str(),
        ] {
            assert!(shallow_copy(bad).is_none(), "accepted {bad:?}");
        }
    }

    #[test]
    fn agrees_with_the_parser_on_ordinary_input() {
        for text in [
            "[]",
            "{}",
            "0",
            "-0.0e-0",
            "\"\"",
            "[[[[1]]],{\"a\":{\"b\":[null]}}]",
            "  true\n",
        ] {
            let (copy, _) = shallow_copy(text).unwrap();
            let a: serde_json::Value = serde_json::from_str(text).unwrap();
            let b: serde_json::Value = serde_json::from_str(&copy).unwrap();
            assert_eq!(a, b, "{text}");
        }
    }
}
