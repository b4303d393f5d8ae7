//! Secret values: redacted, zeroized on drop, and compared in constant time.

use std::fmt;
use std::hint::black_box;

use secrecy::{ExposeSecret, ExposeSecretMut, SecretBox};
use subtle::Choice;

/// The longest credential, and the longest secret, accepted, in bytes.
///
/// A longer `Authorization` credential is rejected before it is compared with anything, so the
/// work one request can cause is bounded; a longer secret is a configuration error.
pub const MAX_SECRET_LEN: usize = 4096;

/// One secret, stored zero-padded to [`MAX_SECRET_LEN`] bytes.
///
/// The padding is what makes the comparison independent of the secret: comparing a credential
/// of `n` bytes always reads the first `n` bytes of the buffer, whatever the secret's length.
pub(crate) struct Secret {
    padded: SecretBox<[u8; MAX_SECRET_LEN]>,
    len: usize,
}

impl Secret {
    /// `None` when `value` is longer than [`MAX_SECRET_LEN`].
    pub(crate) fn new(value: &[u8]) -> Option<Self> {
        let len = value.len();
        let mut padded = SecretBox::new(Box::new([0u8; MAX_SECRET_LEN]));
        padded
            .expose_secret_mut()
            .get_mut(..len)?
            .copy_from_slice(value);
        Some(Self { padded, len })
    }

    /// Zero when `credential` equals the secret, non-zero otherwise, in time that depends only
    /// on `credential.len()`.
    ///
    /// The byte comparison and the length comparison both always run; neither branches on, nor
    /// indexes by, the secret or its length. The result is secret: see [`ct_matches_either`].
    #[inline(always)]
    fn difference(&self, credential: &[u8]) -> u64 {
        // Branches on the credential's length only, which the caller sent and so already knows.
        let Some(stored) = self.padded.expose_secret().get(..credential.len()) else {
            return 1;
        };
        // OR-ing the XORs of every pair of words, then of the bytes left over, is branch-free;
        // only zero or not matters, so the words are never folded into a byte.
        let (stored_words, stored_rest) = stored.as_chunks::<8>();
        let (credential_words, credential_rest) = credential.as_chunks::<8>();
        let words = stored_words
            .iter()
            .zip(credential_words)
            .fold(0u64, |acc, (s, c)| {
                acc | (u64::from_ne_bytes(*s) ^ u64::from_ne_bytes(*c))
            });
        let rest = stored_rest
            .iter()
            .zip(credential_rest)
            .fold(0u8, |acc, (s, c)| acc | (s ^ c));
        words | u64::from(rest) | (self.len as u64 ^ credential.len() as u64)
    }

    /// The secret's bytes, for sending it (clients); never for comparing it.
    pub(crate) fn expose(&self) -> &[u8] {
        &self.padded.expose_secret()[..self.len]
    }
}

#[cfg(test)]
impl Secret {
    /// Every byte the comparison may read, for the memcheck probe to mark secret.
    pub(crate) fn stored_memory(&self) -> (&[u8; MAX_SECRET_LEN], &usize) {
        (self.padded.expose_secret(), &self.len)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

/// Whether `credential` matches the primary or, during a rotation, the alternate secret.
///
/// Both comparisons always run and are combined without short-circuit, so the time taken does
/// not tell which secret matched, or how much of either.
#[inline(always)]
pub(crate) fn ct_matches_either(
    primary: &Secret,
    alternate: Option<&Secret>,
    credential: &[u8],
) -> Choice {
    let primary = primary.difference(credential);
    // Whether there is an alternate is configuration, not secret; without one, a difference
    // that is never zero.
    let alternate = alternate.map_or(1, |alternate| alternate.difference(credential));
    // `black_box` keeps the optimiser from reasoning about the differences (and from adding an
    // early exit to the folds); from here on the arithmetic is branch-free. One barrier for
    // both secrets, rather than one per `subtle` operation, keeps the comparison's critical
    // path short: each barrier is a round trip through memory. The memcheck probe checks the
    // compiled code for secret-dependent branches.
    let (primary, alternate) = black_box((primary, alternate));
    Choice::from(is_zero(primary) | is_zero(alternate))
}

/// 1 when `x` is zero, 0 otherwise, without a branch: `x | -x` has its top bit set exactly
/// when `x` is not zero.
#[inline(always)]
fn is_zero(x: u64) -> u8 {
    (((x | x.wrapping_neg()) >> 63) as u8) ^ 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(secret: &[u8], credential: &[u8]) -> bool {
        ct_matches_either(&Secret::new(secret).unwrap(), None, credential).into()
    }

    #[test]
    fn equal_bytes_match_and_nothing_else_does() {
        assert!(matches(b"SUPERSECRET", b"SUPERSECRET"));
        assert!(!matches(b"SUPERSECRET", b"SUPERSECRE"));
        assert!(!matches(b"SUPERSECRET", b"SUPERSECRETX"));
        assert!(!matches(b"SUPERSECRET", b"supersecret"));
        assert!(!matches(b"SUPERSECRET", b""));
        // The zero padding must never stand in for the secret's missing bytes.
        assert!(!matches(b"AB", b"AB\0"));
    }

    #[test]
    fn lengths_at_and_over_the_cap() {
        let longest = vec![b'a'; MAX_SECRET_LEN];
        assert!(matches(&longest, &longest));
        assert!(Secret::new(&vec![b'a'; MAX_SECRET_LEN + 1]).is_none());
        assert!(!matches(b"a", &vec![b'a'; MAX_SECRET_LEN + 1]));
    }

    #[test]
    fn either_secret_of_a_pair_matches() {
        let (new, old) = (Secret::new(b"new").unwrap(), Secret::new(b"old").unwrap());
        let either =
            |credential: &[u8]| bool::from(ct_matches_either(&new, Some(&old), credential));
        assert!(either(b"new"));
        assert!(either(b"old"));
        assert!(!either(b"neither"));
        assert!(!bool::from(ct_matches_either(&new, None, b"old")));
    }

    #[test]
    fn only_zero_is_zero() {
        assert_eq!(is_zero(0), 1);
        for x in [1, 2, 0xff, 1 << 62, 1 << 63, u64::MAX - 1, u64::MAX] {
            assert_eq!(is_zero(x), 0, "{x:#x}");
        }
    }

    #[test]
    fn debug_never_shows_the_value() {
        let shown = format!("{:?}", Secret::new(b"SUPERSECRET").unwrap());
        assert!(!shown.contains("SUPERSECRET"), "{shown}");
    }
}
