//! The crate's error type. No kind of error can hold a secret's value: only where it comes from.

use std::fmt;

use crate::manager::{ManagerError, ManagerErrorKind};
use crate::source::SecretSource;

/// Why a [`SecretBearer`](crate::SecretBearer) cannot authenticate: a setting is invalid, or a
/// secret cannot be read. What happened is its [`kind`](Error::kind).
///
/// Every kind names *where* a secret comes from, never its value, so an `Error` is safe to log
/// and to show. The crate's errors share one shape, so that each can grow: a struct with a
/// `kind()`, whose kind is a `#[non_exhaustive]` enum (as [`AuthError`](crate::AuthError) and
/// [`ManagerError`](crate::ManagerError) are). A pointer wide, so that a `Result` carrying one
/// costs nothing on a request's path.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<ErrorKind>);

impl Error {
    /// What happened.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self(Box::new(kind))
    }
}

/// Shown as its kind: the box is no part of what went wrong.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// What an [`Error`] is. The enum and each variant are `#[non_exhaustive]`: a release may add a
/// kind, or a field to one, so match fields with `..`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The builder's settings break a rule of a configuration (the attribute's rules: the
    /// attribute reports the same as a compile error).
    #[non_exhaustive]
    InvalidSetting {
        /// The setting at fault, as the builder method and the attribute key spell it; `None`
        /// when something is missing (a primary secret or key set).
        setting: Option<&'static str>,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The source holds no value: an environment variable that is not set, a value that is
    /// empty or only whitespace, or a JSON key the secret's document lacks. (A secret manager
    /// that finds nothing at the path answers [`ErrorKind::Manager`], of kind
    /// [`NotFound`](crate::ManagerErrorKind::NotFound).) For an alternate secret this is no
    /// error: the alternate is simply not accepted.
    #[non_exhaustive]
    MissingSecret {
        /// Where the secret was looked for.
        source: SecretSource,
    },
    /// The source holds a value that cannot serve as a secret.
    #[non_exhaustive]
    UnusableSecret {
        /// Where the secret was read.
        source: SecretSource,
        /// What is wrong with the value (never the value itself).
        reason: &'static str,
    },
    /// The source holds a value that cannot serve as a key set (see
    /// [`SecretBearerBuilder::keys_env`](crate::SecretBearerBuilder::keys_env)).
    #[non_exhaustive]
    UnusableKeySet {
        /// Where the key set was read.
        source: SecretSource,
        /// The caller whose entry breaks a rule, if the fault is one caller's.
        caller: Option<String>,
        /// What is wrong (never a key).
        reason: String,
    },
    /// A handler asked for the [`Caller`](crate::Caller), but no check protects it.
    #[non_exhaustive]
    Unprotected,
    /// The secret manager could not give the secret: it has none at the path, its value cannot
    /// be used, or it could not be reached and no value fetched before may still serve (see
    /// [`CachePolicy`](crate::CachePolicy)).
    #[non_exhaustive]
    Manager {
        /// The secret asked for.
        source: SecretSource,
        /// What the manager said.
        error: ManagerError,
    },
    /// The secret lives in a secret manager, but no [`SecretStore`](crate::SecretStore) is
    /// installed ([`SecretStore::install`](crate::SecretStore::install)).
    #[non_exhaustive]
    NoSecretStore {
        /// The secret that needed it.
        source: SecretSource,
    },
    /// A check or read that does not wait ([`SecretBearer::check`](crate::SecretBearer::check),
    /// [`SecretBearer::resolve`](crate::SecretBearer::resolve), a client function that is not
    /// `async`) met a secret that lives in a secret manager: reading one takes waiting.
    #[non_exhaustive]
    NeedsWaiting {
        /// The secret that cannot be read without waiting.
        source: SecretSource,
    },
    /// [`SecretStore::install`](crate::SecretStore::install) was called with a store other
    /// than the one already installed: a process has one.
    #[non_exhaustive]
    StoreAlreadyInstalled,
    /// An extractor found no [`SecretBearer`](crate::SecretBearer) registered with the server
    /// (actix-web's app data, axum's request extensions).
    #[non_exhaustive]
    NotRegistered,
    /// Two configurations that would document differently share an OpenAPI security scheme
    /// name (or the document already holds another scheme of that name): give one of them its
    /// own `doc`. The document is left unchanged.
    #[non_exhaustive]
    ConflictingScheme {
        /// The scheme name.
        name: String,
    },
    /// What [`resolve_all!`](crate::resolve_all) found at start-up: every secret that cannot be
    /// read, one error per source.
    #[non_exhaustive]
    Unresolved {
        /// Every problem, in the order the handlers were linked.
        errors: Vec<Error>,
    },
    /// [`generate_key`](crate::generate_key) made no key: its prefix breaks the rule, or the
    /// operating system gave no random bytes.
    #[non_exhaustive]
    KeyGeneration {
        /// What went wrong.
        reason: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.kind(), f)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidSetting {
                setting: Some(setting),
                reason,
            } => write!(f, "invalid `{setting}`: {reason}"),
            Self::InvalidSetting { reason, .. } => write!(f, "invalid configuration: {reason}"),
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
                "{source} lives in a secret manager, but no `SecretStore` is installed: \
                 install one at start-up, with `SecretStore::new(manager).install()`"
            ),
            Self::NeedsWaiting { source } => write!(
                f,
                "{source} lives in a secret manager, and reading it takes waiting, which this \
                 call does not do: await `SecretBearer::authenticate` or `resolve_with` instead \
                 (a client function: make it `async`)"
            ),
            Self::StoreAlreadyInstalled => f.write_str(
                "another `SecretStore` is already installed: a process has one, installed once \
                 at start-up (give an app a store of its own in its app data or request \
                 extensions instead)",
            ),
            Self::NotRegistered => write!(
                f,
                "no `SecretBearer` is registered for this request: {}",
                wherever(BEARER_FIXES)
            ),
            Self::ConflictingScheme { name } => write!(
                f,
                "two different configurations are documented as the security scheme `{name}`; \
                 give one of them another `doc` name"
            ),
            Self::Unresolved { errors } => {
                f.write_str("secrets that cannot be read at start-up: ")?;
                for (index, error) in errors.iter().enumerate() {
                    if index > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{error}")?;
                }
                Ok(())
            }
            Self::KeyGeneration { reason } => write!(f, "no key was made: {reason}"),
        }
    }
}

/// Where a plain guard's `SecretBearer` is registered, for each server the build has.
const BEARER_FIXES: &[(bool, &str)] = &[
    (
        cfg!(feature = "actix"),
        "on actix-web, add it to the app with `App::app_data(bearer)`",
    ),
    (
        cfg!(feature = "axum"),
        "on axum, add it to the router with `.layer(Extension(bearer))`",
    ),
    (
        cfg!(not(any(feature = "actix", feature = "axum"))),
        "only the `actix` and `axum` features' extractors look for one",
    ),
];

/// The fixes that apply to this build, joined.
fn wherever(fixes: &[(bool, &'static str)]) -> String {
    let applicable: Vec<&str> = fixes
        .iter()
        .filter(|(enabled, _)| *enabled)
        .map(|(_, fix)| *fix)
        .collect();
    applicable.join("; ")
}

impl Error {
    /// Whether the source holds nothing, rather than something wrong.
    pub(crate) fn is_absence(&self) -> bool {
        match self.kind() {
            ErrorKind::MissingSecret { .. } => true,
            ErrorKind::Manager { error, .. } => error.kind() == ManagerErrorKind::NotFound,
            _ => false,
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self.kind() {
            ErrorKind::Manager { error, .. } => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_bearer_is_fixed_in_the_words_of_each_server_built() {
        let bearer = Error::from(ErrorKind::NotRegistered).to_string();
        for (feature, fix) in [
            (cfg!(feature = "actix"), "`App::app_data(bearer)`"),
            (cfg!(feature = "axum"), "`.layer(Extension(bearer))`"),
        ] {
            assert_eq!(bearer.contains(fix), feature, "{fix}: {bearer}");
        }
        assert!(
            !bearer.contains("; ;") && !bearer.ends_with(' '),
            "{bearer}"
        );
    }

    #[test]
    fn a_missing_store_is_fixed_the_same_way_on_every_server() {
        let store = Error::from(ErrorKind::NoSecretStore {
            source: SecretSource::manager("/p"),
        });
        assert_eq!(
            store.to_string(),
            "secret `/p` lives in a secret manager, but no `SecretStore` is installed: install \
             one at start-up, with `SecretStore::new(manager).install()`"
        );
    }
}
