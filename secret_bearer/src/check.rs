//! The check: the one function every entry point goes through (the attribute's extractor,
//! [`Authenticated`](crate::Authenticated), the middleware, [`SecretBearer::check`]): resolve
//! the secrets, read the header, compare, answer.

use std::sync::Arc;

use futures_util::FutureExt;
use subtle::ConditionallySelectable;

use crate::bearer::SecretBearer;
use crate::bearer::Source;
use crate::caller::{Caller, EXPIRING_WITHIN, LastUse};
use crate::clock;
use crate::digest::{Digest, MAX_SECRET_LEN};
use crate::error::{Error, ErrorKind};
use crate::keys::Found;
use crate::rejection::{AuthError, AuthErrorKind};
use crate::secret::{Held, Secret, Use};
use crate::source::SecretSource;
use crate::store::SecretStore;

impl SecretBearer {
    /// Checks the values of a request's `Authorization` header(s), reading secrets that live
    /// in a secret manager through a [`SecretStore`]'s cache (fetched, or refreshed, first when
    /// due): `store`, an app's own, when given, else the installed one
    /// ([`SecretStore::install`]). The server adapters give the store found in the app's data or
    /// the request's extensions, if any.
    ///
    /// 1. The secrets are resolved first, so a misconfiguration fails every request the same
    ///    way, with or without a header: [`AuthErrorKind::Misconfigured`], a 500.
    /// 2. There must be exactly one header, whose first `prefix().len()` bytes equal the
    ///    prefix, ignoring ASCII case. The rest, verbatim, is the credential: not empty, and
    ///    at most [`MAX_SECRET_LEN`] bytes (a longer one is refused without being hashed).
    /// 3. The credential is hashed once with SHA-256, and its digest looked up in constant time
    ///    in the primary's and the alternate's keys (or the key set's), both always, the
    ///    results combined without short circuit.
    /// 4. If nothing matched and a secret lives in a manager, a rotation in the store may
    ///    explain it: the store refreshes within its [`CachePolicy`](crate::CachePolicy)'s
    ///    limits, and the credential is looked up once more.
    /// 5. A caller without a scope this bearer requires is refused:
    ///    [`AuthErrorKind::InsufficientScope`], a 403.
    ///
    /// An accepted request's answer is its [`Caller`]. Every answer is recorded (see the crate
    /// docs, "Named keys").
    pub async fn authenticate<'a>(
        &self,
        store: Option<&SecretStore>,
        authorization: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Caller, AuthError> {
        self.answer(SecretStore::or_installed(store), authorization)
            .await
    }

    /// The check through `store` alone, its answer recorded.
    async fn answer<'a>(
        &self,
        store: Option<&SecretStore>,
        authorization: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Caller, AuthError> {
        let verdict = self.verdict(store, authorization).await;
        let verdict = verdict.and_then(|caller| self.authorize(caller));
        self.usage().record(&verdict);
        verdict
    }

    /// Whether an authenticated caller may go on: one without a scope this bearer requires is
    /// refused (403).
    fn authorize(&self, caller: Caller) -> Result<Caller, AuthError> {
        match self.required_scopes() {
            Some((scopes, challenge)) if !caller.has_scopes(scopes) => {
                Err(AuthError::forbidden(challenge))
            }
            _ => Ok(caller),
        }
    }

    /// Who called.
    async fn verdict<'a>(
        &self,
        store: Option<&SecretStore>,
        authorization: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Caller, AuthError> {
        let secrets = self.secrets(store).await.map_err(AuthError::fail_closed)?;
        let credential =
            credential(self.prefix(), authorization).map_err(|kind| self.reject(kind))?;
        let presented = Digest::of(credential);
        let refused = match self.identify(&secrets, &presented) {
            Ok(caller) => return Ok(caller),
            Err(refused) => refused,
        };
        // Boxed, as reading the store is: rare, and large. (An expired key too: the store may
        // hold a set that renewed it.)
        if let Some(store) = store
            && Box::pin(self.refresh_after_mismatch(store)).await
        {
            let secrets = self
                .secrets(Some(store))
                .await
                .map_err(AuthError::fail_closed)?;
            return self
                .identify(&secrets, &presented)
                .map_err(|kind| self.reject(kind));
        }
        Err(self.reject(refused))
    }

    /// [`SecretBearer::authenticate`] without waiting, for a bearer whose secrets are
    /// environment variables. A secret that lives in a manager takes waiting to read, so a
    /// bearer with one fails closed here ([`ErrorKind::NeedsWaiting`], a 500), installed
    /// store or not.
    pub fn check<'a>(
        &self,
        authorization: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Caller, AuthError> {
        if let Some(error) = self.needs_waiting() {
            let verdict = Err(AuthError::fail_closed(error));
            self.usage().record(&verdict);
            return verdict;
        }
        let answer = self.answer(None, authorization).now_or_never();
        answer.unwrap_or_else(|| Err(AuthError::fail_closed(self.waited())))
    }

    /// Reads the secrets now, if no request has yet, and reports whether they are usable.
    ///
    /// Call it at start-up to refuse to start with a configuration that would answer every
    /// request with a 500. A secret in a secret manager takes waiting to read
    /// ([`ErrorKind::NeedsWaiting`] here): use [`SecretBearer::resolve_with`].
    pub fn resolve(&self) -> Result<(), Error> {
        if let Some(error) = self.needs_waiting() {
            return Err(error);
        }
        let secrets = self.secrets(None).now_or_never();
        secrets.unwrap_or_else(|| Err(self.waited())).map(drop)
    }

    /// [`SecretBearer::resolve`], fetching secrets that live in a secret manager through
    /// `store` when given, else the installed store (and so warming its cache).
    pub async fn resolve_with(&self, store: Option<&SecretStore>) -> Result<(), Error> {
        self.secrets(SecretStore::or_installed(store))
            .await
            .map(drop)
    }

    /// When each caller of this bearer, and each of their keys that has an `id`, was last
    /// accepted, for an operator's endpoint: each caller by name (`primary`, then `alternate`,
    /// for a bearer of one secret), each followed by its keys with an `id`, newest first. Secrets in a manager are read as a check reads them, through
    /// `store` when given, else the installed one.
    ///
    /// The records live in this process only: they start empty at every start, and each
    /// replica of a service keeps its own. They are kept with the key set as read, so every
    /// bearer that checks with it (handlers naming one bearer, or written with the same keys)
    /// shares them, and a store's refresh keeps them: a caller's by its name, a key's by its
    /// caller and `id`. A key without an `id` is only counted in its caller's row: its place in
    /// the list shifts at every rotation, and a fingerprint of a weak key would help whoever
    /// guesses it. See the crate docs, "Last use".
    pub async fn last_used(&self, store: Option<&SecretStore>) -> Result<Vec<LastUse>, Error> {
        let secrets = self.secrets(SecretStore::or_installed(store)).await?;
        let tables = self.sources().zip(&secrets).filter_map(|(source, secret)| {
            let secret = secret.as_ref()?;
            Some(secret.keys.last_used(&source.caller.name))
        });
        Ok(tables.flatten().collect())
    }

    /// The primary secret, then the alternate (none while it is absent), each as checks
    /// compare with it.
    async fn secrets(&self, store: Option<&SecretStore>) -> Result<Secrets, Error> {
        let mut secrets = Secrets::default();
        for (kept, source) in secrets.iter_mut().zip(self.sources()) {
            *kept = self.read(source, store).await?;
            if self.strong_keys()
                && let Some(weak) = kept.as_ref().and_then(|secret| secret.keys.weak().first())
            {
                return Err(weak.refusal(&source.source));
            }
        }
        Ok(secrets)
    }

    /// One source's secret: an environment variable's as first read, a cached one as it is
    /// (no lock held long, no allocation), anything else through the store's decisions.
    async fn read(&self, source: &Source, store: Option<&SecretStore>) -> Held {
        if let Some(env) = source.env_secret() {
            return env.clone();
        }
        let Some(store) = store else {
            return Err(Error::from(ErrorKind::NoSecretStore {
                source: source.source.clone(),
            }));
        };
        if let Some(cached) = store.cached(&source.source, source.used) {
            return cached;
        }
        // Every source is announced first, so that one fetch of a path derives them all.
        for source in self.sources() {
            store.announce(&source.source, source.used);
        }
        // Boxed: the store's future (a fetch, a refresh) is large, and the checks that need
        // it are rare; the others need not carry its room.
        Box::pin(store.secret(&source.source, source.used)).await
    }

    /// Whether refreshing a secret in the store may change a mismatch's answer; refreshes it.
    async fn refresh_after_mismatch(&self, store: &SecretStore) -> bool {
        let mut refreshed = false;
        for source in self.sources() {
            refreshed |= store.refresh_after_mismatch(&source.source).await;
        }
        refreshed
    }

    /// Whose key `presented` is: a key of no secret is the wrong credential, and a key past
    /// its expiry (its deadline on Tokio's clock; see `clock.rs`) an expired one. An accepted
    /// key's use is recorded, its caller's and its own (`keys::Used`), and an older key's
    /// counted for the report. The
    /// lookup is constant-time (see [`accepts`]); only its answer is branched on, and only a
    /// matched key's caller and expiry are looked up.
    fn identify(&self, secrets: &Secrets, presented: &Digest) -> Result<Caller, AuthErrorKind> {
        let wrong = AuthErrorKind::WrongCredential;
        let (found, which) = accepts(secrets, presented);
        if !bool::from(found.matched) {
            return Err(wrong);
        }
        let (source, secret) = self
            .sources()
            .zip(secrets)
            .nth(which as usize)
            .ok_or(wrong)?;
        let secret = secret.as_ref().ok_or(AuthErrorKind::WrongCredential)?;
        let (caller, newest, about) = secret.keys.owner(found.slot);
        // A single key is its role's: the alternate is the older key of a rotation.
        let caller = caller.unwrap_or(&source.caller);
        let now = tokio::time::Instant::now();
        if let (Some(deadline), Some(expires)) = (about.deadline, about.expires) {
            // At its `expires` instant a key has expired.
            let left = deadline.saturating_duration_since(now);
            if left.is_zero() {
                return Err(AuthErrorKind::Expired);
            }
            if left < EXPIRING_WITHIN {
                let id = about.id.as_ref();
                self.usage()
                    .expiring_key_used(&caller.name, id, expires, left);
            }
        }
        let stamp = clock::stamp(now);
        let _changed = secret.keys.record_use(found.slot, stamp);
        #[cfg(feature = "metrics")]
        if _changed {
            crate::caller::Usage::caller_used(&caller.name, clock::wall_time(stamp));
        }
        let newest = newest && which == 0;
        if !newest {
            let older_keys_of = |name: &str| secret.keys.older_keys_of(name);
            self.usage().older_key_used(&caller.name, older_keys_of);
        }
        Ok(Caller::new(Arc::clone(caller), newest))
    }

    fn reject(&self, kind: AuthErrorKind) -> AuthError {
        AuthError::unauthenticated(kind, self.challenges())
    }

    /// Why a check or read that does not wait cannot serve this bearer: a secret of it lives
    /// in a secret manager. `None` when every secret is an environment variable's.
    fn needs_waiting(&self) -> Option<Error> {
        let managed = self.sources().find(|source| source.source.is_managed())?;
        Some(Error::from(ErrorKind::NeedsWaiting {
            source: managed.source.clone(),
        }))
    }

    /// What a check or read that does not wait answers if it would have waited anyway: with no
    /// secret in a manager nothing is fetched, so this is not expected, and fails closed.
    fn waited(&self) -> Error {
        Error::from(ErrorKind::NeedsWaiting {
            source: self.primary_source().clone(),
        })
    }
}

/// The primary's secret and the alternate's, if any.
type Secrets = [Option<Arc<Secret>>; 2];

/// Which secret, and which of its keys, `presented` is the digest of: every configured secret's
/// table is searched, and the answers combined without short circuit, so the time taken says
/// nothing of whether or which matched. (Whether an alternate is configured is not secret.)
/// The first match wins: an alternate equal to the primary (a `rotating` secret before its
/// first rotation) names the `primary`.
fn accepts(secrets: &Secrets, presented: &Digest) -> (Found, u32) {
    let mut found = Found::none();
    let mut which = 0;
    for (index, secret) in (0..).zip(secrets) {
        if let Some(secret) = secret {
            let this = secret.keys.find(presented);
            let first = this.matched & !found.matched;
            which.conditional_assign(&index, first);
            found.conditional_assign(&this, first);
        }
    }
    (found, which)
}

/// The header's credential, or why there is none usable.
fn credential<'a>(
    prefix: &str,
    authorization: impl IntoIterator<Item = &'a [u8]>,
) -> Result<&'a [u8], AuthErrorKind> {
    let mut values = authorization.into_iter();
    let value = match (values.next(), values.next()) {
        (Some(value), None) => value,
        (None, _) => return Err(AuthErrorKind::MissingCredential),
        (Some(_), Some(_)) => return Err(AuthErrorKind::MultipleCredentials),
    };
    let credential = strip_prefix_ignore_ascii_case(value, prefix.as_bytes())
        .ok_or(AuthErrorKind::WrongPrefix)?;
    if credential.is_empty() {
        return Err(AuthErrorKind::EmptyCredential);
    }
    if credential.len() > MAX_SECRET_LEN {
        return Err(AuthErrorKind::CredentialTooLong);
    }
    Ok(credential)
}

fn strip_prefix_ignore_ascii_case<'a>(value: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let (head, rest) = value.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(rest)
}

/// The lookup at the heart of the check, for the memcheck probe (`tests/constant_time.rs`):
/// whether `credential`'s digest is one of the keys `values` hold (one key each, or with
/// `key_set`, one key set), and the slot it matched, computed as every check computes them,
/// with the stored digests handed to `mark` first so the probe can mark them secret.
#[doc(hidden)]
pub fn probe_accepts(
    values: &[&[u8]],
    key_set: bool,
    credential: &[u8],
    mark: impl Fn(&[u8]),
) -> (u8, u32) {
    let source = SecretSource::env("PROBE");
    let used = if key_set { Use::KeySet } else { Use::Check };
    let mut secrets = Secrets::default();
    for (kept, value) in secrets.iter_mut().zip(values) {
        *kept = Secret::from_value(&source, value, used).ok().map(Arc::new);
    }
    for digest in secrets
        .iter()
        .flatten()
        .flat_map(|secret| secret.keys.digests())
    {
        mark(digest.as_bytes());
    }
    let (found, _) = accepts(&secrets, &Digest::of(credential));
    (found.matched.unwrap_u8(), found.slot)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn every_refusal_names_its_reason() {
        let kind = |headers: &[&[u8]]| credential("Bearer ", headers.iter().copied()).map(drop);
        let too_long = [b"Bearer ".as_slice(), &[b'a'; MAX_SECRET_LEN + 1]].concat();
        let at_cap = [b"Bearer ".as_slice(), &[b'a'; MAX_SECRET_LEN]].concat();
        assert_eq!(kind(&[b"Bearer s3cret-value"]), Ok(()));
        assert_eq!(kind(&[b"bEARER s3cret-value"]), Ok(()));
        assert_eq!(kind(&[&at_cap]), Ok(()));
        assert_eq!(kind(&[]), Err(AuthErrorKind::MissingCredential));
        assert_eq!(
            kind(&[b"Bearer s3cret-value", b"Bearer s3cret-value"]),
            Err(AuthErrorKind::MultipleCredentials)
        );
        assert_eq!(kind(&[b"s3cret-value"]), Err(AuthErrorKind::WrongPrefix));
        assert_eq!(kind(&[b"Bearer"]), Err(AuthErrorKind::WrongPrefix));
        assert_eq!(kind(&[b"Bearer "]), Err(AuthErrorKind::EmptyCredential));
        assert_eq!(kind(&[&too_long]), Err(AuthErrorKind::CredentialTooLong));
    }

    #[test]
    fn either_secret_matches_and_nothing_else() {
        let accepts = |keys: &[&[u8]], credential: &[u8]| {
            probe_accepts(keys, false, credential, |_| {}).0 == 1
        };
        assert!(accepts(&[b"new", b"old"], b"new"));
        assert!(accepts(&[b"new", b"old"], b"old"));
        assert!(!accepts(&[b"new", b"old"], b"neither"));
        assert!(!accepts(&[b"new", b"old"], b"ol"));
        assert!(!accepts(&[b"new"], b"new\0"));
        assert!(!accepts(&[b"new"], b""));
        let long = vec![b'a'; MAX_SECRET_LEN];
        assert!(accepts(&[b"new", &long], &long));
    }
}
