//! A secret as this crate holds it: the digests of its keys, which checks look up in constant
//! time, and for clients, which must send it, the key itself in a `secrecy` box.

use std::fmt;
use std::sync::Arc;

use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretBox};

use crate::digest::{HASHED, key_digest, weak_key_bits};
use crate::error::{Error, ErrorKind};
use crate::json::NO_SUCH_KEY;
use crate::keys::{KeyTable, WeakKey};
use crate::source::{Origin, SecretSource};

/// One secret: the keys checks compare with, and, where a client asked for it, what it sends.
pub(crate) struct Secret {
    pub(crate) keys: KeyTable,
    /// The key itself; kept only for clients, and never for a secret given as its digest.
    key: Option<SecretBox<[u8]>>,
}

/// How a secret's value is read: one key to check requests with (its digest is enough), an
/// alternate key to check with, one key to send, or a key set to check requests with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Use {
    Check,
    /// Read as [`Use::Check`] is; its absence is no alternate, not an error.
    Alternate,
    Send,
    KeySet,
}

/// A source's secret as checks and clients hold it; `None` for an alternate that is absent.
pub(crate) type Held = Result<Option<Arc<Secret>>, Error>;

/// What a read gives a source used so: an alternate that is absent (unset, empty, not found in
/// its store, its JSON key gone) is no alternate, which is how a rotation ends; anything else
/// absent or unusable is the error it is.
pub(crate) fn hold(used: Use, read: Result<Secret, Error>) -> Held {
    match read {
        Ok(secret) => Ok(Some(Arc::new(secret))),
        Err(error) if used == Use::Alternate && error.is_absence() => Ok(None),
        Err(error) => Err(error),
    }
}

impl Secret {
    /// Reads an environment variable now. The error names the variable, never its value.
    pub(crate) fn from_env(source: &SecretSource, used: Use) -> Result<Self, Error> {
        let Origin::Env(name) = &source.0 else {
            return Err(Error::from(ErrorKind::NeedsWaiting {
                source: source.clone(),
            }));
        };
        let value = std::env::var_os(name.as_ref()).ok_or_else(|| {
            Error::from(ErrorKind::MissingSecret {
                source: source.clone(),
            })
        })?;
        Self::from_value(source, &Zeroizing::new(value.into_encoded_bytes()), used)
    }

    /// The secret a source's value holds (for a source with a JSON key, the value is the
    /// document it is picked from): `sha256:<64 hex digits>` is the key's digest, anything
    /// else the key itself, which must be something a request can carry; or a key set. A
    /// value that is empty or only whitespace, or a JSON key the document lacks, holds none:
    /// [`ErrorKind::MissingSecret`].
    pub(crate) fn from_value(
        source: &SecretSource,
        value: &[u8],
        used: Use,
    ) -> Result<Self, Error> {
        let missing = || {
            Error::from(ErrorKind::MissingSecret {
                source: source.clone(),
            })
        };
        // Nothing stored is no secret, whatever would have been read from it.
        if value.trim_ascii().is_empty() {
            return Err(missing());
        }
        if used == Use::KeySet {
            let keys = KeyTable::key_set(source, value)?;
            return Ok(Self::checking(source, keys));
        }
        let unusable = |reason| {
            Error::from(ErrorKind::UnusableSecret {
                source: source.clone(),
                reason,
            })
        };
        let value = source.pick(value).map_err(|reason| match reason {
            NO_SUCH_KEY => missing(),
            reason => unusable(reason),
        })?;
        if value.trim_ascii().is_empty() {
            return Err(missing());
        }
        if used == Use::Send && value.starts_with(HASHED.as_bytes()) {
            return Err(unusable(
                "it is a `sha256:` digest, and a client must send the key itself",
            ));
        }
        let digest = key_digest(&value).map_err(unusable)?;
        if used == Use::Send {
            let key = SecretBox::new(Box::from(value.as_slice()));
            return Ok(Self {
                keys: KeyTable::single(digest, None),
                key: Some(key),
            });
        }
        let keys = KeyTable::single(digest, weak_key_bits(&value));
        Ok(Self::checking(source, keys))
    }

    /// A secret to check requests with, its weak keys logged (`warn`) as it is read: the
    /// source, the caller, the estimate, and the fix; never the key.
    fn checking(source: &SecretSource, keys: KeyTable) -> Self {
        for WeakKey { caller, bits } in keys.weak() {
            tracing::warn!(
                %source,
                caller = caller.as_deref(),
                estimated_bits = bits,
                "secret_bearer: a plain key of under 112 bits of estimated strength, which \
                 whoever obtains its digest can search for; {} (`strong_keys` refuses such keys)",
                WeakKey::FIX
            );
        }
        Self { keys, key: None }
    }

    /// The key, to send; `None` for a secret read to check requests with.
    pub(crate) fn key(&self) -> Option<&[u8]> {
        self.key.as_ref().map(|key| key.expose_secret())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;

    fn source() -> SecretSource {
        SecretSource::env("X")
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

        let real = Digest::of(b"SUPERSECRET").stored_form();
        let hashed = Secret::from_value(&source(), real.as_bytes(), Use::Check).unwrap();
        let plain = Secret::from_value(&source(), b"SUPERSECRET", Use::Check).unwrap();
        assert!(same_key(&hashed, &plain));
        assert!(plain.key().is_none(), "a server keeps no key");
    }

    #[test]
    fn malformed_digests_are_configuration_errors_that_show_nothing() {
        // Each malformation is `digest.rs`'s to test; here, that the error names the source
        // and shows none of the value.
        let value = "sha256:3f0b6c1b1d3c0e1d5c0e8b3b1b2c1b9f1c8e0a0c9e1f4b1a6d1e9c2f3a4b5c6d0";
        let error = Secret::from_value(&source(), value.as_bytes(), Use::Check).unwrap_err();
        let shown = error.to_string();
        assert!(shown.starts_with("environment variable `X`"), "{shown}");
        assert!(shown.contains("64 hexadecimal digits"), "{shown}");
        assert!(!shown.contains("3f0b6c"), "{shown}");
    }

    #[test]
    fn a_client_needs_the_key_itself() {
        let hashed = Digest::of(b"K").stored_form();
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
}
