//! [`SecretStore`]: a secret manager bound to an app, and the cache in front of it.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use secrecy::zeroize::Zeroizing;

use crate::clock;
use crate::manager::{DynSecretManager, SecretManager};
use crate::secret::Secret;
use crate::view;
use crate::{Error, SecretSource, SecretVersion};

/// A [`SecretManager`] with its cache: what handlers whose secrets live in a manager read them
/// through. Bind it once in the app data, as clearskies binds `secrets`:
///
/// ```
/// use actix_web::{App, HttpServer};
/// use secret_bearer::{FileManager, SecretStore};
///
/// // Built once, outside the factory, so every worker shares one cache.
/// let store = SecretStore::new(FileManager::new("/var/run/secrets"));
/// let server = HttpServer::new(move || App::new().app_data(store.clone()));
/// # let _ = server;
/// ```
///
/// It may also be registered as `web::Data<SecretStore>`. A handler whose secret lives in a
/// manager, with no store bound, answers 500 and logs the missing binding.
///
/// Each path is cached on its own (the JSON keys of one path share its fetches, and come from
/// one version of its document), under the [`CachePolicy`]: fetched when first needed, with one fetch in flight however many requests
/// wait for it; refreshed in the background after the time-to-live while the cached value
/// keeps serving (a credential it refuses waits for the refresh); kept when a refresh fails
/// (with a warning), so a store outage does not lock clients out; and fetched early when a
/// credential fails to match a secret older than a minimum age, at most once per interval, so
/// a rotation in the store is accepted without a restart and a flood of bad credentials cannot
/// hammer it. Within a Tokio runtime (as in actix-web) each fetch is a task of its own, which a
/// request that gives up does not cancel.
///
/// Most checks read neither the cache's lock nor the clock: each thread compares with its own
/// view of the secrets, and reads the cache only to build it, first, and again after any entry
/// changes or a copied secret falls due (marked by a thread, `secret-bearer-expiry`, which the
/// first view of a secret that can fall due starts).
#[derive(Clone)]
pub struct SecretStore {
    /// Unique for the life of the process, unlike an address: names the store in thread views.
    /// Beside the pointer rather than behind it: every check of a cached secret reads it.
    id: u64,
    inner: Arc<StoreInner>,
}

struct StoreInner {
    manager: Box<dyn DynSecretManager>,
    policy: CachePolicy,
    /// By path and version: sources that read one path (JSON keys of one document) share
    /// its fetches.
    slots: Mutex<HashMap<(String, SecretVersion), Arc<Slot>>>,
}

impl SecretStore {
    /// Binds `manager` with the default [`CachePolicy`].
    pub fn new(manager: impl SecretManager) -> Self {
        Self::with_policy(manager, CachePolicy::default())
    }

    /// Binds `manager` with this cache policy.
    pub fn with_policy(manager: impl SecretManager, policy: CachePolicy) -> Self {
        static IDS: AtomicU64 = AtomicU64::new(1);
        Self {
            id: IDS.fetch_add(1, Ordering::Relaxed),
            inner: Arc::new(StoreInner {
                manager: Box::new(manager),
                policy,
                slots: Mutex::default(),
            }),
        }
    }

    /// The cache policy.
    pub fn policy(&self) -> &CachePolicy {
        &self.inner.policy
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The cache entry of a source's path, made on first use.
    pub(crate) fn slot(&self, source: &SecretSource) -> Arc<Slot> {
        let (path, version) = match source {
            SecretSource::Manager { path, version, .. } => (path.as_ref(), *version),
            SecretSource::Env(name) => (name.as_ref(), SecretVersion::Current),
        };
        let mut slots = self
            .inner
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            slots
                .entry((path.to_owned(), version))
                .or_insert_with(|| Arc::new(Slot::new(path.to_owned(), version))),
        )
    }

    /// Fetches the slot's secret unless another caller did since `seen` was read, and waits
    /// for it; a fetch already in flight is waited for, not repeated.
    ///
    /// Within a Tokio runtime (actix-web's workers run one) the fetch is a task of its own, so
    /// a request that gives up waiting (a client that disconnects) does not cancel it.
    pub(crate) async fn refresh(&self, slot: &Arc<Slot>, seen: Generation) {
        let fetch = self.fetch(Arc::clone(slot), seen);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                // A fetch that panicked or was cancelled leaves the slot as it was: the
                // request goes on with whatever it holds.
                let _ = runtime.spawn(fetch).await;
            }
            Err(_) => fetch.await,
        }
    }

    /// Starts a refresh without waiting for it, so requests go on with the stale secret; `false`
    /// when there is no runtime to run it on (then the caller refreshes and waits).
    pub(crate) fn refresh_in_background(&self, slot: &Arc<Slot>, seen: Generation) -> bool {
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                drop(runtime.spawn(self.fetch(Arc::clone(slot), seen)));
                true
            }
            Err(_) => false,
        }
    }

    /// The single flight: one fetch at a time per slot, and none if the slot has changed since
    /// `seen` (someone else's fetch ended while this one waited for its turn).
    fn fetch(
        &self,
        slot: Arc<Slot>,
        seen: Generation,
    ) -> impl Future<Output = ()> + Send + 'static {
        let store = self.clone();
        async move {
            let _in_flight = slot.fetching.lock().await;
            if slot.read().generation != seen {
                return;
            }
            let fetched = store
                .inner
                .manager
                .get_boxed(&slot.path, slot.version)
                .await;
            let now = clock::now_ms();
            let result = fetched
                .map(|value| Zeroizing::new(value.into_bytes()))
                .map_err(|error| Error::Manager {
                    source: slot.source(),
                    error,
                });
            slot.store(result, now, &store.inner.policy);
        }
    }
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretStore")
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

/// How long a [`SecretStore`] trusts what it fetched. The defaults suit a store that rotates
/// secrets by hand or by schedule:
///
/// | setting | default | |
/// | --- | --- | --- |
/// | [`ttl`](Self::ttl) | 5 minutes | a secret is fetched again this long after it was fetched |
/// | [`retry_after`](Self::retry_after) | 10 seconds | after a failed fetch, the next one waits this long |
/// | [`mismatch_min_age`](Self::mismatch_min_age) | 30 seconds | a credential that does not match a secret at least this old triggers a refresh |
/// | [`mismatch_interval`](Self::mismatch_interval) | 30 seconds | at most one such refresh per path per this long |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub struct CachePolicy {
    ttl: Duration,
    retry_after: Duration,
    mismatch_min_age: Duration,
    mismatch_interval: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
            retry_after: Duration::from_secs(10),
            mismatch_min_age: Duration::from_secs(30),
            mismatch_interval: Duration::from_secs(30),
        }
    }
}

impl CachePolicy {
    /// How long a fetched secret is used before it is fetched again.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How long to wait after a failed fetch before the next; meanwhile the last good secret is
    /// used, or, if there is none, requests are answered with a 500 without asking the store.
    pub fn retry_after(mut self, retry_after: Duration) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// A credential that does not match a secret fetched at least this long ago makes the
    /// store fetch it again (a rotation may have happened) before the request is refused.
    pub fn mismatch_min_age(mut self, age: Duration) -> Self {
        self.mismatch_min_age = age;
        self
    }

    /// At most one refresh per path per this long is caused by credentials that do not match.
    pub fn mismatch_interval(mut self, interval: Duration) -> Self {
        self.mismatch_interval = interval;
        self
    }
}

/// Counts a slot's fetches: a waiter that saw generation `n` and finds `n + 1` knows the fetch
/// it waited for has happened.
pub(crate) type Generation = u64;

/// The cache entry of one path: the last document fetched, and the secrets sources take from
/// it (the whole value, or a JSON key of it).
///
/// Requests read it without taking a lock while their thread's view of the secret (see
/// [`crate::view`]) is current; only when it is not do they read `state`.
pub(crate) struct Slot {
    path: String,
    version: SecretVersion,
    state: RwLock<State>,
    /// Whether `state` holds a document, for readers that must not wait for its lock.
    has_document: AtomicBool,
    /// When the document is due for a refresh ([`clock::now_ms`]); 0 until the first fetch.
    refresh_at: AtomicU64,
    /// Held while fetching: the single flight.
    fetching: tokio::sync::Mutex<()>,
    /// When a mismatch last caused a refresh; 0 for never. Claimed atomically, so that of a
    /// flood of bad credentials exactly one causes the refresh.
    mismatch_refreshed: AtomicU64,
}

struct State {
    /// The last good value fetched, wiped when replaced or dropped.
    document: Option<Zeroizing<Vec<u8>>>,
    /// What each source reading this path takes from the document.
    secrets: Vec<(SecretSource, Result<Arc<Secret>, Error>)>,
    /// Why the last fetch failed, if it did.
    error: Option<Error>,
    fetched_at: u64,
    generation: Generation,
}

impl State {
    /// The source's secret from the current document; `None` when it is not derived yet.
    fn secret(&self, source: &SecretSource) -> Option<&Result<Arc<Secret>, Error>> {
        self.secrets
            .iter()
            .find(|(known, _)| known == source)
            .map(|(_, secret)| secret)
    }
}

/// A secret to compare with, wherever it is kept.
pub(crate) enum Held<'a> {
    /// Kept by the bearer (an environment variable).
    Borrowed(&'a Secret),
    /// Shared with the cache.
    Shared(Arc<Secret>),
}

impl std::ops::Deref for Held<'_> {
    type Target = Secret;

    fn deref(&self) -> &Secret {
        match self {
            Self::Borrowed(secret) => secret,
            Self::Shared(secret) => secret,
        }
    }
}

/// What a slot holds at a given moment.
pub(crate) enum Cached {
    /// A secret to compare with (perhaps stale, when `stale_ok` was asked for).
    Secret(Arc<Secret>),
    /// The last fetch failed and there is nothing to fall back on.
    Failed(Error),
    /// A fetch is due: never fetched, or past its time-to-live or retry time.
    Due,
}

impl Slot {
    fn new(path: String, version: SecretVersion) -> Self {
        Self {
            path,
            version,
            state: RwLock::new(State {
                document: None,
                secrets: Vec::new(),
                error: None,
                fetched_at: 0,
                generation: 0,
            }),
            has_document: AtomicBool::new(false),
            refresh_at: AtomicU64::new(0),
            fetching: tokio::sync::Mutex::const_new(()),
            mismatch_refreshed: AtomicU64::new(0),
        }
    }

    /// What this slot fetches, as errors and logs name it.
    fn source(&self) -> SecretSource {
        SecretSource::Manager {
            path: self.path.clone().into(),
            json_key: None,
            version: self.version,
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a document was ever fetched: then a due refresh need not hold requests up.
    pub(crate) fn has_secret(&self) -> bool {
        self.has_document.load(Ordering::Acquire)
    }

    /// The generation to refresh from, when the document is due at `now`.
    pub(crate) fn due(&self, now: u64) -> Option<Generation> {
        (now >= self.refresh_at.load(Ordering::Acquire)).then(|| self.read().generation)
    }

    /// The source's secret from the current document, taken from it on first use.
    fn secret(&self, source: &SecretSource) -> Option<Result<Arc<Secret>, Error>> {
        if let Some(secret) = self.read().secret(source) {
            return Some(secret.clone());
        }
        let mut state = self.write();
        if state.secret(source).is_none() {
            let secret = state.document.as_ref()?.as_slice();
            let secret = source.accept_fetched(secret).map(Arc::new);
            state.secrets.push((source.clone(), secret));
        }
        state.secret(source).cloned()
    }

    /// The source's current secret and when it is due, if it is not due at `now`: what a
    /// thread's view copies.
    pub(crate) fn snapshot(&self, source: &SecretSource, now: u64) -> Option<(Arc<Secret>, u64)> {
        let secret = self.secret(source)?.ok()?;
        let state = self.read();
        let refresh_at = self.refresh_at.load(Ordering::Acquire);
        // The secret must be the one of the current document.
        let current = state
            .secret(source)
            .is_some_and(|kept| kept.as_ref().is_ok_and(|kept| Arc::ptr_eq(kept, &secret)));
        (current && now < refresh_at).then_some((secret, refresh_at))
    }

    /// The source's secret at `now`. With `stale_ok`, after a fetch was attempted, a due slot
    /// answers with what it has instead of asking for another fetch.
    pub(crate) fn cached(&self, source: &SecretSource, now: u64, stale_ok: bool) -> Cached {
        let (generation, error) = {
            let state = self.read();
            (state.generation, state.error.clone())
        };
        let due = now >= self.refresh_at.load(Ordering::Acquire);
        if due && !(stale_ok && generation > 0) {
            return Cached::Due;
        }
        match (self.secret(source), error) {
            (Some(Ok(secret)), _) => Cached::Secret(secret),
            (Some(Err(error)), _) | (None, Some(error)) => Cached::Failed(error),
            (None, None) => Cached::Due,
        }
    }

    /// Whether a credential that failed to match may refresh this slot now, without claiming
    /// the refresh.
    pub(crate) fn mismatch_refresh_allowed(&self, now: u64, policy: &CachePolicy) -> bool {
        self.mismatch_claimable(now, policy).is_some()
    }

    /// The claim stamp to replace, when a mismatch may refresh now.
    fn mismatch_claimable(&self, now: u64, policy: &CachePolicy) -> Option<u64> {
        let fetched_at = {
            let state = self.read();
            state.document.as_ref()?;
            state.fetched_at
        };
        let last = self.mismatch_refreshed.load(Ordering::Acquire);
        let allowed = now.saturating_sub(fetched_at) >= clock::millis(policy.mismatch_min_age)
            && (last == 0 || now.saturating_sub(last) >= clock::millis(policy.mismatch_interval));
        allowed.then_some(last)
    }

    /// Claims the right to refresh after a mismatch: of any number of concurrent callers, at
    /// most one per interval gets the generation to refresh (the compare-exchange is against
    /// the very stamp the check read, so two callers cannot both win).
    pub(crate) fn claim_mismatch_refresh(
        &self,
        now: u64,
        policy: &CachePolicy,
    ) -> Option<Generation> {
        let last = self.mismatch_claimable(now, policy)?;
        self.mismatch_refreshed
            .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
            .ok()
            .map(|_| self.read().generation)
    }

    /// Keeps what a fetch brought. A source the new document cannot serve (a JSON key gone, a
    /// value no header could carry) keeps its last good secret, as a failed fetch does.
    fn store(&self, fetched: Result<Zeroizing<Vec<u8>>, Error>, now: u64, policy: &CachePolicy) {
        let mut state = self.write();
        state.generation += 1;
        let refresh_after = match fetched {
            Ok(document) => {
                let secrets = std::mem::take(&mut state.secrets)
                    .into_iter()
                    .map(|(source, old)| {
                        let new = source.accept_fetched(&document).map(Arc::new);
                        let kept = match (new, old) {
                            (Err(error), Ok(old)) => {
                                warn_stale(&source, &error);
                                Ok(old)
                            }
                            (new, _) => new,
                        };
                        (source, kept)
                    })
                    .collect();
                state.secrets = secrets;
                state.document = Some(document);
                state.error = None;
                state.fetched_at = now;
                policy.ttl
            }
            Err(error) => {
                // Once per failed fetch (at most one per `retry_after`), not per request.
                if state.document.is_some() {
                    warn_stale(&self.source(), &error);
                } else {
                    tracing::error!(
                        source = %self.source(),
                        %error,
                        "secret_bearer: fetching a secret failed and none was fetched before; \
                         requests that need it fail closed until a fetch succeeds"
                    );
                }
                state.error = Some(error);
                policy.retry_after
            }
        };
        self.has_document
            .store(state.document.is_some(), Ordering::Release);
        self.refresh_at.store(
            now.saturating_add(clock::millis(refresh_after)),
            Ordering::Release,
        );
        view::published();
    }
}

fn warn_stale(source: &SecretSource, error: &Error) {
    tracing::warn!(
        %source,
        %error,
        "secret_bearer: refreshing a secret failed; the last good value stays in use"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetched(slot: &Slot, document: &str, now: u64) {
        let document = Zeroizing::new(document.as_bytes().to_vec());
        slot.store(Ok(document), now, &CachePolicy::default());
    }

    #[test]
    fn of_concurrent_mismatches_one_claims_the_refresh() {
        let slot = Arc::new(Slot::new("/p".to_owned(), SecretVersion::Current));
        fetched(&slot, "SECRET", 1);
        let policy = CachePolicy::default()
            .mismatch_min_age(Duration::ZERO)
            .mismatch_interval(Duration::from_secs(3600));
        let barrier = Arc::new(std::sync::Barrier::new(8));
        let claims: usize = (0..8)
            .map(|_| {
                let (slot, barrier) = (Arc::clone(&slot), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..1000)
                        .filter(|_| slot.claim_mismatch_refresh(10, &policy).is_some())
                        .count()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|thread| thread.join().unwrap())
            .sum();
        assert_eq!(claims, 1);
    }

    #[test]
    fn a_refresh_anywhere_makes_views_stale_and_snapshots_current() {
        let slot = Arc::new(Slot::new("/p".to_owned(), SecretVersion::Current));
        let source = SecretSource::manager("/p");
        fetched(&slot, "FIRST", 1);
        let (first, _) = slot.snapshot(&source, 2).unwrap();
        let seen = view::publications();
        let other = Arc::clone(&slot);
        std::thread::spawn(move || fetched(&other, "SECOND", 3))
            .join()
            .unwrap();
        assert_ne!(view::publications(), seen);
        let (second, _) = slot.snapshot(&source, 4).unwrap();
        assert_eq!(first.expose(), b"FIRST");
        assert_eq!(second.expose(), b"SECOND");
    }

    #[test]
    fn after_a_failure_the_store_is_asked_again_once_retry_after_has_passed() {
        let slot = Slot::new("/p".to_owned(), SecretVersion::Current);
        let source = SecretSource::manager("/p");
        let policy = CachePolicy::default().retry_after(Duration::from_millis(100));
        let failure = Error::Manager {
            source: source.clone(),
            error: crate::ManagerError::unavailable("down"),
        };
        slot.store(Err(failure.clone()), 1_000, &policy);
        assert!(matches!(slot.cached(&source, 1_050, false), Cached::Failed(e) if e == failure));
        assert!(slot.due(1_050).is_none());
        assert!(slot.due(1_100).is_some(), "due again after retry_after");
        fetched(&slot, "RECOVERED", 1_101);
        assert!(matches!(
            slot.cached(&source, 1_102, false),
            Cached::Secret(_)
        ));
    }
}
