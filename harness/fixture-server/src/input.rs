//! Framing of stdin into message candidates: newline-delimited lines normally, or one raw
//! `read()` chunk per message under the `parse-each-read` knob. It does not parse JSON or decide
//! what a blank line means; it only hands over the bytes of one candidate at a time.

use std::io::{self, BufRead};

/// Size of the buffer used for one `read()` under `parse-each-read`.
pub const CHUNK_SIZE: usize = 64 * 1024;

/// A source of message candidates read from a byte stream.
pub struct Input<R> {
    reader: R,
    chunked: bool,
}

impl<R: BufRead> Input<R> {
    /// Wraps `reader`. With `chunked` set, every `read()` result is one candidate (the
    /// `parse-each-read` misbehaviour); otherwise candidates are lines.
    pub fn new(reader: R, chunked: bool) -> Self {
        Input { reader, chunked }
    }

    /// The next candidate, or `None` at end of input.
    ///
    /// In line mode the "\n" and one trailing "\r" are removed. A final line without a newline is
    /// still returned. Blank lines are returned too: the caller decides what to do with them.
    pub fn next_candidate(&mut self) -> io::Result<Option<Vec<u8>>> {
        if self.chunked {
            self.next_chunk()
        } else {
            self.next_line()
        }
    }

    fn next_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let read = self.reader.read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(None);
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(Some(line))
    }

    fn next_chunk(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut buf = vec![0u8; CHUNK_SIZE];
        loop {
            match self.reader.read(&mut buf) {
                Ok(0) => return Ok(None),
                Ok(n) => {
                    buf.truncate(n);
                    return Ok(Some(buf));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Input;

    fn all(data: &[u8], chunked: bool) -> Vec<Vec<u8>> {
        let mut input = Input::new(data, chunked);
        let mut out = Vec::new();
        while let Some(candidate) = input.next_candidate().expect("reading a slice cannot fail") {
            out.push(candidate);
        }
        out
    }

    #[test]
    fn lines_lose_lf_and_one_trailing_cr() {
        let got = all(b"a\r\n\nb\r\r\nc", false);
        assert_eq!(
            got,
            vec![b"a".to_vec(), b"".to_vec(), b"b\r".to_vec(), b"c".to_vec()]
        );
    }

    #[test]
    fn chunk_mode_returns_the_read_as_is() {
        // A byte slice hands over everything in one read.
        let got = all(b"{\"a\":1}\n{\"b\":2}\n", true);
        assert_eq!(got, vec![b"{\"a\":1}\n{\"b\":2}\n".to_vec()]);
    }

    #[test]
    fn empty_input_is_end_of_input() {
        assert!(all(b"", false).is_empty());
        assert!(all(b"", true).is_empty());
    }
}
