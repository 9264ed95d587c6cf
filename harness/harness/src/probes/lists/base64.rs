//! Strict base64 decoding (standard alphabet, padding required, canonical trailing bits) for
//! blob contents, through the `base64` crate. Not here: encoding, or the URL-safe alphabet.

use base64::Engine as _;

/// Strict base64 (standard alphabet, padding required, canonical); `None` when not valid.
pub(super) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
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
