//! A secret as this crate holds it: its SHA-256 digest, which checks compare with in constant
//! time, and for clients, which must send it, the key itself in a `secrecy` box.

use std::fmt;

use secrecy::zeroize::{Zeroize, Zeroizing};
use secrecy::{ExposeSecret, SecretBox};
use sha2::{Digest as _, Sha256};
use subtle::{Choice, ConstantTimeEq};

use crate::error::Error;
use crate::keys::KeyTable;
use crate::source::SecretSource;

/// The longest credential, and the longest secret, accepted, in bytes.
///
/// A longer `Authorization` credential is refused before it is hashed, so the work one request
/// can cause is bounded; a longer secret is a configuration error.
pub const MAX_SECRET_LEN: usize = 4096;

/// How a secret's value says it is a digest, not the key: `sha256:` and 64 hex digits.
const HASHED: &str = "sha256:";

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

/// One secret: the keys checks compare with, and, where a client asked for it, what it sends.
pub(crate) struct Secret {
    pub(crate) keys: KeyTable,
    /// The key itself; kept only for clients, and never for a secret given as its digest.
    key: Option<SecretBox<[u8]>>,
}

/// How a secret's value is read: one key to check requests with (its digest is enough), one
/// key to send, or a key set to check requests with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Use {
    Check,
    Send,
    KeySet,
}

impl Secret {
    /// Reads an environment variable now. The error names the variable, never its value.
    pub(crate) fn from_env(source: &SecretSource, used: Use) -> Result<Self, Error> {
        let SecretSource::Env(name) = source else {
            return Err(Error::NoSecretStore {
                source: source.clone(),
            });
        };
        let value = std::env::var_os(name.as_ref()).ok_or_else(|| Error::MissingSecret {
            source: source.clone(),
        })?;
        Self::from_value(source, &Zeroizing::new(value.into_encoded_bytes()), used)
    }

    /// The secret a source's value holds (for a source with a JSON key, the value is the
    /// document it is picked from): `sha256:<64 hex digits>` is the key's digest, anything
    /// else the key itself, which must be something a request can carry; or a key set.
    pub(crate) fn from_value(
        source: &SecretSource,
        value: &[u8],
        used: Use,
    ) -> Result<Self, Error> {
        if used == Use::KeySet {
            let keys = KeyTable::key_set(source, value)?;
            return Ok(Self { keys, key: None });
        }
        let unusable = |reason| Error::UnusableSecret {
            source: source.clone(),
            reason,
        };
        let value = source.pick(value).map_err(unusable)?;
        if used == Use::Send && value.starts_with(HASHED.as_bytes()) {
            return Err(unusable(
                "it is a `sha256:` digest, and a client must send the key itself",
            ));
        }
        Ok(Self {
            keys: KeyTable::single(key_digest(&value).map_err(unusable)?),
            key: (used == Use::Send).then(|| SecretBox::new(Box::from(value.as_slice()))),
        })
    }

    /// The key, to send; `None` for a secret read to check requests with.
    pub(crate) fn key(&self) -> Option<&[u8]> {
        self.key.as_ref().map(|key| key.expose_secret())
    }
}

/// The digest of a key as a secret's value gives it: `sha256:<64 hex digits>`, or the key
/// itself, which must be something a request can carry.
pub(crate) fn key_digest(value: &[u8]) -> Result<Digest, &'static str> {
    match value.strip_prefix(HASHED.as_bytes()) {
        Some(hex) => {
            parse_hex(hex).ok_or("after `sha256:` a digest is exactly 64 hexadecimal digits")
        }
        None => check_value(value).map(|()| Digest::of(value)),
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
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

    fn source() -> SecretSource {
        SecretSource::Env("X".into())
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
        let hashed = b"sha256:3f0b6c1b1d3c0e1d5c0e8b3b1b2c1b9f1c8e0a0c9e1f4b1a6d1e9c2f3a4b5c6d";
        let from_digest = Secret::from_value(&source(), hashed, Use::Check).unwrap();
        assert!(from_digest.key().is_none());
        let upper = hashed.to_ascii_uppercase();
        let upper = [b"sha256:".as_slice(), &upper[7..]].concat();
        let from_upper = Secret::from_value(&source(), &upper, Use::Check).unwrap();
        assert!(same_key(&from_digest, &from_upper));

        let real = format!("sha256:{}", hex(&Digest::of(b"SUPERSECRET")));
        let hashed = Secret::from_value(&source(), real.as_bytes(), Use::Check).unwrap();
        let plain = Secret::from_value(&source(), b"SUPERSECRET", Use::Check).unwrap();
        assert!(same_key(&hashed, &plain));
        assert!(plain.key().is_none(), "a server keeps no key");
    }

    #[test]
    fn malformed_digests_are_configuration_errors_that_show_nothing() {
        for value in [
            "sha256:",
            "sha256:abc",
            "sha256:zz0b6c1b1d3c0e1d5c0e8b3b1b2c1b9f1c8e0a0c9e1f4b1a6d1e9c2f3a4b5c6d",
            "sha256:3f0b6c1b1d3c0e1d5c0e8b3b1b2c1b9f1c8e0a0c9e1f4b1a6d1e9c2f3a4b5c6d0",
            "sha256:+f0b6c1b1d3c0e1d5c0e8b3b1b2c1b9f1c8e0a0c9e1f4b1a6d1e9c2f3a4b5c6d",
        ] {
            let error = Secret::from_value(&source(), value.as_bytes(), Use::Check).unwrap_err();
            let shown = error.to_string();
            assert!(shown.contains("64 hexadecimal digits"), "{shown}");
            assert!(!shown.contains("3f0b6c"), "{shown}");
        }
    }

    #[test]
    fn a_client_needs_the_key_itself() {
        let hashed = format!("sha256:{}", hex(&Digest::of(b"K")));
        let error = Secret::from_value(&source(), hashed.as_bytes(), Use::Send).unwrap_err();
        assert!(
            error.to_string().contains("must send the key itself"),
            "{error}"
        );
        let sent = Secret::from_value(&source(), b"KEY", Use::Send).unwrap();
        assert_eq!(sent.key(), Some(&b"KEY"[..]));
    }

    #[test]
    fn errors_and_debug_never_show_the_value() {
        let error = Secret::from_value(&source(), b" SUPERSECRET", Use::Check).unwrap_err();
        let shown = error.to_string();
        assert!(
            shown.starts_with("environment variable `X` cannot be used"),
            "{shown}"
        );
        assert!(!shown.contains("SUPERSECRET"), "{shown}");
        let secret = Secret::from_value(&source(), b"SUPERSECRET", Use::Send).unwrap();
        let shown = format!("{secret:?} {:?}", secret.keys.digests().next());
        assert!(!shown.contains("SUPERSECRET"), "{shown}");
    }

    fn same_key(a: &Secret, b: &Secret) -> bool {
        let digest = a.keys.digests().next().unwrap();
        bool::from(b.keys.find(digest).matched)
    }

    fn hex(digest: &Digest) -> String {
        digest.0.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}
