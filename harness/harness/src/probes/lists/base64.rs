//! Strict base64 decoding (standard alphabet, padding required, canonical trailing bits) for
//! blob contents. Not here: encoding, or the URL-safe alphabet.

/// Strict base64 (standard alphabet, padding required); `None` when not valid.
pub(super) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let chunks = bytes.len() / 4;
    for (i, chunk) in bytes.chunks(4).enumerate() {
        let last = i + 1 == chunks;
        let pad = chunk.iter().rev().take_while(|b| **b == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = (n << 6) | sextet(c)?;
        }
        n <<= 6 * pad as u32;
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        // Leftover bits in the last sextet must be zero (canonical encoding).
        match pad {
            1 if n & 0xff != 0 => return None,
            2 if n & 0xffff != 0 => return None,
            _ => {}
        }
        out.extend_from_slice(&decoded[..3 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::base64_decode;

    #[test]
    fn base64_is_strict() {
        assert_eq!(base64_decode("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64_decode("aGk="), Some(b"hi".to_vec()));
        assert_eq!(base64_decode("aA=="), Some(b"h".to_vec()));
        assert_eq!(base64_decode(""), Some(Vec::new()));
        for bad in [
            "aGVsbG8",
            "aG=k",
            "aGk=aGk=",
            "%%not-base64%%",
            "aGk",
            "aB==",
            "a===",
        ] {
            assert_eq!(base64_decode(bad), None, "{bad}");
        }
    }
}
