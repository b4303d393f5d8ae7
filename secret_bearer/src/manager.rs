//! The secret-manager trait users implement for their store, and the errors it reports.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::source::SecretVersion;

/// A store of secrets, read by path: what `secret = "..."` and `alt_secret = "..."` read
/// through, once bound with a [`SecretStore`](crate::SecretStore).
///
/// One method, written as an `async fn`:
///
/// ```
/// use secret_bearer::{ManagerError, ManagerErrorKind, SecretManager};
///
/// struct FakeManager;
///
/// impl SecretManager for FakeManager {
///     async fn get(&self, path: &str) -> Result<String, ManagerError> {
///         match path {
///             "/path/to/my/secret" => Ok("SUPERSECRET".to_owned()),
///             _ => Err(ManagerError::new(ManagerErrorKind::NotFound, format!("no secret at {path}"))),
///         }
///     }
/// }
/// ```
///
/// The returned value is copied into a zeroized buffer and the `String` is wiped; the error's
/// message is logged, so it must never hold a secret. Caching, single flight, timeouts and
/// rotation are the [`SecretStore`](crate::SecretStore)'s job: `get` should simply ask the
/// store each time, and say by the error's [`ManagerErrorKind`] what it found. The kind
/// matters: `NotFound` revokes at once, `Invalid` fails closed at once, and the others mean
/// the store could not be reached, which leaves the last good value serving for a bounded
/// time (see [`CachePolicy`](crate::CachePolicy)). A `get` that hangs is cut off after the
/// policy's `fetch_timeout`; one that panics counts as unreachable.
pub trait SecretManager: Send + Sync + 'static {
    /// The secret stored at `path`.
    fn get(&self, path: &str) -> impl Future<Output = Result<String, ManagerError>> + Send;

    /// The version of the secret at `path` before its current one, or the current one if it
    /// has no version before it (so that accepting both accepts just it): the alternate secret
    /// of a `rotating` bearer. For stores that keep versions (AWS Secrets Manager's
    /// `AWSPREVIOUS`, a Vault KV v2 secret's previous version).
    ///
    /// The default answers an error: a store without versions cannot serve `rotating`.
    fn get_previous(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<String, ManagerError>> + Send {
        let _ = path;
        std::future::ready(Err(ManagerError::new(
            ManagerErrorKind::Invalid,
            "this secret manager keeps no versions, so `rotating` cannot read a previous one",
        )))
    }
}

/// The object-safe form of [`SecretManager`], so that a store can hold any manager.
pub(crate) trait DynSecretManager: Send + Sync + 'static {
    fn get_boxed<'a>(&'a self, path: &'a str, version: SecretVersion) -> Fetching<'a>;
}

type Fetching<'a> = Pin<Box<dyn Future<Output = Result<String, ManagerError>> + Send + 'a>>;

impl<M: SecretManager> DynSecretManager for M {
    fn get_boxed<'a>(&'a self, path: &'a str, version: SecretVersion) -> Fetching<'a> {
        match version {
            SecretVersion::Current => Box::pin(self.get(path)),
            SecretVersion::Previous => Box::pin(self.get_previous(path)),
        }
    }
}

/// What kind of failure a [`ManagerError`] is. It decides what the cache does (see
/// [`CachePolicy`](crate::CachePolicy)): `NotFound` and `Invalid` are the store's answer, and
/// take effect at once; the others mean the store could not be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ManagerErrorKind {
    /// The store has no secret at this path: a primary secret or key set fails closed at once,
    /// and an alternate is no longer accepted (how a rotation ends).
    NotFound,
    /// The store refused the server itself: missing permission, a wrong or expired token.
    /// Counted as unreachable, not as a revocation: the last good value keeps serving within
    /// the cache's bound (crate docs, "Revocation"). A manager whose request cannot work
    /// whatever the server's access (a path outside its store) answers `Invalid` instead.
    Denied,
    /// The store could not be reached, or did not answer in time.
    Unavailable,
    /// The store answered with something that is not a usable secret: fails closed at once.
    Invalid,
    /// Anything else.
    Other,
}

impl fmt::Display for ManagerErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotFound => "not found",
            Self::Denied => "access denied",
            Self::Unavailable => "store unavailable",
            Self::Invalid => "invalid secret",
            Self::Other => "error",
        })
    }
}

/// Why a [`SecretManager`] could not return a secret. Its message is logged: never put a
/// secret's value in it.
#[derive(Clone)]
pub struct ManagerError {
    kind: ManagerErrorKind,
    // Shared: errors are cloned into every request they fail, and kept small.
    detail: Arc<Detail>,
}

struct Detail {
    message: Cow<'static, str>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ManagerError {
    /// An error of this kind, explained by `message`.
    pub fn new(kind: ManagerErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            detail: Arc::new(Detail {
                message: message.into(),
                source: None,
            }),
        }
    }

    /// Keeps the underlying error, for [`std::error::Error::source`].
    #[must_use]
    pub fn with_source(self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self {
            kind: self.kind,
            detail: Arc::new(Detail {
                message: self.detail.message.clone(),
                source: Some(Box::new(source)),
            }),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ManagerErrorKind {
        self.kind
    }

    /// The explanation given.
    pub fn message(&self) -> &str {
        &self.detail.message
    }
}

impl fmt::Debug for ManagerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagerError")
            .field("kind", &self.kind)
            .field("message", &self.detail.message)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for ManagerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.detail.message)
    }
}

impl std::error::Error for ManagerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.detail
            .source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

/// Two errors are equal when they say the same thing; their sources are not compared.
impl PartialEq for ManagerError {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.detail.message == other.detail.message
    }
}

impl Eq for ManagerError {}
