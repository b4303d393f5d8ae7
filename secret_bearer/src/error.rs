//! The crate's error type. No variant can hold a secret's value: only where it comes from.

use std::fmt;

use crate::manager::{ManagerError, ManagerErrorKind};
use crate::source::SecretSource;

/// Why a [`SecretBearer`](crate::SecretBearer) cannot authenticate: a setting is invalid, or a
/// secret cannot be read.
///
/// Every variant names *where* a secret comes from, never its value, so an `Error` is safe to
/// log and to show.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A builder setting is invalid.
    InvalidSetting {
        /// The setting, as the builder method and the attribute key spell it.
        setting: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No primary secret source was configured.
    NoPrimarySource,
    /// The source holds no value: an environment variable that is not set, a value that is
    /// empty or only whitespace, or a JSON key the secret's document lacks. (A secret manager
    /// that finds nothing at the path answers [`Error::Manager`], of kind
    /// [`NotFound`](crate::ManagerErrorKind::NotFound).) For an alternate secret this is no
    /// error: the alternate is simply not accepted.
    MissingSecret {
        /// Where the secret was looked for.
        source: SecretSource,
    },
    /// The source holds a value that cannot serve as a secret.
    UnusableSecret {
        /// Where the secret was read.
        source: SecretSource,
        /// What is wrong with the value (never the value itself).
        reason: &'static str,
    },
    /// The source holds a value that cannot serve as a key set (see
    /// [`SecretBearerBuilder::keys_env`](crate::SecretBearerBuilder::keys_env)).
    UnusableKeySet {
        /// Where the key set was read.
        source: SecretSource,
        /// The caller whose entry breaks a rule, if the fault is one caller's.
        caller: Option<String>,
        /// What is wrong (never a key).
        reason: String,
    },
    /// A handler asked for the [`Caller`](crate::Caller), but no check protects it.
    Unprotected,
    /// The secret manager could not give the secret: it has none at the path, its value cannot
    /// be used, or it could not be reached and no value fetched before may still serve (see
    /// [`CachePolicy`](crate::CachePolicy)).
    Manager {
        /// The secret asked for.
        source: SecretSource,
        /// What the manager said.
        error: ManagerError,
    },
    /// The secret lives in a secret manager, but no [`SecretStore`](crate::SecretStore) is
    /// bound where the request was handled, or given to the client call.
    NoSecretStore {
        /// The secret that needed it.
        source: SecretSource,
    },
    /// An extractor found no [`SecretBearer`](crate::SecretBearer) in the app data.
    NotRegistered,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidSetting { setting, reason } => write!(f, "invalid `{setting}`: {reason}"),
            Self::NoPrimarySource => {
                f.write_str("no primary secret source: set one, e.g. with `env(\"MY_SECRET\")`")
            }
            Self::MissingSecret { source } => write!(f, "{source} is not set, or is empty"),
            Self::UnusableSecret { source, reason } => {
                write!(f, "{source} cannot be used as a secret: {reason}")
            }
            Self::UnusableKeySet {
                source,
                caller: Some(caller),
                reason,
            } => write!(
                f,
                "{source} cannot be used as a key set: caller {caller:?}: {reason}"
            ),
            Self::UnusableKeySet { source, reason, .. } => {
                write!(f, "{source} cannot be used as a key set: {reason}")
            }
            Self::Unprotected => f.write_str(
                "a handler asked for the `Caller`, but no `secret_bearer` check protects it: \
                 add the attribute, `Authenticated`, or the middleware",
            ),
            Self::Manager { source, error } => {
                write!(f, "the secret manager could not read {source}: {error}")
            }
            Self::NoSecretStore { source } => write!(
                f,
                "{source} lives in a secret manager, but no `SecretStore` is bound: register \
                 one with `App::app_data(SecretStore::new(manager))` (handlers), or pass one \
                 to the client call"
            ),
            Self::NotRegistered => f.write_str(
                "no `SecretBearer` in the app data: register one with `App::app_data(bearer)`",
            ),
        }
    }
}

impl Error {
    /// Whether the source holds nothing, rather than something wrong.
    pub(crate) fn is_absence(&self) -> bool {
        match self {
            Self::MissingSecret { .. } => true,
            Self::Manager { error, .. } => error.kind() == ManagerErrorKind::NotFound,
            _ => false,
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Manager { error, .. } => Some(error),
            _ => None,
        }
    }
}
