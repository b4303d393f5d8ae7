//! New keys in a shape secret scanners can find: a prefix, randomness from the operating
//! system, and a checksum, as GitHub's tokens have.

use secrecy::zeroize::Zeroizing;

use crate::digest::Digest;
use crate::error::{Error, ErrorKind};

/// Base62's digits, in ASCII order.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Random characters per key: 30 of 62 are 178 bits, more than the 128 asked of a key.
const RANDOM_CHARS: usize = 30;
/// A CRC-32 (below 62⁶) in base62 digits.
const CHECKSUM_CHARS: usize = 6;
/// The longest prefix.
const MAX_PREFIX: usize = 16;

/// Makes a new key and its digest: the key to give its caller, and the `sha256:` digest to put
/// in the key set (or a secret) instead of the key.
///
/// The key is `<prefix>_`, then 30 characters of base62 (`0-9A-Za-z`) drawn from the operating
/// system's random source (178 bits, each character uniform: bytes that would favour some
/// characters are drawn again), then 6 base62 characters of the CRC-32 (zlib's, as in gzip and
/// PNG) of those 30 characters, padded on the left with `0`. A secret scanner (GitHub's
/// secret-scanning custom patterns, `gitleaks`, `trufflehog`) finds it with the regular
/// expression `\b<prefix>_[0-9A-Za-z]{36}\b`, and can drop a look-alike without asking anyone
/// by checking the last 6 characters. The prefix says whose key it is (`acme_live`): 1 to 16
/// ASCII letters, digits and `_`, starting with a letter.
///
/// `cargo run --example keygen -- <prefix>` prints both, the key on the first line.
///
/// ```
/// let (key, digest) = secret_bearer::generate_key("acme").unwrap();
/// assert!(key.starts_with("acme_") && key.len() == "acme_".len() + 36);
/// assert!(digest.starts_with("sha256:"));
/// ```
///
/// # Errors
///
/// [`ErrorKind::KeyGeneration`]: the prefix breaks the rule above, or the operating system
/// gives no random bytes.
pub fn generate_key(prefix: &str) -> Result<(Zeroizing<String>, String), Error> {
    check_prefix(prefix)?;
    let random = random_base62()?;
    let mut key = Zeroizing::new(String::with_capacity(prefix.len() + 1 + RANDOM_CHARS + 6));
    key.push_str(prefix);
    key.push('_');
    key.push_str(std::str::from_utf8(random.as_slice()).expect("base62 is ASCII"));
    key.push_str(&checksum(random.as_slice()));
    let digest = Digest::of(key.as_bytes()).stored_form();
    Ok((key, digest))
}

fn check_prefix(prefix: &str) -> Result<(), Error> {
    let starts_with_letter = prefix.starts_with(|c: char| c.is_ascii_alphabetic());
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if starts_with_letter && prefix.len() <= MAX_PREFIX && prefix.chars().all(allowed) {
        return Ok(());
    }
    Err(Error::from(ErrorKind::KeyGeneration {
        reason: format!(
            "the prefix {prefix:?} is not 1 to {MAX_PREFIX} ASCII letters, digits and `_` \
             starting with a letter"
        ),
    }))
}

/// 30 uniform base62 characters. A byte below 248 (4 × 62) picks `byte % 62`, each character
/// by 4 of them; a byte from 248 up is drawn again (about 3 % of them).
fn random_base62() -> Result<Zeroizing<[u8; RANDOM_CHARS]>, Error> {
    let mut chars = Zeroizing::new([0u8; RANDOM_CHARS]);
    let mut pool = Zeroizing::new([0u8; 64]);
    let mut filled = 0;
    while filled < RANDOM_CHARS {
        getrandom::fill(pool.as_mut_slice()).map_err(|error| {
            Error::from(ErrorKind::KeyGeneration {
                reason: format!("the operating system gave no random bytes: {error}"),
            })
        })?;
        for &byte in pool.iter().filter(|&&byte| byte < 248) {
            if filled == RANDOM_CHARS {
                break;
            }
            chars[filled] = BASE62[usize::from(byte % 62)];
            filled += 1;
        }
    }
    Ok(chars)
}

/// The CRC-32 of the random characters in 6 base62 digits.
fn checksum(random: &[u8]) -> String {
    let mut value = crc32(random);
    let mut digits = [b'0'; CHECKSUM_CHARS];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(digits.to_vec()).expect("base62 is ASCII")
}

/// zlib's CRC-32 (reflected, polynomial `0xEDB88320`), bit by bit: the few bytes of a key
/// need no table, nor a dependency (`crc32fast` brings `cfg-if` and a build script for speed
/// that 30 bytes do not need).
fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(u32::MAX, |crc, &byte| {
        (0..8).fold(crc ^ u32::from(byte), |crc, _| {
            (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_is_zlibs_crc32_in_base62() {
        // zlib's check value (the CRC-32 of "123456789") and the empty input's.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        // Python's `zlib.crc32` written in base62 gives the same.
        assert_eq!(checksum(b"123456789"), "3jZRME");
        assert_eq!(checksum(b"a"), "4GEHKN");
        // A small value is padded on the left with zeros.
        assert_eq!(checksum(&[]), "000000");
    }

    #[test]
    fn a_key_has_the_documented_shape_and_its_digest() {
        let (key, digest) = generate_key("acme_live").unwrap();
        let rest = key.strip_prefix("acme_live_").unwrap();
        assert_eq!(rest.len(), RANDOM_CHARS + CHECKSUM_CHARS);
        assert!(rest.bytes().all(|byte| BASE62.contains(&byte)), "{rest}");
        let (random, check) = rest.split_at(RANDOM_CHARS);
        assert_eq!(checksum(random.as_bytes()), check);
        assert_eq!(digest, Digest::of(key.as_bytes()).stored_form());
        let (other, _) = generate_key("acme_live").unwrap();
        assert_ne!(*key, *other);
    }

    #[test]
    fn every_base62_character_is_drawn_about_as_often() {
        // 2,000 keys are 60,000 characters, about 968 of each; uniform draws stay within
        // ±20 % (five standard deviations) of that; `byte % 62` on every byte, unrejected,
        // would give the first 8 characters 5/4 of the others' share, and fail.
        let mut counts = [0u32; 62];
        for _ in 0..2000 {
            for &byte in random_base62().unwrap().iter() {
                let index = BASE62.iter().position(|&c| c == byte).unwrap();
                counts[index] += 1;
            }
        }
        let expected = 2000 * RANDOM_CHARS as u32 / 62;
        for (index, &count) in counts.iter().enumerate() {
            let bounds = expected * 4 / 5..=expected * 6 / 5;
            assert!(
                bounds.contains(&count),
                "{}: {count}",
                BASE62[index] as char
            );
        }
    }

    #[test]
    fn a_prefix_is_a_letter_then_up_to_15_letters_digits_or_underscores() {
        for good in ["a", "sk_live", "Acme2", "abcdefghijklmnop"] {
            assert!(generate_key(good).is_ok(), "{good}");
        }
        for bad in ["", "1abc", "_abc", "ab-c", "ab c", "abcdefghijklmnopq", "é"] {
            let error = generate_key(bad).unwrap_err();
            let ErrorKind::KeyGeneration { reason } = error.kind() else {
                panic!("{bad}: {error}");
            };
            assert!(reason.contains("starting with a letter"), "{bad}: {reason}");
        }
    }
}
