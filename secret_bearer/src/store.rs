//! [`SecretStore`]: a secret manager, and the one cache in front of it that handlers and
//! clients both read through.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use secrecy::zeroize::Zeroizing;
use tokio::time::Instant;

use crate::error::Error;
use crate::manager::{DynSecretManager, ManagerError, SecretManager};
use crate::secret::{Secret, Use};
use crate::source::{SecretSource, SecretVersion};

/// A [`SecretManager`] with its cache: what secrets in a manager are read through. Bind it
/// once in the app data for handlers, as clearskies binds `secrets`, and pass it to clients:
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
/// Each path is cached on its own under the [`CachePolicy`] (the JSON keys of one path share
/// its fetches, and come from one version of its document):
/// - fetched when first needed, with one fetch in flight however many requests wait for it;
/// - refreshed in the background after the time-to-live while the cached value keeps serving
///   (a credential it refuses waits for that refresh);
/// - kept when a refresh fails (with a warning), so a store outage does not lock clients out;
///   after a failure the store is asked again only after `retry_after`;
/// - fetched early when a credential fails to match a secret older than a minimum age, at
///   most once per interval, so a rotation in the store is accepted without a restart and a
///   flood of bad credentials cannot hammer it.
///
/// Within a Tokio runtime (as in actix-web) each fetch is a task of its own, which a request
/// that gives up does not cancel. The cache keeps what checks compare with, each secret's
/// SHA-256 digest; the key itself only for clients, which must send it.
#[derive(Clone)]
pub struct SecretStore {
    inner: Arc<StoreInner>,
}

struct StoreInner {
    manager: Box<dyn DynSecretManager>,
    policy: CachePolicy,
    entries: Mutex<HashMap<(String, SecretVersion), Arc<Entry>>>,
}

impl SecretStore {
    /// Binds `manager` with the default [`CachePolicy`].
    pub fn new(manager: impl SecretManager) -> Self {
        Self::with_policy(manager, CachePolicy::default())
    }

    /// Binds `manager` with this cache policy.
    pub fn with_policy(manager: impl SecretManager, policy: CachePolicy) -> Self {
        Self {
            inner: Arc::new(StoreInner {
                manager: Box::new(manager),
                policy,
                entries: Mutex::default(),
            }),
        }
    }

    /// The cache policy.
    pub fn policy(&self) -> &CachePolicy {
        &self.inner.policy
    }

    /// The secret `source` names, from the cache, fetched first when there is nothing to
    /// serve. A secret past its time-to-live keeps serving while it is refreshed.
    pub(crate) async fn secret(
        &self,
        source: &SecretSource,
        used: Use,
    ) -> Result<Arc<Secret>, Error> {
        let Some(entry) = self.entry(source) else {
            return Secret::from_env(source, used).map(Arc::new);
        };
        let wanted = Wanted {
            source: source.clone(),
            used,
        };
        let (found, due) = entry.look(&wanted, Instant::now());
        match (found, due) {
            (Some(found), None) => return found,
            (Some(Ok(stale)), Some(seen)) => {
                if self.refresh_in_background(&entry, seen) {
                    return Ok(stale);
                }
                self.refresh(&entry, seen).await;
            }
            (_, Some(seen)) => self.refresh(&entry, seen).await,
            // `look` answers one or the other.
            (None, None) => {}
        }
        entry.found(&wanted).unwrap_or_else(|| {
            Err(Error::Manager {
                source: source.clone(),
                error: ManagerError::unavailable("the fetch did not finish"),
            })
        })
    }

    /// Announces that `source` will be read, so that a fetch for another source of its path
    /// derives it too (the JSON keys of one document share its fetches from the first).
    pub(crate) fn announce(&self, source: &SecretSource, used: Use) {
        if let Some(entry) = self.entry(source) {
            entry.want(&Wanted {
                source: source.clone(),
                used,
            });
        }
    }

    /// After a credential matched no cached secret: refreshes `source` if a rotation in the
    /// store may explain it (see [`CachePolicy`]), and says whether it did. A refresh already
    /// due is waited for rather than repeated.
    pub(crate) async fn refresh_after_mismatch(&self, source: &SecretSource) -> bool {
        let Some(entry) = self.entry(source) else {
            return false;
        };
        match entry.claim_mismatch_refresh(Instant::now(), &self.inner.policy) {
            Some(seen) => {
                self.refresh(&entry, seen).await;
                true
            }
            None => false,
        }
    }

    /// After a server refused what a client sent ([`retry_on_401`]): fetches again every
    /// secret clients send through this store, within the same limits as a mismatch.
    ///
    /// [`retry_on_401`]: crate::client::retry_on_401
    pub(crate) async fn refresh_sent_secrets(&self) {
        let sent: Vec<Arc<Entry>> = lock(&self.inner.entries)
            .values()
            .filter(|entry| entry.is_sent())
            .cloned()
            .collect();
        for entry in sent {
            if let Some(seen) = entry.claim_mismatch_refresh(Instant::now(), &self.inner.policy) {
                self.refresh(&entry, seen).await;
            }
        }
    }

    /// The cache entry of a source's path, made on first use; `None` for a source that is not
    /// in a manager.
    fn entry(&self, source: &SecretSource) -> Option<Arc<Entry>> {
        let SecretSource::Manager { path, version, .. } = source else {
            return None;
        };
        let mut entries = lock(&self.inner.entries);
        let entry = entries
            .entry((path.to_string(), *version))
            .or_insert_with(|| Arc::new(Entry::new(path.to_string(), *version)));
        Some(Arc::clone(entry))
    }

    /// Fetches the entry unless another caller did since `seen`, and waits for it. Within a
    /// Tokio runtime the fetch is a task of its own, so a request that gives up waiting (a
    /// client that disconnects) does not cancel it.
    async fn refresh(&self, entry: &Arc<Entry>, seen: Generation) {
        let fetch = self.fetch(Arc::clone(entry), seen);
        match tokio::runtime::Handle::try_current() {
            // A fetch that panicked or was cancelled leaves the entry as it was.
            Ok(runtime) => drop(runtime.spawn(fetch).await),
            Err(_) => fetch.await,
        }
    }

    /// Starts a refresh without waiting for it, unless one is under way; `false` when there is
    /// no runtime to run it.
    fn refresh_in_background(&self, entry: &Arc<Entry>, seen: Generation) -> bool {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return false;
        };
        if entry.begin_background_refresh() {
            drop(runtime.spawn(self.fetch(Arc::clone(entry), seen)));
        }
        true
    }

    /// The single flight: one fetch at a time per entry, and none if the entry has changed
    /// since `seen` (someone else's fetch ended while this one waited for its turn).
    fn fetch(
        &self,
        entry: Arc<Entry>,
        seen: Generation,
    ) -> impl Future<Output = ()> + Send + 'static {
        let store = self.clone();
        async move {
            let _in_flight = entry.fetching.lock().await;
            if entry.state().generation != seen {
                return;
            }
            let fetched = store
                .inner
                .manager
                .get_boxed(&entry.path, entry.version)
                .await
                .map(|value| Zeroizing::new(value.into_bytes()))
                .map_err(|error| Error::Manager {
                    source: entry.source(),
                    error,
                });
            entry.keep(fetched, Instant::now(), &store.inner.policy);
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

/// Counts an entry's fetches: a waiter that saw generation `n` and finds `n + 1` knows the
/// fetch it waited for has happened.
type Generation = u64;

/// What a source asks of its path's entry: its secret, to check with or to send.
#[derive(Clone, PartialEq, Eq)]
struct Wanted {
    source: SecretSource,
    used: Use,
}

/// The cache of one path (and version): the secrets its sources take from the last document
/// fetched. The document itself is not kept: each fetch derives every wanted secret from it,
/// and a source wanted for the first time is fetched for.
struct Entry {
    path: String,
    version: SecretVersion,
    state: Mutex<State>,
    /// Held while fetching: the single flight.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    /// Every source read through this entry so far, derived at each fetch.
    wanted: Vec<Wanted>,
    /// The last good secret of each wanted source (or why the document could not give it).
    secrets: Vec<(Wanted, Result<Arc<Secret>, Error>)>,
    /// Why the last fetch failed, if it did.
    failure: Option<Error>,
    fetched_at: Option<Instant>,
    /// When the last fetch ended, and how long until the next; `None` before the first fetch.
    /// (A duration, not a deadline: a policy of `Duration::MAX` cannot overflow a sum.)
    last_fetch: Option<(Instant, Duration)>,
    /// Whether a background refresh is under way, so that requests start one, not one each.
    refreshing: bool,
    generation: Generation,
    /// When a mismatch last caused a refresh.
    mismatch_refreshed: Option<Instant>,
}

impl Entry {
    fn new(path: String, version: SecretVersion) -> Self {
        Self {
            path,
            version,
            state: Mutex::default(),
            fetching: tokio::sync::Mutex::const_new(()),
        }
    }

    /// What this entry fetches, as errors and logs name it.
    fn source(&self) -> SecretSource {
        SecretSource::Manager {
            path: self.path.clone().into(),
            json_key: None,
            version: self.version,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// What the entry holds for `wanted` now, and the generation to refresh from if a fetch is
    /// due: never fetched, past its time, or `wanted` not yet derived. Registers `wanted`, so
    /// that every fetch from now on derives it.
    fn look(
        &self,
        wanted: &Wanted,
        now: Instant,
    ) -> (Option<Result<Arc<Secret>, Error>>, Option<Generation>) {
        let mut state = self.state();
        state.want(wanted);
        let derived = state.secret(wanted);
        let found = derived.clone().or_else(|| state.failure.clone().map(Err));
        let due = state.is_due(now) || (derived.is_none() && state.failure.is_none());
        (found, due.then_some(state.generation))
    }

    fn want(&self, wanted: &Wanted) {
        self.state().want(wanted);
    }

    /// Whether a client reads a secret through this entry, to send it.
    fn is_sent(&self) -> bool {
        self.state()
            .wanted
            .iter()
            .any(|wanted| wanted.used == Use::Send)
    }

    /// Whether this caller is the one to start the background refresh.
    fn begin_background_refresh(&self) -> bool {
        !std::mem::replace(&mut self.state().refreshing, true)
    }

    /// What the entry holds for `wanted`, after a fetch.
    fn found(&self, wanted: &Wanted) -> Option<Result<Arc<Secret>, Error>> {
        let state = self.state();
        state
            .secret(wanted)
            .or_else(|| state.failure.clone().map(Err))
    }

    /// Claims the refresh a mismatch may cause: the one already due (waited for, not
    /// repeated), or, of any number of concurrent callers, one per interval once the secret is
    /// old enough.
    fn claim_mismatch_refresh(&self, now: Instant, policy: &CachePolicy) -> Option<Generation> {
        let mut state = self.state();
        if state.is_due(now) {
            return Some(state.generation);
        }
        // After a failed fetch the store is asked again after `retry_after`, not sooner.
        if state.failure.is_some() {
            return None;
        }
        let old_enough = state
            .fetched_at
            .is_some_and(|fetched_at| now.duration_since(fetched_at) >= policy.mismatch_min_age);
        let allowed = state
            .mismatch_refreshed
            .is_none_or(|last| now.duration_since(last) >= policy.mismatch_interval);
        if !(old_enough && allowed) {
            return None;
        }
        state.mismatch_refreshed = Some(now);
        Some(state.generation)
    }

    /// Keeps what a fetch brought. A source the new document cannot serve (a JSON key gone, a
    /// value no header could carry) keeps its last good secret, as a failed fetch does.
    fn keep(&self, fetched: Result<Zeroizing<Vec<u8>>, Error>, now: Instant, policy: &CachePolicy) {
        let mut state = self.state();
        state.generation += 1;
        state.refreshing = false;
        let wait = match fetched {
            Ok(document) => {
                let secrets: Vec<_> = state
                    .wanted
                    .iter()
                    .map(|wanted| {
                        let new = derive(wanted, &document);
                        let kept = match (new, state.secret(wanted)) {
                            (Err(error), Some(Ok(old))) => {
                                warn_stale(&wanted.source, &error);
                                Ok(old)
                            }
                            (new, _) => new,
                        };
                        (wanted.clone(), kept)
                    })
                    .collect();
                // A source the document cannot serve, with no good value to fall back on, is
                // asked for again as a failed fetch would be, not kept failing for the TTL.
                let unusable = secrets.iter().any(|(_, secret)| secret.is_err());
                state.secrets = secrets;
                state.failure = None;
                state.fetched_at = Some(now);
                if unusable {
                    policy.retry_after
                } else {
                    policy.ttl
                }
            }
            Err(error) => {
                // Once per failed fetch (at most one per `retry_after`), not per request.
                if state.secrets.is_empty() {
                    tracing::error!(
                        source = %self.source(),
                        %error,
                        "secret_bearer: fetching a secret failed and none was fetched before; \
                         requests that need it fail closed until a fetch succeeds"
                    );
                } else {
                    warn_stale(&self.source(), &error);
                }
                state.failure = Some(error);
                policy.retry_after
            }
        };
        state.last_fetch = Some((now, wait));
    }
}

impl State {
    /// Never fetched, or past its time-to-live (or, after a failure, its retry time).
    fn is_due(&self, now: Instant) -> bool {
        self.last_fetch
            .is_none_or(|(at, wait)| now.saturating_duration_since(at) >= wait)
    }

    fn want(&mut self, wanted: &Wanted) {
        if !self.wanted.contains(wanted) {
            self.wanted.push(wanted.clone());
        }
    }

    fn secret(&self, wanted: &Wanted) -> Option<Result<Arc<Secret>, Error>> {
        self.secrets
            .iter()
            .find(|(known, _)| known == wanted)
            .map(|(_, secret)| secret.clone())
    }
}

/// A wanted source's secret in a fetched document.
fn derive(wanted: &Wanted, document: &[u8]) -> Result<Arc<Secret>, Error> {
    Secret::from_value(&wanted.source, document, wanted.used).map(Arc::new)
}

fn warn_stale(source: &SecretSource, error: &Error) {
    tracing::warn!(
        %source,
        %error,
        "secret_bearer: refreshing a secret failed; the last good value stays in use"
    );
}

/// A poisoned lock still holds consistent state here: every update is one assignment.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(spec: &str) -> Wanted {
        Wanted {
            source: SecretSource::manager(spec.to_owned()),
            used: Use::Check,
        }
    }

    fn fetched(entry: &Entry, document: &str, now: Instant) {
        let document = Zeroizing::new(document.as_bytes().to_vec());
        entry.keep(Ok(document), now, &CachePolicy::default());
    }

    #[test]
    fn of_concurrent_mismatches_one_claims_the_refresh() {
        let entry = Arc::new(Entry::new("/p".to_owned(), SecretVersion::Current));
        let start = Instant::now();
        entry.look(&wanted("/p"), start);
        fetched(&entry, "SECRET", start);
        let policy = CachePolicy::default()
            .mismatch_min_age(Duration::ZERO)
            .mismatch_interval(Duration::from_secs(3600));
        let barrier = Arc::new(std::sync::Barrier::new(8));
        let claims: usize = (0..8)
            .map(|_| {
                let (entry, barrier) = (Arc::clone(&entry), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..1000)
                        .filter(|_| {
                            entry
                                .claim_mismatch_refresh(Instant::now(), &policy)
                                .is_some()
                        })
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
    fn after_a_failure_the_store_is_asked_again_once_retry_after_has_passed() {
        let entry = Entry::new("/p".to_owned(), SecretVersion::Current);
        let wanted = wanted("/p");
        let start = Instant::now();
        let policy = CachePolicy::default().retry_after(Duration::from_millis(100));
        let failure = Error::Manager {
            source: wanted.source.clone(),
            error: ManagerError::unavailable("down"),
        };
        assert!(
            entry.look(&wanted, start).1.is_some(),
            "due before the first fetch"
        );
        entry.keep(Err(failure.clone()), start, &policy);
        let (found, due) = entry.look(&wanted, start + Duration::from_millis(50));
        assert!(matches!(found, Some(Err(e)) if e == failure));
        assert!(due.is_none());
        assert!(
            entry
                .look(&wanted, start + Duration::from_millis(100))
                .1
                .is_some()
        );
        fetched(&entry, "RECOVERED", start + Duration::from_millis(101));
        let (found, due) = entry.look(&wanted, start + Duration::from_millis(102));
        assert!(matches!(found, Some(Ok(_))) && due.is_none());
    }

    #[test]
    fn a_source_wanted_for_the_first_time_is_fetched_for_and_a_lost_key_keeps_its_value() {
        let entry = Entry::new("/doc".to_owned(), SecretVersion::Current);
        let (current, previous) = (wanted("/doc#current"), wanted("/doc#previous"));
        let start = Instant::now();
        entry.look(&current, start);
        fetched(&entry, r#"{"current": "A", "previous": "B"}"#, start);
        assert!(entry.look(&current, start).1.is_none());
        // Not derived by the last fetch: due, though within the time-to-live.
        assert!(entry.look(&previous, start).1.is_some());
        fetched(&entry, r#"{"current": "A", "previous": "B"}"#, start);
        assert!(matches!(entry.look(&previous, start), (Some(Ok(_)), None)));
        // A document that lost the key keeps the last good value.
        fetched(&entry, r#"{"current": "A"}"#, start);
        assert!(matches!(entry.found(&previous), Some(Ok(_))));
    }

    #[test]
    fn policies_of_any_length_and_failures_follow_their_own_clocks() {
        let entry = Entry::new("/doc".to_owned(), SecretVersion::Current);
        let (wanted, missing) = (wanted("/doc#key"), wanted("/doc#gone"));
        let start = Instant::now();
        let forever = CachePolicy::default()
            .ttl(Duration::MAX)
            .retry_after(Duration::from_secs(10))
            .mismatch_min_age(Duration::ZERO);
        entry.look(&wanted, start);
        entry.keep(
            Ok(Zeroizing::new(br#"{"key": "K"}"#.to_vec())),
            start,
            &forever,
        );
        let late = start + Duration::from_secs(3600);
        assert!(
            entry.look(&wanted, late).1.is_none(),
            "never due, and no overflow"
        );

        // A key the document lacks is asked for again after `retry_after`, not the TTL.
        entry.look(&missing, start);
        entry.keep(
            Ok(Zeroizing::new(br#"{"key": "K"}"#.to_vec())),
            start,
            &forever,
        );
        assert!(matches!(entry.look(&missing, start), (Some(Err(_)), None)));
        assert!(
            entry
                .look(&missing, start + Duration::from_secs(10))
                .1
                .is_some()
        );

        // After a failed fetch, a mismatch waits for `retry_after` too.
        let failure = Error::Manager {
            source: wanted.source.clone(),
            error: ManagerError::unavailable("down"),
        };
        entry.keep(Err(failure), start, &forever);
        assert!(
            entry
                .claim_mismatch_refresh(start + Duration::from_secs(1), &forever)
                .is_none()
        );
        assert!(
            entry
                .claim_mismatch_refresh(start + Duration::from_secs(10), &forever)
                .is_some()
        );
    }

    #[test]
    fn one_background_refresh_at_a_time() {
        let entry = Entry::new("/p".to_owned(), SecretVersion::Current);
        assert!(entry.begin_background_refresh());
        assert!(!entry.begin_background_refresh());
        fetched(&entry, "SECRET", Instant::now());
        assert!(
            entry.begin_background_refresh(),
            "a fetch ends the refresh under way"
        );
    }
}
