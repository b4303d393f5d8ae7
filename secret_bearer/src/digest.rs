//! A key as checks compare with it: its SHA-256 digest, read from a secret's value (the key
//! itself, or `sha256:` and the digest's hex digits), and compared in constant time.

use std::fmt;

use secrecy::zeroize::Zeroize;
use sha2::{Digest as _, Sha256};
use subtle::{Choice, ConstantTimeEq};

/// The longest credential, and the longest secret, accepted, in bytes.
///
/// A longer `Authorization` credential is refused before it is hashed, so the work one request
/// can cause is bounded; a longer secret is a configuration error.
pub const MAX_SECRET_LEN: usize = 4096;

/// How a secret's value says it is a digest, not the key: `sha256:` and 64 hex digits.
pub(crate) const HASHED: &str = "sha256:";

/// A SHA-256 digest. Comparing two is constant-time: its width is fixed whatever the key's
/// length, and every word is read whatever matched. Wiped when dropped: for a key of low
/// entropy, its digest is as good as the key to whoever can search for it (and a matching
/// credential's digest is the secret's).
pub(crate) struct Digest([u8; 32]);

impl Drop for Digest {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Digest {
    /// The digest of a credential or a key.
    pub(crate) fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Whether the two are equal, as a [`Choice`] to combine without branching: the words'
    /// differences are ORed together, and the one result compared with zero by `subtle`
    /// (a byte-by-byte `ct_eq` would cost as much again as the rest of a request's check).
    pub(crate) fn matches(&self, other: &Self) -> Choice {
        let (ours, _) = self.0.as_chunks::<8>();
        let (theirs, _) = other.0.as_chunks::<8>();
        let difference = ours.iter().zip(theirs).fold(0, |difference, (a, b)| {
            difference | (u64::from_ne_bytes(*a) ^ u64::from_ne_bytes(*b))
        });
        difference.ct_eq(&0)
    }

    /// The digest's bytes: for the memcheck probe to mark secret, and to sort a key set by.
    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// `sha256:<hex>`, the form a secret's value gives a digest in: what `generate_key` hands
    /// out for the server's configuration.
    pub(crate) fn stored_form(&self) -> String {
        let hex: String = self.0.iter().map(|byte| format!("{byte:02x}")).collect();
        format!("{HASHED}{hex}")
    }

    /// No key's digest: what a key table pads its buckets with (marked empty).
    pub(crate) fn zero() -> Self {
        Self([0; 32])
    }

    /// The digest's first eight bytes, which pick a key table's bucket.
    pub(crate) fn leading_u64(&self) -> u64 {
        let (first, _) = self.0.as_chunks::<8>();
        u64::from_le_bytes(first[0])
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Digest([REDACTED])")
    }
}

/// The digest of a key as a secret's value gives it: `sha256:<64 hex digits>`, or the key
/// itself, which must be something a request can carry.
pub(crate) fn key_digest(value: &[u8]) -> Result<Digest, &'static str> {
    match value.strip_prefix(HASHED.as_bytes()) {
        Some(hex) => {
            parse_hex(hex).ok_or("after `sha256:` a digest is exactly 64 hexadecimal digits")
        }
        // Taken as a key, a digest mistyped `SHA256:…` would let anyone who reads it in.
        None if looks_hashed(value) => Err("a digest is written `sha256:` (lower case, no dash) \
                                            and 64 hexadecimal digits"),
        None => check_value(value).map(|()| Digest::of(value)),
    }
}

/// Whether a value starts like a digest, in any case: `sha256:` or `sha-256:`.
fn looks_hashed(value: &[u8]) -> bool {
    ["sha256:", "sha-256:"].iter().any(|form| {
        value
            .get(..form.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(form.as_bytes()))
    })
}

/// 64 hex digits, either case. The digits are configuration, read once; not compared.
fn parse_hex(hex: &[u8]) -> Option<Digest> {
    let (pairs, []) = hex.as_chunks::<2>() else {
        return None;
    };
    if pairs.len() != 32 {
        return None;
    }
    let mut digest = [0u8; 32];
    for (byte, pair) in digest.iter_mut().zip(pairs) {
        let digit = |d: u8| (d as char).to_digit(16);
        *byte = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(Digest(digest))
}

/// The strength below which a plain key is weak: OWASP ASVS 5.0 §6.5.2 accepts a fast hash
/// (a `sha256:` digest, as a key set stores it) for secrets of at least 112 bits, since below
/// that, whoever holds a leaked digest can search for its key.
pub(crate) const STRONG_BITS: u32 = 112;

/// A plain key's estimated strength in bits, if under [`STRONG_BITS`]; `None` for a strong key
/// or a `sha256:` digest, which cannot be judged.
///
/// The estimate is the key's length times log₂ of the size of the character classes it draws
/// from (26 lower-case letters, 26 upper-case, 10 digits, 33 ASCII punctuation characters and
/// space, 128 for any other byte): the strength of a key drawn at random from those classes.
/// It is an upper bound: a key that falls short is weak whoever chose it, while a key that
/// passes may still be a word or a pattern. `SUPERSECRET` is 51 bits; 22 random base62
/// characters are 130; a `generate_key` key is over 200.
pub(crate) fn weak_key_bits(value: &[u8]) -> Option<u32> {
    if value.starts_with(HASHED.as_bytes()) {
        return None;
    }
    let uses = |class: fn(&u8) -> bool| value.iter().any(class);
    let pool: u32 = [
        (uses(u8::is_ascii_lowercase), 26),
        (uses(u8::is_ascii_uppercase), 26),
        (uses(u8::is_ascii_digit), 10),
        (
            uses(|byte| byte.is_ascii_punctuation() || *byte == b' '),
            33,
        ),
        (
            uses(|byte| {
                !byte.is_ascii_alphanumeric() && !byte.is_ascii_punctuation() && *byte != b' '
            }),
            128,
        ),
    ]
    .iter()
    .filter(|(used, _)| *used)
    .map(|(_, size)| size)
    .sum();
    let bits = value.len() as f64 * f64::from(pool.max(1)).log2();
    (bits < f64::from(STRONG_BITS)).then_some(bits as u32)
}

/// A secret must be something a request can present in an `Authorization` header, or every
/// request would be refused with nothing in the logs to say why.
fn check_value(value: &[u8]) -> Result<(), &'static str> {
    const _: () = assert!(MAX_SECRET_LEN == 4096, "update the message below");
    let is_space = |byte: &u8| matches!(byte, b' ' | b'\t');
    if value.is_empty() {
        return Err("it is empty");
    }
    if value.iter().all(is_space) {
        return Err("it is only whitespace");
    }
    if value.first().is_some_and(is_space) || value.last().is_some_and(is_space) {
        return Err("it starts or ends with whitespace, which HTTP strips from header values");
    }
    if value
        .iter()
        .any(|&byte| (byte < b' ' && byte != b'\t') || byte == 0x7f)
    {
        return Err("it holds a control character, which an HTTP header cannot carry");
    }
    if value.len() > MAX_SECRET_LEN {
        return Err("it is longer than 4096 bytes");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_never_shows_its_bytes() {
        let digest = Digest::of(b"SUPERSECRET");
        let shown = format!("{digest:?} {:?}", Some(&digest));
        assert_eq!(shown, "Digest([REDACTED]) Some(Digest([REDACTED]))");
        assert!(!shown.contains(&digest.stored_form()[7..13]), "{shown}");
    }

    #[test]
    fn a_key_under_112_bits_of_estimated_strength_is_weak() {
        assert_eq!(weak_key_bits(b"SUPERSECRET"), Some(51));
        assert_eq!(weak_key_bits(b"password"), Some(37));
        // 20 characters of three classes (62): 119 bits; 18 of them, 107.
        assert_eq!(weak_key_bits(b"aB3aB3aB3aB3aB3aB3aB"), None);
        assert_eq!(weak_key_bits(b"aB3aB3aB3aB3aB3aB3"), Some(107));
        // Punctuation and space widen the pool; other bytes more.
        assert_eq!(weak_key_bits(b"ab cd"), Some(29));
        assert_eq!(weak_key_bits("é".as_bytes()), Some(14));
        // 29 hex digits (lower case and digits, 36) are 149 bits by the estimate.
        assert_eq!(weak_key_bits(b"0123456789abcdef0123456789abc"), None);
        let digest = Digest::of(b"SUPERSECRET").stored_form();
        assert_eq!(weak_key_bits(digest.as_bytes()), None);
        let (key, _) = crate::generate_key("acme").unwrap();
        assert_eq!(weak_key_bits(key.as_bytes()), None);
    }

    #[test]
    fn values_a_header_cannot_carry_are_refused() {
        assert_eq!(check_value(b"SUPERSECRET"), Ok(()));
        assert_eq!(check_value(b"with inner\tspace"), Ok(()));
        assert_eq!(check_value(b""), Err("it is empty"));
        assert_eq!(check_value(b" \t "), Err("it is only whitespace"));
        assert!(check_value(b" lead").is_err());
        assert!(check_value(b"trail\t").is_err());
        assert!(check_value(b"line\nbreak").is_err());
        assert!(check_value(b"del\x7f").is_err());
        assert!(check_value(&[b'a'; MAX_SECRET_LEN]).is_ok());
        assert!(check_value(&[b'a'; MAX_SECRET_LEN + 1]).is_err());
    }

    #[test]
    fn a_digest_value_is_the_digest_of_the_key() {
        // Any 64 hex digits are a digest, in either case.
        let hex = "3f0b6c1b1d3c0e1d5c0e8b3b1b2c1b9f1c8e0a0c9e1f4b1a6d1e9c2f3a4b5c6d";
        let lower = key_digest(format!("sha256:{hex}").as_bytes()).unwrap();
        let upper = key_digest(format!("sha256:{}", hex.to_uppercase()).as_bytes()).unwrap();
        assert!(bool::from(lower.matches(&upper)));
        let real = Digest::of(b"SUPERSECRET").stored_form();
        let hashed = key_digest(real.as_bytes()).unwrap();
        assert!(bool::from(
            hashed.matches(&key_digest(b"SUPERSECRET").unwrap())
        ));
        assert!(!bool::from(
            hashed.matches(&key_digest(b"SUPERSECREt").unwrap())
        ));
    }

    #[test]
    fn digests_whose_word_differences_cancel_out_do_not_match() {
        // Words 0 and 1 differ from zero's by the same bits, as do all four words of the
        // second: a fold that XORed the differences, instead of ORing them, would see none.
        let mut two_words = [0; 32];
        (two_words[3], two_words[11]) = (0x5a, 0x5a);
        let zero = Digest::zero();
        for other in [two_words, [0xff; 32]] {
            assert!(!bool::from(zero.matches(&Digest(other))), "{other:?}");
            assert!(!bool::from(Digest(other).matches(&zero)), "{other:?}");
            assert!(bool::from(Digest(other).matches(&Digest(other))));
        }
    }

    #[test]
    fn malformed_digests_are_refused() {
        for value in [
            "sha256:",
            "sha256:abc",
            "sha256:zz0b6c1b1d3c0e1d5c0e8b3b1b2c1b9f1c8e0a0c9e1f4b1a6d1e9c2f3a4b5c6d",
            "sha256:3f0b6c1b1d3c0e1d5c0e8b3b1b2c1b9f1c8e0a0c9e1f4b1a6d1e9c2f3a4b5c6d0",
            "sha256:+f0b6c1b1d3c0e1d5c0e8b3b1b2c1b9f1c8e0a0c9e1f4b1a6d1e9c2f3a4b5c6d",
        ] {
            let reason = key_digest(value.as_bytes()).unwrap_err();
            assert!(reason.contains("64 hexadecimal digits"), "{reason}");
        }
        // Written in another case, or with a dash, a digest is refused, not taken as a key.
        let hex = "3f0b6c1b1d3c0e1d5c0e8b3b1b2c1b9f1c8e0a0c9e1f4b1a6d1e9c2f3a4b5c6d";
        for prefix in ["SHA256:", "Sha256:", "sha-256:", "SHA-256:"] {
            let reason = key_digest(format!("{prefix}{hex}").as_bytes()).unwrap_err();
            assert!(reason.contains("lower case"), "{prefix}: {reason}");
        }
        assert!(
            key_digest(b"sha256").is_ok(),
            "a short key that is no digest"
        );
    }
}
