//! [`SecretBearer`]: one configuration of the check: where the secrets live, the header
//! prefix, and the name documentation gives it.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::caller::Usage;
use crate::error::Error;
use crate::rejection::Challenges;
use crate::secret::{Held, Secret, Use, hold};
use crate::source::SecretSource;

/// The scheme name documentation uses when none is given.
pub const DEFAULT_DOC_NAME: &str = "ApiKey";

/// Static-secret authentication: where the secrets live, the header prefix, and the check.
///
/// Build one with [`SecretBearer::builder`]; it is what `#[secret_bearer(...)]` builds for each
/// handler. Cloning is cheap and clones share the secrets. Environment variables are read once,
/// the first time a request (or [`SecretBearer::resolve`]) needs them; secrets in a manager are
/// read through a [`SecretStore`](crate::SecretStore)'s cache.
///
/// ```
/// use secret_bearer::SecretBearer;
///
/// let bearer = SecretBearer::builder()
///     .env("MY_AUTH_SECRET")
///     .alt_env("MY_OLD_SECRET")
///     .prefix("Bearer ")
///     .build()?;
/// assert_eq!(bearer.prefix(), "Bearer ");
/// # Ok::<(), secret_bearer::Error>(())
/// ```
#[derive(Clone)]
pub struct SecretBearer {
    inner: Arc<Inner>,
}

struct Inner {
    primary: Source,
    alternate: Option<Source>,
    prefix: Cow<'static, str>,
    doc_name: Option<Cow<'static, str>>,
    challenges: Challenges,
    usage: Usage,
}

/// One configured secret (or key set), and for an environment variable its value once read (a
/// process's environment does not change under it).
pub(crate) struct Source {
    pub(crate) source: SecretSource,
    /// How its value is read: one key, the alternate key, or a key set.
    pub(crate) used: Use,
    /// The caller a single key's match is reported as: `primary` or `alternate`.
    pub(crate) name: Arc<str>,
    env: OnceLock<Held>,
}

impl Source {
    fn new(source: SecretSource, used: Use, name: &str) -> Self {
        Self {
            source,
            used,
            name: Arc::from(name),
            env: OnceLock::new(),
        }
    }

    /// The environment variable's secret, read on first use and kept as its digests; `None`
    /// for a secret in a manager.
    pub(crate) fn env_secret(&self) -> Option<&Held> {
        if self.source.is_managed() {
            return None;
        }
        Some(self.env.get_or_init(|| {
            let held = hold(self.used, Secret::from_env(&self.source, self.used));
            if let Ok(None) = held {
                tracing::info!(
                    source = %self.source,
                    "secret_bearer: the alternate secret is not set; only the primary is accepted"
                );
            }
            held
        }))
    }
}

impl SecretBearer {
    /// Starts a configuration; see [`SecretBearerBuilder`].
    pub fn builder() -> SecretBearerBuilder {
        SecretBearerBuilder::default()
    }

    /// The text expected before the secret in the header (`""` for none).
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The security scheme's name in generated documentation; `None` leaves it undocumented.
    pub fn doc_name(&self) -> Option<&str> {
        self.inner.doc_name.as_deref()
    }

    /// Where the primary secret comes from.
    pub fn primary_source(&self) -> &SecretSource {
        &self.inner.primary.source
    }

    /// Where the alternate secret, accepted during a rotation, comes from.
    pub fn alternate_source(&self) -> Option<&SecretSource> {
        self.inner.alternate.as_ref().map(|source| &source.source)
    }

    /// Whether a secret lives in a secret manager, so that checks need a
    /// [`SecretStore`](crate::SecretStore).
    pub fn needs_store(&self) -> bool {
        self.sources().any(|source| source.source.is_managed())
    }

    /// Whether the accepted keys are a key set (see [`SecretBearerBuilder::keys_env`]).
    pub(crate) fn is_key_set(&self) -> bool {
        self.inner.primary.used == Use::KeySet
    }

    /// The primary secret, then the alternate if any.
    pub(crate) fn sources(&self) -> impl Iterator<Item = &Source> {
        std::iter::once(&self.inner.primary).chain(&self.inner.alternate)
    }

    pub(crate) fn challenges(&self) -> &Challenges {
        &self.inner.challenges
    }

    pub(crate) fn usage(&self) -> &Usage {
        &self.inner.usage
    }
}

impl fmt::Debug for SecretBearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("SecretBearer")
            .field("primary", self.primary_source())
            .field("alternate", &self.alternate_source())
            .field("prefix", &inner.prefix)
            .field("doc_name", &inner.doc_name)
            .finish_non_exhaustive()
    }
}

/// Configures a [`SecretBearer`]; the methods mirror the attribute's keys.
#[derive(Clone, Debug)]
#[must_use]
pub struct SecretBearerBuilder {
    primary: Option<SecretSource>,
    /// Whether the primary source holds a key set rather than one key.
    key_set: bool,
    alternate: Option<SecretSource>,
    rotating: bool,
    prefix: Cow<'static, str>,
    doc_name: Cow<'static, str>,
}

impl Default for SecretBearerBuilder {
    fn default() -> Self {
        Self {
            primary: None,
            key_set: false,
            alternate: None,
            rotating: false,
            prefix: Cow::Borrowed(""),
            doc_name: Cow::Borrowed(DEFAULT_DOC_NAME),
        }
    }
}

impl SecretBearerBuilder {
    /// The primary secret is the value of this environment variable (`env` in the attribute).
    pub fn env(self, name: impl Into<Cow<'static, str>>) -> Self {
        self.primary(SecretSource::Env(name.into()))
    }

    /// An alternate secret, accepted beside the primary during a rotation and never sent by
    /// clients, is the value of this environment variable (`alt_env` in the attribute). Unset,
    /// empty or only whitespace, it is no alternate: only the primary is accepted, which is how
    /// a rotation ends (one `info` event says so).
    pub fn alt_env(self, name: impl Into<Cow<'static, str>>) -> Self {
        self.alternate(SecretSource::Env(name.into()))
    }

    /// The primary secret is read from the bound secret manager at this path (`secret` in the
    /// attribute); `"path#json.key"` picks a key of a JSON secret (see [`SecretSource::manager`]).
    pub fn secret(self, path: impl Into<Cow<'static, str>>) -> Self {
        self.primary(SecretSource::manager(path))
    }

    /// An alternate secret is read from the bound secret manager at this path (`alt_secret` in
    /// the attribute). One the store does not have (`NotFound`), holds empty, or whose JSON key
    /// is gone, is no alternate: deleting it ends a rotation.
    pub fn alt_secret(self, path: impl Into<Cow<'static, str>>) -> Self {
        self.alternate(SecretSource::manager(path))
    }

    /// The alternate secret is the primary's previous version in its secret manager
    /// (`rotating` in the attribute): AWS Secrets Manager's `AWSPREVIOUS` beside `AWSCURRENT`,
    /// a Vault KV v2 secret's version before its latest (see [`SecretManager::get_previous`]).
    ///
    /// A rotation done in the store is then accepted by every instance within the cache's
    /// time-to-live (sooner on a mismatch), while clients that hold the old secret keep
    /// working until the next rotation. It needs a primary `secret` and no other alternate.
    ///
    /// [`SecretManager::get_previous`]: crate::SecretManager::get_previous
    pub fn rotating(mut self) -> Self {
        self.rotating = true;
        self
    }

    /// The accepted keys are a key set, the value of this environment variable (`keys_env` in
    /// the attribute): a JSON object from each caller's name to its key, or to its keys during
    /// that caller's own rotation, newest first. A key is written as itself or as
    /// `sha256:<hex>`:
    ///
    /// ```json
    /// {"billing": "sha256:9f86d081…", "reports": ["sha256:…new", "sha256:…old"]}
    /// ```
    ///
    /// A key set replaces the primary and alternate secrets; the handler learns which caller
    /// it serves from the [`Caller`](crate::Caller) extractor. See the crate docs, "Named keys".
    pub fn keys_env(self, name: impl Into<Cow<'static, str>>) -> Self {
        self.key_set(SecretSource::Env(name.into()))
    }

    /// The accepted keys are a key set read from the bound secret manager at this path
    /// (`keys_secret` in the attribute); `"path#json.key"` picks the set from a JSON document.
    /// Cached and refreshed as any secret in a manager is: a caller added or revoked in the
    /// store is accepted or refused within the cache's time-to-live, with no restart.
    pub fn keys_secret(self, path: impl Into<Cow<'static, str>>) -> Self {
        self.key_set(SecretSource::manager(path))
    }

    /// Where the key set comes from (see [`SecretBearerBuilder::keys_env`]).
    pub fn key_set(mut self, source: SecretSource) -> Self {
        self.primary = Some(source);
        self.key_set = true;
        self
    }

    /// Where the primary secret comes from.
    pub fn primary(mut self, source: SecretSource) -> Self {
        self.primary = Some(source);
        self.key_set = false;
        self
    }

    /// Where the alternate secret comes from.
    pub fn alternate(mut self, source: SecretSource) -> Self {
        self.alternate = Some(source);
        self
    }

    /// Text that must come before the secret in the header, matched ignoring ASCII case. No
    /// space is implied: for `Authorization: Bearer <secret>`, pass `"Bearer "`. It is printable
    /// ASCII and does not start with a space (HTTP strips a value's leading spaces, so no header
    /// could match it); `build` refuses anything else.
    pub fn prefix(mut self, prefix: impl Into<Cow<'static, str>>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The security scheme's name in generated documentation (default [`DEFAULT_DOC_NAME`]);
    /// `""` leaves it undocumented.
    pub fn doc(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.doc_name = name.into();
        self
    }

    /// Validates the settings. Secrets are not read yet: see [`SecretBearer::resolve`].
    pub fn build(self) -> Result<SecretBearer, Error> {
        let primary = self.primary.ok_or(Error::NoPrimarySource)?;
        if self.key_set && (self.rotating || self.alternate.is_some()) {
            let setting = match &self.alternate {
                _ if self.rotating => "rotating",
                Some(alternate) if alternate.is_managed() => "alt_secret",
                _ => "alt_env",
            };
            return Err(Error::InvalidSetting {
                setting,
                reason: "a key set takes no alternate: a caller's own rotation is a list of its \
                         keys in the set, newest first",
            });
        }
        let alternate = match (self.rotating, self.alternate) {
            (false, alternate) => alternate,
            (true, Some(_)) => {
                return Err(Error::InvalidSetting {
                    setting: "rotating",
                    reason: "`rotating` sets the alternate secret: remove the other alternate",
                });
            }
            (true, None) => Some(primary.previous_version().ok_or(Error::InvalidSetting {
                setting: "rotating",
                reason: "`rotating` reads the primary secret's previous version, so the primary \
                         must be a `secret` in a secret manager",
            })?),
        };
        let invalid = |setting| move |reason| Error::InvalidSetting { setting, reason };
        let setting = match (self.key_set, primary.is_managed()) {
            (false, false) => "env",
            (false, true) => "secret",
            (true, false) => "keys_env",
            (true, true) => "keys_secret",
        };
        primary.validate().map_err(invalid(setting))?;
        if self.key_set && matches!(&primary, SecretSource::Env(name) if name.contains('#')) {
            return Err(invalid(setting)(
                "a variable's whole value is the key set; a JSON key (`#field`) picks a set out \
                 of a secret manager's document, with `keys_secret`",
            ));
        }
        if let Some(alternate) = &alternate {
            let setting = if alternate.is_managed() {
                "alt_secret"
            } else {
                "alt_env"
            };
            alternate.validate().map_err(invalid(setting))?;
        }
        if !self
            .prefix
            .bytes()
            .all(|byte| byte.is_ascii_graphic() || byte == b' ')
        {
            return Err(Error::InvalidSetting {
                setting: "prefix",
                reason: "a prefix must be printable ASCII",
            });
        }
        if self.prefix.starts_with(' ') {
            // HTTP strips a header value's leading spaces: such a prefix could never match.
            return Err(Error::InvalidSetting {
                setting: "prefix",
                reason: "a prefix cannot start with a space",
            });
        }
        let doc_name = (!self.doc_name.is_empty()).then_some(self.doc_name);
        let openapi_name = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_');
        if doc_name
            .as_ref()
            .is_some_and(|name| !name.bytes().all(openapi_name))
        {
            return Err(Error::InvalidSetting {
                setting: "doc",
                reason: "an OpenAPI security scheme name uses only A-Z, a-z, 0-9, `.`, `-` and `_`",
            });
        }
        Ok(SecretBearer {
            inner: Arc::new(Inner {
                challenges: Challenges::for_prefix(&self.prefix),
                primary: Source::new(
                    primary,
                    if self.key_set {
                        Use::KeySet
                    } else {
                        Use::Check
                    },
                    "primary",
                ),
                alternate: alternate.map(|source| Source::new(source, Use::Alternate, "alternate")),
                usage: Usage::default(),
                prefix: self.prefix,
                doc_name,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_refuses_what_the_attribute_refuses() {
        let invalid = |builder: SecretBearerBuilder| builder.build().unwrap_err();
        assert_eq!(invalid(SecretBearer::builder()), Error::NoPrimarySource);
        for (builder, setting) in [
            (SecretBearer::builder().env(""), "env"),
            (SecretBearer::builder().env("A=B"), "env"),
            (SecretBearer::builder().env("A").alt_env("B\0"), "alt_env"),
            (
                SecretBearer::builder().env("A").alt_secret(""),
                "alt_secret",
            ),
            (
                SecretBearer::builder().env("A").prefix("Bearer\n"),
                "prefix",
            ),
            (SecretBearer::builder().env("A").prefix("Bé "), "prefix"),
            (SecretBearer::builder().env("A").prefix(" Bearer"), "prefix"),
            (SecretBearer::builder().env("A").doc("Api Key"), "doc"),
            (SecretBearer::builder().env("A").rotating(), "rotating"),
            (SecretBearer::builder().keys_env("K=V"), "keys_env"),
            (SecretBearer::builder().keys_env("KEYS#callers"), "keys_env"),
            (SecretBearer::builder().keys_secret("p#"), "keys_secret"),
            (
                SecretBearer::builder().keys_secret("p").rotating(),
                "rotating",
            ),
            (
                SecretBearer::builder().keys_env("K").alt_env("OLD"),
                "alt_env",
            ),
        ] {
            let error = invalid(builder);
            assert!(
                matches!(error, Error::InvalidSetting { setting: s, .. } if s == setting),
                "{setting}: {error}"
            );
        }
        let undocumented = SecretBearer::builder().env("A").doc("").build().unwrap();
        assert_eq!(undocumented.doc_name(), None);
        assert_eq!(
            SecretBearer::builder().env("A").build().unwrap().doc_name(),
            Some("ApiKey")
        );
    }

    #[test]
    fn debug_output_names_sources_and_never_values() {
        // A variable every test process has (unit tests set none: the crate forbids `unsafe`).
        let value = std::env::var("PATH").unwrap();
        let bearer = SecretBearer::builder().env("PATH").build().unwrap();
        assert!(matches!(
            bearer.inner.primary.env_secret(),
            Some(Ok(Some(_)))
        ));
        let shown = format!("{bearer:?}");
        assert!(shown.contains("\"PATH\""), "{shown}");
        assert!(!shown.contains(&value), "{shown}");
    }
}
