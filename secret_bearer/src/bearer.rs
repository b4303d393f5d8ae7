//! [`SecretBearer`]: one configuration of the check: where the secrets live, the header
//! prefix, and the name documentation gives it.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::caller::{Named, Usage};
use crate::error::{Error, ErrorKind};
use crate::rejection::Challenges;
use crate::secret::{Held, Secret, Use, hold};
use crate::source::SecretSource;
use secret_bearer_rules::{self as rules, Key, Setting, Spelling};

/// The scheme name documentation uses when none is given.
pub(crate) const DEFAULT_DOC_NAME: &str = "ApiKey";

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
/// // No header: refused, with the challenge its prefix names.
/// # // SAFETY: a doc test with no other thread.
/// # unsafe { std::env::set_var("MY_AUTH_SECRET", "K3Y") };
/// let refused = bearer.check([]).unwrap_err();
/// assert_eq!(refused.challenge(), Some("Bearer"));
/// # Ok::<(), secret_bearer::Error>(())
/// ```
#[derive(Clone)]
pub struct SecretBearer {
    inner: Arc<Inner>,
    /// The scopes a caller must have, beside the configuration it shares with the bearer it was
    /// derived from (a handler's `scopes` beside a named bearer): one cache, one report.
    required: Option<Arc<Required>>,
}

/// Scopes a caller must have, and the challenge a caller without them is answered with.
struct Required {
    scopes: Box<[Box<str>]>,
    challenge: Arc<str>,
}

struct Inner {
    primary: Source,
    alternate: Option<Source>,
    prefix: Cow<'static, str>,
    doc_name: Option<Cow<'static, str>>,
    challenges: Challenges,
    usage: Usage,
    /// Whether a weak plain key fails the read (`strong_keys`), rather than only being logged.
    strong_keys: bool,
}

/// One configured secret (or key set), and for an environment variable its value once read (a
/// process's environment does not change under it).
pub(crate) struct Source {
    pub(crate) source: SecretSource,
    /// How its value is read: one key, the alternate key, or a key set.
    pub(crate) used: Use,
    /// The caller a single key's match is reported as: `primary` or `alternate`.
    pub(crate) caller: Arc<Named>,
    env: OnceLock<Held>,
}

impl Source {
    fn new(source: SecretSource, used: Use, name: &str) -> Self {
        Self {
            source,
            used,
            caller: Named::new(Arc::from(name), Box::default()),
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
    pub(crate) fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The security scheme's name in generated documentation; `None` leaves it undocumented.
    #[cfg_attr(not(feature = "openapi"), allow(dead_code))]
    pub(crate) fn doc_name(&self) -> Option<&str> {
        self.inner.doc_name.as_deref()
    }

    /// Where the primary secret comes from.
    pub(crate) fn primary_source(&self) -> &SecretSource {
        &self.inner.primary.source
    }

    /// Where the alternate secret, accepted during a rotation, comes from.
    fn alternate_source(&self) -> Option<&SecretSource> {
        self.inner.alternate.as_ref().map(|source| &source.source)
    }

    /// Whether a secret lives in a secret manager, so that checks read a
    /// [`SecretStore`](crate::SecretStore) and may wait for it: the servers' adapters check
    /// a bearer that does not in place, without a box.
    #[cfg_attr(not(any(feature = "actix", feature = "tower")), allow(dead_code))]
    pub(crate) fn needs_store(&self) -> bool {
        self.sources().any(|source| source.source.is_managed())
    }

    /// Whether `other` shares this bearer's secrets, cache and records (it was derived from it,
    /// or it from `other`, by [`SecretBearer::requiring`]).
    #[cfg(test)]
    pub(crate) fn shares_state_with(&self, other: &SecretBearer) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Whether a weak plain key is refused ([`SecretBearerBuilder::strong_keys`]).
    pub(crate) fn strong_keys(&self) -> bool {
        self.inner.strong_keys
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

    /// The scopes a caller must have (none unless set), and the challenge of a caller without.
    pub(crate) fn required_scopes(&self) -> Option<(&[Box<str>], &Arc<str>)> {
        let required = self.required.as_deref()?;
        Some((&required.scopes, &required.challenge))
    }

    /// This bearer, sharing everything it reads and records, requiring `scopes` (RFC 6749's
    /// space-separated list) of a caller besides any it requires already: a handler's `scopes`
    /// beside a named bearer. The attribute's rules apply: only a key set grants scopes.
    pub(crate) fn requiring(&self, scopes: &str) -> Result<Self, Error> {
        let primary = if self.is_key_set() {
            Key::KeysEnv
        } else {
            Key::Env
        };
        let settings = [(primary, "_"), (Key::Scopes, scopes)].map(|(key, value)| Setting {
            key,
            written: key.name(),
            value,
        });
        rules::check(&settings, Spelling::Attribute)
            .map_err(|broken| invalid(&settings, broken))?;
        let mut all = self
            .required_scopes()
            .map_or_else(Vec::new, |(held, _)| held.to_vec());
        for scope in scopes.split(' ') {
            if !all.iter().any(|held| **held == *scope) {
                all.push(Box::from(scope));
            }
        }
        Ok(Self {
            inner: Arc::clone(&self.inner),
            required: Some(Required::new(all, &self.inner.challenges)),
        })
    }
}

impl Required {
    fn new(scopes: Vec<Box<str>>, challenges: &Challenges) -> Arc<Self> {
        Arc::new(Self {
            challenge: challenges.insufficient_scope(&scopes),
            scopes: scopes.into_boxed_slice(),
        })
    }
}

/// The builder's error for a broken rule.
fn invalid(settings: &[Setting], broken: rules::Violation) -> Error {
    Error::from(ErrorKind::InvalidSetting {
        setting: broken.at.map(|(index, _)| settings[index].key.name()),
        reason: broken.message,
    })
}

impl fmt::Debug for SecretBearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("SecretBearer")
            .field("primary", self.primary_source())
            .field("alternate", &self.alternate_source())
            .field("prefix", &inner.prefix)
            .field("doc_name", &inner.doc_name)
            .field("scopes", &self.required_scopes().map(|(scopes, _)| scopes))
            .finish_non_exhaustive()
    }
}

/// Configures a [`SecretBearer`]; the methods are the attribute's keys, and [`build`] checks
/// them by the attribute's rules (the `secret_bearer_rules` crate holds them once for both): each
/// key at most once, one primary secret or key set, and so on.
///
/// [`build`]: SecretBearerBuilder::build
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct SecretBearerBuilder {
    /// Each setting in the order given, checked all together by `build`.
    settings: Vec<(Key, Cow<'static, str>)>,
}

impl SecretBearerBuilder {
    pub(crate) fn set(mut self, key: Key, value: impl Into<Cow<'static, str>>) -> Self {
        self.settings.push((key, value.into()));
        self
    }

    /// The primary secret is the value of this environment variable (`env` in the attribute).
    pub fn env(self, name: impl Into<Cow<'static, str>>) -> Self {
        self.set(Key::Env, name)
    }

    /// An alternate secret, accepted beside the primary during a rotation and never sent by
    /// clients, is the value of this environment variable (`alt_env` in the attribute). Unset,
    /// empty or only whitespace, it is no alternate: only the primary is accepted, which is how
    /// a rotation ends (one `info` event says so).
    pub fn alt_env(self, name: impl Into<Cow<'static, str>>) -> Self {
        self.set(Key::AltEnv, name)
    }

    /// The primary secret is read from the installed secret manager at this path (`secret` in
    /// the attribute). `"path#json.key"` picks the string at a dotted key of a JSON secret
    /// (`"api.key"` is `{"api": {"key": "..."}}`), as AWS Secrets Manager stores key/value
    /// secrets; a document with an object that names a key twice is refused, as ambiguous.
    pub fn secret(self, path: impl Into<Cow<'static, str>>) -> Self {
        self.set(Key::Secret, path)
    }

    /// An alternate secret is read from the bound secret manager at this path (`alt_secret` in
    /// the attribute). One the store does not have (`NotFound`), holds empty, or whose JSON key
    /// is gone, is no alternate: deleting it ends a rotation.
    pub fn alt_secret(self, path: impl Into<Cow<'static, str>>) -> Self {
        self.set(Key::AltSecret, path)
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
    pub fn rotating(self) -> Self {
        self.set(Key::Rotating, "")
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
        self.set(Key::KeysEnv, name)
    }

    /// The accepted keys are a key set read from the bound secret manager at this path
    /// (`keys_secret` in the attribute); `"path#json.key"` picks the set from a JSON document.
    /// Cached and refreshed as any secret in a manager is: a caller added or revoked in the
    /// store is accepted or refused within the cache's time-to-live, with no restart.
    pub fn keys_secret(self, path: impl Into<Cow<'static, str>>) -> Self {
        self.set(Key::KeysSecret, path)
    }

    /// Text that must come before the secret in the header, matched ignoring ASCII case. No
    /// space is implied: for `Authorization: Bearer <secret>`, pass `"Bearer "`. It is printable
    /// ASCII and does not start with a space (HTTP strips a value's leading spaces, so no header
    /// could match it). A prefix that ends in a letter or digit, such as `"Bearer"`, is refused
    /// as the likely slip it is, unless [`no_space`](Self::no_space) says the key follows it
    /// directly.
    pub fn prefix(self, prefix: impl Into<Cow<'static, str>>) -> Self {
        self.set(Key::Prefix, prefix)
    }

    /// The key follows the [`prefix`](Self::prefix), which ends in a letter or digit, with
    /// nothing between them (`no_space` in the attribute): `.prefix("sk").no_space()` accepts
    /// `Authorization: skKEY`.
    pub fn no_space(self) -> Self {
        self.set(Key::NoSpace, "")
    }

    /// A plain key (not a `sha256:` digest) of under 112 bits of estimated strength is refused
    /// (`strong_keys` in the attribute): the secret or key set holding it fails closed, a 500
    /// and an error naming the source and caller, as any unusable secret does. Without it, such
    /// a key is accepted, and logged at `warn` each time it is read. A digest cannot be judged,
    /// nor is the key a client sends with this bearer (the server it calls judges it; the
    /// attribute on a client function refuses `strong_keys`).
    /// See the crate docs, "Key strength".
    pub fn strong_keys(self) -> Self {
        self.set(Key::StrongKeys, "")
    }

    /// A caller must have each of these scopes (`scopes = [...]` in the attribute): a caller
    /// of the key set whose `scopes` lack one is answered 403 Forbidden
    /// ([`AuthErrorKind::InsufficientScope`](crate::AuthErrorKind::InsufficientScope)). Each is
    /// an RFC 6749 §3.3 scope-token (printable ASCII but space, `"` and `\`); a string with
    /// spaces is read as RFC 6749's space-separated list. Only a key set grants scopes, so
    /// [`build`](Self::build) refuses them beside `env` or `secret`. See the crate docs,
    /// "Scopes".
    pub fn scopes<S: AsRef<str>>(self, scopes: impl IntoIterator<Item = S>) -> Self {
        let scopes: Vec<String> = scopes.into_iter().map(|s| s.as_ref().to_owned()).collect();
        self.set(Key::Scopes, scopes.join(" "))
    }

    /// The security scheme's name in generated documentation (default `ApiKey`);
    /// `""` leaves it undocumented.
    pub fn doc(self, name: impl Into<Cow<'static, str>>) -> Self {
        self.set(Key::Doc, name)
    }

    /// Checks the settings. Secrets are not read yet: see [`SecretBearer::resolve`].
    pub fn build(self) -> Result<SecretBearer, Error> {
        let settings: Vec<Setting> = self
            .settings
            .iter()
            .map(|(key, value)| Setting {
                key: *key,
                written: key.name(),
                value,
            })
            .collect();
        let checked = rules::check(&settings, Spelling::Builder)
            .map_err(|broken| invalid(&settings, broken))?;
        let value = |index: usize| self.settings[index].1.clone();
        let source = |index: usize| {
            let (key, value) = &self.settings[index];
            if key.is_managed() {
                SecretSource::manager(value.clone())
            } else {
                SecretSource::env(value.clone())
            }
        };
        let primary = source(checked.primary);
        let alternate = match checked.rotating {
            // The rules allow `rotating` only beside a primary `secret`.
            true => primary.previous_version(),
            false => checked.alternate.map(source),
        };
        let prefix = checked.prefix.map_or(Cow::Borrowed(""), value);
        let doc_name = match checked.doc.map(value) {
            None => Some(Cow::Borrowed(DEFAULT_DOC_NAME)),
            Some(name) => (!name.is_empty()).then_some(name),
        };
        let used = match self.settings[checked.primary].0.is_key_set() {
            true => Use::KeySet,
            false => Use::Check,
        };
        let challenges = Challenges::for_prefix(&prefix);
        let required = checked.scopes.map(|index| {
            let scopes = self.settings[index].1.split(' ').map(Box::from).collect();
            Required::new(scopes, &challenges)
        });
        Ok(SecretBearer {
            required,
            inner: Arc::new(Inner {
                challenges,
                primary: Source::new(primary, used, "primary"),
                alternate: alternate.map(|source| Source::new(source, Use::Alternate, "alternate")),
                usage: Usage::default(),
                prefix,
                doc_name,
                strong_keys: checked.strong_keys,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules themselves are tested in `secret_bearer_rules`; here, what the builder makes
    /// of their answer.
    #[test]
    fn the_builder_answers_by_the_attributes_rules_in_its_own_words() {
        let invalid = |builder: SecretBearerBuilder| match builder.build().unwrap_err().kind() {
            ErrorKind::InvalidSetting { setting, reason } => (*setting, reason.clone()),
            other => panic!("{other}"),
        };
        let (setting, reason) = invalid(SecretBearer::builder());
        assert_eq!(setting, None);
        assert!(reason.contains("add `.env(\"...\")`"), "{reason}");
        let (setting, reason) = invalid(SecretBearer::builder().env("A").secret("/p"));
        assert_eq!(setting, Some("secret"));
        assert!(reason.contains("give it as `alt_secret`"), "{reason}");
        let (setting, reason) = invalid(SecretBearer::builder().env("A").prefix("Bearer"));
        assert_eq!(setting, Some("prefix"));
        assert!(
            reason.contains("did you mean `.prefix(\"Bearer \")`?"),
            "{reason}"
        );
        assert_eq!(
            invalid(SecretBearer::builder().env("A").env("B")).0,
            Some("env")
        );
        assert_eq!(
            invalid(SecretBearer::builder().keys_env("K").rotating()).0,
            Some("rotating")
        );
        let unspaced = SecretBearer::builder()
            .env("A")
            .prefix("sk")
            .no_space()
            .build()
            .unwrap();
        assert_eq!(unspaced.prefix(), "sk");
    }

    #[test]
    fn the_parts_are_built_from_the_settings_the_rules_chose() {
        let rotating = SecretBearer::builder()
            .rotating()
            .secret("prod/api#key")
            .build()
            .unwrap();
        assert_eq!(
            rotating.alternate_source().unwrap().to_string(),
            "previous version of JSON key `key` of secret `prod/api`"
        );
        let plain = SecretBearer::builder()
            .alt_env("OLD")
            .env("NEW")
            .build()
            .unwrap();
        assert_eq!(plain.primary_source(), &SecretSource::env("NEW"));
        assert_eq!(plain.alternate_source(), Some(&SecretSource::env("OLD")));
        assert_eq!((plain.prefix(), plain.doc_name()), ("", Some("ApiKey")));
        assert!(!plain.needs_store() && !plain.is_key_set());
        let mixed = SecretBearer::builder()
            .env("NEW")
            .alt_secret("/old")
            .build()
            .unwrap();
        assert_eq!(
            mixed.alternate_source(),
            Some(&SecretSource::manager("/old"))
        );
        assert!(mixed.needs_store());
        let undocumented = SecretBearer::builder().env("A").doc("").build().unwrap();
        assert_eq!(undocumented.doc_name(), None);
        let key_set = SecretBearer::builder().keys_secret("/k").build().unwrap();
        assert!(key_set.needs_store() && key_set.is_key_set());
        assert_eq!(key_set.inner.primary.used, Use::KeySet);
    }

    #[test]
    fn scopes_are_required_of_a_key_sets_callers_only() {
        let invalid = |built: Result<SecretBearer, Error>| match built.unwrap_err().kind() {
            ErrorKind::InvalidSetting { setting, reason } => (*setting, reason.clone()),
            other => panic!("{other}"),
        };
        let (setting, reason) = invalid(SecretBearer::builder().env("A").scopes(["admin"]).build());
        assert_eq!(setting, Some("scopes"));
        assert!(reason.contains("`.keys_env(\"...\")`"), "{reason}");
        let (setting, reason) = invalid(
            SecretBearer::builder()
                .keys_env("K")
                .scopes(["a", "b", "a"])
                .build(),
        );
        assert_eq!(setting, Some("scopes"));
        assert!(reason.contains("\"a\" is listed twice"), "{reason}");
        assert!(
            SecretBearer::builder()
                .keys_env("K")
                .scopes(Vec::<String>::new())
                .build()
                .is_err()
        );
        let bearer = SecretBearer::builder()
            .keys_env("K")
            .prefix("Bearer ")
            .scopes(["invoices:write", "admin"])
            .build()
            .unwrap();
        let (scopes, challenge) = bearer.required_scopes().unwrap();
        assert_eq!(scopes, [Box::from("invoices:write"), Box::from("admin")]);
        assert_eq!(
            &**challenge,
            r#"Bearer error="insufficient_scope", scope="invoices:write admin""#
        );
        let more = bearer.requiring("admin reports").unwrap();
        assert!(more.shares_state_with(&bearer));
        assert_eq!(more.required_scopes().unwrap().0.len(), 3);
        let single = SecretBearer::builder().env("A").build().unwrap();
        let (setting, _) = invalid(single.requiring("admin"));
        assert_eq!(setting, Some("scopes"));
        assert!(format!("{bearer:?}").contains(r#"scopes: Some(["invoices:write", "admin"])"#));
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
