//! Secret values: redacted, zeroized on drop, and compared in constant time.

use std::fmt;
use std::hint::black_box;

use secrecy::zeroize::Zeroize;
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

    /// The stored words (little-endian): the secret, then zeros to [`MAX_SECRET_LEN`].
    #[inline(always)]
    fn words(&self) -> impl Iterator<Item = u64> {
        let (words, _) = self.padded.expose_secret().as_chunks::<8>();
        words.iter().map(|word| u64::from_le_bytes(*word))
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

/// A bearer's secrets as checks compare with them: the primary's and the alternate's words
/// side by side in one buffer, so that comparing a credential of `n` bytes with both reads
/// `2n` consecutive bytes (one cache line for a 32-byte secret) behind one pointer.
///
/// Built once from the [`Secret`]s (an environment bearer's, or a thread's view of a secret
/// manager's), redacted and zeroized on drop like them.
pub(crate) struct SecretPair {
    words: SecretBox<Interleaved>,
    /// The lengths, with `u64::MAX` for a missing alternate: never a credential's length.
    lens: [u64; 2],
}

const WORDS: usize = MAX_SECRET_LEN / 8;

/// Word `i` of the primary, then word `i` of the alternate; zero past each secret's end.
#[repr(C, align(64))]
struct Interleaved([[u64; 2]; WORDS]);

impl Zeroize for Interleaved {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl SecretPair {
    pub(crate) fn new(primary: &Secret, alternate: Option<&Secret>) -> Self {
        let mut words = SecretBox::new(Box::new(Interleaved([[0; 2]; WORDS])));
        for (pair, stored) in words
            .expose_secret_mut()
            .0
            .iter_mut()
            .zip(both(primary, alternate))
        {
            *pair = stored;
        }
        let lens = [
            primary.len as u64,
            alternate.map_or(u64::MAX, |alternate| alternate.len as u64),
        ];
        Self { words, lens }
    }

    /// Whether `credential` matches either secret, in time that depends only on its length.
    #[inline(always)]
    pub(crate) fn matches(&self, credential: &[u8]) -> Choice {
        let words = self.words.expose_secret().0.iter().copied();
        either_is_zero(differences(credential, self.lens, words))
    }
}

#[cfg(test)]
impl SecretPair {
    /// Every byte the comparison may read, for the memcheck probe to mark secret.
    pub(crate) fn stored_memory(&self) -> (&[[u64; 2]; WORDS], &[u64; 2]) {
        (&self.words.expose_secret().0, &self.lens)
    }
}

impl Drop for SecretPair {
    fn drop(&mut self) {
        self.lens.zeroize();
    }
}

impl fmt::Debug for SecretPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretPair([REDACTED])")
    }
}

/// Whether `credential` matches the primary or, during a rotation, the alternate secret: the
/// comparison of [`SecretPair::matches`], reading the two secrets where they are kept.
#[inline(always)]
pub(crate) fn ct_matches_either(
    primary: &Secret,
    alternate: Option<&Secret>,
    credential: &[u8],
) -> Choice {
    let lens = [
        primary.len as u64,
        alternate.map_or(u64::MAX, |alternate| alternate.len as u64),
    ];
    either_is_zero(differences(credential, lens, both(primary, alternate)))
}

/// Word `i` of the primary and of the alternate (zero without one), for every `i`.
#[inline(always)]
fn both(primary: &Secret, alternate: Option<&Secret>) -> impl Iterator<Item = [u64; 2]> {
    static NONE: [u8; MAX_SECRET_LEN] = [0; MAX_SECRET_LEN];
    let alternate = alternate.map_or(&NONE, |alternate| alternate.padded.expose_secret());
    let (alternate, _) = alternate.as_chunks::<8>();
    primary
        .words()
        .zip(alternate)
        .map(|(primary, alternate)| [primary, u64::from_le_bytes(*alternate)])
}

/// For each of two secrets, zero when `credential` equals it and non-zero otherwise: the OR of
/// the XORs of every credential word with the stored words (`stored` gives word `i` of both,
/// for every `i`), and of the lengths.
///
/// Branch-free, and reading the same words whatever the secrets: the loop runs over the
/// credential, whose length the caller sent and so already knows. Its last word is padded with
/// zeros, as the secrets are; when the lengths are equal, the padding is equal too, and when
/// they are not, the lengths differ (a credential longer than any secret is compared only as
/// far as the secrets go, and differs in length). Only zero or not matters, so the words are
/// never folded into a byte.
#[inline(always)]
fn differences(
    credential: &[u8],
    lens: [u64; 2],
    mut stored: impl Iterator<Item = [u64; 2]>,
) -> [u64; 2] {
    let length = credential.len() as u64;
    let mut differences = [lens[0] ^ length, lens[1] ^ length];
    let mut fold = |word: u64, [primary, alternate]: [u64; 2]| {
        differences[0] |= primary ^ word;
        differences[1] |= alternate ^ word;
    };
    let (words, rest) = credential.as_chunks::<8>();
    for (word, stored) in words.iter().zip(&mut stored) {
        fold(u64::from_le_bytes(*word), stored);
    }
    if !rest.is_empty()
        && let Some(stored) = stored.next()
    {
        // The bytes left, as a little-endian word padded with zeros. Built in registers: a
        // copy into a buffer becomes a `memcpy` call, around which the secrets' words are
        // spilled to the stack, and left there.
        let last = rest
            .iter()
            .rev()
            .fold(0, |word, &byte| (word << 8) | u64::from(byte));
        fold(last, stored);
    }
    differences
}

/// Both comparisons are combined without short-circuit, so the time taken does not tell which
/// secret matched, or how much of either.
#[inline(always)]
fn either_is_zero(differences: [u64; 2]) -> Choice {
    // `black_box` keeps the optimiser from reasoning about the differences (and from adding an
    // early exit to the folds); from here on the arithmetic is branch-free. One barrier for
    // both secrets, rather than one per `subtle` operation, keeps the comparison's critical
    // path short: each barrier is a round trip through memory. The memcheck probe checks the
    // compiled code for secret-dependent branches.
    let [primary, alternate] = black_box(differences);
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

    /// Whether `credential` matches `primary` or `alternate`, asked both ways a check asks;
    /// the two must agree.
    fn either(primary: &[u8], alternate: Option<&[u8]>, credential: &[u8]) -> bool {
        let primary = Secret::new(primary).unwrap();
        let alternate = alternate.map(|alternate| Secret::new(alternate).unwrap());
        let kept = bool::from(ct_matches_either(&primary, alternate.as_ref(), credential));
        let paired = SecretPair::new(&primary, alternate.as_ref()).matches(credential);
        assert_eq!(kept, bool::from(paired), "{credential:?}");
        kept
    }

    fn matches(secret: &[u8], credential: &[u8]) -> bool {
        either(secret, None, credential)
    }

    #[test]
    fn equal_bytes_match_and_nothing_else_does() {
        assert!(matches(b"SUPERSECRET", b"SUPERSECRET"));
        assert!(!matches(b"SUPERSECRET", b"SUPERSECRE"));
        assert!(!matches(b"SUPERSECRET", b"SUPERSECRETX"));
        assert!(!matches(b"SUPERSECRET", b"supersecret"));
        assert!(!matches(b"SUPERSECRET", b""));
        assert!(
            matches(b"", b""),
            "refused before it is compared: the bearer's job"
        );
        // The zero padding must never stand in for the secret's missing bytes, in a word or
        // a whole word past the end.
        assert!(!matches(b"AB", b"AB\0"));
        assert!(!matches(b"01234567", b"01234567\0\0\0\0\0\0\0\0"));
        // Every length around a word's end, and every position of a wrong byte.
        for len in [7, 8, 9, 15, 16, 17, 31, 32, 33] {
            let secret: Vec<u8> = (0..len as u8).map(|byte| b'a' + byte % 26).collect();
            assert!(matches(&secret, &secret));
            for position in 0..len {
                let mut wrong = secret.clone();
                wrong[position] ^= 1;
                assert!(!matches(&secret, &wrong), "{len} {position}");
            }
        }
    }

    #[test]
    fn both_ways_agree_with_equality_around_every_word_boundary() {
        let bytes: Vec<u8> = (0..48u8).map(|byte| b'!' + byte).collect();
        let lengths = 1..=40;
        for primary in lengths.clone().map(|len| &bytes[..len]) {
            for alternate in [None, Some(&bytes[8..29]), Some(&bytes[3..40])] {
                for credential in lengths.clone().map(|len| &bytes[..len]) {
                    let mut wrong = credential.to_vec();
                    *wrong.last_mut().unwrap() ^= 0x20;
                    for credential in [credential, &wrong, &[credential, b"\0"].concat()] {
                        let equal = credential == primary || Some(credential) == alternate;
                        assert_eq!(either(primary, alternate, credential), equal);
                    }
                }
            }
        }
    }

    #[test]
    fn lengths_at_and_over_the_cap() {
        let longest = vec![b'a'; MAX_SECRET_LEN];
        assert!(matches(&longest, &longest));
        assert!(Secret::new(&vec![b'a'; MAX_SECRET_LEN + 1]).is_none());
        assert!(!matches(b"a", &vec![b'a'; MAX_SECRET_LEN + 1]));
        assert!(!matches(&longest, &vec![b'a'; MAX_SECRET_LEN + 8]));
    }

    #[test]
    fn either_secret_of_a_pair_matches() {
        let rotating = |credential: &[u8]| either(b"new", Some(b"old"), credential);
        assert!(rotating(b"new"));
        assert!(rotating(b"old"));
        assert!(!rotating(b"neither"));
        assert!(!rotating(b"ol"));
        assert!(!matches(b"new", b"old"));
        // Secrets of different lengths, each matched over its own length only.
        let long = b"a-much-longer-previous-secret";
        assert!(either(b"new", Some(long), long));
        assert!(!either(b"new", Some(long), &long[..3]));
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
        let secret = Secret::new(b"SUPERSECRET").unwrap();
        let shown = format!("{secret:?} {:?}", SecretPair::new(&secret, Some(&secret)));
        assert!(!shown.contains("SUPERSECRET"), "{shown}");
    }
}
