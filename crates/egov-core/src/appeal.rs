//! The tracking number a citizen gets for an appeal: the only key to its status and answer, so it is long
//! enough not to be guessed (60 random bits) and easy to read out or type (Crockford's alphabet: no I, L, O
//! or U; typed lower case, with O for 0 or I/L for 1, it is still understood).

use std::fmt;

use serde::{Serialize, Serializer};

use crate::ParseError;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `7KQ2-M9XD-4TRB`: three groups of four.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AppealNumber(String);

impl AppealNumber {
    /// A number from 60 bits of the caller's randomness (the core does no I/O).
    pub fn from_random(bits: u64) -> Self {
        let mut s = String::with_capacity(14);
        for i in 0..12 {
            if i > 0 && i % 4 == 0 {
                s.push('-');
            }
            let idx = ((bits >> (5 * (11 - i))) & 31) as usize;
            s.push(ALPHABET[idx] as char);
        }
        AppealNumber(s)
    }

    /// Reads a number as a citizen may type it: any case, with or without dashes and spaces.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let mut chars = String::with_capacity(12);
        for c in s.trim().chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => {
                    return Err(ParseError::new(
                        "appeal number",
                        "use the twelve letters and digits you were given, like 7KQ2-M9XD-4TRB",
                    ));
                }
            };
            chars.push(c);
        }
        if chars.len() != 12 {
            return Err(ParseError::new(
                "appeal number",
                "an appeal number has twelve letters and digits, like 7KQ2-M9XD-4TRB",
            ));
        }
        Ok(AppealNumber(format!(
            "{}-{}-{}",
            &chars[0..4],
            &chars[4..8],
            &chars[8..12]
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AppealNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for AppealNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_forgive_typing() {
        for bits in [0u64, 1, 0x0FFF_FFFF_FFFF_FFFF, 0x0123_4567_89AB_CDEF] {
            let n = AppealNumber::from_random(bits);
            assert_eq!(n.as_str().len(), 14);
            assert_eq!(AppealNumber::parse(n.as_str()).unwrap(), n);
            assert_eq!(
                AppealNumber::parse(&n.as_str().to_lowercase().replace('-', " ")).unwrap(),
                n
            );
        }
        assert_eq!(
            AppealNumber::parse("oooo-iiii-llll").unwrap().as_str(),
            "0000-1111-1111"
        );
        assert_ne!(AppealNumber::from_random(1), AppealNumber::from_random(2));
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in [
            "",
            "7KQ2-M9XD",
            "7KQ2-M9XD-4TRB-1",
            "7KQ2-M9XD-4TRU",
            "<script>",
            "７KQ2-M9XD-4TRB",
        ] {
            assert!(AppealNumber::parse(bad).is_err(), "{bad}");
        }
    }
}
