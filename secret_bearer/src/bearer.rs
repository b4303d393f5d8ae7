//! [`SecretBearer`]: one configuration of the check, and the check itself.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use crate::clock::{self, Now};
use crate::kept::{Failure, Lookup, Source};
use crate::rejection::{AuthError, AuthErrorKind};
use crate::response::Challenges;
use crate::secret::{MAX_SECRET_LEN, SecretPair, ct_matches_either};
use crate::store::Slot;
use crate::view;
use crate::{Error, SecretSource, SecretStore};

/// The scheme name documentation uses when none is given.
pub const DEFAULT_DOC_NAME: &str = "ApiKey";

/// Static-secret authentication: where the secrets live, the header prefix, and the check.
///
/// Build one with [`SecretBearer::builder`]; it is what `#[secret_bearer(...)]` builds for each
/// handler. Cloning is cheap and clones share the secrets, which are read once, the first time
/// a request (or [`SecretBearer::resolve`]) needs them.
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

// `repr(C)` and aligned to a cache line: what every check reads comes first, and shares the
// line with nothing else (ArcInner's counts sit in the line before).
#[repr(C, align(64))]
pub(crate) struct Inner {
    /// Whether a secret lives in a secret manager.
    managed: bool,
    prefix: Cow<'static, str>,
    /// Both secrets as checks compare with them, once read from the environment (never set for
    /// a bearer with a secret in a manager: each thread's view holds its own).
    env_pair: OnceLock<SecretPair>,
    /// Unique for the life of the process: names the bearer in thread views.
    id: u64,
    primary: Source,
    alternate: Option<Source>,
    doc_name: Option<Cow<'static, str>>,
    challenges: Challenges,
}

impl SecretBearer {
    /// Starts a configuration; see [`SecretBearerBuilder`].
    pub fn builder() -> SecretBearerBuilder {
        SecretBearerBuilder::default()
    }

    /// Checks the values of a request's `Authorization` header(s), for a bearer whose secrets
    /// are environment variables (one whose secrets live in a manager answers
    /// [`Error::NoSecretStore`] here: use [`SecretBearer::authenticate`]).
    ///
    /// The secrets are resolved first, so a misconfiguration fails every request the same way,
    /// with or without a header. Then: exactly one header; its first `prefix().len()` bytes equal
    /// the prefix, ignoring ASCII case; the rest, verbatim, is a non-empty credential of at most
    /// [`MAX_SECRET_LEN`] bytes that equals the primary or the alternate secret, compared in
    /// constant time.
    pub fn check<'a>(
        &self,
        authorization: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<(), AuthError> {
        let credential = self.credential(authorization);
        // Without a store nothing can be due, so the check always completes.
        self.check_cached(None, &credential)
            .unwrap_or_else(|| Err(self.reject(&AuthErrorKind::WrongCredential)))
    }

    /// [`SecretBearer::check`] for any bearer: secrets that live in a secret manager are read
    /// through `store`'s cache, fetched (or refreshed) first when due.
    pub async fn authenticate<'a>(
        &self,
        store: Option<&SecretStore>,
        authorization: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<(), AuthError> {
        let credential = self.credential(authorization);
        match self.check_cached(store, &credential) {
            Some(checked) => checked,
            None => self.check_after_fetching(store, &credential).await,
        }
    }

    /// The check with what is cached, or `None` when a secret must be fetched first: it is
    /// due, or the credential did not match and a rotation may explain it.
    pub(crate) fn check_cached(
        &self,
        store: Option<&SecretStore>,
        credential: &Result<&[u8], AuthErrorKind>,
    ) -> Option<Result<(), AuthError>> {
        match self.compare(store, credential, false) {
            Compared::Done(checked) => Some(checked),
            Compared::Due => None,
            Compared::Mismatch => self.mismatched(store),
        }
    }

    /// A credential that matched neither cached secret: refused, unless refreshing a secret in
    /// a manager may explain it (`None`).
    #[cold]
    #[inline(never)]
    fn mismatched(&self, store: Option<&SecretStore>) -> Option<Result<(), AuthError>> {
        let now = clock::now_ms();
        let refresh_may_help = self
            .managed_slots(store)
            .any(|(store, slot)| slot.mismatch_refresh_allowed(now, store.policy()));
        (!refresh_may_help).then(|| Err(self.reject(&AuthErrorKind::WrongCredential)))
    }

    /// The slow path: fetch what is due (one fetch per path however many wait), compare, and
    /// on a mismatch refresh once more if the rate limit allows.
    pub(crate) async fn check_after_fetching(
        &self,
        store: Option<&SecretStore>,
        credential: &Result<&[u8], AuthErrorKind>,
    ) -> Result<(), AuthError> {
        self.fetch_due(store).await;
        match self.compare(store, credential, true) {
            Compared::Done(checked) => return checked,
            Compared::Due | Compared::Mismatch => {}
        }
        let now = clock::now_ms();
        let mut refreshed = false;
        for (store, slot) in self.managed_slots(store) {
            // A secret past its time-to-live is being refreshed in the background: a credential
            // the stale value refuses waits for that refresh (no new fetch) before its answer.
            let seen = slot
                .due(now)
                .or_else(|| slot.claim_mismatch_refresh(now, store.policy()));
            if let Some(seen) = seen {
                store.refresh(&slot, seen).await;
                refreshed = true;
            }
        }
        if refreshed && let Compared::Done(checked) = self.compare(store, credential, true) {
            return checked;
        }
        Err(self.reject(&AuthErrorKind::WrongCredential))
    }

    /// Reads the secrets now, if no request has yet, and reports whether they are usable.
    ///
    /// Call it at start-up to refuse to start with a configuration that would answer every
    /// request with a 500. For secrets in a secret manager, use [`SecretBearer::resolve_with`].
    pub fn resolve(&self) -> Result<(), Error> {
        let now = Now::default();
        self.sources()
            .try_for_each(|source| match source.lookup(None, &now, true) {
                Lookup::Ready(_) | Lookup::Due => Ok(()),
                Lookup::Failed(failure) => Err(failure.into_error()),
            })
    }

    /// [`SecretBearer::resolve`], fetching secrets that live in a secret manager through
    /// `store` (and so warming its cache).
    pub async fn resolve_with(&self, store: Option<&SecretStore>) -> Result<(), Error> {
        self.fetch_due(store).await;
        let now = Now::default();
        self.sources()
            .try_for_each(|source| match source.lookup(store, &now, true) {
                Lookup::Ready(_) => Ok(()),
                Lookup::Failed(failure) => Err(failure.into_error()),
                // Refreshed by someone else a moment ago and due again: a time-to-live of zero.
                Lookup::Due => Ok(()),
            })
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

    /// Whether a secret lives in a secret manager, so that checks need a [`SecretStore`].
    pub fn needs_store(&self) -> bool {
        self.inner.managed
    }

    pub(crate) fn primary(&self) -> &Source {
        &self.inner.primary
    }

    fn sources(&self) -> impl Iterator<Item = &Source> {
        std::iter::once(&self.inner.primary).chain(&self.inner.alternate)
    }

    fn managed_slots<'s>(
        &'s self,
        store: Option<&'s SecretStore>,
    ) -> impl Iterator<Item = (&'s SecretStore, Cow<'s, Arc<Slot>>)> {
        let store = store.filter(|_| self.needs_store());
        self.sources()
            .filter_map(move |source| Some((store?, source.slot(store?)?)))
    }

    async fn fetch_due(&self, store: Option<&SecretStore>) {
        let now = clock::now_ms();
        for (store, slot) in self.managed_slots(store) {
            if let Some(seen) = slot.due(now) {
                // Stale while revalidating: a secret already fetched keeps serving while its
                // refresh runs, so a slow or unreachable store holds no request up.
                if slot.has_secret() && store.refresh_in_background(&slot, seen) {
                    continue;
                }
                store.refresh(&slot, seen).await;
            }
        }
    }

    /// Whether the request is accepted at once, as the full check would accept it: exactly one
    /// header, whose credential matches the pair of a bearer whose secrets are environment
    /// variables already read. `false` decides nothing: every refusal, a first check and every
    /// check of secrets in a manager are the full check's to answer (the comparison is the same
    /// constant-time one; a refused credential is compared twice).
    ///
    /// `authorization` is called only once there is a pair, so that a check answered `false`
    /// before that (secrets in a manager, a first check) looks the headers up once, in the full
    /// check.
    #[inline(always)]
    pub(crate) fn accepts_at_once<'a, I: IntoIterator<Item = &'a [u8]>>(
        &self,
        authorization: impl FnOnce() -> I,
    ) -> bool {
        let Some(pair) = self.env_pair() else {
            return false;
        };
        self.credential(authorization())
            .is_ok_and(|credential| pair.matches(credential).into())
    }

    /// Both secrets as checks compare with them, once read from the environment; never for a
    /// bearer with a secret in a manager, whose pairs are each thread's views. (The pair is
    /// never built for one; asked anyway, as `managed` shares its cache line, so that no check
    /// outlives that rule.)
    #[inline(always)]
    pub(crate) fn env_pair(&self) -> Option<&SecretPair> {
        if self.inner.managed {
            return None;
        }
        self.inner.env_pair.get()
    }

    /// The header's credential, or why there is none usable. Secrets are not involved, so the
    /// order of the answers (500 before 401) is decided by [`SecretBearer::compare`].
    pub(crate) fn credential<'a>(
        &self,
        authorization: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<&'a [u8], AuthErrorKind> {
        let mut values = authorization.into_iter();
        let value = match (values.next(), values.next()) {
            (Some(value), None) => value,
            (None, _) => return Err(AuthErrorKind::MissingCredential),
            (Some(_), Some(_)) => return Err(AuthErrorKind::MultipleCredentials),
        };
        let credential = strip_prefix_ignore_ascii_case(value, self.inner.prefix.as_bytes())
            .ok_or(AuthErrorKind::WrongPrefix)?;
        if credential.is_empty() {
            return Err(AuthErrorKind::EmptyCredential);
        }
        if credential.len() > MAX_SECRET_LEN {
            return Err(AuthErrorKind::CredentialTooLong);
        }
        Ok(credential)
    }

    #[inline(always)]
    fn compare(
        &self,
        store: Option<&SecretStore>,
        credential: &Result<&[u8], AuthErrorKind>,
        stale_ok: bool,
    ) -> Compared {
        // Environment variables are read once: from the second check on, their pair is all a
        // check reads.
        if let Some(pair) = self.env_pair() {
            return self.verdict(
                credential
                    .as_ref()
                    .map(|credential| pair.matches(credential).into()),
            );
        }
        if self.inner.managed
            && !stale_ok
            && let Some(store) = store
        {
            return self.compare_viewed(store, credential);
        }
        self.compare_sources(store, credential, stale_ok, false)
    }

    /// [`SecretBearer::compare`] for secrets in a manager: with this thread's view of them, or
    /// with the sources, remembering a view for the next checks.
    #[inline(always)]
    fn compare_viewed(
        &self,
        store: &SecretStore,
        credential: &Result<&[u8], AuthErrorKind>,
    ) -> Compared {
        let (bearer, id) = (self.inner.id, store.id());
        let matched = match credential {
            Ok(credential) => view::matches(bearer, id, credential).map(Ok),
            Err(kind) => view::is_current(bearer, id).then_some(Err(kind)),
        };
        match matched {
            Some(matched) => self.verdict(matched),
            None => self.compare_sources(Some(store), credential, false, true),
        }
    }

    /// The comparison with what the sources hold now, which keeps the environment's pair, or
    /// with `remember` copies the secrets into this thread's view, for the next checks. Out of
    /// line: the checks that come this way are the few that read or fetch a secret.
    #[inline(never)]
    fn compare_sources(
        &self,
        store: Option<&SecretStore>,
        credential: &Result<&[u8], AuthErrorKind>,
        stale_ok: bool,
        remember: bool,
    ) -> Compared {
        let now = Now::default();
        let primary = match self.inner.primary.lookup(store, &now, stale_ok) {
            Lookup::Ready(secret) => secret,
            Lookup::Failed(failure) => return self.fail_closed(failure),
            Lookup::Due => return Compared::Due,
        };
        let alternate = match &self.inner.alternate {
            None => None,
            Some(alternate) => match alternate.lookup(store, &now, stale_ok) {
                Lookup::Ready(secret) => Some(secret),
                Lookup::Failed(failure) => return self.fail_closed(failure),
                Lookup::Due => return Compared::Due,
            },
        };
        if !self.inner.managed {
            self.inner
                .env_pair
                .get_or_init(|| SecretPair::new(&primary, alternate.as_deref()));
        } else if remember && let Some(store) = store {
            self.remember_view(store, now.get());
        }
        self.verdict(
            credential.as_ref().map(|credential| {
                ct_matches_either(&primary, alternate.as_deref(), credential).into()
            }),
        )
    }

    /// What a comparison means, once the secrets are known to be usable.
    #[inline(always)]
    fn verdict(&self, matched: Result<bool, &AuthErrorKind>) -> Compared {
        match matched {
            Ok(true) => Compared::Done(Ok(())),
            Ok(false) => Compared::Mismatch,
            Err(kind) => Compared::Done(Err(self.reject(kind))),
        }
    }

    /// Copies the current secrets into this thread's view, for the next requests' fast path.
    #[cold]
    fn remember_view(&self, store: &SecretStore, now: u64) {
        // A manager's secrets fall due: without the thread that ends views, none is kept.
        if !view::can_remember() {
            return;
        }
        let publications = view::publications();
        let copy = |source: &Source| source.snapshot(store, now);
        let Some(primary) = copy(&self.inner.primary) else {
            return;
        };
        let alternate = match &self.inner.alternate {
            Some(alternate) => match copy(alternate) {
                Some(copied) => Some(copied),
                None => return,
            },
            None => None,
        };
        view::remember(self.inner.id, store.id(), publications, primary, alternate);
    }

    #[cold]
    fn fail_closed(&self, failure: Failure<'_>) -> Compared {
        Compared::Done(Err(AuthError::fail_closed(failure.into_error())))
    }

    // Refusals leave the accepted path's code compact: they build a response anyway.
    #[cold]
    #[inline(never)]
    fn reject(&self, kind: &AuthErrorKind) -> AuthError {
        AuthError::unauthenticated(kind.clone(), &self.inner.challenges)
    }

    /// Keeps a weak handle for [`resolve_all`](crate::resolve_all).
    fn register(self) -> Self {
        crate::startup::register(Arc::downgrade(&self.inner));
        self
    }

    pub(crate) fn from_registered(inner: Arc<Inner>) -> Self {
        Self { inner }
    }
}

/// What comparing with the cached secrets found.
enum Compared {
    Done(Result<(), AuthError>),
    /// A secret in a manager must be fetched first.
    Due,
    /// The credential matches neither secret; a refresh might change that.
    Mismatch,
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

// Most bearers have no prefix, and nothing to compare: that test stays inline, the comparison
// out of line.
#[inline(always)]
fn strip_prefix_ignore_ascii_case<'a>(value: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    if prefix.is_empty() {
        return Some(value);
    }
    strip_nonempty_prefix(value, prefix)
}

#[inline(never)]
fn strip_nonempty_prefix<'a>(value: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let (head, rest) = value.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(rest)
}

/// Configures a [`SecretBearer`]; the methods mirror the attribute's keys.
#[derive(Clone, Debug)]
#[must_use]
pub struct SecretBearerBuilder {
    primary: Option<SecretSource>,
    alternate: Option<SecretSource>,
    rotating: bool,
    prefix: Cow<'static, str>,
    doc_name: Cow<'static, str>,
}

impl Default for SecretBearerBuilder {
    fn default() -> Self {
        Self {
            primary: None,
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
    /// clients, is the value of this environment variable (`alt_env` in the attribute).
    pub fn alt_env(self, name: impl Into<Cow<'static, str>>) -> Self {
        self.alternate(SecretSource::Env(name.into()))
    }

    /// The primary secret is read from the bound secret manager at this path (`secret` in the
    /// attribute); `"path#json.key"` picks a key of a JSON secret (see [`SecretSource::manager`]).
    pub fn secret(self, path: impl Into<Cow<'static, str>>) -> Self {
        self.primary(SecretSource::manager(path))
    }

    /// An alternate secret is read from the bound secret manager at this path (`alt_secret` in
    /// the attribute).
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

    /// Where the primary secret comes from.
    pub fn primary(mut self, source: SecretSource) -> Self {
        self.primary = Some(source);
        self
    }

    /// Where the alternate secret comes from.
    pub fn alternate(mut self, source: SecretSource) -> Self {
        self.alternate = Some(source);
        self
    }

    /// Text that must come before the secret in the header, matched ignoring ASCII case. No
    /// space is implied: for `Authorization: Bearer <secret>`, pass `"Bearer "`.
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
        primary.validate(if primary.is_managed() {
            "secret"
        } else {
            "env"
        })?;
        if let Some(alternate) = &alternate {
            alternate.validate(if alternate.is_managed() {
                "alt_secret"
            } else {
                "alt_env"
            })?;
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
        static IDS: AtomicU64 = AtomicU64::new(1);
        let managed =
            primary.is_managed() || alternate.as_ref().is_some_and(SecretSource::is_managed);
        Ok(SecretBearer {
            inner: Arc::new(Inner {
                env_pair: OnceLock::new(),
                id: IDS.fetch_add(1, Ordering::Relaxed),
                managed,
                challenges: Challenges::for_prefix(&self.prefix),
                primary: Source::new(primary),
                alternate: alternate.map(Source::new),
                prefix: self.prefix,
                doc_name,
            }),
        }
        .register())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_reports_a_misconfiguration_at_start_up() {
        let missing = SecretBearer::builder()
            .env("SB_UNIT_UNSET_RESOLVE")
            .build()
            .unwrap();
        let expected = SecretSource::Env("SB_UNIT_UNSET_RESOLVE".into());
        assert_eq!(
            missing.resolve(),
            Err(Error::MissingSecret { source: expected })
        );
        // Checking a request reports the same error, and a missing header changes nothing.
        let refused = missing.check([]).unwrap_err();
        assert!(matches!(
            refused.kind(),
            AuthErrorKind::Misconfigured(Error::MissingSecret { .. })
        ));
    }

    #[test]
    fn the_builder_refuses_what_the_attribute_refuses() {
        let invalid = |builder: SecretBearerBuilder| builder.build().unwrap_err();
        assert_eq!(invalid(SecretBearer::builder()), Error::NoPrimarySource);
        for (builder, setting) in [
            (SecretBearer::builder().env(""), "env"),
            (SecretBearer::builder().env("A=B"), "env"),
            (SecretBearer::builder().env("A").alt_env("B\0"), "alt_env"),
            (
                SecretBearer::builder().env("A").prefix("Bearer\n"),
                "prefix",
            ),
            (SecretBearer::builder().env("A").prefix("Bé "), "prefix"),
            (SecretBearer::builder().env("A").prefix(" Bearer"), "prefix"),
            (SecretBearer::builder().env("A").doc("Api Key"), "doc"),
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
    fn prefixes_compare_ignoring_ascii_case_only() {
        assert_eq!(
            strip_prefix_ignore_ascii_case(b"BEARER x", b"Bearer "),
            Some(&b"x"[..])
        );
        assert_eq!(strip_prefix_ignore_ascii_case(b"Bearer", b"Bearer "), None);
        assert_eq!(strip_prefix_ignore_ascii_case(b"x", b""), Some(&b"x"[..]));
        // The Kelvin sign is not an ASCII `K`.
        assert_eq!(
            strip_prefix_ignore_ascii_case("\u{212a}ey x".as_bytes(), b"Key "),
            None
        );
    }

    /// A variable only this test module sets, so its value is known and unique.
    fn bearer_with_secret(
        variable: &'static str,
        secret: &str,
        prefix: &'static str,
    ) -> SecretBearer {
        // SAFETY: std serialises its own environment accesses, and nothing in this test binary
        // reads the environment outside std.
        unsafe { std::env::set_var(variable, secret) };
        SecretBearer::builder()
            .env(variable)
            .prefix(prefix)
            .build()
            .unwrap()
    }

    #[test]
    fn every_refusal_names_its_reason() {
        let bearer = bearer_with_secret("SB_UNIT_CHECK_REASONS", "s3cret-value", "Bearer ");
        let kind = |headers: &[&[u8]]| {
            bearer
                .check(headers.iter().copied())
                .map_err(|e| e.kind().clone())
        };
        let too_long = [b"Bearer ".as_slice(), &[b'a'; MAX_SECRET_LEN + 1]].concat();
        let at_cap = [b"Bearer ".as_slice(), &[b'a'; MAX_SECRET_LEN]].concat();
        assert_eq!(kind(&[b"Bearer s3cret-value"]), Ok(()));
        assert_eq!(kind(&[b"bEARER s3cret-value"]), Ok(()));
        assert_eq!(kind(&[]), Err(AuthErrorKind::MissingCredential));
        assert_eq!(
            kind(&[b"Bearer s3cret-value", b"Bearer s3cret-value"]),
            Err(AuthErrorKind::MultipleCredentials)
        );
        assert_eq!(kind(&[b"s3cret-value"]), Err(AuthErrorKind::WrongPrefix));
        assert_eq!(kind(&[b"Bearer"]), Err(AuthErrorKind::WrongPrefix));
        assert_eq!(kind(&[b"Bearer "]), Err(AuthErrorKind::EmptyCredential));
        assert_eq!(kind(&[&too_long]), Err(AuthErrorKind::CredentialTooLong));
        assert_eq!(kind(&[&at_cap]), Err(AuthErrorKind::WrongCredential));
        assert_eq!(
            kind(&[b"Bearer s3cret-valuE"]),
            Err(AuthErrorKind::WrongCredential)
        );
        assert_eq!(
            kind(&[b"Bearer s3cret-value "]),
            Err(AuthErrorKind::WrongCredential)
        );
    }

    #[test]
    fn a_source_that_fails_fails_every_check_not_only_the_first() {
        // SAFETY: as in `bearer_with_secret`.
        unsafe { std::env::set_var("SB_UNIT_PAIR_PRIMARY", "s3cret-value") };
        let bearer = SecretBearer::builder()
            .env("SB_UNIT_PAIR_PRIMARY")
            .alt_env("SB_UNIT_UNSET_PAIR_ALTERNATE")
            .build()
            .unwrap();
        // The primary alone would match: the secrets are compared only when both are usable,
        // and so kept for later checks only then.
        for _ in 0..3 {
            let refused = bearer.check([&b"s3cret-value"[..]]).unwrap_err();
            assert!(
                matches!(
                    refused.kind(),
                    AuthErrorKind::Misconfigured(Error::MissingSecret { .. })
                ),
                "{refused}"
            );
        }
        assert!(bearer.inner.env_pair.get().is_none());
        assert!(!bearer.accepts_at_once(|| [&b"s3cret-value"[..]]));
    }

    #[test]
    fn the_common_case_leaves_secrets_in_a_manager_to_the_full_check() {
        let directory =
            std::env::temp_dir().join(format!("sb-unit-at-once-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        std::fs::write(directory.join("primary"), "s3cret-value").unwrap();
        let store = SecretStore::new(crate::FileManager::new(&directory));
        let bearer = SecretBearer::builder().secret("primary").build().unwrap();
        let system = actix_web::rt::System::new();
        let header = [&b"s3cret-value"[..]];
        // Warm: the full check accepts from the cache, and from this thread's view.
        for _ in 0..2 {
            assert!(
                system
                    .block_on(bearer.authenticate(Some(&store), header))
                    .is_ok()
            );
        }
        assert!(!bearer.accepts_at_once(|| header));
        std::fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn an_environment_bearer_keeps_its_pair_from_its_first_check_on() {
        let bearer = bearer_with_secret("SB_UNIT_PAIR_KEPT", "s3cret-value", "");
        assert!(bearer.inner.env_pair.get().is_none());
        assert!(bearer.check([&b"wrong"[..]]).is_err());
        assert!(bearer.inner.env_pair.get().is_some());
        assert!(bearer.check([&b"s3cret-value"[..]]).is_ok());
        assert!(bearer.check([&b"s3cret-valuE"[..]]).is_err());
    }

    #[test]
    fn the_common_case_accepts_exactly_what_the_full_check_accepts_once_secrets_are_read() {
        // SAFETY: as in `bearer_with_secret`.
        unsafe { std::env::set_var("SB_UNIT_AT_ONCE_ALTERNATE", "older-secret") };
        let rotating = SecretBearer::builder()
            .env("SB_UNIT_AT_ONCE")
            .alt_env("SB_UNIT_AT_ONCE_ALTERNATE")
            .prefix("Bearer ")
            .build()
            .unwrap();
        // SAFETY: as above.
        unsafe { std::env::set_var("SB_UNIT_AT_ONCE", "s3cret-value") };
        let too_long = [b"Bearer ".as_slice(), &[b'a'; MAX_SECRET_LEN + 1]].concat();
        let cases: [&[&[u8]]; 17] = [
            &[],
            &[b"Bearer s3cret-value"],
            &[b"bEARER s3cret-value"],
            &[b"Bearer older-secret"],
            &[b"Bearer s3cret-valuE"],
            &[b"Bearer s3cret-valu"],
            &[b"Bearer s3cret-value "],
            &[b"Bearer older-secrets"],
            &[b"Bearers3cret-value"],
            &[b"s3cret-value"],
            &[b"Bearer "],
            &[b"Bearer"],
            &[b""],
            &[&too_long],
            &[b"Bearer s3cret-value", b"Bearer s3cret-value"],
            &[b"Bearer wrong", b"Bearer s3cret-value"],
            &[b"Bearer s3cret-value", b"Bearer older-secret"],
        ];
        // Before the secrets are read, it answers nothing: the full check reads them.
        assert!(!rotating.accepts_at_once(|| [&b"Bearer s3cret-value"[..]]));
        for headers in cases {
            let accepted = rotating.check(headers.iter().copied()).is_ok();
            assert_eq!(
                rotating.accepts_at_once(|| headers.iter().copied()),
                accepted,
                "{:?}",
                headers
                    .iter()
                    .map(|h| String::from_utf8_lossy(h))
                    .collect::<Vec<_>>()
            );
        }
        assert!(rotating.accepts_at_once(|| [&b"BEARER older-secret"[..]]));
    }

    #[test]
    fn debug_output_names_sources_and_never_values() {
        let bearer = bearer_with_secret("SB_UNIT_DEBUG", "a-value-debug-must-hide", "Bearer ");
        bearer.resolve().unwrap();
        let shown = format!("{bearer:?}");
        assert!(shown.contains("\"SB_UNIT_DEBUG\""), "{shown}");
        assert!(!shown.contains("a-value-debug-must-hide"), "{shown}");
    }
}
