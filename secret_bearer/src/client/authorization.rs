//! The header value a bearer sends, how it is read, and the traits that attach it:
//! [`Authorize`] names the request types (for the attribute's bound and its error), the sealed
//! [`Attach`] does the work, so that the header value (which holds the secret) never leaves
//! this crate.

use std::fmt;

use secrecy::zeroize::Zeroizing;
#[cfg(any(feature = "reqwest-middleware", feature = "awc"))]
use subtle::ConstantTimeEq;

use crate::bearer::SecretBearer;
use crate::error::{Error, ErrorKind};
use crate::secret::{Secret, Use};
use crate::source::SecretSource;
use crate::store::SecretStore;

/// An `Authorization` header value: the bearer's prefix and its primary secret.
///
/// It holds the secret, so it is redacted in `Debug` and wiped when dropped; one is read for
/// each request rather than kept. (The clients' own header types, which it becomes when
/// attached, cannot be wiped: they are marked sensitive instead.) Public in a private module:
/// [`Attach`] names it, and nothing outside the crate can. (A build with no client feature
/// builds one, and attaches it to nothing.)
#[cfg_attr(
    not(any(feature = "http", feature = "awc", feature = "reqwest")),
    allow(dead_code)
)]
pub struct Authorization {
    value: Zeroizing<Vec<u8>>,
}

impl Authorization {
    /// `None` for a secret read without its key, which a client cannot send.
    fn new(prefix: &str, secret: &Secret) -> Option<Self> {
        let key = secret.key()?;
        let mut value = Zeroizing::new(Vec::with_capacity(prefix.len() + key.len()));
        value.extend_from_slice(prefix.as_bytes());
        value.extend_from_slice(key);
        Some(Self { value })
    }

    /// The header value's bytes, which contain the secret. It is always a valid header value
    /// (the prefix is printable ASCII, and a secret with a byte no header can carry is refused
    /// when read).
    #[cfg_attr(
        not(any(feature = "http", feature = "awc", feature = "reqwest")),
        allow(dead_code)
    )]
    pub(crate) fn expose_value(&self) -> &[u8] {
        &self.value
    }
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Authorization([REDACTED])")
    }
}

/// A request (or its headers) that `#[secret_bearer]` on a client function authorizes: the
/// type of the function's request parameter.
///
/// Implemented, each behind the cargo feature of its crate, for `reqwest::RequestBuilder`,
/// `awc::ClientRequest`, `http::request::Builder`, `http::HeaderMap` and `&mut http::HeaderMap`;
/// sealed, since attaching the header hands over the secret. For another client, annotate a
/// function that takes `&mut http::HeaderMap` and copy the header from it. Not part of the
/// public API: what a user writes is the request type; rustc names this trait only in the
/// attribute's error (through `__names`, by its name alone).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a request `secret_bearer` can authorize",
    note = "supported: `reqwest::RequestBuilder` (feature `reqwest`), `awc::ClientRequest` (feature `awc`), `http::request::Builder`, `http::HeaderMap` and `&mut http::HeaderMap` (feature `http`)"
)]
pub trait Authorize: Attach {}

/// How each request type takes the header: sets `Authorization`, replacing any value already
/// set, and marks it sensitive. Public in a private module, so only this crate implements it.
pub trait Attach: Sized {
    /// Attaches `authorization`.
    #[must_use]
    fn authorize(self, authorization: &Authorization) -> Self;
}

/// Builds a client crate's header value, marked sensitive; `None` cannot happen for an
/// [`Authorization`] (see [`Authorization::expose_value`]) but is handled, never unwrapped.
#[cfg(any(feature = "http", feature = "awc", feature = "reqwest"))]
macro_rules! sensitive_value {
    ($header_value:ty, $authorization:expr) => {
        <$header_value>::from_bytes($authorization.expose_value())
            .ok()
            .map(|mut value| {
                value.set_sensitive(true);
                value
            })
    };
}
#[cfg(any(feature = "http", feature = "awc", feature = "reqwest"))]
pub(crate) use sensitive_value;

impl SecretBearer {
    /// The header value to send: the prefix and the primary secret, read now from its
    /// environment variable.
    ///
    /// A secret that lives in a secret manager answers [`ErrorKind::NeedsWaiting`] here
    /// ([`SecretBearer::authorization_with`] waits). A secret given as its `sha256:` digest
    /// cannot be sent: that is [`ErrorKind::UnusableSecret`]; nor can a key set, whose keys are the
    /// callers' ([`ErrorKind::UnusableKeySet`]).
    pub(crate) fn authorization(&self) -> Result<Authorization, Error> {
        self.authorization_from(&Secret::from_env(self.sent_source()?, Use::Send)?)
    }

    /// [`SecretBearer::authorization`] for any bearer: a secret that lives in a secret manager
    /// is read through the installed store's cache (fetched first when due).
    pub(crate) async fn authorization_with(&self) -> Result<Authorization, Error> {
        let source = self.sent_source()?;
        let store = SecretStore::or_installed(None);
        let Some(store) = store.filter(|_| source.is_managed()) else {
            return self.authorization();
        };
        // A sent secret is never optional: only an alternate can be absent without an error.
        let secret = store.secret(source, Use::Send).await?;
        let secret = secret.ok_or_else(|| {
            Error::from(ErrorKind::MissingSecret {
                source: source.clone(),
            })
        })?;
        self.authorization_from(&secret)
    }

    /// After the server answered `sent` with a 401: the secret read again (a secret in a
    /// manager fetched again within the store's limits on refreshes after a mismatch), to send
    /// the request once more with, or `None` when it is the one just refused, which could only
    /// be refused again. The one rule of every client that sends a request again.
    #[cfg(any(feature = "reqwest-middleware", feature = "awc"))]
    pub(crate) async fn authorization_to_resend(
        &self,
        sent: &Authorization,
    ) -> Result<Option<Authorization>, Error> {
        self.reread_sent().await;
        let read_again = self.authorization_with().await?;
        // Constant time: both hold the secret, and how much of the old one the new one shares
        // is nobody's business.
        if bool::from(read_again.value.as_slice().ct_eq(sent.value.as_slice())) {
            tracing::debug!(
                "the server answered 401 Unauthorized, and the secret read again is the one it \
                 refused: the 401 is the answer, the request is not sent again"
            );
            return Ok(None);
        }
        tracing::info!(
            "the server answered 401 Unauthorized, and the secret read again differs: sending \
             the request once more with it"
        );
        Ok(Some(read_again))
    }

    /// After the server refused what was sent: the sent secret, if it lives in a secret
    /// manager, is fetched again if the cache's mismatch rules allow it (an environment
    /// variable is read afresh for every request anyway).
    #[cfg(any(feature = "reqwest-middleware", feature = "awc", feature = "tower"))]
    pub(crate) async fn reread_sent(&self) {
        if let (Ok(source), Some(store)) = (self.sent_source(), SecretStore::or_installed(None))
            && source.is_managed()
        {
            store.refresh_after_mismatch(source).await;
        }
    }

    /// The primary secret's source: what a client sends. A key set holds other callers' keys,
    /// not one to send.
    fn sent_source(&self) -> Result<&SecretSource, Error> {
        if self.is_key_set() {
            return Err(Error::from(ErrorKind::UnusableKeySet {
                source: self.primary_source().clone(),
                caller: None,
                reason: "a client sends one key, and a key set holds its callers' keys: give \
                         the client `env` or `secret`"
                    .to_owned(),
            }));
        }
        Ok(self.primary_source())
    }

    fn authorization_from(&self, secret: &Secret) -> Result<Authorization, Error> {
        Authorization::new(self.prefix(), secret).ok_or_else(|| {
            Error::from(ErrorKind::UnusableSecret {
                source: self.primary_source().clone(),
                reason: "a client must send the key itself",
            })
        })
    }
}
